"""Every ``-o`` location a writing command accepts, checked before any work and written at the end.

A DuckDB file is written by :class:`~amalgam_rel.writing.target.FileTarget`. For every other
target, :class:`ExportTarget` gives :class:`~amalgam_rel.writing.writer.DatabaseWriter` a private
DuckDB file in a temporary folder, where DuckDB enforces every key and constraint as rows arrive,
as for a DuckDB output. On commit the finished database goes to the target through the target's
bulk path (:mod:`.servers`, :mod:`.files`, :mod:`.script`), which puts it in place whole or not
at all; the temporary folder goes either way. What the target cannot keep (a CHECK SQLite cannot
say, every key of a Parquet or JSON-lines folder) is in :attr:`ExportTarget.notes`, one line each.

>>> from amalgam_rel.locations import parse_location
>>> target_of("out.duckdb")
(Location(kind='duckdb', text='out.duckdb', schema=None), None)
>>> target_of("sqlite:out.db")[0].kind, target_of("dump.sql", dialect="postgres")[1]
('sqlite', 'postgres')
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from amalgam_rel.connection import connect
from amalgam_rel.errors import LocationError, OutputError
from amalgam_rel.locations import FOLDER_KINDS, Location, parse_location
from amalgam_rel.outputs import check_output_path
from amalgam_rel.schema.model import Database
from amalgam_rel.writing import files, script, servers
from amalgam_rel.writing.export import BUILD

TARGET_KINDS = ("duckdb", "sqlite", "postgres", "mysql", *FOLDER_KINDS, "ddl")


def target_of(output: str | Path | Location, *, schema: str | None = None,
              dialect: str | None = None) -> tuple[Location, str | None]:
    """``(location, script dialect)`` of an ``-o`` value; ``schema`` applies to a server,
    ``dialect`` to a ``.sql`` script (checked, default duckdb)."""
    location = output if isinstance(output, Location) else parse_location(output, schema=schema)
    if dialect is not None and location.kind != "ddl":
        raise OutputError(f"--out-dialect applies to a .sql script, not to {location.shown()}")
    return location, script.check_dialect(dialect) if location.kind == "ddl" else None


def check_target(location: Location, *, force: bool, source: str | Path | None = None,
                 dialect: str | None = None, db: Database | None = None,
                 sources: dict | None = None) -> None:
    """Refuse a target that exists (without ``force``), is an input, or cannot be written.

    A server is asked only when ``db`` is known (which tables it would hold): commands check
    the file targets before fitting, and the server again as writing starts.
    """
    inputs = dict(sources or {})
    if source is not None:
        inputs.setdefault("source database", source)
    if location.is_server:
        for label, given in inputs.items():
            if given is not None and _same_place(location, given):
                raise OutputError(f"refusing to write into the {label} {location.shown()}: -o names it")
        if db is not None:
            servers.check_server(location, db, force=force)
        return
    check_output_path(location.path, option="-o", force=force, sources=inputs,
                      directory=location.kind in FOLDER_KINDS)


def _same_place(location: Location, other) -> bool:
    """Whether ``other`` (an input) names the same server schema as ``location``."""
    try:
        other = other if isinstance(other, Location) else parse_location(str(other))
    except LocationError:  # an input that names no database
        return False
    if other.kind != location.kind:
        return False
    a, b = urlsplit(location.text), urlsplit(other.text)
    return ((a.hostname or "localhost"), a.port, a.path.strip("/"), location.schema) == \
        ((b.hostname or "localhost"), b.port, b.path.strip("/"), other.schema)


def write_target(con: duckdb.DuckDBPyConnection, db: Database, location: Location, *, force: bool,
                 dialect: str | None = None) -> list[str]:
    """Copy the built database ``con`` to ``location``; the notes of what the target does not keep."""
    if location.kind == "postgres":
        return servers.write_postgres(con, db, location, force=force)
    if location.kind == "mysql":
        return servers.write_mysql(con, db, location, force=force)
    if location.kind == "sqlite":
        return files.write_sqlite(con, db, location, force=force)
    if location.kind in FOLDER_KINDS:
        return files.write_folder(con, db, location, force=force)
    if location.kind == "ddl":
        return script.write_script(con, db, location, force=force, dialect=dialect)
    raise OutputError(f"{location.shown()}: a {location.kind} location is not a target")


class ExportTarget:
    """The non-DuckDB location ``location``; ``dialect``: a ``.sql`` script's (default duckdb)."""

    def __init__(self, location: Location, *, force: bool = False, source: str | Path | None = None,
                 dialect: str | None = None):
        self.location, self.force, self.source, self.dialect = location, force, source, dialect
        self.notes: list[str] = []
        self._folder: Path | None = None
        self._db: Database | None = None

    def open(self, db: Database) -> duckdb.DuckDBPyConnection:
        check_target(self.location, force=self.force, source=self.source, dialect=self.dialect, db=db)
        self._db = db
        self._folder = Path(tempfile.mkdtemp(prefix="amalgam-build-"))
        return connect(self._folder / f"{BUILD}.duckdb")

    def commit(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            self.notes = write_target(con, self._db, self.location, force=self.force, dialect=self.dialect)
        finally:
            self.abort(con)

    def abort(self, con: duckdb.DuckDBPyConnection | None) -> None:
        if con is not None:
            con.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
