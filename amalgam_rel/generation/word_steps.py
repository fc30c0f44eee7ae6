"""What :class:`.word_ngram.WordNGramLM` works out once per prompt, not once per decoding step.

The decoding loop hands the n-gram model every row's whole sequence at every step (it keeps no
cache). Most of what the logits need does not change from one step to the next: the row's
column, its prompt fields, and the field boost (the lifts of every token seen with the row's
fields, a few hundred entries per row). :class:`PromptPlan` holds them per prompt, and
:class:`PositionBoosts` the boost of each (column, first field, position, weight). A step then
only hashes the row's last few tokens and reads the n-gram tables.

The boosts are the very numbers the model computed per step before (the same float32
operations on the same operands), and they are added to the logits in the same order, so the
logits, and every draw from them, are unchanged bit for bit.

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
    field_boost: Boost


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


def add_boosts(logits: torch.Tensor, at: torch.Tensor, boosts: list[Boost]) -> None:
    """``logits`` (in place) plus row ``r``'s boost ``boosts[r]``, one accumulating write for
    the batch, entries in row order (the order the sums were taken in before)."""
    lengths = [len(b.tokens) for b in boosts]
    if not sum(lengths):
        return
    rows = torch.from_numpy(np.repeat(np.arange(len(boosts)), lengths))
    tokens = torch.from_numpy(np.concatenate([b.tokens for b in boosts]))
    values = torch.cat([b.values for b in boosts if len(b.tokens)]).to(logits.dtype)
    logits.index_put_((rows, at[tokens]), values, accumulate=True)
