"""Text columns that spell an integer of their row: ``c_name = 'Customer#' || lpad(c_custkey, 9, '0')``.

Order numbers (``'SO' || id``), employee codes (``'EMP-0042'``) and TPC-H's customer and supplier
names are an integer column written out with a fixed prefix and suffix, often zero-padded. Left
to the language model, such a value is a code drawn on its own: ``Customer#000000042`` on the
row of customer 977 (real data: 100 % agree), and, since the real codes fill the pattern's
space, most draws are refused as copies of real values (TPC-H customers: 11,439 draws for 1,500
names). Fitting finds them (:func:`find_spelled`): a string column equal to ``prefix +
digits(source) + suffix`` in at least :data:`HOLDS` of the rows holding both (at least
:data:`MIN_ROWS`), the digits zero-padded to ``width`` when the real values are. Such a column
leaves the models, and sampling writes it from the row's sampled integer (:func:`compute`):
NULL where the integer is NULL, and the column's own NULLs (rows whose integer is there) at
their real share, on random rows.

Where the integer does not decide the value — rows whose integer is NULL hold text of their own
(a race result's place, or ``'R'`` for retired where there is none) — the rule is
``only_where_set``: the column keeps its models, which draw its value for every row given the
rest of the row (a NULL place, so a letter), and the spelling overwrites only the rows with an
integer. Written NULL instead, such rows broke a NOT NULL column (``NOT NULL constraint
failed``) and lost their letters in a nullable one.

>>> import pyarrow as pa
>>> t = pa.table({"id": list(range(1, 41)), "name": [f"Customer#{i:06d}" for i in range(1, 41)]})
>>> rule, = find_spelled(t, ["name"], ["id"])
>>> rule
Spelled(column='name', source='id', prefix='Customer#', suffix='', width=6, null_share=0.0, only_where_set=False)
>>> compute(rule, pa.array([7, None, 1234567]), pa.string(), None).to_pylist()
['Customer#000007', None, 'Customer#1234567']
>>> half = Spelled('code', 'num', '', '', 0, only_where_set=True)
>>> compute(half, pa.array([7, None]), pa.string(), None, own=pa.array(['R', 'R'])).to_pylist()
['7', 'R']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.relational.undetermined import own_where_undetermined

HOLDS = 0.995
MIN_ROWS = 30
_SCREEN = 2000  # rows a format must (nearly) pass before all rows are checked
_EXAMPLES = 3  # rows a format is read off (the first may be one of the few exceptions)


@dataclass(frozen=True)
class Spelled:
    column: str
    source: str  # the integer column it spells
    prefix: str
    suffix: str
    width: int  # digits zero-padded to this many (0: not padded)
    null_share: float = 0.0  # of the rows with an integer, the share whose value is NULL anyway
    # rows without an integer hold values of their own: the column keeps its models (for those
    # rows) and the spelling overwrites only the rows with an integer
    only_where_set: bool = False


def find_spelled(frame: pa.Table, columns: list[str], sources: list[str]) -> tuple[Spelled, ...]:
    """The string ``columns`` of ``frame`` that spell one of its integer ``sources``."""
    out = []
    # every pair is tried on rows spread over the table first: a wide table has many pairs
    screen = frame.take(pa.array(np.linspace(0, frame.num_rows - 1, min(frame.num_rows, _SCREEN)).astype(np.int64)))
    for name in columns:
        t = frame.schema.field(name).type
        if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            continue
        for source in sources:
            if source == name or not pa.types.is_integer(frame.schema.field(source).type):
                continue
            for fmt in _candidates(screen.column(name), screen.column(source)):
                found = _spelling(fmt, frame.column(name), frame.column(source))
                if found is not None:
                    out.append(Spelled(name, source, *fmt, *found))
                    break
            else:
                continue
            break
    return tuple(out)


def _pairs(text, number) -> tuple[pa.Array, pa.Array]:
    """The rows holding both, as plain arrays (text as string)."""
    text, number = text.combine_chunks(), number.combine_chunks()
    both = pc.and_(text.is_valid(), number.is_valid())
    return text.filter(both).cast(pa.string()), number.filter(both)


def _candidates(text, number) -> list[tuple[str, str, int]]:
    """Formats read off the first screened rows that (nearly) hold on every screened row."""
    t, v = _pairs(text, number)
    out = []
    for k in range(min(_EXAMPLES, len(t))):
        for fmt in _formats(t[k].as_py(), v[k].as_py()):
            if fmt not in out and _share(fmt, t, v) >= HOLDS - 0.05:
                out.append(fmt)
    return out


def _spelling(fmt: tuple[str, str, int], text, number) -> tuple[float, bool] | None:
    """When ``fmt`` holds (else None): the share of rows with an integer whose text is NULL
    anyway, and whether rows without an integer hold text of their own."""
    t, v = _pairs(text, number)
    if len(t) < MIN_ROWS or pc.count_distinct(v).as_py() < 2 or _share(fmt, t, v) < HOLDS:
        return None  # too few rows to tell, a constant spells nothing, or it does not hold
    with_number = len(number) - number.null_count
    own = pc.sum(pc.and_(text.is_valid(), number.is_null())).as_py() or 0
    return ((with_number - len(t)) / with_number if with_number else 0.0), own > 0


def _formats(text: str, number: int) -> list[tuple[str, str, int]]:
    """(prefix, suffix, width) under which ``text`` spells ``number``: one per run of digits that
    reads as it; a run without leading zeros may be unpadded or padded to its own width."""
    if number < 0:
        return []
    out = []
    for run in re.finditer(r"\d+", text):
        digits = run.group()
        if int(digits) != number:
            continue
        prefix, suffix = text[: run.start()], text[run.end() :]
        if len(digits) > len(str(number)):
            out.append((prefix, suffix, len(digits)))
        else:
            out += [(prefix, suffix, 0)] + ([(prefix, suffix, len(digits))] if len(digits) > 1 else [])
    return out


def _spell(fmt: tuple[str, str, int], number: pa.Array) -> pa.Array:
    prefix, suffix, width = fmt
    digits = pc.cast(number, pa.string())
    if width:
        digits = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, suffix, "")


def _share(fmt: tuple[str, str, int], text: pa.Array, number: pa.Array) -> float:
    return (pc.sum(pc.equal(_spell(fmt, number), text)).as_py() or 0) / max(len(text), 1)


def compute(rule: Spelled, number: pa.Array, target: pa.DataType, rng: np.random.Generator | None,
            own: pa.Array | None = None) -> pa.Array:
    """The column for the row's sampled integers (NULL where the integer is, and on the real share
    of the other rows). An ``only_where_set`` rule takes the rows without an integer from ``own``,
    the column's values drawn by its models."""
    number = number.combine_chunks() if isinstance(number, pa.ChunkedArray) else number
    value = _spell((rule.prefix, rule.suffix, rule.width), number.cast(pa.int64()))
    if rule.null_share > 0 and rng is not None:
        drop = pa.array(rng.random(len(value)) < rule.null_share)
        value = pc.if_else(drop, pa.scalar(None, value.type), value)
    value = value.cast(target)
    if rule.only_where_set:
        value = own_where_undetermined(value, number.is_valid(), own, target, rule.column, f"without {rule.source}")
    return value
