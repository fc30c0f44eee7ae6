"""The private domain of a numeric-like column: range, point masses, then a noisy grid.

Three steps, each a Gaussian mechanism on the column's rows (sensitivity 1) and each written
to the ledger; every later choice is post-processing of earlier noisy outputs:

1. **Range** (only when public bounds - CHECK, else the type - are too wide for the grid): a
   top-down search over 512 cells between the public bounds (asinh scale for numbers, linear
   for temporal types: 1.2 years a cell over +-300 years around 1970). Level 1 measures the two
   halves, each later level the 4x finer blocks inside what the previous level kept; a block
   is a hit when it clears a bar corrected for the number of blocks tested. With no hit the
   range is the public bounds (a guessed block would miss the data: the 0.000 column shapes
   of chinook.Invoice at epsilon = 1). A coarse range grids numbers uniformly in asinh(x).
   Each level's histogram also holds one cell per *public point* (0 and 1 inside the public
   bounds of a number): the rows at that exact value leave the blocks for their own cell, so
   every row is still in one cell (same sensitivity, no extra budget). A point whose noisy
   count, averaged over the levels, clears ``_POINT_Z`` deviations is a point mass (a choice
   made from noisy counts: post-processing): northwind's 61 % of 0 discounts, chinook's
   quantities of 1, which the thresholded release of step 2 misses at small budgets.
2. **Point masses** (when the noisy row count says a mass could clear the threshold): a
   stability-based histogram of exact values - only values whose noisy count clears
   ``1 + sigma * z(1 - delta')`` are released, as in the categorical codec. Each becomes its
   own state, decoded exactly (0 % discounts, a $0.99 price).
3. **Grid**: a noisy histogram of the remaining rows, refined where the data is (a private
   hierarchical histogram: busy cells split into 4 and are measured again, up to 6 levels, as
   many as the noisy row count supports; few cells for small tables), starting on an asinh
   scale for heavy tails. Its noisy CDF groups cells into at most ``max_bins`` bins, gives each
   bin's within-bin shape, and - summed - is the bins' 1-way measurement.

>>> import pyarrow as pa
>>> from amalgam_rel.models.ledger import Ledger
>>> from amalgam_rel.schema.types import Kind
>>> v = np.where(np.arange(5000) < 3000, 0.0, np.random.default_rng(0).random(5000)).astype(np.float64)
>>> ctx = PrivateFit(Ledger(0.05), 0.05, np.random.default_rng(1), 1e-10, n_hat=5000.0)
>>> d = private_domain(ColumnSpec("discount", Kind.FLOAT, pa.float64(), nullable=False, bounds=(0, 1)), CodecOptions(), v, np.ones(5000, bool), ctx)
>>> d.mode, d.values.tolist()  # the mass at 0 is released and decodes exactly
('mixed', [0.0])
>>> sorted({e.step.split(":")[0] for e in ctx.ledger.entries}), round(ctx.ledger.spent, 12)
(['domain', 'masses', 'range'], 0.05)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from amalgam_rel.models.budget import grid_cells
from amalgam_rel.models.codecs.base import CodecOptions, ColumnSpec, PrivateFit
from amalgam_rel.models.codecs.scale import natural_step, type_bounds
from amalgam_rel.models.privacy import gaussian_sigma, release_threshold
from amalgam_rel.schema.types import TEMPORAL_KINDS

RANGE_SHARE = (0.15, 0.6)  # least and most of the column's rho for its range when public bounds are too wide
_RANGE_SNR = 12.0  # rows per range-level noise deviation the range share aims for
MASS_SHARE = 0.25  # of what is left, to release point masses when the table is large enough
_RANGE_CELLS = 512
# Cells per block at each level of the range search. An asinh cell is a few % of its value, so
# numbers stop at 4-cell blocks (narrower levels only trim spread tails; the grid refines
# further); a linear cell of the +-300-year temporal span is 1.2 years, so dates go down to 1.
_RANGE_BLOCKS = {False: (256, 64, 16, 4), True: (256, 64, 16, 4, 1)}  # keyed by linear
_RANGE_FALSE = 0.2  # family-wise rate at which noise alone makes a false hit (which only widens the range)
_TAIL_Z = 3.0  # a run of blocks beyond the hits joins the range when its noisy sum clears this many sigmas
_HEAVY = 0.1  # noisy median in the lowest 10 % of the range: grid on an asinh scale
_MASS_ROWS = 4  # try point masses only when n_hat >= this many release thresholds
_PUBLIC_POINTS = (0.0, 1.0)  # values a number often piles on, named without looking at the data
_POINT_Z = 3.0  # noise deviations a public point's averaged count must clear to become a mass
_PRIVATE_POINTS = 129  # within-bin quantile points: few bins, so each needs a finer shape (free: post-processing)


@dataclass(frozen=True)
class PrivateDomain:
    """What a private numeric fit found: states are ``values`` (point masses) then bins."""

    mode: str  # "discrete" (one state per grid value), "binned", or "mixed" (masses + bins)
    lo: float
    hi: float
    step: float
    values: np.ndarray
    edges: np.ndarray
    inner: np.ndarray
    counts: np.ndarray  # noisy 1-way counts per state (NULL last when nullable)
    stddev: float  # root-mean-square noise of those counts


def private_domain(spec: ColumnSpec, options: CodecOptions, x: np.ndarray, valid: np.ndarray,
                   private: PrivateFit) -> PrivateDomain:
    t = spec.arrow_type
    step = natural_step(t)
    lo_t, hi_t = type_bounds(t)
    lo = spec.bounds[0] if spec.bounds[0] is not None else lo_t
    hi = spec.bounds[1] if spec.bounds[1] is not None else hi_t
    most = min(options.n_bins, private.max_bins or options.n_bins)
    rho, v, median, warp = private.rho, x[valid], None, False
    points = public_masses = np.zeros(0)
    point_counts, point_var = np.zeros(0), np.zeros(0)
    if step == 0 or (hi - lo) / step + 1 > options.fine_cells:
        rho_range = rho * _range_share(private.n_hat, rho, len(_RANGE_BLOCKS[spec.kind in TEMPORAL_KINDS]))
        if spec.kind not in TEMPORAL_KINDS:
            points = np.array([p for p in _PUBLIC_POINTS if lo <= p <= hi])
        lo, hi, median, spent, tight, (point_counts, point_sd) = _private_range(
            spec.name, v, lo, hi, rho_range, private, linear=spec.kind in TEMPORAL_KINDS, points=points)
        chosen = point_counts > _POINT_Z * point_sd  # post-processing of the levels' noisy point cells
        public_masses, point_counts = points[chosen], point_counts[chosen]
        point_var = np.full(len(public_masses), point_sd**2)
        rho -= spent
        # A coarse range (the search stopped above its finest level) says little about the
        # scale inside it: a number's grid is then uniform in asinh(x), the search's own scale,
        # so that a range such as [0, 2**31] still has cells for 10, 1e3 and 1e5.
        warp = not tight and spec.kind not in TEMPORAL_KINDS
    if step > 0:
        lo, hi = np.floor(lo / step) * step, np.ceil(hi / step) * step
    discrete = step > 0 and (hi - lo) / step + 1 <= most

    if discrete:  # every value is a state of the grid already
        public_masses, point_counts, point_var = np.zeros(0), np.zeros(0), np.zeros(0)
    masses, mass_counts, mass_var = public_masses, point_counts, point_var
    if not discrete and private.n_hat is not None:
        rho_mass = rho * MASS_SHARE
        mass_sd = gaussian_sigma(rho_mass)
        tau = release_threshold(mass_sd, private.release_delta)
        if private.n_hat >= _MASS_ROWS * tau:
            found, found_counts = _release_masses(spec.name, v[~np.isin(v, public_masses)], mass_sd, tau,
                                                  most - 1 - len(public_masses), rho_mass, private)
            order = np.argsort(np.concatenate([masses, found]), kind="stable")
            masses = np.concatenate([masses, found])[order]
            mass_counts = np.concatenate([mass_counts, found_counts])[order]
            mass_var = np.concatenate([mass_var, np.full(len(found), mass_sd**2)])[order]
            rho -= rho_mass
    rest = v[~np.isin(v, masses)] if len(masses) else v

    # NULLs are one more disjoint cell of the first histogram level: no extra cost.
    nulls = float((~valid).sum()) if spec.nullable else None
    if discrete:
        grid = lo - step / 2 + step * np.arange(int(round((hi - lo) / step)) + 2)
        (_, noisy), variances, null = _levels(spec.name, np.sort(rest), grid, 1, 1, step, nulls, rho, private)
        mode, values, edges, inner, coarse = "discrete", (grid[:-1] + grid[1:]) / 2, np.zeros(0), np.zeros(0), noisy
    else:
        n_rest = private.n_hat - float(np.maximum(mass_counts, 0).sum()) if private.n_hat is not None else None
        heavy = median is not None and spec.kind not in TEMPORAL_KINDS and median - lo < _HEAVY * (hi - lo)
        scale, unscale = (np.arcsinh, np.sinh) if warp else (np.asarray, np.asarray)
        grid, noisy, variances, null = _adaptive_histogram(spec.name, scale(rest), scale(lo), scale(hi), 0.0 if warp else step,
                                                           heavy and not warp, median, n_rest, nulls, rho, options, private)
        weights = _project(noisy) + 1e-9  # the floor keeps every cell decodable
        bins = max(1, most - len(masses))
        cdf = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
        cut = np.searchsorted(cdf, np.linspace(0, 1, bins + 1)[1:-1])
        cut = np.unique(np.concatenate([[0], np.clip(cut, 1, len(weights) - 1), [len(weights)]]))
        edges = unscale(grid[cut])
        inner = unscale(_histogram_quantiles(grid, weights, cut, max(options.quantile_points, _PRIVATE_POINTS)))
        coarse = np.concatenate([mass_counts, np.add.reduceat(noisy, cut[:-1])])
        variances = np.concatenate([mass_var, np.add.reduceat(variances, cut[:-1])])
        mode, values = ("mixed" if len(masses) else "binned"), masses
    if spec.nullable:
        coarse = np.append(coarse, null[0])
        variances = np.append(variances, null[1])
    if len(values):  # a public point outside the range found for the other rows (decoding clips to it)
        lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
    return PrivateDomain(mode, float(lo), float(hi), step, values, edges, inner, coarse, float(np.sqrt(variances.mean())))


_BRANCH = 4  # children of a refined cell
_MAX_LEVELS = 6
_SPLIT_Z = 3.0  # refine a cell whose noisy count exceeds this many noise deviations


def _adaptive_histogram(name, rest, lo, hi, step, heavy, median, n_rest, nulls, rho, options, private):
    """A noisy histogram refined where the data is: cells whose noisy count clears the noise
    are split into ``_BRANCH`` children and measured again (a private hierarchical histogram).

    Each level is one Gaussian histogram over disjoint cells (sensitivity 1) costing
    ``rho / levels``; which cells a level holds depends only on earlier noisy counts.
    The number of levels and the first level's cells come from the noisy row count.
    Returns (cell edges, noisy counts, their variances, (noisy NULL count, variance)).
    """
    levels, first = 1, options.fine_cells
    if n_rest is not None:
        for levels in range(_MAX_LEVELS, 0, -1):  # deepest refinement the row count supports
            sigma = gaussian_sigma(rho / levels)
            first = min(grid_cells(n_rest, sigma, options.fine_cells), 16 if levels > 1 else options.fine_cells)
            # Refinement follows the data, so depth pays off wherever rows concentrate: go deep
            # whenever an average first-level cell can already be split.
            if levels == 1 or max(n_rest, 1.0) / first >= 2 * _SPLIT_Z * sigma:
                break
    if step > 0 and (hi - lo) / step + 1 <= first:
        grid = lo - step / 2 + step * np.arange(int(round((hi - lo) / step)) + 2)
    elif heavy:  # asinh spacing, linear below s (a quarter of the median's offset)
        s = max(step, (median - lo) / 4, (hi - lo) * 1e-6)
        grid = lo + s * np.sinh(np.linspace(0.0, np.arcsinh((hi - lo) / s), first + 1))
        grid[-1] = hi
    else:
        grid = np.linspace(lo, hi, first + 1)
    noisy, variances, null = _levels(name, np.sort(rest), grid, levels, _BRANCH, step, nulls, rho, private)
    return noisy[0], noisy[1], variances, null


def _levels(name, sorted_v, grid, levels, branch, step, nulls, rho, private):
    """Measure ``grid``'s cells, refine busy ones ``levels - 1`` times; budget left when no cell
    is worth refining re-measures the final cells (inverse-variance combined)."""
    sigma = gaussian_sigma(rho / levels)
    a, b = grid[:-1].copy(), grid[1:].copy()
    leaves_a, leaves_b, leaves_y, leaves_var = [], [], [], []
    null = None
    used = 0
    while len(a):
        y = _count(sorted_v, a, b, grid[0], grid[-1]) + private.rng.normal(0, sigma, len(a))
        detail = f"{len(a)} cells{' + NULL' if null is None and nulls is not None else ''}, sigma={sigma:.3g}"
        if null is None and nulls is not None:
            null = (nulls + float(private.rng.normal(0, sigma)), sigma**2)
        used += 1
        private.ledger.spend(f"domain:{name}" + (f":level {used}" if levels > 1 else ""), "gaussian", rho / levels, detail=detail)
        narrow = (b - a) <= max(step, (grid[-1] - grid[0]) * 1e-9) * branch
        split = (y > _SPLIT_Z * sigma) & ~narrow if used < levels else np.zeros(len(a), bool)
        leaves_a.append(a[~split]); leaves_b.append(b[~split]); leaves_y.append(y[~split])
        leaves_var.append(np.full(int((~split).sum()), sigma**2))
        if not split.any():
            break
        a, b = _children(a[split], b[split], branch, step)
    a, b = np.concatenate(leaves_a), np.concatenate(leaves_b)
    y, var = np.concatenate(leaves_y), np.concatenate(leaves_var)
    order = np.argsort(a, kind="stable")
    a, b, y, var = a[order], b[order], y[order], var[order]
    if used < levels:  # stopped early: spend the rest on the final cells, then combine
        rho_left = rho * (levels - used) / levels
        sd = gaussian_sigma(rho_left)
        again = _count(sorted_v, a, b, grid[0], grid[-1]) + private.rng.normal(0, sd, len(a))
        private.ledger.spend(f"domain:{name}:final cells", "gaussian", rho_left, detail=f"{len(a)} cells, sigma={sd:.3g}")
        w = (1 / var) / (1 / var + 1 / sd**2)
        y, var = w * y + (1 - w) * again, 1 / (1 / var + 1 / sd**2)
    return (np.append(a, b[-1]), y), var, null


def _children(a, b, branch, step):
    """Split each cell into ``branch`` parts (whole steps for integer-like columns)."""
    frac = np.linspace(0, 1, branch + 1)
    edges = a[:, None] + (b - a)[:, None] * frac[None, :]
    if step > 0:  # keep edges on half-steps so that every cell holds whole values
        base = a[:, None]
        edges = base + np.round((edges - base) / step) * step
    ca, cb = edges[:, :-1].ravel(), edges[:, 1:].ravel()
    keep = cb > ca
    return ca[keep], cb[keep]


def _count(sorted_v, a, b, lo, hi):
    """Rows in each [a, b) (values below lo / above hi count in the outermost cells)."""
    left = np.where(a <= lo, -np.inf, a)
    right = np.where(b >= hi, np.inf, b)
    return (np.searchsorted(sorted_v, right, side="left") - np.searchsorted(sorted_v, left, side="left")).astype(np.float64)


def _private_range(name: str, v: np.ndarray, lo: float, hi: float, rho: float, private: PrivateFit,
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
    schedule = _RANGE_BLOCKS[linear]
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


def _range_share(n_hat: float | None, rho: float, levels: int) -> float:
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


def _release_masses(name: str, v: np.ndarray, sigma: float, tau: float, most: int, rho: float,
                    private: PrivateFit) -> tuple[np.ndarray, np.ndarray]:
    """Exact values whose noisy count clears ``tau`` (stability-based histogram), sorted."""
    distinct, counts = np.unique(v, return_counts=True)
    noisy = counts + private.rng.normal(0, sigma, len(distinct))
    private.ledger.spend(f"masses:{name}", "thresholded gaussian", rho, delta=private.release_delta,
                         detail=f"exact values with noisy count > {tau:.3g}, sigma={sigma:.3g}")
    passed = np.flatnonzero(noisy > tau)
    passed = passed[np.argsort(-noisy[passed], kind="stable")][: max(most, 0)]  # the heaviest, if too many
    order = np.sort(passed)
    return distinct[order].astype(np.float64), noisy[order]


def _project(noisy: np.ndarray) -> np.ndarray:
    """Noisy counts made non-negative with their noisy total kept ("norm-sub"): subtract the one
    constant ``c`` for which ``sum(max(y - c, 0)) == sum(y)``. Clipping alone (``c = 0``) gives
    every empty cell about ``0.4 sigma`` of made-up rows; subtracting ``c`` takes that mass back
    from the noise-only cells. Post-processing of the noisy counts: free. (It shapes the
    within-bin decoding and the bin edges; the bins' 1-way measurement stays the raw sums.)

    >>> _project(np.array([50.0, -8.0, 6.0, -3.0])).tolist()
    [44.5, 0.0, 0.5, 0.0]
    """
    y = np.asarray(noisy, dtype=np.float64)
    total = float(y.sum())
    if total <= 0 or not len(y):
        return np.maximum(y, 0)
    s = np.sort(y)[::-1]
    c = (np.cumsum(s) - total) / np.arange(1, len(s) + 1)  # the shift if the top k cells stay positive
    k = int(np.flatnonzero(s > c)[-1])  # the largest such k (index k - 1) is consistent
    return np.maximum(y - c[k], 0)


def _histogram_quantiles(grid: np.ndarray, weights: np.ndarray, cut: np.ndarray, points: int) -> np.ndarray:
    """Within-bin quantile functions of a piecewise-uniform density on ``grid``."""
    inner = np.empty((len(cut) - 1, points))
    levels = np.linspace(0, 1, points)
    for b in range(len(cut) - 1):  # one iteration per bin (<= n_bins), not per row
        w = weights[cut[b] : cut[b + 1]]
        cdf = np.concatenate([[0.0], np.cumsum(w)]) / w.sum()
        inner[b] = np.interp(levels, cdf, grid[cut[b] : cut[b + 1] + 1])
    return inner
