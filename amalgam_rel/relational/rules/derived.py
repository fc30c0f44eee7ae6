"""Rule: columns computed from two others of their row, or one of it and one of a parent row's
(:mod:`amalgam_rel.relational.derived`): ``ext = price * qty``, ``total = qty * product.price``."""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.relational import derived, parent_copies
from amalgam_rel.relational.derived import Derived, find_derived, find_parent_derived
from amalgam_rel.relational.rules.implied import empty_keys
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.relational.rules.rows import fk_of, parent_rows
from amalgam_rel.saved import typed
from amalgam_rel.schema.model import ForeignKey
from amalgam_rel.schema.types import Kind

NAME = "derived"
FIT_AT = "columns"


def find(ctx) -> tuple[Derived, ...]:
    """Same-row identities, and those reading a row a foreign key (or two) leads to."""
    ft, frames, fitted = ctx.ft, ctx.frames, ctx.fitted
    if ctx.options.epsilon is not None or ft.frame.num_rows == 0:
        return ()  # a private fit never reads the data for this
    skip = set(ft.plan.fk_columns) | set(ft.keys) | set(ft.sequences) | ctx.claimed
    columns = [c.name for c in ft.table.columns if c.type.reads_as_number
               and c.name not in skip and c.name in ft.frame.column_names]
    mine = checked_columns(ft.table) | unique_columns(ft.table)  # a computed value is never repaired
    same_row = tuple(d for d in find_derived(ft.frame, columns) if d.column not in mine)
    computed = {d.column for d in same_row}
    through_parent: list[Derived] = []
    for path in _parent_paths(ft, fitted):
        last = fitted[path[-1].ref_table]
        late = {c for d in last.plan.deferred for c in d.columns}  # filled after the parent's rows are written
        sources = [c.name for c in last.table.columns if c.type.reads_as_number
                   and c.name not in late and c.name not in last.table.primary_key]
        taken = computed | {d.column for d in through_parent}
        targets = [c for c in columns if c not in taken and c not in mine]
        operands = [c for c in columns if c not in taken]
        hops = [(frames.source(fitted[fk.ref_table].table), fk.columns, fk.ref_columns) for fk in path]
        through_parent += find_parent_derived(frames.con, frames.source(ft.table), hops, targets, operands, sources,
                                              tuple(frames.plan.fk_index(fk) for fk in path))
    # those first: a same-row identity may use one as an operand (their operands are never computed)
    return tuple(_through_empty_keys(ft, d, fitted, frames.plan) for d in through_parent) + same_row


def _through_empty_keys(ft, rule: Derived, fitted: dict, plan) -> Derived:
    """``rule``, written only where its operands are set when a NOT NULL column reads its operand
    through a key a synthetic row may leave empty though no real row did (see :func:`.implied.empty_keys`)."""
    if rule.only_where_set or ft.table.column(rule.column).nullable:
        return rule
    tables = [ft] + [fitted[plan.db.foreign_keys[i].ref_table] for i in rule.path[:-1]]
    if any(i in empty_keys(t, plan) for t, i in zip(tables, rule.path)):
        return replace(rule, only_where_set=True)
    return rule


def _parent_paths(ft, fitted: dict) -> list[tuple[ForeignKey, ...]]:
    """Keys to a parent row, then on to that row's parent, whose rows are final when this table is
    sampled: its driving and matched keys, then theirs (no self-references, no broken cycle edges)."""
    def final(plan) -> tuple[ForeignKey, ...]:
        return ((plan.driver,) if plan.driver else ()) + plan.matched
    paths = [(fk,) for fk in final(ft.plan)]
    return paths + [(fk, up) for fk, in paths for up in final(fitted[fk.ref_table].plan)]


def claims(records) -> tuple[str, ...]:
    return tuple(d.column for d in records)


def computed(records) -> tuple[str, ...]:
    # one that holds only where its operands are set leaves its column in the model, which gives the other rows
    return tuple(d.column for d in records if not d.only_where_set)


def apply_at(record, ft) -> str:
    return "values"


def apply(d, records) -> None:
    """In dependency order (a same-row identity may read a column computed through a parent)."""
    for f in records:
        t = d.ft.table.column(f.column).type  # DuckDB casts to the column's own type on insert
        target = pa.decimal128(t.precision, t.scale) if t.kind is Kind.DECIMAL and (t.precision or 0) <= 38 \
            else pa.int64() if t.kind is Kind.INTEGER else pa.float64()
        right = d.values[f.right] if not f.path else _through(d, f.path, f.right)
        d.values[f.column] = derived.compute(f, d.values[f.left], right, target, d.rng, d.values.get(f.column),
                                             bounds=held_range(t))


_INT_BITS = {"TINYINT": 8, "SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}


def held_range(t) -> tuple[float, float] | None:
    """The values a column of schema type ``t`` holds (None: no clipping needed for floats). A
    rule found on the data never leaves it (:func:`derived._fits`); one decided under a budget
    (:mod:`amalgam_rel.dp.private_derived`) computes from operands the private model drew, which
    may reach past it.

    >>> from amalgam_rel.schema.types import parse_type
    >>> held_range(parse_type("INTEGER")), held_range(parse_type("DECIMAL(4,2)")), held_range(parse_type("UTINYINT"))
    ((-2147483648.0, 2147483647.0), (-99.99, 99.99), (0.0, 255.0))
    """
    name = t.name.upper()
    if t.kind is Kind.DECIMAL and t.precision:
        top = 10.0 ** (t.precision - (t.scale or 0)) - 10.0 ** -(t.scale or 0)
        return -top, top
    if name in _INT_BITS:
        return -(2.0 ** (_INT_BITS[name] - 1)), 2.0 ** (_INT_BITS[name] - 1) - 1
    if name.startswith("U") and name[1:] in _INT_BITS:
        return 0.0, 2.0 ** _INT_BITS[name[1:]] - 1
    return None


def _through(d, path: tuple[int, ...], column: str) -> pa.Array:
    """Each row's value of ``column`` in the row its keys ``path`` lead to (NULL where one is missing)."""
    rows = parent_rows(d, path[0])
    table = d.parents[fk_of(d, path[0]).ref_table]
    for index in path[1:]:
        fk = fk_of(d, index)
        gone = rows < 0
        keys = [pc.take(table.column(c).combine_chunks(), pa.array(np.where(gone, 0, rows), mask=gone)) for c in fk.columns]
        table = d.parents[fk.ref_table]
        rows = parent_copies.parent_rows(keys, [table.column(c).combine_chunks() for c in fk.ref_columns])
    return parent_copies.per_row(table.column(column).combine_chunks(), rows)


def describe(records, db) -> list[tuple[str, str]]:
    def how(d: Derived) -> str:
        if not d.path:
            return f"{d.left} {d.op} {d.right}"
        fks = [db.foreign_keys[i] for i in d.path]
        return f"{d.left} {d.op} {fks[-1].ref_table}.{d.right} through " + " then ".join(", ".join(fk.columns) for fk in fks)
    return [(d.column, how(d) + (" (rows with both)" if d.only_where_set else "")) for d in records]


def to_json(records) -> dict:
    return {"derived": [asdict(d) for d in records]}


def from_json(entry: dict, where: str) -> tuple[Derived, ...]:
    return typed(tuple[Derived, ...], entry.get("derived", []), f"{where}.derived")
