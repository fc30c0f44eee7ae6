"""The private domain of a numeric-like column: range, point masses, then a noisy grid.

Three steps, each a Gaussian mechanism on the column's rows (sensitivity 1) and each written
to the ledger; every later choice is post-processing of earlier noisy outputs:

1. **Range** (only when public bounds - CHECK, else the type - are too wide for the grid): the
   top-down search of :mod:`private_range`. With no hit the range is the public bounds. A
   coarse range grids numbers uniformly in asinh(x). Each search level's histogram also holds
   one cell per *public point* (0 and 1 inside the public bounds of a number); a point whose
   noisy count, averaged over the levels, clears ``_POINT_Z`` deviations is a point mass (a
   choice made from noisy counts: post-processing): northwind's 61 % of 0 discounts, chinook's
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

from amalgam_rel.models.budget import grid_cells
from amalgam_rel.models.codecs.base import CodecOptions, ColumnSpec, PrivateFit
from amalgam_rel.models.codecs.private_range import RANGE_BLOCKS, private_range, range_share
from amalgam_rel.models.codecs.scale import natural_step, type_bounds
from amalgam_rel.models.privacy import gaussian_sigma, release_threshold
from amalgam_rel.schema.types import TEMPORAL_KINDS

MASS_SHARE = 0.25  # of what is left, to release point masses when the table is large enough
_HEAVY = 0.1  # noisy median in the lowest 10 % of the range: grid on an asinh scale
_MASS_ROWS = 4  # try point masses only when n_hat >= this many release thresholds
_PUBLIC_POINTS = (0.0, 1.0)  # values a number often piles on, named without looking at the data
_POINT_Z = 3.0  # noise deviations a public point's averaged count must clear to become a mass
# The same bar where the grid's first level measures the points (no range level did: small
# budgets, n / sigma ~ 2-4, where 3 deviations missed chinook's quantities, all 1, in 3 seeds
# of 3). Simulated (KS complement, 30 seeds, n / sigma 3.3): a column all at 1 0.68 -> 0.78,
# 70 % at 1 0.38 -> 0.58; columns with no mass at 0 or 1 lose 0.00-0.02 (a false point, 2.3 %
# per point, holds about 2 sigma of rows).
_GRID_POINT_Z = 2.0
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
    public_masses = np.zeros(0)
    point_counts, point_var = np.zeros(0), np.zeros(0)
    points = np.array([p for p in _PUBLIC_POINTS if lo <= p <= hi] if spec.kind not in TEMPORAL_KINDS else [])
    if step == 0 or (hi - lo) / step + 1 > options.fine_cells:
        rho_range = rho * range_share(private.n_hat, rho, len(RANGE_BLOCKS[spec.kind in TEMPORAL_KINDS]))
        lo, hi, median, spent, tight, (point_counts, point_sd) = private_range(
            spec.name, v, lo, hi, rho_range, private, linear=spec.kind in TEMPORAL_KINDS, points=points)
        chosen = point_counts > _POINT_Z * point_sd  # post-processing of the levels' noisy point cells
        public_masses, point_counts = points[chosen], point_counts[chosen]
        point_var = np.full(len(public_masses), point_sd**2)
        if np.isfinite(point_sd):  # measured by the search's levels (not when it could not run)
            points = np.zeros(0)
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
            masses, mass_counts, mass_var = _with_masses(masses, mass_counts, mass_var, found, found_counts, mass_sd**2)
            rho -= rho_mass
    rest = v[~np.isin(v, masses)] if len(masses) else v

    # NULLs are one more disjoint cell of the first histogram level: no extra cost.
    nulls = float((~valid).sum()) if spec.nullable else None
    if discrete:
        grid = lo - step / 2 + step * np.arange(int(round((hi - lo) / step)) + 2)
        (_, noisy), variances, null, _ = _levels(spec.name, np.sort(rest), grid, 1, 1, step, nulls, rho, private)
        mode, values, edges, inner, coarse = "discrete", (grid[:-1] + grid[1:]) / 2, np.zeros(0), np.zeros(0), noisy
    else:
        n_rest = private.n_hat - float(np.maximum(mass_counts, 0).sum()) if private.n_hat is not None else None
        heavy = median is not None and spec.kind not in TEMPORAL_KINDS and median - lo < _HEAVY * (hi - lo)
        scale, unscale = (np.arcsinh, np.sinh) if warp else (np.asarray, np.asarray)
        # Public points no range level measured are cells of the grid's first level instead.
        points = points[~np.isin(points, masses)]
        grid, noisy, variances, null, found = _adaptive_histogram(
            spec.name, scale(rest), scale(lo), scale(hi), 0.0 if warp else step, heavy and not warp, median, n_rest,
            nulls, rho, options, private, scale(points))
        kept = points[np.isin(scale(points), found[0])]  # the exact public values, not unscale(scale(p))
        masses, mass_counts, mass_var = _with_masses(masses, mass_counts, mass_var, kept, found[1], found[2])
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


def _with_masses(masses, counts, variances, new, new_counts, new_variance):
    """Point masses (sorted) with ``new`` ones added, their noisy counts and variances alongside."""
    order = np.argsort(np.concatenate([masses, new]), kind="stable")
    return (np.concatenate([masses, new])[order], np.concatenate([counts, new_counts])[order],
            np.concatenate([variances, np.full(len(new), new_variance)])[order])


_BRANCH = 4  # children of a refined cell
_MAX_LEVELS = 6
_SPLIT_Z = 3.0  # refine a cell whose noisy count exceeds this many noise deviations
# Fewest first-level cells. The noise/discretisation balance (budget.grid_cells) assumes data
# spread over the grid; at n / sigma ~ 1-3 it asks for 2 cells, and over public bounds (no range
# found) 2 asinh cells are the two signs: chinook's prices and totals of a few dollars were
# decoded anywhere up to 1e8. With 4 the positive half splits near 1e4 (for +-1e8); the extra
# noise-only cells are zeroed by the projection (_project). Simulated (KS complement, 20 seeds):
# 0.19 -> 0.26 (95 % at 0.99, n / sigma 3.3), 0.26 -> 0.37 (totals 1-26, n / sigma 1.3),
# 0.41 -> 0.60 (log-normal, n / sigma 3.3), 0.73 -> 0.74 at n / sigma 8 (range found).
_FEWEST_CELLS = 4


def _adaptive_histogram(name, rest, lo, hi, step, heavy, median, n_rest, nulls, rho, options, private, points=np.zeros(0)):
    """A noisy histogram refined where the data is: cells whose noisy count clears the noise
    are split into ``_BRANCH`` children and measured again (a private hierarchical histogram).

    Each level is one Gaussian histogram over disjoint cells (sensitivity 1) costing
    ``rho / levels``; which cells a level holds depends only on earlier noisy counts.
    The number of levels and the first level's cells come from the noisy row count.
    Returns (cell edges, noisy counts, their variances, (noisy NULL count, variance), the public
    points that became masses with their noisy counts and variance: see :func:`_levels`).
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
        first = max(first, _FEWEST_CELLS)
    if step > 0 and (hi - lo) / step + 1 <= first:
        grid = lo - step / 2 + step * np.arange(int(round((hi - lo) / step)) + 2)
    elif heavy:  # asinh spacing, linear below s (a quarter of the median's offset)
        s = max(step, (median - lo) / 4, (hi - lo) * 1e-6)
        grid = lo + s * np.sinh(np.linspace(0.0, np.arcsinh((hi - lo) / s), first + 1))
        grid[-1] = hi
    else:
        grid = np.linspace(lo, hi, first + 1)
    noisy, variances, null, found = _levels(name, np.sort(rest), grid, levels, _BRANCH, step, nulls, rho, private, points)
    return noisy[0], noisy[1], variances, null, found


def _levels(name, sorted_v, grid, levels, branch, step, nulls, rho, private, points=np.zeros(0)):
    """Measure ``grid``'s cells, refine busy ones ``levels - 1`` times; budget left when no cell
    is worth refining re-measures the final cells (inverse-variance combined).

    The first level also holds one cell per public point (:func:`_first_level`); the points
    whose noisy count clears ``_GRID_POINT_Z`` deviations come back as (values, noisy counts, variance)
    and their rows leave the later levels."""
    sigma = gaussian_sigma(rho / levels)
    a, b = grid[:-1].copy(), grid[1:].copy()
    leaves_a, leaves_b, leaves_y, leaves_var = [], [], [], []
    null = None
    used = 0
    while len(a):
        if used == 0:
            y, cell_var, found, sorted_v = _first_level(sorted_v, a, b, grid, points, sigma, private.rng)
        else:
            y, cell_var = _count(sorted_v, a, b, grid[0], grid[-1]) + private.rng.normal(0, sigma, len(a)), np.full(len(a), sigma**2)
        detail = f"{len(a)} cells{' + NULL' if null is None and nulls is not None else ''}, sigma={sigma:.3g}"
        if used == 0 and len(points):
            detail += f"; + {len(points)} public point cells, {len(found[0])} kept as masses"
        if null is None and nulls is not None:
            null = (nulls + float(private.rng.normal(0, sigma)), sigma**2)
        used += 1
        private.ledger.spend(f"domain:{name}" + (f":level {used}" if levels > 1 else ""), "gaussian", rho / levels, detail=detail)
        narrow = (b - a) <= max(step, (grid[-1] - grid[0]) * 1e-9) * branch
        split = (y > _SPLIT_Z * sigma) & ~narrow if used < levels else np.zeros(len(a), bool)
        leaves_a.append(a[~split]); leaves_b.append(b[~split]); leaves_y.append(y[~split])
        leaves_var.append(cell_var[~split])
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
    return (np.append(a, b[-1]), y), var, null, found


def _first_level(sorted_v, a, b, grid, points, sigma, rng):
    """The first level's noisy cell counts with one more cell per public point: a row at a point
    counts in its cell and in no grid cell, every other row in one grid cell (disjoint cells:
    one row moves the level by 1, the sensitivity it has without points, at no extra budget).
    A point whose noisy count clears ``_GRID_POINT_Z`` deviations is a mass (post-processing); the
    others' noisy counts join the grid cell holding them (a sum of two noisy counts: variance
    ``2 sigma**2``), so every row is counted. Returns (cell counts, their variances, (mass
    values, counts, variance), the rows the later levels measure: the masses' rows left out).

    >>> rng = np.random.default_rng(0)
    >>> y, var, found, rest = _first_level(np.array([1.0, 1.0, 1.0, 1.5, 2.5]), np.array([0.0, 2.0]), np.array([2.0, 4.0]),
    ...                                    np.array([0.0, 2.0, 4.0]), np.array([0.0, 1.0]), 1e-3, rng)
    >>> np.round(y).tolist(), var.tolist(), found[0].tolist(), np.round(found[1]).tolist(), rest.tolist()  # 0 holds no row
    ([1.0, 1.0], [2e-06, 1e-06], [1.0], [3.0], [1.5, 2.5])
    """
    if not len(points):
        return _count(sorted_v, a, b, grid[0], grid[-1]) + rng.normal(0, sigma, len(a)), np.full(len(a), sigma**2), \
            (np.zeros(0), np.zeros(0), sigma**2), sorted_v
    at = np.isin(sorted_v, points)
    y = _count(sorted_v[~at], a, b, grid[0], grid[-1]) + rng.normal(0, sigma, len(a))
    at_points = np.array([float(np.sum(sorted_v == p)) for p in points]) + rng.normal(0, sigma, len(points))
    var = np.full(len(a), sigma**2)
    chosen = at_points > _GRID_POINT_Z * sigma
    for p, count in zip(points[~chosen], at_points[~chosen]):
        cell = int(np.clip(np.searchsorted(a, p, side="right") - 1, 0, len(a) - 1))
        y[cell] += count
        var[cell] += sigma**2
    found = (points[chosen], at_points[chosen], sigma**2)
    return y, var, found, sorted_v[~np.isin(sorted_v, points[chosen])]


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
