"""What :class:`.word_ngram.WordNGramLM` works out once per prompt, not once per decoding step.

The decoding loop hands the n-gram model every row's whole sequence at every step (it keeps no
cache). Most of what the logits need does not change from one step to the next: the row's
column, its prompt fields, and the field boost (the lifts of every token seen with the row's
fields, a few hundred entries per row). :class:`PromptPlan` holds them per prompt (worked out
for a batch's new prompts at once), :class:`DenseFields` the batch's as matrices kept from step
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

from amalgam_rel.generation.word_table import Scratch

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


@dataclass(frozen=True)
class BatchRows:
    """A decoding batch as its first step found it: per row its plan, the place of its column
    tag, its column and order, its position group (rows of one column, first field and number
    of fields share their position boosts; -1: no fields) and its field signature (rows whose
    plans share one field boost, as :class:`FieldBoosts` shares them); ``leaders`` a plan of
    each position group, ``bearers`` one of each signature. A later step reads its rows'
    entries by index, not by a Python pass over its plans."""

    plans: list[PromptPlan]
    tag_at: np.ndarray
    columns: np.ndarray
    orders: np.ndarray
    groups: np.ndarray
    leaders: list[PromptPlan]
    signatures: np.ndarray
    bearers: list[PromptPlan]

    @classmethod
    def of(cls, plans: list[PromptPlan], tag_at: np.ndarray) -> BatchRows:
        keys: dict[tuple, int] = {}
        groups, leaders = [], []
        for plan in plans:
            if not plan.fields:
                groups.append(-1)
                continue
            key = (plan.column, plan.fields[0], len(plan.fields))
            if key not in keys:
                keys[key] = len(leaders)
                leaders.append(plan)
            groups.append(keys[key])
        # the boosts' identity: plans that share a boost hold the very same objects (one batch
        # holds them all, so no identity is reused within it)
        boosts: dict[tuple[int, int], int] = {}
        signatures, bearers = [], []
        for plan in plans:
            key = (id(plan.field_first), id(plan.field_rest))
            if key not in boosts:
                boosts[key] = len(bearers)
                bearers.append(plan)
            signatures.append(boosts[key])
        return cls(plans, np.asarray(tag_at, dtype=np.int64), np.array([p.column for p in plans], dtype=np.int64),
                   np.array([p.order for p in plans], dtype=np.int64), np.array(groups, dtype=np.int64), leaders,
                   np.array(signatures, dtype=np.int64), bearers)


def distinct(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the first row of each distinct tuple of ``keys``, each row's place among them): rows
    that share every key share what follows from them, worked out once. The keys are folded
    into one code (renumbered where the product of their ranges would pass 2^62), then one sort."""
    code, span = np.zeros(len(keys[0]), dtype=np.int64), 1
    for key in keys:
        key = np.asarray(key, dtype=np.int64)
        low = int(key.min(initial=0))
        width = int(key.max(initial=0)) - low + 1
        if span * width >= 2**62:
            _, code = np.unique(code, return_inverse=True)
            code, span = code.reshape(-1), int(code.max(initial=0)) + 1
        code, span = code * width + (key - low), span * width
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


class SignatureFields:
    """The field boosts of a batch's signatures (see :class:`BatchRows`) as dense [rank,
    signatures, support] matrices, built at the batch's first step: one matrix per rank, the
    first of each token's entries in a prompt, then its second, ... A step adds each rank's
    rows, gathered by signature, to its logits.

    Added rank after rank, each element sums its entries in the order it did entry by entry
    (``x + 0`` is ``x``: a boost is positive), so the logits keep their bits. Summed into one
    matrix they would round otherwise (one chinook track name in 7,628 text values flipped);
    added as sparse entries (a fifth of chinook's track names' [rows, support]) they cost
    more than the few dense passes. A batch holds a few signatures (chinook: at most 20 in
    1,024 rows), so the matrices are small and never follow the rows as they end."""

    def __init__(self):
        self._key: tuple | None = None
        self._ranks = torch.zeros(0)  # [rank, signatures, support]
        self._gathered = Scratch()

    def add_to(self, logits: torch.Tensor, at: torch.Tensor, batch: BatchRows, signatures: np.ndarray) -> None:
        """``logits`` (in place) plus the field boost of each row's signature (``signatures``,
        indexes into ``batch.bearers``) over the support whose places ``at`` gives."""
        if self._key is None or self._key[0] is not batch or self._key[1] is not at:
            self._key = (batch, at)
            self._ranks = _rank_matrices(logits, at, batch.bearers)
        if len(self._ranks) and len(self._ranks[0]) == 1:  # one signature: its rows broadcast
            for matrix in self._ranks:
                logits.add_(matrix[0])
            return
        chosen = torch.from_numpy(signatures)
        into = self._gathered.take(logits.shape, logits.dtype)
        for matrix in self._ranks:
            logits.add_(torch.index_select(matrix, 0, chosen, out=into))


def _rank_matrices(logits: torch.Tensor, at: torch.Tensor, plans: list[PromptPlan]) -> torch.Tensor:
    """The rank matrices of ``plans``' boosts over the support whose places ``at`` gives."""
    first = boost_entries(at, [p.field_first for p in plans], logits.dtype)
    rest = boost_entries(at, [p.field_rest for p in plans], logits.dtype)
    width = logits.shape[1]
    # a later entry's rank: 1 + the entries of its (row, token) before it (a stable sort keeps their order)
    key = rest.rows * width + rest.cols.numpy()
    order = np.argsort(key, kind="stable")
    new = np.concatenate(([True], key[order][1:] != key[order][:-1]))
    starts = np.flatnonzero(new)
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - np.repeat(starts, np.diff(np.append(starts, len(key)))) + 1
    count = int(rank.max(initial=0)) + 1 if len(first.rows) else 0
    ranks = torch.zeros((count, len(plans), width), dtype=logits.dtype)
    if count:
        ranks[torch.from_numpy(np.concatenate([np.zeros(len(first.rows), dtype=np.int64), rank])),
              torch.from_numpy(np.concatenate([first.rows, rest.rows])),
              torch.cat([first.cols, rest.cols])] = torch.cat([first.values, rest.values])
    return ranks


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


def boost_entries(at: torch.Tensor, boosts: list[Boost], dtype: torch.dtype) -> Entries:
    """Row ``r``'s boost ``boosts[r]`` as :class:`Entries` over the support whose places ``at`` gives."""
    lengths = [len(b.tokens) for b in boosts]
    if not sum(lengths):
        return Entries.none()
    return Entries(np.repeat(np.arange(len(boosts)), lengths),
                   at[torch.from_numpy(np.concatenate([b.tokens for b in boosts]))],
                   torch.cat([b.values for b in boosts if len(b.tokens)]).to(dtype))


def shared_entries(at: torch.Tensor, boosts: list[Boost], choice: np.ndarray, dtype: torch.dtype) -> Entries:
    """:func:`boost_entries` of rows that each take one of a few ``boosts`` (row ``r`` the
    boost ``choice[r]``, -1: none): the same entries, gathered by index."""
    sizes = np.array([len(b.tokens) for b in boosts] + [0], dtype=np.int64)  # -1 picks the last: none
    lengths = sizes[choice]
    total = int(lengths.sum())
    if not total:
        return Entries.none()
    starts = np.cumsum(sizes) - sizes
    flat = np.repeat(starts[choice] - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    tokens = np.concatenate([b.tokens for b in boosts])[flat]
    values = torch.cat([b.values for b in boosts])[torch.from_numpy(flat)]
    return Entries(np.repeat(np.arange(len(choice)), lengths), at[torch.from_numpy(tokens)], values.to(dtype))


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


class FieldBoosts:
    """:func:`field_lifts` worked out once per distinct (column, expert weight, fields found in
    the table), not once per prompt: prompts that differ only in fields the table never kept
    (an id, a price, a date) share one boost. The numbers are those of :func:`field_lifts` for
    any one of them (each entry's arithmetic reads only its own operands): the same bits."""

    def __init__(self, limit: int):
        self._limit = limit
        self._known: dict[tuple, tuple[Boost, Boost]] = {}

    def of(self, table, unigrams: torch.Tensor, columns: list[int], fields: list[list[int]], weights: torch.Tensor,
           smoothing: float) -> list[tuple[Boost, Boost]]:
        """:func:`field_lifts` of these prompts."""
        if table is None or not any(fields):
            return field_lifts(table, unigrams, columns, fields, weights, smoothing)
        if len(self._known) > self._limit:
            self._known.clear()
        found = table.find(np.array([k for f in fields for k in f], dtype=np.int64))
        per_prompt = np.split(found, np.cumsum([len(f) for f in fields])[:-1])
        signatures = [(c, w, tuple(f[f >= 0].tolist())) for c, w, f in zip(columns, weights.tolist(), per_prompt)]
        new = {s: i for i, s in enumerate(signatures) if s not in self._known}  # one prompt per new signature
        picked = list(new.values())
        boosts = field_lifts(table, unigrams, [columns[i] for i in picked], [fields[i] for i in picked],
                             weights[torch.tensor(picked, dtype=torch.long)], smoothing)
        self._known.update(zip(new, boosts))
        return [self._known[s] for s in signatures]


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
