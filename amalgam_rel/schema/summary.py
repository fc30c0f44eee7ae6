"""What ``amalgam-rel inspect`` shows: a JSON-ready summary of a schema and its FK graph.

>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> s = summarize(Database((Table("t", (Column("id", parse_type("INTEGER"), False),), ("id",), row_count=3),)))
>>> s["tables"][0]["rows"], s["graph"]["order"]
(3, ['t'])
"""

from __future__ import annotations

from amalgam_rel.schema import sql
from amalgam_rel.schema.graph import FkGraph, fk_graph
from amalgam_rel.schema.model import Database, ForeignKey


def summarize(db: Database, graph: FkGraph | None = None) -> dict:
    graph = graph or fk_graph(db)
    return {
        "tables": [
            {
                "name": t.key,
                "rows": t.row_count,
                "primary_key": list(t.primary_key),
                "unique": [list(u) for u in t.unique],
                "checks": [sql.render(c) for c in t.checks],
                "logical_checks": [sql.render(c) for c in t.logical_checks],
                "depth": graph.depth[t.key],
                "columns": [
                    {"name": c.name, "type": c.type.sql(), "kind": c.type.kind.value, "nullable": c.nullable,
                     "default": c.default}
                    for c in t.columns
                ],
            }
            for t in db.tables
        ],
        "foreign_keys": [_fk(fk, graph) for fk in db.foreign_keys],
        "enum_types": [{"name": e.name, "labels": list(e.labels)} for e in db.enum_types],
        "graph": {
            "order": list(graph.order),
            "self_references": list(dict.fromkeys(fk.table for fk in graph.self_references)),
            "cycles": [list(c) for c in graph.cycles],
            "broken_edges": [fk.label for fk in graph.broken],
            "bridges": list(graph.bridges),
            "depth": max(graph.depth.values(), default=0),
        },
    }


def _fk(fk: ForeignKey, graph: FkGraph) -> dict:
    return {
        "table": fk.table,
        "columns": list(fk.columns),
        "ref_table": fk.ref_table,
        "ref_columns": list(fk.ref_columns),
        "nullable": fk.nullable,
        "kind": fk.kind,
        "self_reference": fk.is_self_reference,
        "broken": fk in graph.broken,
    }
