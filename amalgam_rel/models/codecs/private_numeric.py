"""The private domain of a numeric-like column: range, point masses, then a noisy grid.

Three steps, each a Gaussian mechanism on the column's rows (sensitivity 1) and each written
to the ledger; every later choice is post-processing of earlier noisy outputs:

1. **Range** (only when public bounds - CHECK, else the type - are too wide for the grid): a
   noisy 512-cell histogram between the public bounds, on an asinh scale for numbers and a
   linear one for temporal types (±300 years around 1970 is 214 days a cell, far finer than an
   asinh cell near 2015). Cells clearly above the noise give the range. The same histogram
   says whether the column is heavy-tailed (its noisy median in the range's lowest 10 %).
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
>>> from amalgam_rel.models.privacy import Ledger
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

RANGE_SHARE = 0.15  # of the column's rho, to find its range when public bounds are too wide
SMALL_RANGE_SHARE = 0.6  # ... and when the table is so small that the grid gets <= _SMALL_CELLS cells
_SMALL_CELLS = 6
MASS_SHARE = 0.25  # of what is left, to release point masses when the table is large enough
_RANGE_CELLS = 512
_RANGE_FALSE = 0.2
_HEAVY = 0.1  # noisy median in the lowest 10 % of the range: grid on an asinh scale
_TAIL_Z = 3.0  # a block of cells beyond the range joins it when its noisy sum clears this many sigmas
_MASS_ROWS = 4  # try point masses only when n_hat >= this many release thresholds
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
    rho, v, median = private.rho, x[valid], None
    if step == 0 or (hi - lo) / step + 1 > options.fine_cells:
        # A small table affords only a few grid cells, so where the data lies is most of what
        # can be learnt: the range then takes most of the column's budget.
        small = private.n_hat is not None and grid_cells(private.n_hat, gaussian_sigma(rho), 128) <= _SMALL_CELLS
        rho_range = rho * (SMALL_RANGE_SHARE if small else RANGE_SHARE)
        lo, hi, median = _private_range(spec.name, v, lo, hi, rho_range, private, linear=spec.kind in TEMPORAL_KINDS)
        rho -= rho_range
    if step > 0:
        lo, hi = np.floor(lo / step) * step, np.ceil(hi / step) * step
    discrete = step > 0 and (hi - lo) / step + 1 <= most

    masses, mass_counts, mass_sd = np.zeros(0), np.zeros(0), 0.0
    if not discrete and private.n_hat is not None:
        rho_mass = rho * MASS_SHARE
        mass_sd = gaussian_sigma(rho_mass)
        tau = release_threshold(mass_sd, private.release_delta)
        if private.n_hat >= _MASS_ROWS * tau:
            masses, mass_counts = _release_masses(spec.name, v, mass_sd, tau, most - 1, rho_mass, private)
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
        grid, noisy, variances, null = _adaptive_histogram(spec.name, rest, lo, hi, step, heavy, median, n_rest, nulls,
                                                           rho, options, private)
        weights = np.maximum(noisy, 0) + 1e-9  # the floor keeps every cell decodable
        bins = max(1, most - len(masses))
        cdf = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
        cut = np.searchsorted(cdf, np.linspace(0, 1, bins + 1)[1:-1])
        cut = np.unique(np.concatenate([[0], np.clip(cut, 1, len(weights) - 1), [len(weights)]]))
        edges = grid[cut]
        inner = _histogram_quantiles(grid, weights, cut, max(options.quantile_points, _PRIVATE_POINTS))
        coarse = np.concatenate([mass_counts, np.add.reduceat(noisy, cut[:-1])])
        variances = np.concatenate([np.full(len(masses), mass_sd**2), np.add.reduceat(variances, cut[:-1])])
        mode, values = ("mixed" if len(masses) else "binned"), masses
    if spec.nullable:
        coarse = np.append(coarse, null[0])
        variances = np.append(variances, null[1])
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
                   *, linear: bool) -> tuple[float, float, float]:
    """Noisy histogram between public bounds -> (low, high, noisy median) of the data."""
    if linear:
        edges = np.linspace(lo, hi, _RANGE_CELLS + 1)
    else:
        edges = np.sinh(np.linspace(np.arcsinh(lo), np.arcsinh(hi), _RANGE_CELLS + 1))
    sigma = gaussian_sigma(rho)
    counts = np.bincount(np.clip(np.searchsorted(edges[1:-1], v, side="right"), 0, _RANGE_CELLS - 1),
                         minlength=_RANGE_CELLS).astype(np.float64)
    raw = counts + private.rng.normal(0, sigma, _RANGE_CELLS)  # unclipped: block sums stay unbiased
    noisy = np.maximum(raw, 0)
    private.ledger.spend(f"range:{name}", "gaussian", rho,
                         detail=f"{'linear' if linear else 'asinh'}-scale histogram on {_RANGE_CELLS} cells, sigma={sigma:.3g}")
    # Cells clearly above the noise hold the data. Spread-out data may have no such cell, so
    # the same histogram is also read in blocks of 4, 16, ... 512 cells (sums: free), each
    # block against sigma * sqrt(block). The range covers what the finest resolutions with a
    # hit find (up to 4x coarser than the first); with no hit at all, the
    # block with the largest z-score. The threshold lets noise alone pass anywhere with
    # probability _RANGE_FALSE: a false hit only widens the range, which the grid refines.
    z = float(norm.isf(_RANGE_FALSE / (_RANGE_CELLS * 8 / 3)))
    first, last, busy, finest = _RANGE_CELLS, -1, np.zeros(0, np.int64), None
    for f in (1, 4, 16, 64, 256, 512):
        if finest is not None and f > 4 * finest:
            break
        # Blocks at offsets 0 and f/2, so that data straddling a block boundary is not split.
        starts = np.arange(0, _RANGE_CELLS - f + 1, max(f // 2, 1))
        sums = np.concatenate([[0.0], np.cumsum(raw)])
        blocks = sums[starts + f] - sums[starts]
        hit = starts[blocks > z * sigma * np.sqrt(f)]
        if len(hit):
            finest = f if finest is None else finest
            first, last = min(first, hit[0]), max(last, hit[-1] + f - 1)
            if f == 1:
                busy = hit
    if last < 0:  # nothing clears the bar: the block standing out most is the best guess
        f, i = max(((f, int(np.argmax(raw.reshape(-1, f).sum(axis=1)))) for f in (1, 4, 16, 64, 256)),
                   key=lambda fi: raw.reshape(-1, fi[0]).sum(axis=1)[fi[1]] / np.sqrt(fi[0]))
        first, last = i * f, i * f + f - 1
    if len(busy) == 0:
        busy = np.arange(first, last + 1)
    first, last = _extend(raw, first, sigma, -1), _extend(raw, last, sigma, +1) + 1
    inside = np.zeros(_RANGE_CELLS)
    inside[busy] = noisy[busy]  # the median of the busy cells only: noise elsewhere is not data
    median_cell = int(np.searchsorted(np.cumsum(inside), inside.sum() / 2)) if inside.sum() > 0 else (first + last) // 2
    median = float((edges[median_cell] + edges[median_cell + 1]) / 2)
    return float(edges[first]), float(edges[last]), median


def _extend(raw: np.ndarray, edge: int, sigma: float, direction: int) -> int:
    """Grow the range past ``edge`` to the widest block (1, 2, 4, ... 64 cells) beyond it whose
    noisy sum clearly exceeds noise: sparse tails are below the per-cell threshold but not
    below a block's. One more cell keeps the tail's end."""
    best = 0
    for k in (1, 2, 4, 8, 16, 32, 64):
        block = raw[edge + 1 : edge + 1 + k] if direction > 0 else raw[max(edge - k, 0) : edge]
        if len(block) and block.sum() > _TAIL_Z * sigma * np.sqrt(len(block)):
            best = len(block)
    return int(np.clip(edge + direction * (best + 1), 0, len(raw) - 1))


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


def _histogram_quantiles(grid: np.ndarray, weights: np.ndarray, cut: np.ndarray, points: int) -> np.ndarray:
    """Within-bin quantile functions of a piecewise-uniform density on ``grid``."""
    inner = np.empty((len(cut) - 1, points))
    levels = np.linspace(0, 1, points)
    for b in range(len(cut) - 1):  # one iteration per bin (<= n_bins), not per row
        w = weights[cut[b] : cut[b + 1]]
        cdf = np.concatenate([[0.0], np.cumsum(w)]) / w.sum()
        inner[b] = np.interp(levels, cdf, grid[cut[b] : cut[b + 1] + 1])
    return inner
