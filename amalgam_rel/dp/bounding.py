"""Contribution bounding's shared parts: the caps per FK, the TEMP tables' names, the order of a
parent's children, and child counts clipped at their caps. The bounding itself, per privacy
unit, is :mod:`.unit_bounding`.

The kept rows of each private table become a TEMP table of the (read-only) source connection,
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


def drop_bounded(con: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> None:
    for name in sources.values():
        con.execute(sql.render(exp.Drop(tables=[exp.Table(this=sql.ident(name))], kind="TABLE", exists=True)))


def clip_counts(frame: pa.Table, caps: dict[str, int]) -> pa.Table:
    """Child-count columns (``#i``) clipped at their caps (the kept rows respect them already:
    this makes ``[0, cap]`` hold whatever a frame's counts were built from)."""
    for name, cap in caps.items():
        if name in frame.column_names:
            clipped = pc.min_element_wise(frame.column(name), pa.scalar(cap, frame.schema.field(name).type))
            frame = frame.set_column(frame.column_names.index(name), name, clipped)
    return frame


def source_relation(table: Table, sources: dict[str, str], alias: str | None = None) -> exp.Table:
    alias_node = exp.TableAlias(this=sql.ident(alias)) if alias else None
    if table.key in sources:
        return exp.Table(this=sql.ident(sources[table.key]), alias=alias_node)
    return exp.Table(this=sql.ident(table.name), db=None if table.schema == "main" else sql.ident(table.schema),
                     alias=alias_node)


def child_order(table: Table) -> tuple[str, ...]:
    """A deterministic order of a parent's children: a key if there is one, else every scalar column."""
    sets = table.unique_sets()
    if sets:
        return sets[0]
    return tuple(c.name for c in table.columns if c.type.kind not in NESTED_KINDS) or table.column_names
