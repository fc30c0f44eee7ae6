"""Hand a database to SDV and take its output back (the project's side; SDV runs elsewhere).

SDV gets one Parquet file per table plus multi-table metadata built from our schema model:

- keys: a single-column primary key is SDV's ``primary_key``; a relationship is declared for
  each single-column FK to its parent's primary key. SDV Community cannot express composite
  keys, self-references or FK cycles, so those are left out and listed in ``dropped``.
- column kinds: key columns are ``id``; integers, floats and decimals ``numerical``; dates and
  timestamps ``datetime``; booleans ``boolean``; every other column (strings, ENUMs, nested
  values as their text) ``categorical``. Declaring strings categorical stops SDV from
  detecting them as PII and replacing them with Faker values, which would make any fidelity
  score meaningless (see ``../shared/context/stack-notes.md`` section 6).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.graph import fk_graph
from amalgam_rel.schema.model import Database


def sdtype(kind) -> str:
    name = kind.value
    if name in ("integer", "float", "decimal"):
        return "numerical"
    if name in ("date", "timestamp"):
        return "datetime"
    if name == "boolean":
        return "boolean"
    return "categorical"


def export_expr(column) -> str:
    """SQL that turns a column into a type pandas and SDV handle (numbers, datetimes, text)."""
    kind = sdtype(column.type.kind)
    ident = sql.render(sql.column(column.name))
    wide = column.type.name in ("HUGEINT", "UHUGEINT")  # beyond int64: pandas cannot hold them exactly
    if kind == "numerical" and (column.type.kind.value != "integer" or wide):
        return f"CAST({ident} AS DOUBLE)"
    if kind == "datetime":
        return f"CAST({ident} AS TIMESTAMP)"
    if kind == "categorical":
        return f"CAST({ident} AS VARCHAR)"
    return ident


def metadata(db: Database) -> tuple[dict, list[str]]:
    """SDV metadata (``Metadata.load_from_dict`` format) and the FKs SDV could not be given."""
    graph = fk_graph(db)
    relationships, dropped, id_cols = [], [], {t.key: set() for t in db.tables}
    for fk in db.foreign_keys:
        parent = db.table(fk.ref_table)
        if fk.is_self_reference:
            dropped.append(f"{fk.label} (self-reference)")
        elif fk in graph.broken:
            dropped.append(f"{fk.label} (closes an FK cycle)")
        elif len(fk.columns) > 1:
            dropped.append(f"{fk.label} (composite key)")
        elif parent.primary_key != fk.ref_columns:
            dropped.append(f"{fk.label} (references no single-column primary key)")
        else:
            relationships.append({"parent_table_name": fk.ref_table, "parent_primary_key": fk.ref_columns[0],
                                  "child_table_name": fk.table, "child_foreign_key": fk.columns[0]})
            id_cols[fk.table].add(fk.columns[0])
    tables = {}
    for t in db.tables:
        pk = t.primary_key[0] if len(t.primary_key) == 1 else None
        ids = id_cols[t.key] | ({pk} if pk else set())
        cols = {c.name: {"sdtype": "id"} if c.name in ids else _column_meta(c) for c in t.columns}
        tables[t.key] = {"columns": cols} | ({"primary_key": pk} if pk else {})
    return {"METADATA_SPEC_VERSION": "V1", "tables": tables, "relationships": relationships}, dropped


def _column_meta(column) -> dict:
    kind = sdtype(column.type.kind)
    if kind == "datetime":
        return {"sdtype": "datetime", "datetime_format": "%Y-%m-%d %H:%M:%S"}
    return {"sdtype": kind}


def export(real: Path, folder: Path, sidecar: Path | None = None) -> Database:
    """Write every table as Parquet plus ``metadata.json`` into ``folder``; returns the schema."""
    from amalgam_rel.schema.sidecar import apply_sidecar

    folder.mkdir(parents=True, exist_ok=True)
    con = open_duckdb(real)
    try:
        db = read_duckdb(con)
        db = apply_sidecar(db, sidecar, con) if sidecar else db
        for t in db.tables:
            select = ", ".join(f"{export_expr(c)} AS {sql.render(sql.ident(c.name))}" for c in t.columns)
            rows = con.execute(f"SELECT {select} FROM {sql.render(sql.table_ref(t.name, t.schema))}").to_arrow_table()
            pq.write_table(rows, folder / f"{t.key}.parquet")
    finally:
        con.close()
    meta, dropped = metadata(db)
    (folder / "metadata.json").write_text(json.dumps({"metadata": meta, "dropped": dropped,
                                                      "rows": {t.key: t.row_count for t in db.tables}}))
    return db


def read_output(db: Database, folder: Path) -> dict:
    """SDV's sampled tables as Arrow, one per table of ``db``."""
    return {t.key: pq.read_table(folder / f"{t.key}.parquet") for t in db.tables}
