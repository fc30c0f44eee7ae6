"""Where :class:`~amalgam_rel.writing.writer.DatabaseWriter` builds a database, put in place whole.

- :class:`FileTarget`: a new DuckDB file, built under a temporary name beside it and renamed over
  it only when complete (the rules of :mod:`amalgam_rel.outputs`).
- :class:`ConnectionTarget`: the current database of an open connection (a user's, or an
  in-memory one), written in one transaction on a cursor of its own: committed when complete,
  rolled back otherwise, so the connection sees all of the tables or none. What the database
  already holds under the schema's names (a table or view, a sequence, an ENUM type) is refused,
  or dropped first with ``force``, in the same transaction.

>>> from amalgam_rel.connection import connect
>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> db = Database((Table("t", (Column("id", parse_type("INTEGER")),)),))
>>> con = connect()
>>> _ = con.execute("CREATE TABLE t (x VARCHAR)")
>>> ConnectionTarget(con).open(db)
Traceback (most recent call last):
...
amalgam_rel.errors.OutputError: the connection already has table 't' (pass force=True to replace it)
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from amalgam_rel.connection import connect, cursor_of, database_path
from amalgam_rel.errors import OutputError
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database
from amalgam_rel.writing.ddl import creation_order
from amalgam_rel.outputs import check_output_path, mark_written, same_file, sweep_stale_temps, temp_path


class FileTarget:
    """A new DuckDB file at ``path``, never written onto ``source`` nor over a file without ``force``."""

    def __init__(self, path: str | Path, *, force: bool = False, source: str | Path | None = None):
        self.path, self.force = Path(path), force
        self.source = Path(source) if source is not None else None
        self._tmp: Path | None = None

    def open(self, db: Database) -> duckdb.DuckDBPyConnection:
        check_output_path(self.path, option="output", force=self.force, sources={"source database": self.source})
        sweep_stale_temps(self.path)
        self._tmp = temp_path(self.path)
        _remove(self._tmp)
        try:
            return connect(self._tmp)
        except duckdb.Error as err:
            raise OutputError(f"cannot create {self.path}: {str(err).splitlines()[0]}") from None

    def commit(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CHECKPOINT")
        con.close()
        if self.path.exists() and self.force:
            _remove(Path(f"{self.path}.wal"))
        os.replace(self._tmp, self.path)
        mark_written(self.path)

    def abort(self, con: duckdb.DuckDBPyConnection | None) -> None:
        if con is not None:
            con.close()
        if self._tmp is not None:
            _remove(self._tmp)
            _remove(Path(f"{self._tmp}.wal"))


class ConnectionTarget:
    """The current database of the open connection ``con``; it stays open (the caller's to close)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, force: bool = False, source: str | Path | None = None):
        self.con, self.force = con, force
        self.source = str(source) if source is not None else None

    def open(self, db: Database) -> duckdb.DuckDBPyConnection:
        try:
            cursor = cursor_of(self.con)
        except duckdb.Error as err:
            raise OutputError(f"cannot write into the connection: {str(err).splitlines()[0]}") from None
        path = database_path(cursor)
        if self.source not in (None, ":memory:") and path != ":memory:" and same_file(Path(path), Path(self.source)):
            cursor.close()
            raise OutputError(f"refusing to write into the source database {self.source}: the connection is using it")
        try:
            cursor.execute("BEGIN TRANSACTION")
            _clear(cursor, db, force=self.force)
        except BaseException:
            self.abort(cursor)
            raise
        return cursor

    def commit(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            con.execute("COMMIT")
        except duckdb.Error as err:  # another writer changed the same tables meanwhile
            raise OutputError(f"cannot write into the connection: {str(err).splitlines()[0]}") from None
        finally:
            con.close()

    def abort(self, con: duckdb.DuckDBPyConnection | None) -> None:
        if con is None:
            return
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:  # no transaction left to roll back (the commit itself failed)
            pass
        con.close()


# what a database holds, by the namespace a name lives in (a table and a view share one)
_CATALOG = """
    SELECT 'view', schema_name, view_name, 'relation' FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal AND NOT temporary
    UNION ALL SELECT 'table', schema_name, table_name, 'relation' FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT temporary
    UNION ALL SELECT 'sequence', schema_name, sequence_name, 'sequence' FROM duckdb_sequences()
        WHERE database_name = current_database() AND NOT temporary
    UNION ALL SELECT 'type', schema_name, type_name, 'type' FROM duckdb_types()
        WHERE database_name = current_database() AND NOT internal
"""
_DROP_ORDER = ("view", "table", "sequence", "type")  # tables use sequences and types; views read tables


def _held(con: duckdb.DuckDBPyConnection, db: Database) -> list[tuple[str, str, str]]:
    """(kind, schema, name) of what the current database holds under ``db``'s names, in drop order."""
    wanted = {"relation": _names(db.tables) | _names(db.views), "sequence": _names(db.sequences),
              "type": _names(db.enum_types)}
    held = [(kind, schema, name) for kind, schema, name, space in con.execute(_CATALOG).fetchall()
            if (schema.lower(), name.lower()) in wanted[space]]
    # a child table before the table it references
    position = {key.lower(): i for i, key in enumerate(reversed(creation_order(db)))}
    return sorted(held, key=lambda h: (_DROP_ORDER.index(h[0]), position.get(_key(h[1], h[2]).lower(), -1)))


def _names(objects) -> set[tuple[str, str]]:
    return {(o.schema.lower(), o.name.lower()) for o in objects}


def _clear(con: duckdb.DuckDBPyConnection, db: Database, *, force: bool) -> None:
    held = _held(con, db)
    if held and not force:
        kind, schema, name = held[0]
        raise OutputError(f"the connection already has {kind} {_key(schema, name)!r} (pass force=True to replace it)")
    for kind, schema, name in held:
        target = sql.table_ref(name, schema).sql(sql.DIALECT)
        try:
            con.execute(f"DROP {kind.upper()} {target}")
        except duckdb.Error as err:  # e.g. a table of the user's own references it
            raise OutputError(f"cannot replace {kind} {_key(schema, name)!r} in the connection: "
                              f"{str(err).splitlines()[0]}") from None


def _key(schema: str, name: str) -> str:
    return name if schema == "main" else f"{schema}.{name}"


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
