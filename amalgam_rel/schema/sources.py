"""Open any source database read-only, as a DuckDB connection in which its tables have their names.

Every stage of amalgam-rel reads rows through DuckDB (``SELECT … FROM "main"."Album"``). A
source that is not a DuckDB file is made to look like one: an in-memory DuckDB attaches it
read-only (``postgres``, ``mysql``, ``sqlite`` scanners, loaded from their local wheels) and
shows each of its tables as a view in ``main``, each column cast to the type the schema model
gives it; a folder of Parquet or CSV files becomes one view per file. The schema itself comes
from the source's own catalog (:mod:`.server_catalog`), not from the views.

The source is only ever read: servers are attached ``READ_ONLY`` (the PostgreSQL scanner then
reads in ``READ ONLY`` transactions; a write through DuckDB is refused before it leaves), SQLite
is opened with ``mode=ro``. A password (in the URL, or ``PGPASSWORD`` / ``MYSQL_PWD`` in the
environment, which the client libraries read themselves) is never shown: :attr:`Source.name`
and every error carry :meth:`~amalgam_rel.locations.Location.shown`.

>>> import tempfile, pathlib, pyarrow as pa, pyarrow.parquet as pq
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pq.write_table(pa.table({"id": [1, 2], "name": ["a", "b"]}), folder / "item.parquet")
>>> with open_source(f"parquet:{folder}") as src:
...     src.database.table("item").row_count, src.con.execute('SELECT max(id) FROM "item"').fetchone()
(2, (2,))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
from sqlglot import exp

from amalgam_rel.connection import connect, cursor_of, database_path, load_local_extension
from amalgam_rel.errors import InputError, LocationError, SchemaError
from amalgam_rel.locations import Location, parse_location
from amalgam_rel.schema import sql
from amalgam_rel.schema.engines import Engine
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb, source_reads
from amalgam_rel.schema.model import Column, Database, Table
from amalgam_rel.schema.types import parse_type

ATTACHED = "amalgam_source"  # the catalog name of an attached server or SQLite file
SERVER_DIALECTS = {"postgres": "postgres", "mysql": "mysql"}  # source kind -> its sqlglot dialect
_SCANNERS = {"postgres": "postgres_scanner", "mysql": "mysql_scanner", "sqlite": "sqlite_scanner"}
# Work the MySQL scanner would hand to the server, which compares and sorts text by its collation
# (case-insensitive by default) where DuckDB compares bytes, and whose aggregate pushdown fails to
# bind over a view (DuckDB 1.5.5): every filter, order and count runs in DuckDB instead.
_MYSQL_SETTINGS = ("mysql_aggregate_pushdown_enabled", "mysql_order_pushdown_enabled",
                   "mysql_experimental_filter_pushdown")
_FOLDER_READERS = {"parquet": ("read_parquet", (".parquet",)), "csv": ("read_csv", (".csv", ".tsv", ".csv.gz")),
                   "jsonl": ("read_json", (".jsonl", ".ndjson"))}  # DuckDB's json extension is built in


@dataclass
class Source:
    """An open source: ``con`` reads its rows (tables under their own names in ``main``),
    ``name`` is how messages name it (no password), ``database`` its schema with row counts."""

    con: duckdb.DuckDBPyConnection
    name: str
    kind: str
    _database: Database | None = None
    server_schema: str | None = None  # a server's schema (MySQL: database) holding the tables

    def engine(self) -> Engine:
        """Where a query over all of a table's rows runs: inside the server for a PostgreSQL or
        MySQL source (through the scanner's pass-through query), else in ``con``'s DuckDB."""
        if self.kind not in SERVER_DIALECTS:
            return Engine(self.con)
        tables = frozenset(t.name for t in self.database.tables)
        return Engine(self.con, SERVER_DIALECTS[self.kind], ATTACHED, self.server_schema, tables)

    @cached_property
    def database(self) -> Database:
        if self._database is None:  # a DuckDB file or connection: its own catalog
            with source_reads(self.name if self.kind == "duckdb" else None):
                db = read_duckdb(self.con)
            return replace(db, source=self.name)
        return self._database

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_source(source: str | Path | Location | duckdb.DuckDBPyConnection, *, schema: str | None = None) -> Source:
    """The :class:`Source` ``source`` names: a DuckDB file or open connection, ``sqlite:PATH`` (or a
    SQLite file), ``postgresql://…`` (``schema``: default ``public``), ``mysql://…``,
    ``parquet:DIR`` or ``csv:DIR``. Close it when done. A DDL file has no rows: an error."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        con = cursor_of(source)  # the user's connection stays theirs; ours reads through a cursor
        return Source(con, database_path(con), "duckdb")
    if not isinstance(source, (str, Path, Location)):
        raise InputError(f"the source must be a DuckDB file's path, a location (sqlite:, postgresql://, mysql://, "
                         f"parquet:, csv:) or an open DuckDB connection, not {type(source).__name__}")
    location = source if isinstance(source, Location) else parse_location(source, schema=schema)
    if location.kind == "duckdb":
        return Source(open_duckdb(location.path), location.text, "duckdb")
    if location.kind == "ddl":
        raise InputError(f"{location.text} is a DDL file: it has no rows to learn from; use clone-schema for an "
                         "empty database with its schema, or give a DuckDB database with data")
    con = connect()
    try:
        db = attach_source(con, location)
    except BaseException:
        con.close()
        raise
    schema = location.schema or ("public" if location.kind == "postgres" else None)
    return Source(con, location.shown(), location.kind, db, schema)


def attach_source(con: duckdb.DuckDBPyConnection, location: Location, *, into: str | None = None,
                  copy: bool = False) -> Database:
    """Attach ``location`` (not a DuckDB file) read-only to ``con`` and show its tables as views in
    ``into``'s ``main`` schema (None: ``con``'s current database); return its schema, row counts included.

    ``copy``: tables copied into ``into`` instead of views, for a reader that needs DuckDB's own
    row ids (the evaluation samples rows by them), paying the memory of the rows."""
    kind = "TABLE" if copy else "VIEW"
    if location.kind in _FOLDER_READERS:
        return _folder_views(con, location, into, kind)
    catalog = ATTACHED if into is None else f"{into}_source"
    db = _read_catalog(con, location, catalog)
    for table in db.tables:
        with _masked_errors(location):
            con.execute(_view(table, catalog, location.schema or "main", into, kind))
    counted = tuple(replace(t, row_count=_count(con, t, into, location)) for t in db.tables)
    return replace(db, tables=counted, source=location.shown())


def _read_catalog(con: duckdb.DuckDBPyConnection, location: Location, catalog: str) -> Database:
    from amalgam_rel.schema.ddl_reader import read_ddl_text
    from amalgam_rel.schema.server_catalog import mysql_ddl, postgres_ddl, sqlite_ddl

    if location.kind == "mysql" and not location.schema:
        raise LocationError(f"{location.shown()} names no database: add it to the URL (mysql://host/shop)")
    load_local_extension(con, _SCANNERS[location.kind])
    if location.kind == "mysql":
        for setting in _MYSQL_SETTINGS:
            con.execute(f"SET {setting} = false")
    _attach(con, location, catalog)
    with _masked_errors(location):
        if location.kind == "postgres":
            text = postgres_ddl(con, catalog, location.schema)
        elif location.kind == "mysql":
            text = mysql_ddl(con, catalog, location.schema)
        else:
            text = sqlite_ddl(location.path)
        return read_ddl_text(text, location.kind, source_name=location.shown())


def _attach(con: duckdb.DuckDBPyConnection, location: Location, catalog: str) -> None:
    options = [f"TYPE {location.kind}", "READ_ONLY"]
    if location.kind == "postgres":
        target = location.text
        options.append(f"SCHEMA {exp.Literal.string(location.schema).sql()}")
    elif location.kind == "mysql":
        target = _mysql_connection_string(location)
    else:
        path = location.path
        if not path.is_file():
            raise InputError(f"SQLite file not found: {path}")
        target = str(path)
    with _masked_errors(location, "cannot open"):
        con.execute(f"ATTACH {exp.Literal.string(target).sql()} AS {sql.ident(catalog).sql()} ({', '.join(options)})")


def _mysql_connection_string(location: Location) -> str:
    """The MySQL scanner's ``key=value`` string from a ``mysql://user:password@host:port/db`` URL.

    A password not in the URL is left to the client library (``MYSQL_PWD``)."""
    parts = urlsplit(location.text)
    fields = {"host": parts.hostname or "localhost", "port": parts.port, "user": unquote(parts.username or ""),
              "password": unquote(parts.password) if parts.password is not None else None,
              "database": location.schema}
    if fields["password"] is None and os.environ.get("MYSQL_PWD"):
        fields["password"] = os.environ["MYSQL_PWD"]
    return " ".join(f"{k}={_quoted_value(str(v))}" for k, v in fields.items() if v not in (None, ""))


def _quoted_value(value: str) -> str:
    if value and not any(ch in value for ch in " '\"\\="):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class _masked_errors:
    """DuckDB and server errors as one line, with the location's password masked."""

    def __init__(self, location: Location, what: str = "cannot read"):
        self.location, self.what = location, what

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if err is None or not isinstance(err, duckdb.Error):
            return False
        text = str(err).splitlines()[0] if str(err) else type(err).__name__
        password = urlsplit(self.location.text).password if self.location.is_server else None
        text = text.replace(self.location.text, self.location.shown())
        if password:
            text = text.replace(password, "***")
        raise InputError(f"{self.what} {self.location.shown()}: {text}") from None


def _view(table: Table, catalog: str, schema: str, into: str | None, kind: str = "VIEW") -> str:
    """``CREATE VIEW`` showing ``catalog.schema.table`` as ``table``, each column cast to the model's
    type (a scanner's own mapping of, say, a MySQL ENUM or a SQLite column may differ from it)."""
    columns = [exp.alias_(exp.cast(exp.column(sql.ident(c.name)), _cast_type(c)), sql.ident(c.name))
               for c in table.columns]
    source = exp.Table(this=sql.ident(table.name), db=sql.ident(schema), catalog=sql.ident(catalog))
    read = exp.select(*columns).from_(source)
    key = next(iter(table.unique_sets()), ())
    if key:  # a server's scan order is its own (a heap, parallel scans): the key's order is the same every time
        read = read.order_by(*(exp.column(sql.ident(c)) for c in key))
    return exp.Create(this=_ref(table.name, into), kind=kind, expression=read).sql(sql.DIALECT)


def _ref(name: str, into: str | None) -> exp.Table:
    return exp.Table(this=sql.ident(name), db=sql.ident("main"), catalog=sql.ident(into) if into else None)


def _cast_type(column: Column) -> exp.DataType:
    return exp.DataType(this=exp.DataType.Type.USERDEFINED, kind=column.type.sql(named_enums=False))


def _count(con: duckdb.DuckDBPyConnection, table: Table, into: str | None, location: Location) -> int:
    ref = _ref(table.name, into)
    with _masked_errors(location):
        return con.execute(exp.select(exp.Count(this=exp.Star())).from_(ref).sql(sql.DIALECT)).fetchone()[0]


def _folder_views(con: duckdb.DuckDBPyConnection, location: Location, into: str | None, kind: str) -> Database:
    """One view per file of a ``parquet:``, ``csv:`` or ``jsonl:`` folder (the table is the file's name
    without its suffix); nothing is declared: every column nullable, no key (see a sidecar)."""
    function, suffixes = _FOLDER_READERS[location.kind]
    folder = location.path
    if not folder.is_dir():
        raise InputError(f"{location.kind} folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(suffixes))
    if not files:
        raise InputError(f"{folder} holds no {' / '.join(suffixes)} file: nothing to read as a table")
    tables = []
    for path in files:
        name = path.name[: -len(next(s for s in suffixes if path.name.lower().endswith(s)))]
        ref = _ref(name, into)
        read = exp.select(exp.Star()).from_(exp.Anonymous(this=function, expressions=[exp.Literal.string(str(path))]))
        try:
            con.execute(exp.Create(this=ref, kind=kind, expression=read).sql(sql.DIALECT))
            described = con.execute(f"DESCRIBE {ref.sql(sql.DIALECT)}").fetchall()
            rows = con.execute(exp.select(exp.Count(this=exp.Star())).from_(ref).sql(sql.DIALECT)).fetchone()[0]
        except duckdb.Error as err:
            raise InputError(f"cannot read {path}: {str(err).splitlines()[0]}") from None
        tables.append(Table(name, tuple(_folder_column(path, r[0], r[1]) for r in described), row_count=rows))
    return Database(tuple(tables), source=location.shown())


def _folder_column(path: Path, name: str, type_text: str) -> Column:
    try:
        return Column(name, parse_type(type_text))
    except SchemaError as err:
        raise type(err)(f"{path} column {name}: {err}") from None
