"""The counts of :class:`.word_ngram.WordNGramLM`: one table per n-gram order and for the fields.

Each table maps a context hash to the tokens counted after it (sorted keys, a slice of
(token, count) per key), with the mass its pruned entries left to the lower orders.
"""

from __future__ import annotations

import math

import numpy as np
import torch

DISCOUNT = 0.75  # absolute discounting (Ney, Essen & Kneser 1994)


class Scratch:
    """A buffer reused for a step's temporaries: a fresh [rows, support] tensor of a few MB costs
    more to get (the allocator maps fresh pages, the kernel zeroes them) than to fill, twice as
    much for a gather and a product. Only what the step uses at once may share one."""

    def __init__(self):
        self._flat = torch.zeros(0)

    def take(self, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        """A tensor of ``shape`` over the buffer, its values left as they were (to be overwritten)."""
        size = math.prod(shape)
        if self._flat.dtype != dtype or self._flat.numel() < size:
            self._flat = torch.empty(size, dtype=dtype)
        return self._flat[:size].view(shape)


class Table:
    """Counts keyed by a context hash: sorted keys, and per key a slice of (token, count).

    ``pruned`` (n-gram tables): per key, the rows whose next token was left out because fewer
    than ``min_rows`` rows share it after this context. Their mass goes to the lower orders, as
    a pruned back-off model moves it (Stolcke 1998): without it, the few continuations many rows
    share took all of it, and a column whose words mostly follow a context once (titles, names)
    wrote the same few words over and over (chinook's track names: distinct-word rate 0.17 of real)."""

    def __init__(self, keys: np.ndarray, starts: np.ndarray, tokens: np.ndarray, counts: np.ndarray,
                 pruned: np.ndarray | None = None):
        self.keys, self.starts, self.tokens, self.counts = keys, starts, tokens, counts
        self.pruned = pruned if pruned is not None else np.zeros(len(keys), dtype=np.float32)
        kept = np.add.reduceat(counts, starts[:-1]) if len(keys) else np.zeros(0)
        self.totals = kept + self.pruned
        self.distinct = np.diff(starts)
        self._masses: torch.Tensor | None = None

    def find(self, queries: np.ndarray) -> np.ndarray:
        """Index of each query key, -1 where absent."""
        if not len(self.keys):
            return np.full(len(queries), -1)
        at = np.minimum(np.searchsorted(self.keys, queries), len(self.keys) - 1)
        return np.where(self.keys[at] == queries, at, -1)

    def entries(self, found: np.ndarray):
        """(row, token, count, key index) of every entry of every found row."""
        rows = np.flatnonzero(found >= 0)
        keys = found[rows]
        lengths = self.distinct[keys]
        flat = np.repeat(self.starts[keys] - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.repeat(rows, lengths), self.tokens[flat], self.counts[flat], np.repeat(keys, lengths)

    def slots(self, found: np.ndarray) -> tuple[np.ndarray, torch.Tensor]:
        """(row, entry index) of every entry of every found row (:meth:`entries` without the reads)."""
        rows = np.flatnonzero(found >= 0)
        keys = found[rows]
        lengths = self.distinct[keys]
        flat = np.repeat(self.starts[keys] - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.repeat(rows, lengths), torch.from_numpy(flat)

    def masses(self) -> torch.Tensor:
        """Per entry its discounted count over its context's total (float32), worked out once."""
        if self._masses is None:
            totals = np.repeat(self.totals, self.distinct)
            self._masses = torch.from_numpy(np.maximum(self.counts - DISCOUNT, 0) / totals).to(torch.float32)
        return self._masses

    def backoff(self, found: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
        """The weight of the lower orders per row where its context was seen (``found``: its
        index, -1: unseen), else 1: the discounted mass (D * distinct) and the pruned rows', over
        the context's total."""
        weight = torch.ones(len(found), dtype=dtype)
        hit = np.flatnonzero(found >= 0)
        if len(hit):
            at = found[hit]
            share = (DISCOUNT * self.distinct[at] + self.pruned[at]) / self.totals[at]
            weight[hit] = torch.from_numpy(share).to(weight.dtype)
        return weight

    def add_masses(self, probs: torch.Tensor, found: np.ndarray, scale: torch.Tensor, places: torch.Tensor,
                   scratch: Scratch | None = None) -> None:
        """``probs`` (in place) plus each seen context's discounted counts over its total, times
        ``scale`` (``places``: each entry's column). A step's rows share few contexts (after a
        space, most of them one): each distinct context's masses are written once, as a dense
        row, then gathered per row and added in one pass. Each element gains the product it
        gained entry by entry before (a row's context holds each token once; ``x + 0 * s`` is
        ``x``): the same bits. ``scratch``: where the gathered rows go (None: a fresh tensor)."""
        seen = found >= 0
        contexts, inverse = np.unique(found[seen], return_inverse=True)
        row, flat = self.slots(contexts)
        dense = torch.zeros((len(contexts) + 1, probs.shape[1]), dtype=probs.dtype)  # the last: unseen
        dense.index_put_((torch.from_numpy(row), places[flat]), self.masses()[flat].to(probs.dtype), accumulate=True)
        choice = np.full(len(found), len(contexts), dtype=np.int64)
        choice[seen] = inverse.reshape(-1)
        into = (scratch or Scratch()).take(probs.shape, probs.dtype)
        gathered = torch.index_select(dense, 0, torch.from_numpy(choice), out=into)
        probs.add_(gathered.mul_(scale[:, None]))

    def tensors(self, name: str) -> dict[str, torch.Tensor]:
        return {f"{name}.keys": torch.from_numpy(self.keys), f"{name}.starts": torch.from_numpy(self.starts),
                f"{name}.tokens": torch.from_numpy(self.tokens), f"{name}.counts": torch.from_numpy(self.counts),
                f"{name}.pruned": torch.from_numpy(self.pruned)}

    @classmethod
    def from_tensors(cls, tensors: dict, name: str) -> Table:
        pruned = tensors.get(f"{name}.pruned")  # absent in a model saved before pruned mass was kept
        return cls(*(tensors[f"{name}.{part}"].numpy() for part in ("keys", "starts", "tokens", "counts")),
                   None if pruned is None else pruned.numpy())


class KeptRows:
    """Rows of logits that follow from a few integer keys alone (a context's n-gram
    probabilities), each worked out once and kept across steps and batches: a step's rows
    share few contexts, and the steps of a column's batches meet the same ones again (after a
    space, the words a value starts with). Kept per support (``owner``: the columns a row
    covers), up to ``limit`` numbers in all, then started afresh; the rows are the very numbers
    worked out anew, so keeping them changes no bit."""

    def __init__(self, limit: int):
        self._limit = limit
        self._kept: dict[int, _Kept] = {}  # by the owner's identity (the owner kept alive in it)

    def rows(self, owner, keys: list[tuple], make) -> tuple[torch.Tensor, torch.Tensor]:
        """(kept rows, the place of each of ``keys`` among them); ``make(new)`` works out the
        rows of the keys at the places ``new`` (a numpy index array) of ``keys``, in their order."""
        kept = self._kept.get(id(owner))
        if kept is None or kept.owner is not owner:
            kept = self._kept[id(owner)] = _Kept(owner)
        new = [i for i, k in enumerate(keys) if k not in kept.places]
        held = sum(len(k.places) * k.rows.shape[1] for k in self._kept.values())
        if new and held + len(new) * kept.rows.shape[1] > self._limit:
            self._kept = {id(owner): _Kept(owner)}  # full: the kept rows give way to this step's
            kept, new = self._kept[id(owner)], list(range(len(keys)))
        if new:
            kept.store(make(np.array(new, dtype=np.int64)), [keys[i] for i in new])
        return kept.rows, torch.tensor([kept.places[k] for k in keys], dtype=torch.long)


class _Kept:
    """One owner's kept rows (:class:`KeptRows`): their places by key, in a buffer that doubles."""

    def __init__(self, owner):
        self.owner = owner
        self.places: dict[tuple, int] = {}
        self.rows = torch.zeros((0, 0))

    def store(self, made: torch.Tensor, keys: list[tuple]) -> None:
        count = len(self.places)
        if count + len(keys) > len(self.rows) or self.rows.shape[1] != made.shape[1]:
            grown = torch.empty((2 * (count + len(keys)), made.shape[1]), dtype=made.dtype)
            if count:
                grown[:count] = self.rows[:count]
            self.rows = grown
        self.rows[count : count + len(keys)] = made
        self.places.update((k, count + i) for i, k in enumerate(keys))
