"""One entry point for every schema source the CLI accepts.

A ``.sql`` / ``.ddl`` file is parsed as DDL; anything else is a source location
(:func:`~amalgam_rel.locations.parse_location`: a DuckDB file, ``sqlite:``, ``postgresql://``,
``mysql://``, ``parquet:``, ``csv:``) opened read-only (:func:`~amalgam_rel.schema.sources.open_source`).
A sidecar file adds logical foreign keys, checked against the data when there is any.
"""

from __future__ import annotations

from pathlib import Path

from amalgam_rel.locations import Location, parse_location
from amalgam_rel.schema.duckdb_reader import source_reads
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.sidecar import apply_sidecar
from amalgam_rel.schema.sources import open_source


def load_schema(source: str | Path | Location, *, sidecar: str | Path | None = None, dialect: str | None = None,
                schema: str | None = None) -> Database:
    location = source if isinstance(source, Location) else parse_location(source, schema=schema)
    if location.kind == "ddl":
        from amalgam_rel.schema.ddl_reader import read_ddl

        db = read_ddl(location.path, dialect=dialect)
        return apply_sidecar(db, sidecar, con=None) if sidecar else db
    with open_source(location) as src, source_reads(location.text if location.kind == "duckdb" else None):
        db = src.database  # the sidecar's checks read the data
        return apply_sidecar(db, sidecar, con=src.con) if sidecar else db


def load_with_suggestions(location: Location, *, sidecar: str | Path | None = None):
    """The schema of a source with data (not a DDL file), and the keys its data suggests that it
    does not declare (:func:`~amalgam_rel.schema.key_discovery.suggest_keys`), read in one opening."""
    from amalgam_rel.schema.key_discovery import suggest_keys

    with open_source(location) as src, source_reads(location.text if location.kind == "duckdb" else None):
        db = src.database
        db = apply_sidecar(db, sidecar, con=src.con) if sidecar else db
        return db, suggest_keys(src.con, db)
