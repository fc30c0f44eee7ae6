"""Rule: columns repeating a column of the row one of their foreign keys points to
(:mod:`amalgam_rel.relational.parent_copies`): ``Invoice.BillingCity = Customer.City``."""

from __future__ import annotations

from dataclasses import asdict, replace

import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.relational import parent_copies
from amalgam_rel.relational.parent_copies import ParentCopy, find_parent_copies
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.relational.rules.rows import fk_of, parent_column, parent_rows
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind

NAME = "copies"
FIT_AT = "columns"


def find(ctx) -> tuple[ParentCopy, ...]:
    """Not under a privacy budget (the check reads every real pair). Never a key, UNIQUE or CHECKed
    column, nor one another rule computes or orders; only through a foreign key whose parent
    rows are final when the table is sampled (not a self-reference, not a broken cycle edge).
    Counted by the frames' engine: inside a server source (MySQL compares text there by its
    collation, so a copy that differs only in case or trailing spaces counts as one)."""
    ft, frames = ctx.ft, ctx.frames
    if ctx.options.epsilon is not None or ft.frame.num_rows == 0:
        return ()
    skip = set(ft.plan.fk_columns) | set(ft.table.primary_key) | set(ft.sequences) | set(ft.keys) | set(ft.calendar) \
        | ctx.claimed | {t.column for t in ft.temporal} | checked_columns(ft.table) | unique_columns(ft.table)
    # a table too large to read whole: the pairs are counted on a repeatable share of its
    # families, about as many rows as its sample (an estimate; joining every row ran out of memory)
    within = (min(1.0, ft.sampled.share), ft.sampled.key) if ft.sampled is not None else None
    found: list[ParentCopy] = []
    for fk in ((ft.plan.driver,) if ft.plan.driver else ()) + ft.plan.matched:
        columns = [c.name for c in ft.table.columns if c.name not in skip and c.name not in {f.column for f in found}]
        parent = ctx.fitted[fk.ref_table]
        late = {c for d in parent.plan.deferred for c in d.columns}  # filled after the parent's rows are written
        sources = [c.name for c in parent.table.columns if c.name not in late]
        if not columns or not sources:
            continue

        def copyable(column: str, source: str, child=ft.table, parent=parent.table) -> bool:
            a, b = child.column(column), parent.column(source)  # a NULL parent value must fit the child
            return (a.type == b.type or (a.type.kind is Kind.STRING and b.type.kind is Kind.STRING and (
                a.type.length is None or (b.type.length is not None and a.type.length >= b.type.length)))) \
                and (a.nullable or not b.nullable)

        copies = find_parent_copies(frames.engine, frames.source(ft.table), frames.source(parent.table), fk.columns,
                                    fk.ref_columns, columns, sources, frames.plan.fk_index(fk), copyable, within)
        # a NOT NULL column needs a value on rows a nullable key leaves without a parent: its models give it
        found += [replace(c, only_with_parent=True) if fk.nullable and not ft.table.column(c.column).nullable else c
                  for c in copies]
    return tuple(found)


def copied_sources(records) -> set[str]:
    """The parent columns the records read (the sampler keeps them while the child is sampled)."""
    return {c.source for c in records}


def claims(records) -> tuple[str, ...]:
    return tuple(c.column for c in records)


def computed(records) -> tuple[str, ...]:
    # a copy only where there is a parent leaves its column in the model, which gives the other rows
    return tuple(c.column for c in records if not c.only_with_parent)


def apply_at(record: ParentCopy, ft) -> str:
    # one whose rows without a parent keep their own values is written over them, once those exist
    return "finished" if record.only_with_parent else "parents"


def apply(d, records) -> None:
    for f in records:
        rows = parent_rows(d, f.fk)
        copied = parent_copies.per_row(parent_column(d, fk_of(d, f.fk), f.source), rows)
        if not f.only_with_parent:
            d.values[f.column] = copied
            continue
        own = d.values[f.column]
        d.values[f.column] = pc.if_else(pa.array(rows >= 0), copied.cast(own.type) if own.type != pa.null() else copied, own)


def describe(records, db) -> list[tuple[str, str]]:
    return [(c.column, f"{fk.ref_table}.{c.source} through {', '.join(fk.columns)}"
             + (" (rows with one)" if c.only_with_parent else "")) for c in records for fk in [db.foreign_keys[c.fk]]]


def to_json(records) -> dict:
    return {"copies": [asdict(c) for c in records]}


def from_json(entry: dict, where: str) -> tuple[ParentCopy, ...]:
    return typed(tuple[ParentCopy, ...], entry.get("copies", []), f"{where}.copies")
