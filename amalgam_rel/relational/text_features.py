"""What the graphical model owns of the columns the language model fills: lengths, frequent values, shapes.

For each string or list column routed to the language model, the table's model gets ``~name``
(the value's length, NULL where NULL: :mod:`amalgam_rel.generation.lengths`) and, for strings
with values many rows share, ``=name`` (those frequent values, NULL elsewhere:
:mod:`amalgam_rel.generation.frequent`); a JSON column whose documents differ in their keys gets
``{name`` (the keys a document has: :mod:`amalgam_rel.generation.shapes`). The PGM samples them
jointly with the row's structured columns; the language model writes the rest to match.

A list column's frequent lists are ``=name`` too (:mod:`amalgam_rel.generation.list_categories`),
added to the training frame before the table's context is chosen (:func:`with_list_categories`):
a list is what a child may depend on (a rating on its movie's genres), so unlike the other
features it is one of the columns a child sees of its parent (``^=name``).
"""

from __future__ import annotations

import pyarrow as pa

from amalgam_rel.generation.frequent import frequent_column, frequent_values, is_frequent_column
from amalgam_rel.generation.list_categories import list_categories
from amalgam_rel.generation.lengths import arrow_lengths, is_length_column, length_column
from amalgam_rel.generation.shapes import document_shapes, is_shape_column, shape_column
from amalgam_rel.models.codecs.base import CodecOptions
from amalgam_rel.models.columns import LANGUAGE_MODEL, plan_columns
from amalgam_rel.schema.internal_names import CONTEXT, is_context_column
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import Kind


def add_text_features(frame: pa.Table, table: Table, exclude: tuple[str, ...], closed: tuple[str, ...] = (),
                      options: CodecOptions = CodecOptions()) -> pa.Table:
    """``frame`` plus ``~column``, ``=column`` and ``{column`` for the columns left to the language
    model (not the ``closed`` sets, which the model owns: see :func:`.models.columns.plan_columns`).

    ``options`` must be the table model's own: with the codec's default 64 categories here and
    the pipeline's 200 in the model, a column of 65-200 values (openflights' airline countries)
    was a category of the model *and* got a length and frequent values no language model used,
    two near-copies of it that took the Chow-Liu tree's and the extra pairs' places."""
    kept = frame.drop_columns([c for c in exclude if c in frame.column_names])
    _, left_out = plan_columns(kept, table, options, closed=closed)
    for name, why in left_out.items():
        if not why.startswith(LANGUAGE_MODEL) or not table.has_column(name):
            continue
        kind = table.column(name).type.kind
        if kind is Kind.JSON:
            shapes = document_shapes(frame.column(name))
            if shapes is not None:
                frame = frame.append_column(shape_column(name), shapes)
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


def with_list_categories(frame: pa.Table, table: Table, skip: tuple[str, ...] = ()) -> pa.Table:
    """``frame`` plus ``=name`` for each list column (not in ``skip``, not UNIQUE) whose type its
    JSON text spells exactly and whose frequent lists hold enough rows."""
    for column in table.columns:
        name = column.name
        if column.type.kind is not Kind.LIST or name in skip or name not in frame.column_names \
                or frequent_column(name) in frame.column_names or table.is_unique((name,)):
            continue
        categories = list_categories(frame.column(name))
        if categories is not None:
            frame = frame.append_column(frequent_column(name), categories)
    return frame


def is_list_category(name: str, table: Table) -> bool:
    """Whether ``name`` is the ``=name`` of one of ``table``'s list columns."""
    if not is_frequent_column(name) or not table.has_column(name[1:]):
        return False
    return table.column(name[1:]).type.kind is Kind.LIST


def is_parent_list_category(name: str) -> bool:
    """Whether ``name`` is a parent's (or grandparent's) list category, ``^=name``: the only text
    feature a child's frame holds (:func:`without_text_features`)."""
    return is_context_column(name) and is_frequent_column(name.lstrip(CONTEXT))


def is_text_feature(name: str) -> bool:
    return is_length_column(name) or is_frequent_column(name) or is_shape_column(name)


def without_text_features(columns, table: Table | None = None) -> tuple[str, ...]:
    """Model columns that are real columns or context (a parent's SQL frame has no ``~``/``=``/``{``
    columns), and with ``table`` the list categories of its list columns (its frame has them)."""
    return tuple(c for c in columns if not is_text_feature(c) or (table is not None and is_list_category(c, table)))
