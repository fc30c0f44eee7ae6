"""Reading a query's answer: numbers, group keys, the weight of each group, a short preview.

Shared by the workload's error (:mod:`.workload`) and its diagnosis (:mod:`.reasons`), so both
read an answer the same way.

>>> groups([("a", 1), ("b", 2), ("a", 9)], (0,))
{('a',): (1,), ('b',): (2,)}
>>> head([("a long name of a thing that goes on", 1.23456789, None)], 1)
(('a long name of a thing …', 1.23457, None),)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

HEAD_ROWS = 5  # rows of each answer kept for the side-by-side view
HEAD_CHARS = 24  # longer values are cut to this many characters


def number(v):
    """The value as a float, or None when it is not a number (bools count as 0/1)."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    return None


def hashable(v):
    if isinstance(v, (list, dict)):
        return repr(v)
    if isinstance(v, Decimal):
        return float(v)
    return v


def split(row: tuple, keys: tuple[int, ...]) -> tuple[tuple, tuple]:
    """(the row's key, its other values)."""
    key = tuple(hashable(row[i]) for i in keys)
    return key, tuple(v for i, v in enumerate(row) if i not in keys)


def groups(rows: list[tuple], keys: tuple[int, ...]) -> dict[tuple, tuple]:
    """{key: values}; the first row of a repeated key wins."""
    out: dict[tuple, tuple] = {}
    for row in rows:
        key, values = split(row, keys)
        out.setdefault(key, values)
    return out


def share_column(rg: dict, sg: dict, width: int) -> int | None:
    """The first value column that is a non-negative number everywhere (a count, a sum)."""
    for j in range(width):
        vals = [number(v[j]) for v in list(rg.values()) + list(sg.values())]
        if all(v is not None and v >= 0 for v in vals):
            return j
    return None


def weights(g: dict, j: int | None) -> dict[tuple, float]:
    """Each group's weight: its value in the share column, or 1 each when there is none."""
    return {k: (number(v[j]) if j is not None else 1.0) for k, v in g.items()}


def head(rows, n: int = HEAD_ROWS) -> tuple[tuple, ...]:
    """The first ``n`` rows, every value made JSON-friendly and short (numbers to 6 digits)."""
    if not isinstance(rows, list):
        return ()
    return tuple(tuple(_short(v) for v in row) for row in rows[:n])


def _short(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, (float, Decimal)):
        return float(f"{float(v):.6g}")
    text = v.isoformat() if isinstance(v, (dt.date, dt.time)) else str(v)
    return text if len(text) <= HEAD_CHARS else text[: HEAD_CHARS - 1] + "…"
