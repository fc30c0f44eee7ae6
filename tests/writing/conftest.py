"""Targets' fixtures: the database servers (a skip where none answers, a failure in CI), a fresh
PostgreSQL schema or MySQL database per test (dropped after), and a synthetic chinook."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from amalgam_rel.connection import connect
from tests.conftest import EXAMPLE
from tests.servers import MYSQL_URL, POSTGRES_URL, Server, server  # noqa: F401 - tests import POSTGRES_URL from here

@pytest.fixture(scope="session")
def postgres() -> Server:
    return server("postgres")


@pytest.fixture(scope="session")
def mysql() -> Server:
    return server("mysql")


@pytest.fixture
def pg_schema(postgres):
    """A schema name no one uses; whatever a test made under it is dropped after."""
    name = f"amalgam_test_{uuid.uuid4().hex[:10]}"
    yield name
    postgres.run(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def mysql_db(mysql):
    """``(url, name)`` of a MySQL database no one uses; dropped after, with any temporaries of its name."""
    name = f"amalgam_test_{uuid.uuid4().hex[:10]}"
    base = MYSQL_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}", name
    for (db,) in mysql.rows(f"SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{name}%'"):
        mysql.run(f"DROP DATABASE `{db}`")


@pytest.fixture(scope="session")
def chinook_synthesizer():
    """A Synthesizer fitted on chinook, once."""
    from amalgam_rel.api.synthesizer import Synthesizer

    return Synthesizer(seed=3).fit(EXAMPLE)


@pytest.fixture(scope="session")
def synthetic_chinook(tmp_path_factory, chinook_synthesizer) -> Path:
    """chinook synthesized once (scale 0.05), as a DuckDB file: the rows every target test writes."""
    out = tmp_path_factory.mktemp("synthetic") / "chinook.duckdb"
    chinook_synthesizer.sample(out, scale=0.05)
    return out


@pytest.fixture(scope="session")
def viewed_db(tmp_path_factory) -> Path:
    """Two tables (one in another schema, mixed-case names) and a view joining them."""
    path = tmp_path_factory.mktemp("viewed") / "viewed.duckdb"
    con = connect(path)
    con.execute('CREATE TABLE "Item" ("Id" INTEGER PRIMARY KEY, label VARCHAR); CREATE SCHEMA s;'
                'CREATE TABLE s.u (x INTEGER);'
                "INSERT INTO \"Item\" VALUES (1, 'a'), (2, 'b'), (3, 'c'); INSERT INTO s.u VALUES (1), (1), (3);"
                'CREATE VIEW counted AS SELECT "Id", count(*) AS n FROM "Item" JOIN s.u ON u.x = "Item"."Id" GROUP BY "Id"')
    con.close()
    return path


VIEW_ROWS = [(1, 2), (3, 1)]  # counted, ordered by "Id"
