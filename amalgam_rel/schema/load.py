"""One entry point for every schema source the CLI accepts.

A ``.sql`` / ``.ddl`` file is parsed as DDL; anything else is opened read-only as a DuckDB
database. A sidecar file adds logical foreign keys, checked against the data when there is any.
"""

from __future__ import annotations

from pathlib import Path

from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb, source_reads
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.sidecar import apply_sidecar
from amalgam_rel.schema.source_kind import is_ddl_file


def load_schema(path: str | Path, *, sidecar: str | Path | None = None, dialect: str | None = None) -> Database:
    path = Path(path)
    if is_ddl_file(path):
        from amalgam_rel.schema.ddl_reader import read_ddl

        db = read_ddl(path, dialect=dialect)
        return apply_sidecar(db, sidecar, con=None) if sidecar else db
    con = open_duckdb(path)
    try:
        with source_reads(path):  # the sidecar's checks read the data
            db = read_duckdb(con)
            db = Database(db.tables, db.foreign_keys, db.enum_types, db.sequences, db.indexes, db.schemas, source=str(path))
            return apply_sidecar(db, sidecar, con=con) if sidecar else db
    finally:
        con.close()
