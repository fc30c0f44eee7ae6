"""The synthetic rows a text column is generated for, held as Arrow columns.

A table of millions of rows must not become millions of Python objects: prompts and CHECKs
read Python values only for the rows the language model draws; grouping rows by context works
on integer codes of each column's *distinct* formatted values.

>>> rows = RowContext.of({"category": ["fruit", "dairy", "fruit"], "price": [1.5, None, 1.5]})
>>> rows.n, sorted(rows.names)
(3, ['category', 'price'])
>>> rows.codes(["category", "price"]).tolist()  # 0 is NULL
[[1, 1], [2, 0], [1, 1]]
>>> rows.records(["price"], [1])
[{'price': None}]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.errors import InputError
from amalgam_rel.generation.prompts import MAX_VALUE_CHARS, format_value


class RowContext:
    def __init__(self, columns: dict[str, pa.Array], n: int):
        self._columns = dict(columns)
        self.n = n

    @classmethod
    def of(cls, context: pa.Table | dict[str, list] | None, n_rows: int | None = None) -> RowContext:
        if context is None:
            if n_rows is None:
                raise InputError("generate() needs the rows' context or n_rows")
            return cls({}, n_rows)
        if isinstance(context, pa.Table):
            return cls({c: _array(context.column(c)) for c in context.column_names}, context.num_rows)
        names = list(context)
        n = len(context[names[0]]) if names else (n_rows or 0)
        return cls({c: _array(v) for c, v in context.items()}, n)

    @property
    def names(self) -> set[str]:
        return set(self._columns)

    def array(self, name: str) -> pa.Array:
        """A column as Arrow (all NULL for a column the rows do not have)."""
        return self._columns[name] if name in self._columns else pa.nulls(self.n)

    def put(self, name: str, values: pa.Array | list) -> None:
        """A column just generated: later text columns of the row may read it."""
        self._columns[name] = _array(values)

    def codes(self, names: Sequence[str]) -> np.ndarray:
        """(rows, len(names)) integers, equal where the formatted values (what the model reads) are."""
        out = np.zeros((self.n, len(names)), dtype=np.int64)
        for j, name in enumerate(names):
            out[:, j] = _formatted_codes(self.array(name))
        return out

    def records(self, names: Sequence[str], rows: Sequence[int]) -> list[dict]:
        taken = self.take(names, rows)
        return [{c: taken[c][k] for c in names} for k in range(len(rows))]

    def take(self, names: Iterable[str], rows: Sequence[int]) -> dict[str, list]:
        index = pa.array(np.asarray(rows, dtype=np.int64))
        return {c: python_values(self.array(c).take(index)) for c in names}


def python_values(values: pa.Array | pa.ChunkedArray) -> list:
    """``to_pylist``, with nanosecond timestamps cut to microseconds (Python's resolution).

    >>> python_values(pa.array([1_000_001_999], pa.timestamp("ns")))
    [datetime.datetime(1970, 1, 1, 0, 0, 1, 1)]
    """
    t = values.type
    if pa.types.is_timestamp(t) and t.unit == "ns":
        values = values.cast(pa.timestamp("us", t.tz), safe=False)
    try:
        return values.to_pylist()
    except (OverflowError, ValueError):  # DATE 'infinity', years past 9999: no Python value holds them
        return [_python_value(v) for v in values]


def _python_value(scalar: pa.Scalar):
    """One value as Python's, or None where Python has none (it is only a prompt's context)."""
    try:
        return scalar.as_py()
    except (OverflowError, ValueError):
        return None


def _array(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.Array):
        return values
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python values: keep them as text
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _formatted_codes(values: pa.Array) -> np.ndarray:
    """Codes of each value's formatted text, formatting each distinct value once."""
    try:
        encoded = values if isinstance(values, pa.DictionaryArray) else values.dictionary_encode()
        distinct, indices = formatted_values(encoded.dictionary), encoded.indices
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):  # nested types
        distinct = [format_value(v) for v in values.to_pylist()]
        indices = pa.array(np.arange(len(values)), mask=np.asarray(values.is_null()))
    per_distinct = _text_ids(distinct)
    at = indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    codes = per_distinct[at] if len(distinct) else np.zeros(len(values), dtype=np.int64)
    codes[np.asarray(indices.is_null())] = 0
    return codes


def _text_ids(texts: list[str] | pa.Array) -> np.ndarray:
    """An integer per text, equal where the texts are: ``null`` (what NULL formats to) 0, the others
    1, 2, ... in the order they first come (at least one entry).

    >>> _text_ids(["b", "null", "a", "b"]).tolist(), _text_ids(pa.array(["b", "null", "a", "b"])).tolist()
    ([1, 0, 2, 1], [1, 0, 2, 1])
    """
    if not len(texts):
        return np.zeros(1, dtype=np.int64)
    texts = texts.cast(pa.string()) if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    encoded = texts.dictionary_encode()
    is_null = np.asarray(pc.equal(encoded.dictionary, format_value(None)).fill_null(False))
    renumbered = np.cumsum(~is_null)  # first-come order, NULL's text left out
    renumbered[is_null] = 0
    return renumbered[encoded.indices.to_numpy(zero_copy_only=False)].astype(np.int64)


def formatted_values(values: pa.Array) -> list[str] | pa.Array:
    """:func:`~.prompts.format_value` of each (non-NULL) value, numbers without a Python object
    each: a part of six million rows holds hundreds of thousands of distinct prices.

    Floats and decimals format as ``%.3g`` of the double Python's ``float`` gives: a decimal of
    up to 15 digits is its unscaled integer (exact in a double) over a power of ten (exact too),
    one correctly rounded division, as ``float(Decimal)``.

    >>> formatted_values(pa.array([1234.5, 0.000123456, -2.0]))
    ['1.23e+03', '0.000123', '-2']
    >>> import decimal
    >>> formatted_values(pa.array([decimal.Decimal("12.35"), decimal.Decimal("-0.05")], pa.decimal128(15, 2)))
    ['12.3', '-0.05']
    """
    t = values.type
    if pa.types.is_floating(t) and values.null_count == 0:
        return ["%.3g" % v for v in values.to_numpy(zero_copy_only=False).astype(np.float64).tolist()]
    if pa.types.is_decimal128(t) and t.precision <= 15 and t.scale <= 22 and values.null_count == 0:
        # little-endian 128-bit two's complement: below 10**15 the low 64 bits are the value
        words = np.frombuffer(values.buffers()[1], dtype=np.int64)[2 * values.offset: 2 * (values.offset + len(values))]
        doubles = words[0::2].astype(np.float64) / float(10 ** t.scale)
        return ["%.3g" % v for v in doubles.tolist()]
    arrow = _formatted_in_arrow(values)
    return arrow if arrow is not None else [format_value(v) for v in python_values(values)]


# what Python's str.split() splits on (str.isspace), as one RE2 class; RE2's \s alone is ASCII's
_SPACES = r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"


_EPOCH = dt.date(1970, 1, 1)
_FIRST_4_DIGIT_DAY = (dt.date(1000, 1, 1) - _EPOCH).days
_LAST_4_DIGIT_DAY = (dt.date(9999, 12, 31) - _EPOCH).days


def _formatted_in_arrow(values: pa.Array) -> pa.Array | None:
    """:func:`~.prompts.format_value` of each value of ``values`` (no NULLs) computed by Arrow, for
    the types whose Python text Arrow writes alike: integers and booleans, dates of four-digit
    years, and strings (``;`` as ``,``, runs of white space as one space, trimmed, cut to
    :data:`~.prompts.MAX_VALUE_CHARS` characters); None for any other (Python formats those).

    >>> _formatted_in_arrow(pa.array([" a;b\u3000 c ", "x" * 40])).to_pylist()
    ['a,b c', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    t = values.type
    if values.null_count:
        return None
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return values.cast(pa.string())
    if pa.types.is_date32(t) and len(values):
        # compared as day numbers: DuckDB's DATE '-infinity' is a day Python's date cannot hold
        low, high = (v.as_py() for v in pc.min_max(values.cast(pa.int32())).values())
        if _FIRST_4_DIGIT_DAY <= low and high <= _LAST_4_DIGIT_DAY:
            return values.cast(pa.string())
        return None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = pc.replace_substring_regex(pc.replace_substring(values, ";", ","), _SPACES, " ")
        return pc.utf8_slice_codeunits(pc.utf8_trim(text, " "), 0, MAX_VALUE_CHARS).cast(pa.string())
    return None
