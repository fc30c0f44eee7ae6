"""Targets' fixtures: the database servers (a skip where none answers, a failure in CI), a fresh
PostgreSQL schema or MySQL database per test (dropped after), and a synthetic chinook."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from amalgam_rel.connection import connect, load_local_extension
from amalgam_rel.locations import parse_location
from tests.conftest import EXAMPLE

POSTGRES_URL = os.environ.get("AMALGAM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("AMALGAM_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")


class Server:
    """A reachable server: ``run`` a statement, ``rows`` of a query, on its own DuckDB connection."""

    def __init__(self, kind: str, url: str):
        self.kind, self.url = kind, url
        self.con = connect()
        load_local_extension(self.con, "postgres_scanner" if kind == "postgres" else "mysql_scanner")
        self.con.execute(f"ATTACH '{url}' AS srv (TYPE {kind})")

    def run(self, statement: str) -> None:
        function = "postgres_execute" if self.kind == "postgres" else "mysql_execute"
        self.con.execute(f"CALL {function}('srv', ?)", [statement])

    def rows(self, query: str) -> list[tuple]:
        function = "postgres_query" if self.kind == "postgres" else "mysql_query"
        return self.con.execute(f"SELECT * FROM {function}('srv', ?)", [query]).fetchall()


def _server(kind: str, url: str) -> Server:
    try:
        server = Server(kind, url)
        server.rows("SELECT 1")
        return server
    except Exception as err:  # any failure to reach it: the reason is in the message
        reason = (f"no {kind} server answers at {parse_location(url).shown()} ({str(err).splitlines()[0][:120]}); "
                  f"set AMALGAM_TEST_{kind.upper()} to one")
        if os.environ.get("CI") == "true":  # CI always has both servers: a missing one is a broken machine
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Server:
    return _server("postgres", POSTGRES_URL)


@pytest.fixture(scope="session")
def mysql() -> Server:
    return _server("mysql", MYSQL_URL)


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
