"""Rule: dates the model owns as a gap to another date (:mod:`amalgam_rel.relational.date_offsets`).

A receipt date is its ship date plus a drawn gap: the table model learns the gap, and the date is
the anchor plus the gap once the rows are drawn (and again whenever a row is redrawn).
"""

from __future__ import annotations

from dataclasses import asdict

import pyarrow as pa

from amalgam_rel.schema.internal_names import CONTEXT, context_parent, is_context_column
from amalgam_rel.relational import date_offsets
from amalgam_rel.relational.date_offsets import DateOffset, find_date_offsets
from amalgam_rel.relational.rules.protocol import unique_columns
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind

NAME = "offsets"
FIT_AT = "dates"


def find(ctx) -> tuple[DateOffset, ...]:
    """Dates told as a gap to another date of their row or their driving parent's.

    Not under a privacy budget (which dates pair up is read off the data). A key is never either
    side; a UNIQUE date only anchors (its repair redraws it, and its followers move with it); a
    CHECKed date is repaired by redrawing its gap.
    """
    ft, options = ctx.ft, ctx.options
    if options.epsilon is not None or ft.frame.num_rows == 0:
        return ()
    structural = set(ft.plan.fk_columns) | set(ft.table.primary_key) | set(ft.sequences)  # not drawn by the model
    dates = [c.name for c in ft.table.columns if c.type.kind in (Kind.DATE, Kind.TIMESTAMP) and c.name not in structural
             and c.name in ft.frame.column_names]
    unique = unique_columns(ft.table)  # an anchor, never a gap: its repair redraws it, and its dates follow
    parents = [c for c in ft.frame.column_names if is_context_column(c) and (ft.key, context_parent(c)) not in options.outcomes
               and (pa.types.is_date(ft.frame.schema.field(c).type) or pa.types.is_timestamp(ft.frame.schema.field(c).type))]
    targets = [c for c in dates if c not in unique]
    # a NOT NULL date never follows a date that may be NULL: a parent's, where its rows hold NULLs
    # (its childless rows may, unseen from here); see date_offsets' _never_null for the rest
    parent = ctx.fitted[ft.plan.driver.ref_table].frame if ft.plan.driver is not None else None
    maybe_null = {c for c in parents if parent is None or c[1:] not in parent.column_names or parent.column(c[1:]).null_count}
    required = {c for c in targets if not ft.table.column(c).nullable}
    return find_date_offsets(ft.frame, targets, [c for c in dates if c in unique] + parents, required, maybe_null) \
        if targets else ()


def claims(records) -> tuple[str, ...]:
    return tuple(o.column for o in records)


def computed(records) -> tuple[str, ...]:
    return ()  # the model owns them, as gaps


def apply_at(record, ft) -> str:
    return "drawn"


def apply(draft, records) -> None:
    """The anchor plus the gap the model drew."""
    draft.rows = date_offsets.decode(draft.rows, records)


def describe(records, db) -> list[tuple[str, str]]:
    return [(o.column, f"{o.anchor.lstrip(CONTEXT)} (parent) + a drawn gap" if is_context_column(o.anchor)
                      else f"{o.anchor} + a drawn gap")
            for o in records]


def to_json(records) -> dict:
    return {"offsets": [asdict(o) for o in records]}


def from_json(entry: dict, where: str) -> tuple[DateOffset, ...]:
    return typed(tuple[DateOffset, ...], entry.get("offsets", []), f"{where}.offsets")
