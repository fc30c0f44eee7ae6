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

from pathlib import Path

import duckdb

NO_EXTENSION_DOWNLOADS = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to ``path`` (in memory by default) that never autoloads an extension.

    DuckDB refuses a second connection to one file with other settings in the same process, so
    every connection amalgam-rel makes must come from here.
    """
    return duckdb.connect(str(path), read_only=read_only, config=dict(NO_EXTENSION_DOWNLOADS))


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
