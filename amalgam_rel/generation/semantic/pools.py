"""How often places and companies repeat: real tables name few cities many times (8 employees, 3 cities).

At fit time :func:`learn_repeat` reads, per place or organisation column, its share of distinct
values and the shares of rows its most frequent few values hold: numbers only, never a value
(:class:`Repeat`). At sample time the generator (:mod:`.generate`) makes, per locale, a pool of
that many fresh places and hands rows places from it (:func:`row_labels`), the most frequent as
often as the real ones; coarser columns (a state over cities) group the finer pool's places
(:func:`coarsen`), so a city always keeps its state.

>>> r = learn_repeat(["Calgary"] * 5 + ["Lethbridge"] * 2 + ["Edmonton"])
>>> r.distinct, r.top
(0.375, (0.625, 0.25, 0.125))
>>> labels = row_labels(8, 3, r.top, np.random.default_rng(0))
>>> sorted(np.bincount(labels).tolist())
[1, 2, 5]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

# types whose real values repeat over rows as places and employers do; never person-like ones
# (names, e-mails, phones, street addresses identify a person or a household)
POOLED = {"place": ("city", "state", "postcode"), "organisation": ("company",)}
TOP_RANKS = 3  # most frequent values whose row shares are kept


@dataclass(frozen=True)
class Repeat:
    """``distinct``: distinct non-NULL values over non-NULL rows (below 1: values repeat);
    ``top``: the shares of the non-NULL rows the most frequent values hold, most frequent first."""

    distinct: float
    top: tuple[float, ...] = ()

    def __post_init__(self):
        if not 0 < self.distinct <= 1 or any(not 0 < s <= 1 for s in self.top) or sum(self.top) > 1 + 1e-9 \
                or list(self.top) != sorted(self.top, reverse=True):
            raise ValueError("a repeat profile needs a distinct share in (0, 1] and falling top shares summing to <= 1")


def group_of(kind: str) -> str | None:
    """The pooled group (``place``, ``organisation``) a semantic type belongs to, or None."""
    return next((g for g, kinds in POOLED.items() if kind in kinds), None)


def learn_repeat(values: Sequence[object]) -> Repeat | None:
    """The repeat profile of a column's values (NULLs left out); None where no value repeats."""
    counts = Counter(v for v in values if v is not None)
    present = sum(counts.values())
    if not present or len(counts) == present:
        return None
    ranked = sorted(counts.values(), reverse=True)[:TOP_RANKS]
    return Repeat(len(counts) / present, tuple(c / present for c in ranked))


def pool_sizes(distinct: float, rows: Mapping[str, int]) -> dict[str, int]:
    """Pool size per locale: ``distinct`` of all rows, split over locales by their rows (largest
    remainders, so locales of one row each still add up), at least one per locale with rows.

    >>> pool_sizes(0.5, {"de_DE": 1, "fr_FR": 1, "en_US": 4})
    {'de_DE': 1, 'en_US': 2, 'fr_FR': 1}
    """
    keys = sorted(rows)
    sizes = _apportioned(distinct * sum(rows.values()), np.array([rows[k] for k in keys], dtype=float))
    return {k: int(min(rows[k], max(1, s))) if rows[k] else 0 for k, s in zip(keys, sizes)}


def _apportioned(total: float, weights: np.ndarray) -> np.ndarray:
    """``round(total)`` split in proportion to ``weights``, whole numbers (largest remainders)."""
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    quota = round(total) * weights / weights.sum()
    out = np.floor(quota).astype(np.int64)
    short = int(round(total)) - int(out.sum())
    out[np.argsort(-(quota - out), kind="stable")[:short]] += 1
    return out


def member_counts(n: int, k: int, top: Sequence[float]) -> np.ndarray:
    """Rows per pool member: ``k`` members (``k <= n``), each at least one row, the first ones
    holding the ``top`` shares of ``n`` and the rest the remainder evenly.

    >>> member_counts(8, 3, (0.625, 0.25, 0.125)).tolist()
    [5, 2, 1]
    """
    shares = np.zeros(k)
    m = min(k, len(top))
    shares[:m] = top[:m]
    if k > m:
        shares[m:] = max(1 - sum(top), 0) / (k - m)
    wanted = np.maximum(shares * n - 1, 0)  # beyond each member's one row
    return 1 + _apportioned(n - k, wanted)


def row_labels(n: int, k: int, top: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    """Each of ``n`` rows' pool member (0 .. ``k`` - 1), shuffled, counts from :func:`member_counts`."""
    k = max(1, min(k, n))
    return rng.permutation(np.repeat(np.arange(k), member_counts(n, k, top)))


def coarsen(rep: np.ndarray, labels: np.ndarray, k: int, top: Sequence[float]) -> np.ndarray:
    """Group the places ``rep`` names into ``k`` coarser ones (cities into states), following ``top``.

    ``rep[j]``: the place whose finer values pool member ``j`` takes; ``labels``: each row's pool
    member. Returns the new ``rep``: each member takes its coarser values from one place of its
    group, so two members of one city always share its state. Units, largest first, fill the
    group most short of its rows.

    >>> coarsen(np.arange(4), np.array([0, 0, 0, 1, 2, 3]), 2, (0.5,)).tolist()
    [0, 1, 1, 1]
    """
    units, rows = np.unique(rep[labels], return_counts=True)
    k = max(1, min(k, len(units)))
    target = member_counts(int(rows.sum()), k, top).astype(float)
    held = np.zeros(k)
    group_rep = np.full(k, -1)
    chosen = {}
    for rank, i in enumerate(np.argsort(-rows, kind="stable")):
        g = rank if rank < k else int(np.argmax(target - held))
        held[g] += rows[i]
        if group_rep[g] < 0:
            group_rep[g] = units[i]
        chosen[int(units[i])] = int(group_rep[g])
    return np.array([chosen.get(int(r), int(r)) for r in rep])
