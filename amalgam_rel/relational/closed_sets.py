"""Closed sets: string columns drawn from their real values (categories of the table model)
instead of invented by the language model.

>>> from amalgam_rel.schema.model import Column
>>> from amalgam_rel.schema.types import parse_type
>>> t = Table("status", (Column("label", parse_type("VARCHAR")),))
>>> closed_columns(t, pa.table({"label": ["open", "closed", "on hold"]}), kept=False)
('label',)
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.generation.semantic.gazetteer import public_share
from amalgam_rel.relational.reference import DEFAULT_MAX_ROWS, PUBLIC_SHARE, person_like
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import Kind

_SMALL = 20  # below this many rows, all-distinct short strings are a closed set, not free text
_LONG_TEXT = 48  # mean characters beyond which a string is prose, however few rows (as models.columns)


def closed_columns(table: Table, frame: pa.Table, kept: bool) -> tuple[str, ...]:
    """String columns whose values form a closed set, drawn from the real values (categories of
    the table model) instead of invented by the language model: every string column of a kept
    table (so the model draws its children's counts given the name), in a table of fewer than
    20 rows the short all-distinct ones (a table of 5 status names), and public names (at least
    80 % of the distinct values in a gazetteer: 29 suppliers in 16 countries, not 'Feel' from
    the language model). Never a person-like one.
    """
    out = []
    for column in table.columns:
        if column.type.kind is not Kind.STRING or column.name not in frame.column_names or person_like(table, column.name):
            continue
        values = frame.column(column.name).drop_null()
        if kept or (len(values) < _SMALL and _short(values)) or _public_names(values):
            out.append(column.name)
    return tuple(out)


def _public_names(values: pa.ChunkedArray, most: int = DEFAULT_MAX_ROWS) -> bool:
    """Whether the distinct values (at most ``most``: no gazetteer list is longer) are public names."""
    distinct = pc.unique(values)
    return 0 < len(distinct) <= most and public_share(distinct.to_pylist()) >= PUBLIC_SHARE


def _short(values: pa.ChunkedArray) -> bool:
    return len(values) > 0 and float(pc.mean(pc.utf8_length(values)).as_py()) <= _LONG_TEXT
