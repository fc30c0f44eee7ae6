"""The private range search of a numeric-like column, with its public point cells.

When a column's public bounds (CHECK, else the type) are too wide for the grid, a top-down
search over ``_RANGE_CELLS`` cells between them finds where the data lies (asinh scale for
numbers, linear for temporal types: 1.2 years a cell over +-300 years around 1970). Level 1
measures the two halves, each later level the 4x finer blocks inside what the previous level
kept; a block is a hit when it clears a bar corrected for the number of blocks tested. Each
level is one Gaussian histogram over disjoint cells (sensitivity 1), which also holds one cell
per *public point* (0 and 1, named without looking at the data). See :func:`private_range`.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from amalgam_rel.models.codecs.base import PrivateFit
from amalgam_rel.models.privacy import gaussian_sigma

RANGE_SHARE = (0.15, 0.6)  # least and most of the column's rho for its range when public bounds are too wide
_RANGE_SNR = 12.0  # rows per range-level noise deviation the range share aims for
_RANGE_CELLS = 512
# Cells per block at each level of the range search. An asinh cell is a few % of its value, so
# numbers stop at 4-cell blocks (narrower levels only trim spread tails; the grid refines
# further); a linear cell of the +-300-year temporal span is 1.2 years, so dates go down to 1.
RANGE_BLOCKS = {False: (256, 64, 16, 4), True: (256, 64, 16, 4, 1)}  # keyed by linear
_RANGE_FALSE = 0.2  # family-wise rate at which noise alone makes a false hit (which only widens the range)
_TAIL_Z = 3.0  # a run of blocks beyond the hits joins the range when its noisy sum clears this many sigmas


def private_range(name: str, v: np.ndarray, lo: float, hi: float, rho: float, private: PrivateFit,
                   *, linear: bool, points: np.ndarray = np.zeros(0)):
    """Top-down private search for the data between public bounds.

    Returns (low, high, noisy median or None, rho spent, whether it reached its finest level,
    (noisy counts of the rows at each of ``points``, averaged over the levels, and their
    deviation)). The rows at a public point are not in the blocks: each level's histogram is the
    blocks plus one cell per point, disjoint cells (sensitivity 1), see :func:`_range_cells`.
    The bounds are cut into
    ``_RANGE_CELLS`` cells (asinh scale for numbers, linear for temporal types) and searched
    as a tree: level 1 measures the two halves, each later level measures the children of the
    previous level's hits. Every level is one Gaussian histogram over disjoint cells
    (sensitivity 1, ``rho / levels``); which cells it holds depends only on earlier noisy
    counts. A node is a hit when its noisy count clears a threshold corrected for the number of
    nodes tested (family-wise false-hit rate ``_RANGE_FALSE``), so a coarse block holding a
    few hundred spread-out rows is found, while the loudest of 512 noise cells is not mistaken
    for data. The search stops at the first level without a hit, and the levels it did not
    measure are not spent: the caller gives that budget to the grid. With no hit at all the
    range is the public bounds - nothing was learnt, and a guessed block would miss the data.
    """
    if linear:
        edges = np.linspace(lo, hi, _RANGE_CELLS + 1)
    else:
        edges = np.sinh(np.linspace(np.arcsinh(lo), np.arcsinh(hi), _RANGE_CELLS + 1))
    cells, at_points = _range_cells(v, edges, points)
    sums = np.concatenate([[0.0], np.cumsum(cells)])
    schedule = RANGE_BLOCKS[linear]
    levels = _range_levels(private.n_hat, rho, len(schedule))
    if levels == 0:  # too few rows for even the two halves to rise above the noise
        return lo, hi, None, 0.0, False, (np.zeros(len(points)), np.inf)
    sigma = gaussian_sigma(rho / levels)
    point_sum, measured = np.zeros(len(points)), 0
    first, last, median, spent, depth, parent = 0, _RANGE_CELLS, None, 0.0, -1, (0.0, 0)
    blocks = schedule[:levels]  # small tables stop at coarse blocks
    for depth, f in enumerate(blocks):
        starts = np.arange(first, last, f)  # the blocks of this level inside the current range
        noisy = sums[np.minimum(starts + f, _RANGE_CELLS)] - sums[starts] + private.rng.normal(0, sigma, len(starts))
        if len(points):  # the same histogram's point cells
            point_sum += at_points + private.rng.normal(0, sigma, len(points))
        measured += 1
        spent += rho / levels
        also = f" + {len(points)} public point cells" if len(points) else ""
        private.ledger.spend(f"range:{name}:level {depth + 1}", "gaussian", rho / levels,
                             detail=f"{len(starts)} blocks of {f} {'linear' if linear else 'asinh'} cells{also}, sigma={sigma:.3g}")
        hit = np.flatnonzero(noisy > float(norm.isf(_RANGE_FALSE / (levels * len(starts)))) * sigma)
        if not len(hit):
            depth -= 1
            break
        a, b = _tails(noisy, hit[0], hit[-1], sigma)
        if depth > 0:  # one more block keeps a tail's end (the halves are never widened: that is everything)
            a, b = max(a - 1, 0), min(b + 1, len(starts) - 1)
        kept = float(noisy[a : b + 1].sum())
        if depth > 0 and parent[0] - kept > _TAIL_Z * sigma * np.sqrt(parent[1] + b + 1 - a):
            depth -= 1  # spread rows, each block below the bar: narrowing would drop them
            break
        parent = (kept, b + 1 - a)
        first, last = int(starts[a]), int(min(starts[b] + f, _RANGE_CELLS))
        weights = np.maximum(noisy[a : b + 1], 0)
        mid = a + int(np.searchsorted(np.cumsum(weights), weights.sum() / 2))
        median = float((edges[starts[mid]] + edges[min(starts[mid] + f, _RANGE_CELLS)]) / 2)
    points_found = (point_sum / measured, sigma / np.sqrt(measured))
    return float(edges[first]), float(edges[last]), median, spent, depth == len(schedule) - 1, points_found


def _range_cells(v: np.ndarray, edges: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows per range cell, the rows at a public point left out, and rows at each point: every
    row counts in exactly one cell of the two, so one row moves the pair by 1 in L1 (and L2).

    >>> cells, at = _range_cells(np.array([0.0, 0.0, 0.5, 1.0, 3.0]), np.array([0.0, 1.0, 2.0, 4.0]), np.array([0.0, 1.0]))
    >>> cells.tolist(), at.tolist()
    ([1.0, 0.0, 1.0], [2.0, 1.0])
    """
    at = np.isin(v, points)
    cells = np.bincount(np.clip(np.searchsorted(edges[1:-1], v[~at], side="right"), 0, len(edges) - 2),
                        minlength=len(edges) - 1).astype(np.float64)
    return cells, np.array([float(np.sum(v == p)) for p in points])


def _tails(noisy: np.ndarray, a: int, b: int, sigma: float) -> tuple[int, int]:
    """Grow the hit span [a, b] by the widest run of blocks (1, 2, 4, ...) beyond each end whose
    noisy sum clearly exceeds its noise: a sparse tail is below every block's bar but not below
    a run's, and dropping it would pile its rows on the range's edge."""
    def widest(run_sums: list[tuple[int, float]]) -> int:
        return max([k for k, total in run_sums if total > _TAIL_Z * sigma * np.sqrt(k)], default=0)
    runs = [2**i for i in range(int(np.log2(max(len(noisy), 1))) + 1)]
    left = widest([(min(k, a), float(noisy[max(a - k, 0) : a].sum())) for k in runs if a > 0])
    right = widest([(min(k, len(noisy) - 1 - b), float(noisy[b + 1 : b + 1 + k].sum())) for k in runs if b < len(noisy) - 1])
    return a - left, b + right


def range_share(n_hat: float | None, rho: float, levels: int) -> float:
    """Share of a column's rho for its range: enough for every search level to see the rows at
    ``_RANGE_SNR`` noise deviations, within ``RANGE_SHARE``. Where the data lies is most of what
    a small table can tell, so it spends more; levels the search skips return to the grid."""
    if n_hat is None:
        return RANGE_SHARE[0]
    needed = levels * _RANGE_SNR**2 / (2 * max(n_hat, 1.0) ** 2)
    return float(np.clip(needed / rho, *RANGE_SHARE))


def _range_levels(n_hat: float | None, rho: float, most: int) -> int:
    """Levels of the range search the noisy row count can use: the most for which all rows in
    one half clear the first level's bar by two deviations (0: not even the halves). Deeper
    levels that find nothing cost nothing: their budget returns to the grid."""
    if n_hat is None:
        return most
    for levels in range(most, 0, -1):
        z = float(norm.isf(_RANGE_FALSE / (levels * 2)))
        if n_hat >= (z + 2) * gaussian_sigma(rho / levels):
            return levels
    return 0
