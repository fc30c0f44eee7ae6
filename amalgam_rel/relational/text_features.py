"""What the graphical model owns of the columns the language model fills: lengths and frequent values.

For each string or list column routed to the language model, the table's model gets ``~name``
(the value's length, NULL where NULL: :mod:`amalgam_rel.generation.lengths`) and, for strings
with values many rows share, ``=name`` (those frequent values, NULL elsewhere:
:mod:`amalgam_rel.generation.frequent`). The PGM samples both jointly with the row's
structured columns; the language model writes the rest to that length.
"""

from __future__ import annotations

import pyarrow as pa

from amalgam_rel.generation.frequent import frequent_column, frequent_values, is_frequent_column
from amalgam_rel.generation.lengths import arrow_lengths, is_length_column, length_column
from amalgam_rel.models.columns import LANGUAGE_MODEL, plan_columns
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import Kind


def add_text_features(frame: pa.Table, table: Table, exclude: tuple[str, ...]) -> pa.Table:
    """``frame`` plus ``~column`` and ``=column`` for the columns the model leaves to the language model."""
    kept = frame.drop_columns([c for c in exclude if c in frame.column_names])
    _, left_out = plan_columns(kept, table)
    for name, why in left_out.items():
        if not why.startswith(LANGUAGE_MODEL) or not table.has_column(name):
            continue
        kind = table.column(name).type.kind
        if kind not in (Kind.STRING, Kind.LIST):
            continue
        lengths = arrow_lengths(frame.column(name))
        if lengths is not None:
            frame = frame.append_column(length_column(name), lengths)
        if kind is Kind.STRING and not table.is_unique((name,)):
            head = frequent_values(frame.column(name))
            if head is not None:
                frame = frame.append_column(frequent_column(name), head)
    return frame


def without_text_features(columns) -> tuple[str, ...]:
    """Model columns that are real columns or context (a parent's SQL frame has no ``~``/``=`` columns)."""
    return tuple(c for c in columns if not (is_length_column(c) or is_frequent_column(c)))
