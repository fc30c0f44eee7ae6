"""Columns that are a part of a date of their row: ``year = year(day)``, ``month_name``, ``date_key = 20240131``.

A date dimension (every star schema has one) is a date and a dozen columns read off it. Drawn
from their own bins, a row for 2021-03-14 says month 7, quarter 1 and "Friday": a classifier
spots it at once, and a query grouping by month disagrees with one grouping by the date. Fitting
finds them (:func:`find_date_parts`): an integer, string or boolean column equal to one of
:data:`PARTS` of a DATE or TIMESTAMP column of its row in at least :data:`HOLDS` of the rows
holding both (at least :data:`MIN_ROWS`). Such a column leaves the table model, and sampling
computes it from the sampled date (:func:`compute`); NULL where the date is NULL, and the
column's own extra NULLs (rows whose date is there) at their real share, on random rows.

>>> import datetime as dt
>>> days = [dt.date(2024, 1, 1) + dt.timedelta(days=7 * i) for i in range(60)]
>>> t = pa.table({"day": days, "y": [d.year for d in days], "m": [d.strftime("%B") for d in days]})
>>> [(p.column, p.part) for p in find_date_parts(t, ["day"], ["y", "m"])]
[('y', 'year'), ('m', 'month_name')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HOLDS = 0.995
MIN_ROWS = 30
_SCREEN = 200  # rows a candidate part must (nearly) pass before all rows are checked


def _strftime(fmt: str) -> Callable[[pa.Array], pa.Array]:
    def part(a: pa.Array) -> pa.Array:
        stamps = a.cast(pa.timestamp("s")) if pa.types.is_date(a.type) else a
        return pc.strftime(stamps, format=fmt, locale="C")
    return part


def _number(fmt: str) -> Callable[[pa.Array], pa.Array]:
    text = _strftime(fmt)
    return lambda a: text(a).cast(pa.int64())


# name -> (function of the date, whether its values are strings, booleans or integers)
PARTS: dict[str, tuple[Callable[[pa.Array], pa.Array], str]] = {
    "year": (pc.year, "int"),
    "month": (pc.month, "int"),
    "day": (pc.day, "int"),
    "quarter": (pc.quarter, "int"),
    "day_of_year": (pc.day_of_year, "int"),
    "iso_week": (pc.iso_week, "int"),
    "weekday_monday_0": (lambda a: pc.day_of_week(a), "int"),
    "weekday_monday_1": (lambda a: pc.day_of_week(a, count_from_zero=False), "int"),
    "weekday_sunday_0": (lambda a: pc.day_of_week(a, week_start=7), "int"),
    "weekday_sunday_1": (lambda a: pc.day_of_week(a, count_from_zero=False, week_start=7), "int"),
    "hour": (pc.hour, "int"),
    "minute": (pc.minute, "int"),
    "yyyymmdd": (_number("%Y%m%d"), "int"),
    "yyyymm": (_number("%Y%m"), "int"),
    "month_name": (_strftime("%B"), "str"),
    "month_abbr": (_strftime("%b"), "str"),
    "day_name": (_strftime("%A"), "str"),
    "day_abbr": (_strftime("%a"), "str"),
    "year_month": (_strftime("%Y-%m"), "str"),
    "iso_date": (_strftime("%Y-%m-%d"), "str"),
    "weekend": (lambda a: pc.greater_equal(pc.day_of_week(a), 5), "bool"),
}
_TIME_PARTS = {"hour", "minute"}


@dataclass(frozen=True)
class DatePart:
    column: str
    part: str  # a key of PARTS
    source: str  # the DATE / TIMESTAMP column it is read off
    null_share: float = 0.0  # of the rows with a date, the share whose value is NULL anyway


def _kind(t: pa.DataType) -> str | None:
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_boolean(t):
        return "bool"
    return None


def find_date_parts(frame: pa.Table, dates: list[str], columns: list[str]) -> tuple[DatePart, ...]:
    """The ``columns`` of ``frame`` that are a part of one of its ``dates`` columns."""
    out = []
    for name in columns:
        kind = _kind(frame.schema.field(name).type)
        if kind is None:
            continue
        target = frame.column(name).combine_chunks()
        found = None
        for source in dates:
            if source == name:
                continue
            date = frame.column(source).combine_chunks()
            both = pc.and_(date.is_valid(), target.is_valid())
            n = pc.sum(both).as_py() or 0
            if n < MIN_ROWS:
                continue
            d, v = date.filter(both), target.filter(both)
            # screened on rows spread over the table (its first rows may be odd: dsdgen's 1900 weekdays)
            spread = pa.array(np.linspace(0, n - 1, min(n, _SCREEN)).astype(np.int64))
            ds, vs = d.take(spread), v.take(spread)
            for part, (fn, part_kind) in PARTS.items():
                if part_kind != kind or (part in _TIME_PARTS and not pa.types.is_timestamp(date.type)):
                    continue
                if _share_equal(fn, ds, vs) < HOLDS - 0.05 or _share_equal(fn, d, v) < HOLDS:
                    continue
                with_date = pc.sum(date.is_valid()).as_py() or 0
                found = DatePart(name, part, source, (with_date - n) / with_date if with_date else 0.0)
                break
            if found:
                break
        if found:
            out.append(found)
    return tuple(out)


def _share_equal(fn, dates: pa.Array, values: pa.Array) -> float:
    try:
        computed = fn(dates)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return 0.0
    if computed.type != values.type:
        try:
            computed = computed.cast(values.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return 0.0
    same = pc.fill_null(pc.equal(computed, values), False)
    return float(np.mean(same.to_numpy(zero_copy_only=False))) if len(values) else 0.0


def compute(rule: DatePart, dates: pa.Array, target: pa.DataType, rng: np.random.Generator) -> pa.Array:
    """The column from its sampled dates: NULL where the date is, and at the real share elsewhere."""
    dates = dates.combine_chunks() if isinstance(dates, pa.ChunkedArray) else dates
    fn, _ = PARTS[rule.part]
    values = fn(dates).cast(target)
    if rule.null_share > 0:
        drop = pa.array(rng.random(len(values)) < rule.null_share)
        values = pc.if_else(drop, pa.scalar(None, target), values)
    return values
