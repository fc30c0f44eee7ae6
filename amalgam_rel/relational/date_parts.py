"""Columns that are a part of a date of their row: ``year = year(day)``, ``month_name``, ``date_key = 20240131``.

A date dimension (every star schema has one) is a date and a dozen columns read off it. Drawn
from their own bins, a row for 2021-03-14 says month 7, quarter 1 and "Friday": a classifier
spots it at once, and a query grouping by month disagrees with one grouping by the date. Fitting
finds them (:func:`find_date_parts`): an integer, string or boolean column of a DATE, TIMESTAMP
(or, for its hour, minute and second, TIME) column's row that, in at least :data:`HOLDS` of the rows holding both (at least :data:`MIN_ROWS`),

- equals one of :data:`PARTS` of the date (month name, ``yyyymmdd``, ``2024Q1``...);
- or, for integers, one of them plus a constant: a day number (``date_sk = julian day``), a week,
  month or quarter counter from some origin, a 0-based month, a fiscal year;
- or is a function of the weekday, month, quarter, day of month or hour, learnt as a lookup
  (``weekend = 'Y'`` on Saturdays and Sundays, localized day names), when the column is not
  nearly constant anyway and every looked-up value rests on :data:`ROWS_PER_KEY` rows or more.

Such a column leaves the table model, and sampling computes it from the sampled date
(:func:`compute`); NULL where the date is NULL, and the column's own extra NULLs (rows whose
date is there) at their real share, on random rows. Where rows without a date hold values of
their own (``'unknown'``), the part is ``only_where_set``: the column keeps its models, which
draw it for every row given the rest of the row, and the part overwrites the rows with a date
(written NULL, those rows broke a NOT NULL column).

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

from amalgam_rel.relational.undetermined import own_where_undetermined

HOLDS = 0.99  # a generator bug in 0.6 % of the rows (TPC-DS quarters) still reads as the part
MIN_ROWS = 30
ROWS_PER_KEY = 10  # real rows per looked-up value, on average, before a lookup is believed
_SCREEN = 2000  # rows a candidate part must (nearly) pass before all rows are checked


def _strftime(fmt: str) -> Callable[[pa.Array], pa.Array]:
    def part(a: pa.Array) -> pa.Array:
        stamps = a.cast(pa.timestamp("s")) if pa.types.is_date(a.type) else a
        return pc.strftime(stamps, format=fmt, locale="C")
    return part


def _number(fmt: str) -> Callable[[pa.Array], pa.Array]:
    text = _strftime(fmt)
    return lambda a: text(a).cast(pa.int64())


def _epoch_day(a: pa.Array) -> pa.Array:
    """Days since 1970-01-01, rounded down (a timestamp at 23:00 is still its day)."""
    if pa.types.is_date(a.type):
        return a.cast(pa.date32()).cast(pa.int32()).cast(pa.int64())
    seconds = a.cast(pa.timestamp("s", a.type.tz)).cast(pa.int64())
    return _floor_div(seconds, 86_400)


def _floor_div(a: pa.Array, k: int, shift: int = 0) -> pa.Array:
    values = np.floor_divide(a.fill_null(0).to_numpy(zero_copy_only=False) + shift, k)
    return pa.array(values, pa.int64(), mask=a.is_null().to_numpy(zero_copy_only=False))


def _week(shift: int) -> Callable[[pa.Array], pa.Array]:
    return lambda a: _floor_div(_epoch_day(a), 7, shift)


def _month_number(a: pa.Array) -> pa.Array:
    return pc.add(pc.multiply(pc.year(a), 12), pc.subtract(pc.month(a), 1))


def _month_start(a: pa.Array) -> pa.Array:
    """The day number of the first of the date's month."""
    return pc.subtract(_epoch_day(a), pc.subtract(pc.day(a), 1))


def _year_quarter(template: str) -> Callable[[pa.Array], pa.Array]:
    def part(a: pa.Array) -> pa.Array:
        y, q = pc.year(a).cast(pa.string()), pc.quarter(a).cast(pa.string())
        pieces = [y if t == "y" else q if t == "q" else pa.scalar(t) for t in template.split("|")]
        return pc.binary_join_element_wise(*pieces, "")
    return part


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
    "second": (pc.second, "int"),
    "yyyymmdd": (_number("%Y%m%d"), "int"),
    "yyyymm": (_number("%Y%m"), "int"),
    "month_name": (_strftime("%B"), "str"),
    "month_abbr": (_strftime("%b"), "str"),
    "day_name": (_strftime("%A"), "str"),
    "day_abbr": (_strftime("%a"), "str"),
    "year_month": (_strftime("%Y-%m"), "str"),
    "iso_date": (_strftime("%Y-%m-%d"), "str"),
    "weekend": (lambda a: pc.greater_equal(pc.day_of_week(a), 5), "bool"),
    "day_number": (_epoch_day, "int"),  # with an offset: julian days, surrogate keys counting days
    **{f"week_number_{s}": (_week(s), "int") for s in range(7)},  # weeks counted from some weekday
    "month_number": (_month_number, "int"),
    "quarter_number": (lambda a: pc.add(pc.multiply(pc.year(a), 4), pc.subtract(pc.quarter(a), 1)), "int"),
    "month_start": (_month_start, "int"),
    **{f"year_quarter_{i}": (_year_quarter(t), "str")
       for i, t in enumerate(("y|Q|q", "y|-Q|q", "y| Q|q", "Q|q| |y", "Q|q|-|y", "y|q"))},
}
_TIME_PARTS = {"hour", "minute", "second"}  # the only parts of a TIME, and no parts of a DATE
# small, fully observed domains a column may be any function of (a lookup)
LOOKUP_PARTS = ("weekday_monday_0", "month", "quarter", "day", "hour")


@dataclass(frozen=True)
class DatePart:
    column: str
    part: str  # a key of PARTS
    source: str  # the DATE / TIMESTAMP column it is read off
    null_share: float = 0.0  # of the rows with a date, the share whose value is NULL anyway
    offset: int = 0  # added to an integer part
    lookup: tuple = ()  # (part value, column value) pairs, most frequent first; empty: the part itself
    # rows without a date hold values of their own: the column keeps its models (for those rows)
    # and the part overwrites only the rows with a date
    only_where_set: bool = False

    def __post_init__(self):
        # a model file gives lists back
        object.__setattr__(self, "lookup", tuple(tuple(pair) for pair in self.lookup))


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
        for source in dates:
            found = None if source == name else _part_of(frame.column(source).combine_chunks(), target, kind)
            if found:
                part, offset, lookup, with_date, n = found
                undated = frame.column(source).combine_chunks().is_null()
                own = pc.sum(pc.and_(undated, target.is_valid())).as_py() or 0
                out.append(DatePart(name, part, source, (with_date - n) / with_date if with_date else 0.0, offset, lookup,
                                    own > 0))
                break
    return tuple(out)


def _part_of(date: pa.Array, target: pa.Array, kind: str):
    both = pc.and_(date.is_valid(), target.is_valid())
    n = pc.sum(both).as_py() or 0
    if n < MIN_ROWS:
        return None
    d, v = date.filter(both), target.filter(both)
    # screened on rows spread over the table (its first rows may be odd: dsdgen's 1900 weekdays)
    spread = pa.array(np.linspace(0, n - 1, min(n, _SCREEN)).astype(np.int64))
    ds, vs = d.take(spread), v.take(spread)
    if pc.count_distinct(vs).as_py() < 2:
        return None  # a constant is no part of anything; the model keeps it
    with_date = pc.sum(date.is_valid()).as_py() or 0
    usable = [(p, fn) for p, (fn, p_kind) in PARTS.items()
              if p_kind == kind and _applies(p, date.type)]
    for part, fn in usable:
        if _share_equal(fn, ds, vs) >= HOLDS - 0.05 and _share_equal(fn, d, v) >= HOLDS:
            return part, 0, (), with_date, n
    if kind == "int":
        for part, fn in usable:
            offset = _offset(fn, ds, vs)
            if offset is not None and _share_equal(fn, ds, vs, offset) >= HOLDS - 0.05 \
                    and _share_equal(fn, d, v, offset) >= HOLDS:
                return part, offset, (), with_date, n
    for part in LOOKUP_PARTS:
        if not _applies(part, date.type):
            continue
        fn = PARTS[part][0]
        if _lookup(fn, ds, vs, HOLDS - 0.05) and (lookup := _lookup(fn, d, v, HOLDS)):
            return part, 0, lookup, with_date, n
    return None


def _applies(part: str, source: pa.DataType) -> bool:
    if pa.types.is_time(source):
        return part in _TIME_PARTS
    return part not in _TIME_PARTS or pa.types.is_timestamp(source)


def _offset(fn, dates: pa.Array, values: pa.Array) -> int | None:
    """The most common difference between the column and the part, if any."""
    try:
        diff = pc.subtract(values.cast(pa.int64()), fn(dates).cast(pa.int64())).drop_null()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if len(diff) == 0:
        return None
    counts = pc.value_counts(diff)
    return int(counts.field("values")[pc.index(counts.field("counts"), pc.max(counts.field("counts"))).as_py()].as_py())


def _lookup(fn, dates: pa.Array, values: pa.Array, holds: float) -> tuple | None:
    """(part value, column value) pairs, most frequent first, if the column is a function of the part."""
    try:
        keys = fn(dates)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    pairs = pa.table({"k": keys, "v": values}).filter(pc.is_valid(keys))
    n = pairs.num_rows
    # ties by value: Arrow's group_by lists its groups in thread order, and of two values as
    # frequent for one part the first listed was kept
    counts = pairs.group_by(["k", "v"]).aggregate([([], "count_all")]).sort_by(
        [("count_all", "descending"), ("k", "ascending"), ("v", "ascending")])
    best: dict = {}
    for k, v, c in zip(*(counts.column(name).to_pylist() for name in ("k", "v", "count_all"))):
        best.setdefault(k, (v, c))
    top = pc.value_counts(values).field("counts")
    if n == 0 or n < ROWS_PER_KEY * len(best) or len({v for v, _ in best.values()}) < 2 \
            or pc.max(top).as_py() / n > HOLDS - 0.05:  # nearly constant: no lookup needed
        return None
    if sum(c for _, c in best.values()) / n < holds:
        return None
    return tuple((k, v) for k, (v, _) in sorted(best.items(), key=lambda item: -item[1][1]))


def _share_equal(fn, dates: pa.Array, values: pa.Array, offset: int = 0) -> float:
    try:
        computed = fn(dates)
        if offset:
            computed = pc.add(computed.cast(pa.int64()), offset)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return 0.0
    if computed.type != values.type:
        try:
            computed = computed.cast(values.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return 0.0
    same = pc.fill_null(pc.equal(computed, values), False)
    return float(np.mean(same.to_numpy(zero_copy_only=False))) if len(values) else 0.0


def compute(rule: DatePart, dates: pa.Array, target: pa.DataType, rng: np.random.Generator,
            own: pa.Array | None = None) -> pa.Array:
    """The column from its sampled dates: NULL where the date is, and at the real share elsewhere.
    An ``only_where_set`` rule takes the rows without a date from ``own``, the column's values
    drawn by its models."""
    dates = dates.combine_chunks() if isinstance(dates, pa.ChunkedArray) else dates
    fn, _ = PARTS[rule.part]
    values = fn(dates)
    if rule.lookup:
        table = dict(rule.lookup)
        fallback = rule.lookup[0][1]  # a part value the real rows never had (a longer calendar)
        values = pa.array([None if k is None else table.get(k, fallback) for k in values.to_pylist()])
    elif rule.offset:
        values = pc.add(values.cast(pa.int64()), rule.offset)
    values = values.cast(target)
    if rule.null_share > 0:
        drop = pa.array(rng.random(len(values)) < rule.null_share)
        values = pc.if_else(drop, pa.scalar(None, target), values)
    if rule.only_where_set:
        values = own_where_undetermined(values, dates.is_valid(), own, target, rule.column, f"without {rule.source}")
    return values
