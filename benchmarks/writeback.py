"""Write a method's rows through amalgam-rel's writer, so every output has the real DDL.

If DuckDB rejects the rows (a baseline or SDV broke a key or a CHECK), the rows are *not*
repaired: they go into a constraint-free copy of the schema (same tables, columns and types; no
keys, CHECKs, NOT NULLs or indexes) so they can still be evaluated, and the rejection is
reported. ``evaluate`` then counts the violations against the real schema.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from amalgam_rel.errors import DataError
from amalgam_rel.schema.graph import fk_graph
from amalgam_rel.schema.model import Database
from amalgam_rel.writing.writer import DatabaseWriter


def constraint_free(db: Database) -> Database:
    tables = tuple(
        replace(t, primary_key=(), unique=(), checks=(), columns=tuple(replace(c, nullable=True) for c in t.columns))
        for t in db.tables
    )
    return replace(db, tables=tables, foreign_keys=(), indexes=())


def write_tables(db: Database, tables: dict[str, pa.Table], out: Path) -> dict:
    """Write ``tables`` (table key -> rows) to ``out``; says whether the real DDL accepted them."""
    order = [k for k in fk_graph(db).order if k in tables]
    try:
        _write(db, tables, order, out)
        return {"constraints": "enforced"}
    except DataError as err:
        _write(constraint_free(db), tables, order, out)
        return {"constraints": "rejected; written without constraints", "rejection": str(err)[:300]}


def _write(db: Database, tables: dict[str, pa.Table], order: list[str], out: Path) -> None:
    with DatabaseWriter(db, out, force=True) as writer:
        for key in order:
            writer.append(key, tables[key])
