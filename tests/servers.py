"""The database servers the tests talk to: PostgreSQL and MariaDB/MySQL on this machine.

One place for their URLs (``AMALGAM_TEST_POSTGRES`` / ``AMALGAM_TEST_MYSQL`` point elsewhere),
a connection that runs statements and queries on them (through DuckDB's scanners, as amalgam-rel
itself reaches them), and the rule for a server that does not answer: the test is skipped with
the reason on a laptop, and fails in CI (``CI=true``), whose machines always run both.
"""

from __future__ import annotations

import os

import pytest

from amalgam_rel.connection import connect, load_local_extension
from amalgam_rel.locations import parse_location

POSTGRES_URL = os.environ.get("AMALGAM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("AMALGAM_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")
URLS = {"postgres": POSTGRES_URL, "mysql": MYSQL_URL}


class Server:
    """A reachable server: ``run`` a statement, ``rows`` of a query, on its own DuckDB connection."""

    def __init__(self, kind: str, url: str):
        self.kind, self.url = kind, url
        self.con = connect()
        load_local_extension(self.con, f"{kind}_scanner")
        self.con.execute(f"ATTACH '{url}' AS srv (TYPE {kind})")

    def run(self, statement: str) -> None:
        self.con.execute(f"CALL {self.kind}_execute('srv', ?)", [statement])

    def rows(self, query: str) -> list[tuple]:
        return self.con.execute(f"SELECT * FROM {self.kind}_query('srv', ?)", [query]).fetchall()

    def close(self) -> None:
        self.con.close()


def server(kind: str, url: str | None = None) -> Server:
    """The server of ``kind`` (at ``url``, default its test URL), or a skip / a CI failure saying why not."""
    url = url or URLS[kind]
    try:
        found = Server(kind, url)
        found.rows("SELECT 1")
        return found
    except Exception as err:  # any failure to reach it: the reason is in the message
        reason = (f"no {kind} server answers at {parse_location(url).shown()} ({str(err).splitlines()[0][:120]}); "
                  f"set AMALGAM_TEST_{kind.upper()} to one (CI and the project's machines run one)")
        if os.environ.get("CI") == "true":  # CI always has both servers: a missing one is a broken machine
            pytest.fail(reason)
        pytest.skip(reason)
