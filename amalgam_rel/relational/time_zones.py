"""The offsets of TIME WITH TIME ZONE columns, which DuckDB's Arrow export drops.

A TIMETZ value reaches the training frame as its clock time alone (``10:00:00+02`` arrives as
``10:00``), so the table model learns and samples clock times; written back as they are, every
value would carry ``+00``. Each such column's offsets are therefore learned on their own: their
shares in the real data (an offset is a category, much like a time zone's name), one drawn for
each synthetic value, apart from its clock time. A private fit reads no data for them: its values
keep ``+00``.

>>> import numpy as np, pyarrow as pa, datetime
>>> times = pa.array([datetime.time(10, 0), None, datetime.time(23, 59, 59, 500000)])
>>> with_offsets(times, ((7200, 1.0),), np.random.default_rng(0)).to_pylist()
['10:00:00+02:00:00', None, '23:59:59.500000+02:00:00']
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Table

TIME_TZ = "TIME WITH TIME ZONE"


def time_tz_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.type.name == TIME_TZ and c.generated is None]


def fit_offsets(con: duckdb.DuckDBPyConnection, source: exp.Table, column: str) -> tuple[tuple[int, float], ...]:
    """(offset in seconds, share of the column's non-NULL values) for each offset the column holds."""
    value = sql.column(column)
    offset = exp.Anonymous(this="date_part", expressions=[exp.Literal.string("timezone"), value])
    query = (exp.select(offset, exp.Count(this=exp.Star())).from_(source.copy())
             .where(exp.not_(value.copy().is_(exp.null()))).group_by(offset.copy()).order_by(offset.copy()))
    counts = con.execute(sql.render(query)).fetchall()
    total = sum(n for _, n in counts)
    return tuple((int(seconds), n / total) for seconds, n in counts)


def with_offsets(times: pa.Array | pa.ChunkedArray, offsets: tuple[tuple[int, float], ...],
                 rng: np.random.Generator) -> pa.Array:
    """``times`` (clock times) as TIMETZ text, each with an offset drawn from ``offsets``."""
    seconds = np.array([s for s, _ in offsets], dtype=np.int64)
    shares = np.array([p for _, p in offsets])
    drawn = rng.choice(seconds, size=len(times), p=shares / shares.sum())
    clock = times.cast(pa.time64("us")).to_pylist()
    return pa.array([None if t is None else t.isoformat() + _offset_text(int(s)) for t, s in zip(clock, drawn)],
                    pa.string())


def with_time_zones(table: pa.Table, offsets: dict[str, tuple[tuple[int, float], ...]],
                    rng: np.random.Generator) -> pa.Table:
    """``table`` with each column of ``offsets`` written as TIMETZ text carrying its drawn offsets."""
    for name, column_offsets in offsets.items():
        if name in table.column_names and column_offsets:
            index = table.column_names.index(name)
            table = table.set_column(index, name, with_offsets(table.column(name), column_offsets, rng))
    return table


def _offset_text(seconds: int) -> str:
    """``+02:00:00``, ``-05:30:00``: the offset as DuckDB reads it after a clock time.

    >>> _offset_text(-19810)
    '-05:30:10'
    """
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
