"""The parts of an exact fit that come from all rows of a table too large to read.

:func:`~.exact_fit.fit_exact` fits on a bounded sample of rows when it is handed
:class:`~.aggregates.Aggregates` of the whole table; this module swaps in what the whole table
gives: categorical codecs fitted on the value counts of every row (the same categories, rare
values and weights as a fit on the rows), numeric codecs with the range and NULLs of every row
(bin edges and within-bin shapes stay the sample's quantiles: from a sample of ``n`` rows a
quantile is off by about ``1/sqrt(n)`` of the rows), a discrete numeric column's full set of values,
and the counts of every maximal clique of the model counted in SQL on every row. A column whose
code has no SQL form (:mod:`.codecs.sql_codes`), or that exists only in the sample (features the
caller computes in Python), leaves its cliques counted on the sample; :func:`clique_counts` says
which.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.models.aggregates import Aggregates
from amalgam_rel.models.codecs import CategoricalCodec, Codec, CodecOptions, ColumnSpec, NumericCodec, make_codec
from amalgam_rel.models.codecs.scale import to_numeric
from amalgam_rel.models.codecs.sql_codes import code_expression
from amalgam_rel.schema import sql


def fit_codecs(data: pa.Table, specs: list[ColumnSpec], options: CodecOptions, aggregates: Aggregates) -> list[Codec]:
    """A codec per spec: categorical ones on every row's counts, numeric ones on the sample widened
    to every row's range and NULLs (columns only the sample has: on the sample)."""
    codecs = [make_codec(s, options) for s in specs]
    whole = [c for c in codecs if c.name in aggregates.columns]
    counts = aggregates.value_counts([c.name for c in whole if isinstance(c, CategoricalCodec)])
    numeric = [c.name for c in whole if isinstance(c, NumericCodec)]
    ranges = aggregates.ranges(numeric, {n: data.column(n).type for n in numeric})
    for codec in codecs:
        if codec.name in counts:
            values, value_counts, nulls = counts[codec.name]
            codec.fit_counts(values.to_pylist(), value_counts, nulls)
            continue
        codec.fit(data.column(codec.name))
        if codec.name in ranges:
            _widen(codec, *ranges[codec.name], aggregates, options)
    return codecs


def _widen(codec: NumericCodec, extremes: pa.Array, nulls: int, aggregates: Aggregates, options: CodecOptions) -> None:
    """The whole column's range and NULLs; a column with few values gets all of them."""
    x, valid = to_numeric(extremes)
    if valid.all():
        codec.lo, codec.hi = float(x[0]), float(x[1])
    codec.has_null = nulls > 0
    if codec.mode == "discrete":
        distinct = aggregates.distinct(codec.name, options.n_bins + 1)
        values, valid = to_numeric(distinct)
        if len(values) <= options.n_bins:  # else keep the sample's: unseen values map to the nearest
            codec.values = np.unique(values[valid])


def clique_counts(aggregates: Aggregates, codecs: list[Codec], data: pa.Table, sizes: list[int],
                  maximal: list[tuple[str, ...]]) -> dict[tuple[str, ...], np.ndarray]:
    """Counts over every row of each maximal clique whose columns all have SQL codes."""
    codes = {}
    for codec in codecs:
        if codec.name in aggregates.columns:
            expression = code_expression(codec, sql.column(codec.name), data.column(codec.name).type, aggregates.dialect)
            if expression is not None:
                codes[codec.name] = expression
    size = {c.name: s for c, s in zip(codecs, sizes)}
    counted = [cl for cl in dict.fromkeys(maximal) if cl and all(a in codes for a in cl)]
    return aggregates.code_counts(counted, codes, size)
