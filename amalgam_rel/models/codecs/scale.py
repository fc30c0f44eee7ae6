"""Map numeric and temporal arrow columns to float64 and back.

Every numeric-like kind (integers, floats, DECIMAL, DATE, TIME, TIMESTAMP, INTERVAL) is binned
on one float64 scale, so a single codec handles them all. The scale is the type's natural unit
(days for DATE, the timestamp's own unit, microseconds for TIME and INTERVAL), which keeps
whole-unit values exactly representable (float64 is exact up to 2**53).

>>> import pyarrow as pa, datetime as dt
>>> a = pa.array([dt.date(2020, 1, 1), None])
>>> values, valid = to_numeric(a)
>>> float(values[0]), valid.tolist()
(18262.0, [True, False])
>>> from_numeric(values, valid, a.type).to_pylist()
[datetime.date(2020, 1, 1), None]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.errors import DataError
from amalgam_rel.schema.types import Kind

_US_PER_DAY = 86_400_000_000
_INTERVAL = np.dtype([("months", "<i4"), ("days", "<i4"), ("nanos", "<i8")])
_TS_UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def arrow_kind(t: pa.DataType) -> Kind | None:
    """The logical kind of an arrow type (for context columns that have no schema column)."""
    if pa.types.is_boolean(t):
        return Kind.BOOLEAN
    if pa.types.is_integer(t):
        return Kind.INTEGER
    if pa.types.is_floating(t):
        return Kind.FLOAT
    if pa.types.is_decimal(t):
        return Kind.DECIMAL if t.scale > 0 else Kind.INTEGER
    if pa.types.is_date(t):
        return Kind.DATE
    if pa.types.is_timestamp(t):
        return Kind.TIMESTAMP
    if pa.types.is_time(t):
        return Kind.TIME
    if pa.types.is_interval(t) or pa.types.is_duration(t):
        return Kind.INTERVAL
    if pa.types.is_dictionary(t):
        return Kind.ENUM
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return Kind.STRING
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return Kind.BLOB
    if pa.types.is_nested(t):
        return Kind.LIST if (pa.types.is_list(t) or pa.types.is_large_list(t)) else Kind.STRUCT
    return None


def is_numeric_type(t: pa.DataType) -> bool:
    return arrow_kind(t) in (Kind.INTEGER, Kind.FLOAT, Kind.DECIMAL, Kind.DATE, Kind.TIMESTAMP, Kind.TIME, Kind.INTERVAL)


def to_numeric(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, validity mask); invalid slots hold 0."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    valid = np.ones(len(arr), dtype=bool) if arr.null_count == 0 else ~np.asarray(arr.is_null(), dtype=bool)
    if pa.types.is_interval(t):
        raw = np.frombuffer(arr.buffers()[1], dtype=_INTERVAL, count=len(arr) + arr.offset)[arr.offset :]
        # Months count as 30 days: only the ordering and spread matter for binning.
        values = raw["months"] * (30.0 * _US_PER_DAY) + raw["days"] * float(_US_PER_DAY) + raw["nanos"] / 1000.0
        return np.where(valid, values, 0.0), valid
    if pa.types.is_duration(t) or pa.types.is_timestamp(t) or pa.types.is_time(t) or pa.types.is_date(t):
        storage = pa.int32() if pa.types.is_date32(t) or pa.types.is_time32(t) else pa.int64()
        if pa.types.is_date64(t):
            arr = arr.cast(pa.date32())
            storage = pa.int32()
        arr = arr.view(storage) if hasattr(arr, "view") else arr.cast(storage)
    elif pa.types.is_decimal(t) or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.float64(), safe=False)
    else:
        raise DataError(f"cannot treat a {t} column as numeric")
    values = arr.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    if arr.null_count:
        values = np.where(valid, values, 0.0)
    return values, valid


def from_numeric(values: np.ndarray, valid: np.ndarray, t: pa.DataType) -> pa.Array:
    """Build an array of arrow type ``t`` from float64 values already rounded to the type's unit."""
    mask = None if valid.all() else ~valid
    if pa.types.is_interval(t):
        us = np.where(valid, values, 0.0)
        raw = np.zeros(len(us), dtype=_INTERVAL)
        whole_months = np.isclose(np.mod(us, 30.0 * _US_PER_DAY), 0.0) & (np.abs(us) >= 30.0 * _US_PER_DAY)
        raw["months"] = np.where(whole_months, np.round(us / (30.0 * _US_PER_DAY)), 0)
        rest = np.where(whole_months, 0.0, us)
        days = np.floor(rest / _US_PER_DAY)
        raw["days"] = days
        raw["nanos"] = np.round((rest - days * _US_PER_DAY) * 1000.0)
        return pa.Array.from_buffers(t, len(us), [_validity(mask), pa.py_buffer(raw.tobytes())])
    if pa.types.is_duration(t) or pa.types.is_timestamp(t) or pa.types.is_time(t) or pa.types.is_date(t):
        storage = np.int32 if pa.types.is_date32(t) or pa.types.is_time32(t) else np.int64
        if pa.types.is_date64(t):
            days = pa.array(np.round(values).astype(np.int32), mask=mask).view(pa.date32())
            return days.cast(t)
        return pa.array(np.round(values).astype(storage), mask=mask).view(t)
    if pa.types.is_integer(t):
        return pa.array(np.round(values).astype(t.to_pandas_dtype()), type=t, mask=mask)
    if pa.types.is_floating(t):
        return pa.array(values.astype(t.to_pandas_dtype()), type=t, mask=mask)
    if pa.types.is_decimal(t):
        # Go through integers of the smallest unit so that no float artefact reaches the decimal.
        limit = 9.2e18
        units = np.round(np.clip(values * 10.0**t.scale, -limit, limit)).astype(np.int64)
        return _units_to_decimal(units, mask, t)
    if pa.types.is_boolean(t):
        return pa.array(values > 0.5, mask=mask)
    raise DataError(f"cannot build a {t} column from numbers")


def _validity(mask: np.ndarray | None) -> pa.Buffer | None:
    if mask is None or not mask.any():
        return None
    return pa.py_buffer(np.packbits(~mask, bitorder="little").tobytes())


def _units_to_decimal(units: np.ndarray, mask: np.ndarray | None, t: pa.DataType) -> pa.Array:
    # decimal128 stores a 128-bit little-endian integer of the smallest unit: write it directly.
    buf = np.empty((len(units), 2), dtype=np.int64)
    buf[:, 0] = units
    buf[:, 1] = np.where(units < 0, -1, 0)
    return pa.Array.from_buffers(t, len(units), [_validity(mask), pa.py_buffer(buf.tobytes())])


def natural_step(t: pa.DataType) -> float:
    """The smallest distinct step of a type on the numeric scale (0 for floats: continuous)."""
    if pa.types.is_decimal(t):
        return 10.0 ** -t.scale
    if pa.types.is_integer(t) or pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        return 1.0
    if pa.types.is_interval(t):
        return 1.0  # one microsecond
    return 0.0


def step_candidates(t: pa.DataType) -> tuple[float, ...]:
    """Coarser resolutions worth detecting, largest first (whole seconds, whole days, ...)."""
    if pa.types.is_timestamp(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        per_s = _TS_UNITS_PER_SECOND[t.unit]
        cands = [86_400 * per_s, 3_600 * per_s, 60 * per_s, per_s, per_s / 1_000, per_s / 1_000_000]
        return tuple(c for c in cands if c >= 1)
    if pa.types.is_interval(t):
        return (30.0 * _US_PER_DAY, float(_US_PER_DAY), 3.6e9, 6e7, 1e6, 1e3, 1.0)
    if pa.types.is_floating(t):
        return tuple(10.0**-k for k in range(0, 7))
    if pa.types.is_decimal(t):
        return tuple(10.0**-k for k in range(0, t.scale + 1))
    return (1.0,)


_PUBLIC_YEARS = 300  # public default span around 1970 for unbounded temporal types (1670-2270)


def storable_bounds(t: pa.DataType) -> tuple[float, float]:
    """What a value of ``t`` can hold, on the numeric scale: the range no decoded value may leave.

    Unlike :func:`type_bounds` (what a private fit may assume without looking), dates and
    timestamps are not held to a public span: a real column may hold 9999-12-31 for "open-ended"
    or a date in 1500, and a fitted codec's own range already keeps its values there. They are
    held to years 1-9999, which every later stage can turn into Python values (DuckDB's
    ``infinity`` dates become 0001-01-01 / 9999-12-31).

    >>> storable_bounds(pa.date32()), storable_bounds(pa.int8()), storable_bounds(pa.float64())
    ((-719162.0, 2932896.0), (-128.0, 127.0), (-inf, inf))
    """
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_time(t):
        return type_bounds(t)
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        days = (_FIRST_DAY, _LAST_DAY)
        if pa.types.is_date(t):
            return days
        per_day = 86_400 * _TS_UNITS_PER_SECOND[t.unit]
        int64 = float(np.nextafter(2.0**63, 0))  # nanoseconds reach only 1677-2262
        # up to 9999-12-31 23:59:59: a microsecond later rounds (as a double) to year 10000
        return max(days[0] * per_day, -int64), min((days[1] + 1) * per_day - _TS_UNITS_PER_SECOND[t.unit], int64)
    return -np.inf, np.inf


_FIRST_DAY, _LAST_DAY = -719162.0, 2932896.0  # 0001-01-01 and 9999-12-31, in days since 1970


def type_bounds(t: pa.DataType) -> tuple[float, float]:
    """Data-independent bounds of a type on the numeric scale.

    Integers and DECIMAL have their type's range. Temporal types get a public default span of
    +-300 years around 1970 (what any real date column fits in); floats get +-1e15.
    """
    if pa.types.is_date(t):
        days = 365.25 * _PUBLIC_YEARS
        return -days, days
    if pa.types.is_timestamp(t) or pa.types.is_duration(t):
        span = 365.25 * _PUBLIC_YEARS * 86_400 * _TS_UNITS_PER_SECOND[t.unit]
        return -span, span
    if pa.types.is_interval(t):
        span = 365.25 * _PUBLIC_YEARS * _US_PER_DAY
        return -span, span
    if pa.types.is_floating(t):
        return -1e15, 1e15
    if pa.types.is_integer(t):
        info = np.iinfo(t.to_pandas_dtype())
        return float(info.min), float(info.max)
    if pa.types.is_decimal(t):
        top = 10.0 ** (t.precision - t.scale)
        return -top, top
    if pa.types.is_time(t):
        return 0.0, 86_400.0 * (1_000_000 if t.unit == "us" else 1_000_000_000 if t.unit == "ns" else 1_000 if t.unit == "ms" else 1)
    return -1e15, 1e15
