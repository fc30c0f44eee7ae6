"""Contribution bounding: at most ``cap`` children per parent row, applied to the source in SQL.

For every driving FK, each parent row keeps its first ``cap`` children in a fixed order (the
child's primary key, else its first unique set, else all scalar columns), and a row survives
only if its driving parent survived, so a dropped row takes its whole driving subtree with it.
The rank of a child is taken among the children of one parent, which all belong to that
parent's entity: adding or removing another entity never moves a row in or out (no "swap-in").

Matched FKs drop nothing (a drop there would admit another entity's row, unbounding the
sensitivity); their child counts are clipped at the cap in the parent's frame instead
(:func:`clip_counts`), which gives the count column public bounds.

The kept rows of each non-root table become a TEMP table of the (read-only) source connection,
so types are exactly the source's; :class:`~amalgam_rel.relational.training.TrainingFrames`
reads them in place of the source tables.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import NESTED_KINDS



def bounded_name(table_key: str) -> str:
    # a TEMP table in the source's own connection, beside its tables: a reserved name
    return sql.internal(f"bounded:{table_key}")


def fk_caps(plan: DatabasePlan, cap_of) -> dict[int, int]:
    """FK index -> cap, for every FK a frame counts (driving and matched); ``cap_of(child table)``."""
    caps = {}
    for tp in plan.tables.values():
        for i in tp.count_columns:
            caps[i] = cap_of(plan.db.foreign_keys[i].table)
    return caps


def bound_contributions(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, caps: dict[int, int]) -> dict[str, str]:
    """Create the bounded rows of every table with a driving FK, parents first.

    Returns table key -> TEMP table name (root tables are read unchanged and are not listed).
    """
    sources: dict[str, str] = {}
    for key in plan.graph.order:
        fk = plan.tables[key].driver
        if fk is None:
            continue
        table, parent = plan.db.table(key), plan.db.table(fk.ref_table)
        cap = caps[plan.fk_index(fk)]
        rank = sql.fresh_name("__rank", table.column_names)
        ranked = exp.select(
            exp.Star(),
            exp.Window(this=exp.RowNumber(), partition_by=[sql.column(c) for c in fk.columns],
                       order=exp.Order(expressions=[exp.Ordered(this=sql.column(c)) for c in _order_columns(table)]))
            .as_(sql.ident(rank)),
        ).from_(_relation(table, sources))
        parent_rel = _relation(parent, sources, "p")
        on = exp.and_(*(exp.EQ(this=sql.column(c, "t"), expression=sql.column(r, "p")) for c, r in zip(fk.columns, fk.ref_columns)))
        query = (
            exp.select(*(sql.column(c, "t") for c in table.column_names))
            .from_(ranked.subquery("t"))
            .join(parent_rel, on=on, join_type="inner")  # FK targets are unique: no row is repeated
            .where(exp.LTE(this=sql.column(rank, "t"), expression=exp.Literal.number(cap)))
        )
        name = bounded_name(key)
        con.execute(sql.render(exp.Create(this=exp.Table(this=sql.ident(name)), kind="TABLE", replace=True,
                                          properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
                                          expression=query)))
        sources[key] = name
    return sources


def drop_bounded(con: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> None:
    for name in sources.values():
        con.execute(sql.render(exp.Drop(tables=[exp.Table(this=sql.ident(name))], kind="TABLE", exists=True)))


def clip_counts(frame: pa.Table, caps: dict[str, int]) -> pa.Table:
    """Child-count columns (``#i``) clipped at their caps (matched FKs: see the module doc)."""
    for name, cap in caps.items():
        if name in frame.column_names:
            clipped = pc.min_element_wise(frame.column(name), pa.scalar(cap, frame.schema.field(name).type))
            frame = frame.set_column(frame.column_names.index(name), name, clipped)
    return frame


def _relation(table: Table, sources: dict[str, str], alias: str | None = None) -> exp.Table:
    alias_node = exp.TableAlias(this=sql.ident(alias)) if alias else None
    if table.key in sources:
        return exp.Table(this=sql.ident(sources[table.key]), alias=alias_node)
    return exp.Table(this=sql.ident(table.name), db=None if table.schema == "main" else sql.ident(table.schema),
                     alias=alias_node)


def _order_columns(table: Table) -> tuple[str, ...]:
    """A deterministic order of a parent's children: a key if there is one, else every scalar column."""
    sets = table.unique_sets()
    if sets:
        return sets[0]
    return tuple(c.name for c in table.columns if c.type.kind not in NESTED_KINDS) or table.column_names
