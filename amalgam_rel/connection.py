"""The one way amalgam-rel opens DuckDB: no extension is ever autoloaded or downloaded.

Left to itself, DuckDB fetches an extension over the network the moment a file or a function
needs one (a SQLite file given as a database, an ``https://`` path, a spatial type). amalgam-rel
runs offline and must never reach the network, so every connection it makes comes from
:func:`connect`, with autoloading and autoinstalling switched off; what is not built into DuckDB
then fails with an error instead. An extension loaded explicitly from a local file
(``duckdb_extensions.import_extension``) still works. ``tests/test_connection.py`` checks that no
module calls ``duckdb.connect`` (or DuckDB's module-level default connection) around it.

>>> con = connect()
>>> con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()
(False,)
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

NO_EXTENSION_DOWNLOADS = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
SCAN_MIB_PER_THREAD = 64  # DuckDB's working memory per thread while it streams a large table


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to ``path`` (in memory by default) that never autoloads an extension.

    DuckDB refuses a second connection to one file with other settings in the same process, so
    every connection amalgam-rel makes must come from here.
    """
    return duckdb.connect(str(path), read_only=read_only, config=dict(NO_EXTENSION_DOWNLOADS))


@contextmanager
def scan_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Meanwhile, ``con``'s database kept to a working memory set by its threads, not by the rows
    it scans; its own limit comes back after (the instance may be a user's).

    DuckDB's default limit is most of the machine's memory, and below it an operator keeps all it
    builds: the hash tables of a ``GROUP BY`` or ``COUNT(DISTINCT)`` over every row of a table too
    large to read grew with its rows (a fit of 10 M rows took 750 MiB more than one of 1 M). Held
    to :data:`SCAN_MIB_PER_THREAD` per thread (128 MiB at least), DuckDB spills what is over to
    its temporary directory (its ``temp_directory``, left as it is: what it already holds stays
    there), and the results are the same.
    """
    limit, threads = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()[0]
    con.execute(f"SET memory_limit = '{max(2, int(threads)) * SCAN_MIB_PER_THREAD}MiB'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = {_literal(limit)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cursor_of(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection of amalgam-rel's own to the database a user's ``con`` is using.

    A cursor shares ``con``'s database instance (and its settings, which are the user's: they are
    left as they are) but has its own temporary objects, so the frames amalgam-rel registers
    while it works never appear in, or replace, the user's. It starts in the instance's default
    database, so it is moved to the one ``con`` is using. Close it when done; ``con`` stays open.
    """
    cursor = con.cursor()
    # fetchall, not fetchone: a result left open holds ``con``'s transaction open, and ``con`` would
    # then not see the tables written through the cursor until its next statement
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    cursor.execute("USE " + '"' + database.replace('"', '""') + '"')
    return cursor


def database_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file of ``con``'s current database, or ``":memory:"`` for one held in memory."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    return path or ":memory:"


def load_local_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Install extension ``name`` from its local wheel (``duckdb-extension-<name>``) and load it.

    ``import_extension`` only installs; DuckDB would then autoload it on first use, which
    :func:`connect` switches off, so it is loaded here by name. Nothing is downloaded.
    """
    from duckdb_extensions import import_extension

    if not name.isidentifier():
        raise ValueError(f"not an extension name: {name!r}")
    import_extension(name, con=con)
    con.execute(f"LOAD {name}")
