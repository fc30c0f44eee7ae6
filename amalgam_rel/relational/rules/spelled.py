"""Rule: text columns spelling an integer of their row (:mod:`amalgam_rel.relational.spelled`):
``'Customer#000000042'`` from ``42``."""

from __future__ import annotations

from dataclasses import asdict, replace

import pyarrow as pa

from amalgam_rel.relational import spelled
from amalgam_rel.relational.rules.implied import empty_keys
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.relational.spelled import Spelled, find_spelled
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind

NAME = "spelled"
FIT_AT = "columns"


def find(ctx) -> tuple[Spelled, ...]:
    """A UNIQUE one is taken only when its integer is a unique column on its own (distinct numbers
    spell distinct texts); a CHECKed one never (a computed value is never repaired)."""
    ft, frames = ctx.ft, ctx.frames
    if ctx.options.epsilon is not None or ft.frame.num_rows == 0:
        return ()  # a private fit never reads the data for this
    deferred = {c for fk in ft.plan.deferred for c in fk.columns}  # filled after the row is written
    present = [c for c in ft.table.columns if c.name in ft.frame.column_names]
    sources = [c.name for c in present if c.type.kind is Kind.INTEGER and c.name not in deferred]
    # a UNIQUE code outside the primary key is a generated key until found to spell one (then claimed, no longer issued)
    skip = set(ft.plan.fk_columns) | set(ft.table.primary_key) | set(ft.sequences) | ctx.claimed \
        | checked_columns(ft.table)
    targets = [c.name for c in present if c.type.kind is Kind.STRING and c.name not in skip]
    if not sources or not targets:
        return ()
    unique = unique_columns(ft.table)
    empty = {c for i in empty_keys(ft, frames.plan) for c in frames.plan.db.foreign_keys[i].columns}
    found = [s if ft.table.column(s.column).nullable or s.source not in empty else replace(s, only_where_set=True)
             for s in find_spelled(ft.frame, targets, sources)]
    # a UNIQUE one never takes values of its own: its models could draw a number another row spells
    return tuple(s for s in found if s.column not in unique
                 or (ft.table.is_unique((s.source,)) and s.null_share == 0 and not s.only_where_set))


def claims(records) -> tuple[str, ...]:
    return tuple(s.column for s in records)


def computed(records) -> tuple[str, ...]:
    # one that holds only where its integer is set leaves its column in the model, which gives the other rows
    return tuple(s.column for s in records if not s.only_where_set)


def apply_at(record: Spelled, ft) -> str:
    # one keeping language-model text where its integer is NULL is written over that text, once it exists
    return "text" if record.only_where_set and record.column in ft.text_columns else "filled"


def apply(d, records) -> None:
    for f in records:
        d.values[f.column] = spelled.compute(f, d.values[f.source], pa.string(), d.rng, d.values.get(f.column))


def describe(records, db) -> list[tuple[str, str]]:
    return [(s.column, f"{s.source} spelled {s.prefix!r}{'#' * max(s.width, 1)}{s.suffix!r}"
             + (" (rows with one)" if s.only_where_set else "")) for s in records]


def to_json(records) -> dict:
    return {"spelled": [asdict(s) for s in records]}


def from_json(entry: dict, where: str) -> tuple[Spelled, ...]:
    return typed(tuple[Spelled, ...], entry.get("spelled", []), f"{where}.spelled")
