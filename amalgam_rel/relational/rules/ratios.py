"""Rule: numbers that are their parent's number, or a fixed ratio of it, on a share of the rows
(:mod:`amalgam_rel.relational.parent_ratios`): an order line's price is its product's price on
most lines, 80 % of it on the others."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.models.codecs.scale import natural_step, to_numeric
from amalgam_rel.relational import parent_copies
from amalgam_rel.relational.parent_ratios import ParentRatio, apply_ratios, find_ratios, follows, ratio_column
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.relational.rules.rows import fk_of, parent_column, parent_rows
from amalgam_rel.saved import typed
from amalgam_rel.schema import sql

NAME = "ratios"
FIT_AT = "columns"


def find(ctx) -> tuple[ParentRatio, ...]:
    """Not under a privacy budget (the ratios are read off real pairs), nor on a table fitted from
    a sample (the model's counts come from SQL over all rows, which has no ``%`` column). Never a
    key, UNIQUE or CHECKed column, nor one another rule writes; only through a foreign key whose
    parent rows are final when the table is sampled (as :mod:`.copies`), and only of a parent
    number whose sampled values are real ones (:func:`_real_values`). Adds each found column's
    ``%name`` to the training frame: the table model draws it with the rest of the row."""
    ft, frames = ctx.ft, ctx.frames
    if ctx.options.epsilon is not None or ft.frame.num_rows == 0 or ft.sampled is not None:
        return ()
    skip = set(ft.plan.fk_columns) | set(ft.table.primary_key) | set(ft.sequences) | set(ft.keys) | set(ft.calendar) \
        | ctx.claimed | checked_columns(ft.table) | unique_columns(ft.table)
    columns = [c.name for c in ft.table.columns if c.type.reads_as_number and c.name not in skip
               and c.name in ft.frame.column_names]
    best: dict[str, tuple[float, ParentRatio]] = {}
    for fk in ((ft.plan.driver,) if ft.plan.driver else ()) + ft.plan.matched:
        parent = ctx.fitted[fk.ref_table]
        if not columns or parent.sampled is not None:
            continue
        late = {c for d in parent.plan.deferred for c in d.columns}
        keys = set(parent.table.primary_key) | set(parent.plan.fk_columns) | unique_columns(parent.table)
        sources = [c.name for c in parent.table.columns if c.type.reads_as_number and c.name not in late | keys
                   and _real_values(parent, c.name, ctx.options.kept)]
        if not sources:
            continue
        values = _parent_values(frames, ft, fk, sources)
        for column in columns:
            child = _floats(ft.frame.column(column))
            step = natural_step(ft.frame.schema.field(column).type) or None
            for source, theirs in values.items():
                ratios = find_ratios(child, theirs, step)
                if ratios:
                    record = ParentRatio(column, frames.plan.fk_index(fk), source, ratios, step)
                    held = _held(child, theirs, record)
                    if held > best.get(column, (0.0, None))[0]:
                        best[column] = (held, record)
    found = tuple(best[c][1] for c in columns if c in best)
    for record in found:  # which ratio each real row follows, for the table model
        ft.frame = ft.frame.append_column(ratio_column(record.column), pa.array(_which(ft, frames, record)))
    if found:
        frames.frames[ft.key] = ft.frame
    return found


def _real_values(parent, column: str, kept: frozenset[str]) -> bool:
    """Whether the parent's sampled values of ``column`` are real values: a kept table's, or a
    codec of exact values (few distinct ones). Repeating a value the parent's bins invented piles
    the children on values no real row holds: northwind's lines on their synthetic products'
    prices (23.17 on 40 lines, where real lines sit on 18.00 and 19.00) were told from real lines
    by the detection classifier at once (AUC 0.49 -> 0.87), and drawing the products' prices from
    their real list instead (61 values) made the products detectable (0.71 -> 0.82)."""
    if parent.key in kept:
        return True
    codec = next((c for c in parent.model.codecs_ if c.name == column), None) if parent.model is not None else None
    return getattr(codec, "mode", None) == "discrete"


def _parent_values(frames, ft, fk, sources: list[str]) -> dict[str, np.ndarray]:
    """Each parent column in ``sources`` per row of the child's frame (NaN: no parent, or NULL)."""
    query = exp.select(*(sql.column(c) for c in dict.fromkeys(list(fk.ref_columns) + sources))) \
        .from_(frames.source(frames.plan.db.table(fk.ref_table)))
    parent = frames.con.execute(query.sql(sql.DIALECT)).to_arrow_table()
    rows = parent_copies.parent_rows([ft.frame.column(c).combine_chunks() for c in fk.columns],
                                     [parent.column(c).combine_chunks() for c in fk.ref_columns])
    out = {}
    for source in sources:
        values = _floats(parent.column(source))
        out[source] = np.where(rows >= 0, values[np.maximum(rows, 0)] if len(values) else np.nan, np.nan)
    return out


def _which(ft, frames, record: ParentRatio) -> np.ndarray:
    fk = frames.plan.db.foreign_keys[record.fk]
    theirs = _parent_values(frames, ft, fk, [record.source])[record.source]
    return follows(_floats(ft.frame.column(record.column)), theirs, record.ratios, record.step).astype(np.int8)


def _held(child: np.ndarray, theirs: np.ndarray, record: ParentRatio) -> float:
    return float((follows(child, theirs, record.ratios, record.step) > 0).mean())


def _floats(column) -> np.ndarray:
    values, valid = to_numeric(column)
    return np.where(valid, values, np.nan)


def claims(records) -> tuple[str, ...]:
    return tuple(r.column for r in records)


def computed(records) -> tuple[str, ...]:
    return ()  # the model keeps the column: it gives the rows that follow no ratio


def apply_at(record, ft) -> str:
    return "parents"


def apply(d, records) -> None:
    for r in records:
        name = ratio_column(r.column)
        if name not in d.rows.column_names or r.column not in d.values:
            continue
        values = parent_copies.per_row(parent_column(d, fk_of(d, r.fk), r.source), parent_rows(d, r.fk))
        d.values[r.column] = apply_ratios(r, d.rows.column(name).combine_chunks(), values, d.values[r.column])


def describe(records, db) -> list[tuple[str, str]]:
    return [(r.column, f"{db.foreign_keys[r.fk].ref_table}.{r.source} x {' or '.join(f'{x:g}' for x in r.ratios)}"
                       " on the rows the model gives a ratio") for r in records]


def to_json(records) -> dict:
    return {"ratios": [asdict(r) for r in records]}


def from_json(entry: dict, where: str) -> tuple[ParentRatio, ...]:
    return typed(tuple[ParentRatio, ...], entry.get("ratios", []), f"{where}.ratios")
