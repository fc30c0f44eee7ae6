"""Codec for integers, floats, DECIMAL, DATE, TIME, TIMESTAMP and INTERVAL.

Columns with at most ``n_bins`` distinct values are categorical on their exact values. Others
get quantile bins, after the values of a count of children that hold twice the rows of a bin
(its zeros) are given states of their own; a code decodes through that bin's own quantile function (``quantile_points``
points, linearly interpolated), so decoded values follow the real within-bin shape instead of
a uniform smear. Decoded values are rounded to the column's resolution (whole units for
integers and dates, detected coarser steps such as whole seconds or two decimals) and clipped
to the observed range and CHECK bounds.

When private, the domain comes from :mod:`private_numeric`: public bounds narrowed by a noisy
range histogram, privately released point masses, and a noisy grid histogram sized by the
signal-to-noise ratio.

>>> import pyarrow as pa, numpy as np
>>> codec = NumericCodec(ColumnSpec("x", Kind.INTEGER, pa.int32())).fit(pa.array(np.arange(1000, dtype=np.int32)))
>>> codec.size
32
>>> out = codec.decode(codec.encode(pa.array([0, 999], pa.int32())), np.random.default_rng(0))
>>> out.type, 0 <= min(out.to_pylist()) <= max(out.to_pylist()) <= 999
(DataType(int32), True)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.models.codecs.base import Codec, CodecOptions, ColumnSpec, PrivateFit
from amalgam_rel.models.codecs.private_numeric import private_domain
from amalgam_rel.models.codecs.scale import from_numeric, natural_step, step_candidates, storable_bounds, to_numeric
from amalgam_rel.models.stratified import stratified_uniforms
from amalgam_rel.schema.internal_names import CONTEXT, is_count_column
from amalgam_rel.schema.types import Kind

_STEP_SAMPLE = 200_000  # values checked when detecting a coarser resolution
_BIN_PROBES = 4096  # values of a bin a condition is checked on (code_values)
MIN_BIN_ROWS = 5  # rows a bin of the values beside the point masses holds at least (a chi-squared cell)


def _distinct_sorted(v: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(``np.unique(v)``, ``v`` sorted) from one sort: a six-million-row column was sorted
    twice, once for its distinct values and once for its bins. Where ``v`` holds NaN (whose
    payloads differ) or a negative zero (numpy's vectorised sort may write it as +0.0, and which
    zero ``np.unique`` keeps is its own choice), ``np.unique`` decides and the sorted values are None."""
    if np.isnan(v).any() or np.signbit(v[v == 0]).any():
        return np.unique(v), None
    ordered = np.sort(v)
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first], ordered


class NumericCodec(Codec):
    mode: str  # "discrete" (exact values), "binned", or "mixed" (point masses, then bins)

    @property
    def size(self) -> int:
        states = len(self.values) + (len(self.edges) - 1 if self.mode != "discrete" else 0)
        return states + int(self.has_null)

    @property
    def null_code(self) -> int | None:
        return self.size - 1 if self.has_null else None

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, values, private: PrivateFit | None = None) -> NumericCodec:
        x, valid = to_numeric(values)
        if private is not None:
            return self._fit_private(x, valid, private)
        v = x[valid]
        self.has_null = bool((~valid).any())
        lo_chk, hi_chk = self.spec.bounds
        # NaN and infinities (floating columns) are kept as values when there are few distinct
        # ones, but never set the range, the resolution or the bins
        finite = v[np.isfinite(v)]
        self.lo = float(finite.min()) if len(finite) else float(lo_chk if lo_chk is not None else 0.0)
        self.hi = float(finite.max()) if len(finite) else float(hi_chk if hi_chk is not None else self.lo)
        self.step = _detect_step(finite, self.spec.arrow_type)
        distinct, ordered = _distinct_sorted(v)
        if len(distinct) <= self.options.n_bins or not len(finite):
            self.mode, self.values = "discrete", distinct
            self.edges = self.inner = np.zeros(0)
            return self
        sorted_v = ordered[np.isfinite(ordered)] if ordered is not None else np.sort(finite)
        # only a count of children: elsewhere (northwind's quantities and stock, 77 products) exact
        # masses beside finer bins cost pair trends 0.953 -> 0.936 and more, over three seeds
        masses = _point_masses(sorted_v, self.options.n_bins) if counts_children(self.spec.name) else np.zeros(0)
        rest = sorted_v[~np.isin(sorted_v, masses)]
        if len(masses) and len(np.unique(rest)) >= 2:
            # the masses decode exactly and the bins share out the other rows: equal-frequency
            # bins over all rows gave 91 % of zeros most of the bins, so openflights' route counts
            # per airline had 3 states, and "1 to 17 routes" one of them. A bin of the rest holds
            # MIN_BIN_ROWS rows at least: 25 odd values beside three masses are 5 bins, not 29
            # bins of one real value each (a model that only redraws what it saw)
            self.mode, self.values = "mixed", masses
            sorted_v = rest
            bins = max(2, min(self.options.n_bins - len(masses), len(rest) // MIN_BIN_ROWS))
        else:
            self.mode, self.values, bins = "binned", np.zeros(0), self.options.n_bins
        self.edges = _quantile_edges(sorted_v, bins)
        self.inner = _within_bin_quantiles(sorted_v, self.edges, self.options.quantile_points)
        return self

    def _fit_private(self, x: np.ndarray, valid: np.ndarray, private: PrivateFit) -> NumericCodec:
        d = private_domain(self.spec, self.options, x, valid, private)
        self.has_null = self.spec.nullable
        self.mode, self.lo, self.hi, self.step = d.mode, d.lo, d.hi, d.step
        self.values, self.edges, self.inner = d.values, d.edges, d.inner
        private.counts, private.stddev = d.counts, d.stddev
        return self

    # -- encoding ----------------------------------------------------------------------------
    def encode(self, values) -> np.ndarray:
        x, valid = to_numeric(values)
        if self.mode == "discrete":
            codes = _nearest(self.values, x) if len(self.values) else np.zeros(len(x), np.int64)  # all NULL when fitted
        else:
            codes = len(self.values) + np.searchsorted(self.edges[1:-1], x, side="right")
            if self.mode == "mixed":  # released point masses match exactly; the rest is binned
                at = np.clip(np.searchsorted(self.values, x), 0, len(self.values) - 1)
                codes = np.where(self.values[at] == x, at, codes)
        codes = codes.astype(np.int64)
        if not valid.all():
            codes[~valid] = self.null_code if self.has_null else _mode_fallback(codes, valid)
        return codes

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pa.Array:
        codes = np.asarray(codes, dtype=np.int64)
        valid = codes != self.null_code if self.has_null else np.ones(len(codes), dtype=bool)
        states = np.where(valid, codes, 0)
        if self.mode == "discrete":
            x = self.values[states] if len(self.values) else np.full(len(codes), self.lo)
            valid &= len(self.values) > 0
        else:
            k = len(self.values)  # point masses ("mixed") come before the bins
            binned = np.maximum(states - k, 0)
            q = self.inner.shape[1] - 1
            pos = stratified_uniforms(binned, rng) * q  # spread over each bin, not clumped
            i = np.minimum(pos.astype(np.int64), q - 1)
            frac = pos - i
            a, b = self.inner[binned, i], self.inner[binned, i + 1]
            x = a + frac * (b - a)
            if k:
                x = np.where(states < k, self.values[np.minimum(states, k - 1)], x)
        if self.step > 0:
            # k * 0.01 is 6.3100000000000005 for k = 631: round to the step's own decimals too
            x = np.round(np.round(x / self.step) * self.step, _decimals(self.step))
        lo, hi = _inside(self.lo, +1), _inside(self.hi, -1)
        if self.spec.bounds[0] is not None:
            lo = max(lo, self.spec.bounds[0])
        if self.spec.bounds[1] is not None:
            hi = min(hi, self.spec.bounds[1])
        # the type's storable range, not its public span: a non-private codec's range is the
        # data's, which may run past 1670-2270 (9999-12-31 for "open-ended")
        type_lo, type_hi = storable_bounds(self.spec.arrow_type)
        x = np.where(np.isfinite(x), np.clip(x, max(lo, type_lo), min(hi, type_hi)), x)
        return from_numeric(x, valid, self.spec.arrow_type)

    def code_values(self) -> tuple[np.ndarray, pa.Array]:
        """Values each code decodes to, with their codes: every exact value, and for a bin every
        value of its resolution between its extremes (at most ``_BIN_PROBES``; evenly spaced ones
        beyond that or for a continuous column). A condition on the column holds for a code if it
        holds for one of them: exact for exact values and whole-unit bins, close for wide ones."""
        k = len(self.values)
        codes, values = [np.arange(k)], [np.asarray(self.values, dtype=np.float64)]
        for b in range(len(self.edges) - 1 if self.mode != "discrete" else 0):
            lo, hi = float(self.inner[b, 0]), float(self.inner[b, -1])
            steps = (hi - lo) / self.step if self.step > 0 else np.inf
            if steps < _BIN_PROBES:
                grid = np.arange(np.floor(lo / self.step), np.ceil(hi / self.step) + 1) * self.step
            else:
                grid = np.concatenate([np.linspace(lo, hi, _BIN_PROBES), self.inner[b]])
            codes.append(np.full(len(grid), k + b))
            values.append(grid)
        x = np.concatenate(values)
        if self.step > 0:
            x = np.round(np.round(x / self.step) * self.step, _decimals(self.step))
        lo, hi = storable_bounds(self.spec.arrow_type)
        x = np.where(np.isfinite(x), np.clip(x, max(self.lo, lo), min(self.hi, hi)), x)
        code = np.concatenate(codes).astype(np.int64)
        valid = np.ones(len(x), dtype=bool)
        if self.has_null:
            x, code, valid = np.append(x, 0.0), np.append(code, self.null_code), np.append(valid, False)
        return code, from_numeric(x, valid, self.spec.arrow_type)

    def restricted(self, held: np.ndarray) -> tuple[NumericCodec, np.ndarray]:
        """For a condition holding for the values ``held`` marks (a bool per entry of
        :meth:`code_values`): the weight of each code, 1 where it holds for one of its values, and
        itself (a bin's values are drawn from its quantile function; the final filter keeps those
        that hold)."""
        codes, _ = self.code_values()
        weights = np.zeros(self.size)
        weights[codes[np.asarray(held, dtype=bool)]] = 1.0
        return self, weights

    # -- persistence -------------------------------------------------------------------------
    def state(self):
        params = {"mode": self.mode, "has_null": self.has_null, "lo": self.lo, "hi": self.hi, "step": self.step}
        return params, {"values": self.values, "edges": self.edges, "inner": self.inner}

    @classmethod
    def from_state(cls, spec: ColumnSpec, options: CodecOptions, params: dict, arrays: dict) -> NumericCodec:
        codec = cls(spec, options)
        codec.mode, codec.has_null = params["mode"], bool(params["has_null"])
        codec.lo, codec.hi, codec.step = float(params["lo"]), float(params["hi"]), float(params["step"])
        codec.values, codec.edges, codec.inner = arrays["values"], arrays["edges"], arrays["inner"]
        return codec


def _inside(bound: float, direction: int) -> float:
    """``bound`` moved one double towards the inside where a double no longer spells every
    integer: the real extreme of a TIMESTAMP_NS or a large BIGINT (8108916466000480000 ns) reads
    as a double past it (...480256), and a CHECK that names the extreme refuses the copy.

    >>> _inside(8108916466000480000.0, -1) < 8108916466000480000, _inside(2.5, -1)
    (True, 2.5)
    """
    if abs(bound) <= 2.0**53 or not np.isfinite(bound):
        return bound
    return float(np.nextafter(bound, direction * np.inf))


def _nearest(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the nearest known value: exact for seen values, sensible for unseen evidence."""
    idx = np.clip(np.searchsorted(values, x), 1, max(1, len(values) - 1))
    left, right = values[idx - 1], values[np.minimum(idx, len(values) - 1)]
    with np.errstate(invalid="ignore"):  # NaN and infinities: exact matches below
        nearest = np.where(np.abs(x - left) <= np.abs(right - x), idx - 1, np.minimum(idx, len(values) - 1))
    if not np.isfinite(values[-1:]).all() or not np.isfinite(values[:1]).all():
        exact = np.searchsorted(values, x)  # NaN sorts last, as np.unique puts it
        hit = exact < len(values)
        hit[hit] = (values[exact[hit]] == x[hit]) | (np.isnan(values[exact[hit]]) & np.isnan(x[hit]))
        nearest = np.where(hit, exact, nearest)
    return nearest


def _mode_fallback(codes: np.ndarray, valid: np.ndarray) -> int:
    """Code for a NULL the codec never saw (evidence only): the most common code."""
    seen = codes[valid]
    return int(np.bincount(seen).argmax()) if len(seen) else 0


def _detect_step(v: np.ndarray, t: pa.DataType) -> float:
    """The coarsest candidate resolution every observed value is a multiple of (0: continuous)."""
    sample = v[:: max(1, len(v) // _STEP_SAMPLE)]
    for step in step_candidates(t):
        ratio = sample / step
        if np.all(np.abs(ratio - np.round(ratio)) <= 1e-6 * np.maximum(1.0, np.abs(ratio)) + 1e-9):
            return float(step)
    return natural_step(t)


def counts_children(name: str) -> bool:
    """Whether a model column counts the rows of a foreign key: ``#0``, a parent's ``^#1``, a
    matched parent's ``&2.#1``.

    >>> counts_children("#0"), counts_children("^^#3"), counts_children("&2.#1"), counts_children("price")
    (True, True, True, False)
    """
    return is_count_column(name.rsplit(".", 1)[-1].lstrip(CONTEXT))


def _point_masses(sorted_v: np.ndarray, bins: int) -> np.ndarray:
    """Values held by twice as many rows as one of ``bins`` equal-frequency bins holds at least:
    a count's zeros, a default price. They are states of their own (as a private fit's released
    point masses). Twice, so that the values of an evenly spread integer (1 to 37 days, 2.7 % of
    the rows each) do not become masses by the luck of the draw.

    >>> _point_masses(np.sort(np.r_[np.zeros(90), np.arange(1, 11)]), 32)
    array([0.])
    """
    values, counts = np.unique(sorted_v, return_counts=True)
    return values[counts * bins >= 2 * len(sorted_v)]


def _quantile_edges(sorted_v: np.ndarray, bins: int) -> np.ndarray:
    """Equal-frequency edges, each moved into the widest gap near it when that gap is real.

    A bin that straddles a gap between two modes would decode values inside the gap, and its
    code would mix both modes; snapping its edge into the gap keeps modes apart.
    """
    n = len(sorted_v)
    ranks = np.round(np.linspace(0, n - 1, bins + 1)[1:-1]).astype(np.int64)
    half = max(1, n // (2 * bins))  # windows tile the ranks, so every real gap is seen
    edges = [sorted_v[0]]
    for r in ranks:  # one iteration per edge (< n_bins), not per row
        lo, hi = max(0, r - half), min(n - 1, r + half)
        gaps = np.diff(sorted_v[lo : hi + 1])
        if len(gaps) == 0:
            continue
        widest = gaps.max()
        mean = (sorted_v[hi] - sorted_v[lo]) / (hi - lo)
        if widest > 0 and widest > 10 * mean:
            candidates = np.flatnonzero(gaps == widest)
            j = lo + candidates[np.argmin(np.abs(lo + candidates - r))]
            edges.append((sorted_v[j] + sorted_v[j + 1]) / 2)
        else:
            edges.append(sorted_v[r])
    edges.append(sorted_v[-1])
    return np.unique(np.asarray(edges, dtype=np.float64))


def _within_bin_quantiles(sorted_v: np.ndarray, edges: np.ndarray, points: int) -> np.ndarray:
    """Quantile function of each bin's members at ``points`` evenly spaced levels."""
    bins = len(edges) - 1
    start = np.searchsorted(sorted_v, edges[:-1], side="left")
    start[0] = 0
    end = np.append(start[1:], len(sorted_v))
    levels = np.linspace(0, 1, points)
    # Linear interpolation between order statistics, all bins at once.
    span = np.maximum(end - start - 1, 0)[:, None]
    pos = start[:, None] + levels[None, :] * span
    i = np.floor(pos).astype(np.int64)
    j = np.minimum(i + 1, np.maximum(end - 1, start)[:, None])
    frac = pos - i
    inner = sorted_v[i] * (1 - frac) + sorted_v[j] * frac
    empty = end <= start  # cannot happen with quantile edges, but keep decoding defined
    inner[empty] = np.linspace(edges[:-1][empty], edges[1:][empty], points, axis=1)
    return inner.reshape(bins, points)


def _decimals(step: float) -> int:
    """The fewest decimals that write ``step`` exactly (0.25 -> 2, 5 -> 0), at most 12.

    >>> _decimals(0.01), _decimals(0.25), _decimals(5.0)
    (2, 2, 0)
    """
    for d in range(13):
        if abs(round(step, d) - step) <= 1e-12 * max(1.0, abs(step)):
            return d
    return 12
