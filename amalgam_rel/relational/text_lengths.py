"""Lengths of the columns the language model fills, as columns of the table's graphical model.

The PGM then samples each text value's length (and whether it is NULL) jointly with the row's
structured columns, and the language model writes to that length (:mod:`amalgam_rel.generation.lengths`).
Only strings and lists have a length that varies and that the evaluator measures.
"""

from __future__ import annotations

import pyarrow as pa

from amalgam_rel.generation.lengths import arrow_lengths, is_length_column, length_column
from amalgam_rel.models.columns import LANGUAGE_MODEL, plan_columns
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import Kind


def add_text_lengths(frame: pa.Table, table: Table, exclude: tuple[str, ...]) -> pa.Table:
    """``frame`` plus ``~column`` (characters or elements) for each string/list column the
    model would leave to the language model."""
    kept = frame.drop_columns([c for c in exclude if c in frame.column_names])
    _, left_out = plan_columns(kept, table)
    for name, why in left_out.items():
        if not why.startswith(LANGUAGE_MODEL) or not table.has_column(name):
            continue
        if table.column(name).type.kind not in (Kind.STRING, Kind.LIST):
            continue
        lengths = arrow_lengths(frame.column(name))
        if lengths is not None:
            frame = frame.append_column(length_column(name), lengths)
    return frame


def without_lengths(columns) -> tuple[str, ...]:
    """Model columns that are real columns or context, not text lengths (a parent's SQL frame has none)."""
    return tuple(c for c in columns if not is_length_column(c))
