"""A fitted codec's ``encode`` as a SQL expression, so the engine holding the rows counts codes.

Fitting a table too large to read (:mod:`amalgam_rel.models.aggregates`) counts the marginals
of the model inside the database: each modelled column becomes a ``CASE`` that gives the code
:meth:`Codec.encode` would give the same value. Built with sqlglot, so the expression can be
written in any dialect the engine speaks. ``None`` where a column's values have no SQL form of the
codec's numeric scale (TIME, INTERVAL, non-finite discrete values, a private codec's mixed
domain): that column's marginals are counted on the sample instead.

>>> import pyarrow as pa
>>> from amalgam_rel.models.codecs import CategoricalCodec, ColumnSpec, NumericCodec
>>> from amalgam_rel.schema.types import Kind
>>> cat = CategoricalCodec(ColumnSpec("c", Kind.STRING, pa.string())).fit(pa.array(["a", "a", "b", "b", None]))
>>> code_expression(cat, exp.column("c"), pa.string()).sql("duckdb")
"CASE WHEN c IS NULL THEN 2 WHEN c = 'a' THEN 0 WHEN c = 'b' THEN 1 ELSE 0 END"
>>> num = NumericCodec(ColumnSpec("x", Kind.INTEGER, pa.int32())).fit(pa.array([1, 1, 5], pa.int32()))
>>> code_expression(num, exp.column("x"), pa.int32()).sql("duckdb")
'CASE WHEN x IS NULL THEN 0 WHEN CAST(x AS DOUBLE) <= 3.0 THEN 0 ELSE 1 END'
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.models.codecs.base import Codec
from amalgam_rel.models.codecs.categorical import CategoricalCodec
from amalgam_rel.models.codecs.numeric import NumericCodec
from amalgam_rel.schema.engines import days_since_epoch, epoch_in, exact_text, whole_number


def numeric_scale(column: exp.Expression, t: pa.DataType, dialect: str = "duckdb") -> exp.Expression | None:
    """``column`` on the codec's float scale (:func:`.scale.to_numeric`), or None where SQL has none."""
    if pa.types.is_decimal(t):
        # as Arrow casts a decimal to a double: its unscaled integer times 10**-scale (a double), which
        # is not always the double nearest the decimal that CAST(x AS DOUBLE) gives (12.45 vs
        # 12.450000000000001), and a value on a bin edge must fall on the side the sample put it
        unscaled = whole_number(exp.Mul(this=column, expression=exp.Literal.number(10**t.scale)), dialect)
        return exp.Mul(this=exp.cast(unscaled, "DOUBLE"), expression=exp.Literal.number(repr(10.0**-t.scale)))
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        return exp.cast(column, "DOUBLE")
    if pa.types.is_date32(t):  # days since 1970-01-01
        return exp.cast(days_since_epoch(column, dialect), "DOUBLE")
    if pa.types.is_timestamp(t):  # in the timestamp's own unit
        return exp.cast(epoch_in(t.unit, column, dialect), "DOUBLE")
    return None


def code_expression(codec: Codec, column: exp.Expression, t: pa.DataType, dialect: str = "duckdb") -> exp.Expression | None:
    """The code of each value of ``column`` (arrow type ``t`` as the frame holds it) in ``dialect``, or None."""
    if isinstance(codec, CategoricalCodec):
        text = pa.types.is_string(t) or pa.types.is_large_string(t)
        return _categorical(codec, column, dialect if text else "duckdb")
    if isinstance(codec, NumericCodec) and codec.mode != "mixed":
        value = numeric_scale(column, t, dialect)
        return None if value is None else _numeric(codec, column, value)
    return None


def _categorical(codec: CategoricalCodec, column: exp.Expression, text_dialect: str) -> exp.Expression:
    """``text_dialect``: the dialect a text column is compared in (its bytes, in MySQL)."""
    rare_or_unknown = codec.rare_code if codec.rare_code is not None else 0
    null_code = codec.null_code if codec.has_null else 0
    case = exp.Case().when(column.copy().is_(exp.null()), exp.Literal.number(null_code))
    for i, value in enumerate(codec.categories):
        equal = exp.EQ(this=exact_text(column.copy(), text_dialect), expression=exact_text(_literal(value), text_dialect))
        case = case.when(equal, exp.Literal.number(i))
    return case.else_(exp.Literal.number(rare_or_unknown))


def _numeric(codec: NumericCodec, column: exp.Expression, value: exp.Expression) -> exp.Expression | None:
    if codec.mode == "discrete":
        if not len(codec.values) or not np.isfinite(codec.values).all():
            return None
        # the nearest known value (ties to the lower one): below the midpoint after each value
        bounds, first = (codec.values[:-1] + codec.values[1:]) / 2, 0
        compare = exp.LTE
    else:  # searchsorted(inner edges, side="right"): a value on an edge belongs to the bin above
        bounds, first = codec.edges[1:-1], len(codec.values)
        compare = exp.LT
    null_code = codec.null_code if codec.has_null else first  # a NULL the codec never saw
    case = exp.Case().when(column.copy().is_(exp.null()), exp.Literal.number(null_code))
    for i, bound in enumerate(bounds):
        case = case.when(compare(this=value.copy(), expression=exp.Literal.number(repr(float(bound)))),
                         exp.Literal.number(first + i))
    return case.else_(exp.Literal.number(first + len(bounds)))


def _literal(value) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(repr(value))
    return exp.Literal.string(str(value))
