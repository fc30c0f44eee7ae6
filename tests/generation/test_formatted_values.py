"""The fast formatting of prompt codes equals :func:`format_value` value for value."""

import decimal
import random

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.generation.prompts import format_value
from amalgam_rel.generation.row_context import RowContext, formatted_values, python_values


@pytest.mark.parametrize("precision,scale", [(15, 2), (10, 4), (15, 0), (12, 7), (5, 3), (15, 15), (18, 2), (38, 10)])
def test_decimals_format_as_python_floats_do(precision, scale):
    rng = random.Random(precision * 100 + scale)
    values = [decimal.Decimal(rng.randrange(-10**precision + 1, 10**precision)).scaleb(-scale) for _ in range(3000)]
    # ties at the third significant digit (x.xx5): where a double one ulp off would round the other way
    shift = max(2, 4 - (precision - scale))  # 12.35 where the type holds it, else 0.1235
    if shift <= scale:
        values += [decimal.Decimal(f"{rng.randrange(100, 999)}5").scaleb(-shift) for _ in range(1000)]
    array = pa.array(values, pa.decimal128(precision, scale)).slice(7)  # an offset into the buffer too
    assert formatted_values(array) == [format_value(v) for v in python_values(array)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_floats_format_as_format_value_does(dtype):
    numbers = np.concatenate([np.random.default_rng(0).standard_normal(5000) * 10.0 ** np.arange(5000) % 1e12,
                              [np.inf, -np.inf, np.nan, -0.0, 0.0, 1e300, 5e-324, 123.5, 0.0001235]]).astype(dtype)
    array = pa.array(numbers)
    assert formatted_values(array) == [format_value(v) for v in python_values(array)]


def test_codes_group_rows_by_formatted_value():
    rows = RowContext.of({"price": pa.array([decimal.Decimal("1234.50"), None, decimal.Decimal("1225.01"),
                                             decimal.Decimal("-0.05")], pa.decimal128(15, 2))})
    # 1234.5 and 1225.01 both read "1.23e+03"; NULL is 0
    assert rows.codes(["price"]).ravel().tolist() == [1, 0, 1, 2]


def test_integers_booleans_dates_and_strings_format_as_format_value_does():
    import datetime as dt
    import sys

    rng = random.Random(3)
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    letters = spaces + list("ab;,é漢😀 9") + ["\u200b", "\ufeff", "\u0300"]  # and three that are no white space
    arrays = [pa.array(["".join(rng.choice(letters) for _ in range(rng.randint(0, 45))) for _ in range(3000)]
                       + ["null", "", "x" * 31 + "漢z"]),
              pa.array([0, -1, 2**63 - 1, -2**63], pa.int64()), pa.array([0, 2**64 - 1], pa.uint64()),
              pa.array([7, -8], pa.int8()), pa.array([True, False]),
              pa.array([dt.date(1000, 1, 1), dt.date(9999, 12, 31), dt.date(1995, 3, 5)]),
              pa.array([dt.date(999, 12, 31), dt.date(2000, 1, 1)])]  # a year of three digits: Python's text
    for array in arrays:
        formatted = formatted_values(array)
        assert list(formatted if isinstance(formatted, list) else formatted.to_pylist()) == \
            [format_value(v) for v in python_values(array)], array.type
