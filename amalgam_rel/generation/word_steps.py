"""What :class:`.word_ngram.WordNGramLM` works out once per prompt, not once per decoding step.

The decoding loop hands the n-gram model every row's whole sequence at every step (it keeps no
cache). Most of what the logits need does not change from one step to the next: the row's
column, its prompt fields, and the field boost (the lifts of every token seen with the row's
fields, a few hundred entries per row). :class:`PromptPlan` holds them per prompt (worked out
for a batch's new prompts at once), :class:`DenseFields` the batch's as a matrix kept from step
to step, and the model the boost of each (column, first field, position, weight). A step then
only hashes the row's last few tokens and reads the n-gram tables.

The boosts are the very numbers the model computed per step before (the same float32
operations on the same operands), and they are added to the logits in the same order for each
token, so the logits, and every draw from them, are unchanged bit for bit.

>>> import numpy as np, torch
>>> boost = Boost.of(np.array([3, 5]), torch.tensor([0.5, 0.25]))
>>> [int(t) for t in boost.tokens], boost.values.tolist()
([3, 5], [0.5, 0.25])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Boost:
    """Tokens and what their logits gain (lift times the row's expert weight), in the table's order."""

    tokens: np.ndarray
    values: torch.Tensor

    @classmethod
    def of(cls, tokens: np.ndarray, values: torch.Tensor) -> Boost:
        return cls(tokens.astype(np.int64, copy=False), values)

    @classmethod
    def none(cls) -> Boost:
        return cls(EMPTY, torch.zeros(0))


@dataclass(frozen=True)
class PromptPlan:
    """One prompt (prompt tokens and column tag): its column, n-gram order, tag id, field
    hashes, expert weight (float32, as a 0-d tensor) and field boost."""

    column: int
    order: int
    tag: int
    fields: tuple[int, ...]
    weight: torch.Tensor
    field_first: Boost  # each token's first field entry
    field_rest: Boost  # the entries of tokens seen with an earlier field, in order


class DenseFields:
    """The batch's first field entries as a dense [rows, support] matrix, kept from step to step
    while the batch's rows only end (the decoding loop drops them; the rest keep their order).

    The later entries are added one by one at every step, after the matrix: summed into it once
    per batch they would be cheaper (TPC-H's eight-field prompts), but a sum in another order
    rounds otherwise, and flipped one chinook track name in 7,628 text values."""

    def __init__(self):
        self._key: tuple | None = None
        self._row_of: dict[int, int] = {}
        self._dense = torch.zeros(0)
        self._rest = Entries.none()

    def add_to(self, logits: torch.Tensor, at: torch.Tensor, plans: list[PromptPlan]) -> Entries:
        """``logits`` (in place) plus each row's first field entries; the later ones returned,
        for the caller to add in one write with what follows them (kept as the matrix is: a
        batch's rows are gathered from them, not concatenated anew at every step)."""
        rows = [self._row_of.get(id(p)) for p in plans]
        if self._key is not at or None in rows:
            self._key, self._row_of = at, {id(p): i for i, p in reversed(list(enumerate(plans)))}
            self._plans = plans  # keeps the ids above alive
            self._dense = torch.zeros(logits.shape, dtype=logits.dtype)
            firsts = [p.field_first for p in plans]
            lengths = [len(b.tokens) for b in firsts]
            if sum(lengths):
                self._dense[torch.from_numpy(np.repeat(np.arange(len(plans)), lengths)),
                            at[torch.from_numpy(np.concatenate([b.tokens for b in firsts]))]] = \
                    torch.cat([b.values for b in firsts]).to(logits.dtype)
            self._rest = boost_entries(at, [p.field_rest for p in plans], logits.dtype)
        elif len(self._dense) != len(plans) or rows != list(range(len(plans))):
            self._dense = self._dense[torch.tensor(rows)]
            self._rest = self._rest.of_rows(np.asarray(rows, dtype=np.int64))
            self._row_of = {id(p): i for i, p in reversed(list(enumerate(plans)))}
            self._plans = plans
        logits.add_(self._dense)
        return self._rest


@dataclass(frozen=True)
class Entries:
    """Additions to a batch's logits: per entry its row, column and value, rows ascending and
    each row's entries in the order they are summed."""

    rows: np.ndarray
    cols: torch.Tensor
    values: torch.Tensor

    @classmethod
    def none(cls) -> Entries:
        return cls(EMPTY, torch.zeros(0, dtype=torch.long), torch.zeros(0))

    def of_rows(self, rows: np.ndarray) -> Entries:
        """The entries of old rows ``rows`` (one may come twice), renumbered 0, 1, ... in that order."""
        counts = np.bincount(self.rows, minlength=int(rows.max(initial=-1)) + 1)
        starts = np.cumsum(counts) - counts
        lengths = counts[rows]
        flat = torch.from_numpy(np.repeat(starts[rows] - np.cumsum(lengths) + lengths, lengths)
                                + np.arange(lengths.sum()))
        return Entries(np.repeat(np.arange(len(rows)), lengths), self.cols[flat], self.values[flat])


def boost_entries(at: torch.Tensor, boosts: list[Boost], dtype: torch.dtype) -> Entries:
    """Row ``r``'s boost ``boosts[r]`` as :class:`Entries` over the support whose places ``at`` gives."""
    lengths = [len(b.tokens) for b in boosts]
    if not sum(lengths):
        return Entries.none()
    return Entries(np.repeat(np.arange(len(boosts)), lengths),
                   at[torch.from_numpy(np.concatenate([b.tokens for b in boosts]))],
                   torch.cat([b.values for b in boosts if len(b.tokens)]).to(dtype))


def add_entries(logits: torch.Tensor, *parts: Entries) -> None:
    """``logits`` (in place) plus every entry of ``parts``, in one accumulating write that sums
    each element's entries in the order given (the part first, then each part's own order)."""
    parts = [p for p in parts if len(p.rows)]
    if not parts:
        return
    rows = torch.from_numpy(np.concatenate([p.rows for p in parts]))
    logits.index_put_((rows, torch.cat([p.cols for p in parts])), torch.cat([p.values for p in parts]),
                      accumulate=True)


def lifts(table, unigrams: torch.Tensor, column: int, keys: list[int], weight: torch.Tensor,
          smoothing: float) -> Boost:
    """The boost of the context ``keys`` of ``table`` for a row of ``column``: per entry
    ``log1p(count / (smoothing * P(token)))`` times ``weight``, in the order of the keys."""
    if table is None or not keys:
        return Boost.none()
    found = table.find(np.array(keys, dtype=np.int64))
    _, token, count, _ = table.entries(found)
    prior = unigrams[column, torch.from_numpy(token)].numpy()
    lift = torch.from_numpy(np.log1p(count / (smoothing * prior))).to(unigrams.dtype)
    return Boost.of(token, lift * weight)


def field_lifts(table, unigrams: torch.Tensor, columns: list[int], fields: list[list[int]], weights: torch.Tensor,
                smoothing: float) -> list[tuple[Boost, Boost]]:
    """:func:`lifts` of many prompts at once (``fields[i]`` the keys of prompt ``i``, of column
    ``columns[i]``, weighted ``weights[i]``): one table search and one pass of arithmetic for a
    whole batch's new prompts, the same numbers per entry. Each prompt's boost comes split in
    its first entry of each token and the later ones: added densely (``x + 0`` is ``x``) and then
    one by one, they sum as the entries did one by one, to the same bits."""
    lengths = [len(f) for f in fields]
    none = [(Boost.none(), Boost.none())] * len(fields)
    if table is None or not sum(lengths):
        return none
    found = table.find(np.array([k for f in fields for k in f], dtype=np.int64))
    slot, token, count, _ = table.entries(found)
    if not len(token):
        return none
    prompt = np.repeat(np.arange(len(fields)), lengths)[slot]
    prior = unigrams[torch.from_numpy(np.asarray(columns, dtype=np.int64)[prompt]), torch.from_numpy(token)].numpy()
    lift = torch.from_numpy(np.log1p(count / (smoothing * prior))).to(unigrams.dtype)
    values = lift * weights[torch.from_numpy(prompt)]
    # a token's first entry in its prompt (a stable sort keeps the first of equal keys; numpy's
    # unique, hashing since 2.3, took a third of TPC-H's prompt plans)
    keys = prompt * (int(token.max()) + 1) + token
    order = np.argsort(keys, kind="stable")
    first = order[np.concatenate(([True], keys[order][1:] != keys[order][:-1]))]
    rest = np.ones(len(token), dtype=np.int64)
    rest[first] = 0
    # per prompt its first entries, then its later ones, each in the table's order: two slices
    segment = prompt * 2 + rest
    order = np.argsort(segment, kind="stable")
    counts = np.bincount(segment, minlength=2 * len(fields))
    tokens = np.split(token[order], np.cumsum(counts)[:-1])
    parts = torch.split(values[torch.from_numpy(order)], counts.tolist())
    return [(Boost.of(tokens[2 * i], parts[2 * i]), Boost.of(tokens[2 * i + 1], parts[2 * i + 1]))
            for i in range(len(fields))]
