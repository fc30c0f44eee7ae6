"""Fixtures of tests/sources: the example database loaded into each kind of source.

A server fixture loads it into a schema (PostgreSQL) or database (MariaDB) of its own, named
for this run, and drops it afterwards; the test skips when the server does not answer, and fails
with CI=true (servers.require_server).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from .servers import (MYSQL_URL, PG_URL, drop_from_server, export_folder, load_into_server, load_into_sqlite,
                     require_server)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chinook.duckdb"


def fresh_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def pg_chinook():
    """(url, schema) of chinook loaded into a fresh PostgreSQL schema."""
    require_server("postgres")
    schema = fresh_name("amalgam_chinook")
    try:
        load_into_server(EXAMPLE, "postgres", PG_URL, schema)
        yield PG_URL, schema
    finally:
        drop_from_server("postgres", PG_URL, schema)


@pytest.fixture(scope="module")
def mysql_chinook():
    """The URL of chinook loaded into a fresh MariaDB database."""
    require_server("mysql")
    database = fresh_name("amalgam_chinook")
    try:
        load_into_server(EXAMPLE, "mysql", MYSQL_URL, database)
        yield MYSQL_URL.rsplit("/", 1)[0] + "/" + database
    finally:
        drop_from_server("mysql", MYSQL_URL, database)


@pytest.fixture(scope="module")
def sqlite_chinook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "chinook.db"
    load_into_sqlite(EXAMPLE, path)
    return path


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("folders")
    for kind in ("parquet", "csv", "jsonl"):
        export_folder(EXAMPLE, base / kind, kind)
    return {kind: base / kind for kind in ("parquet", "csv", "jsonl")}
