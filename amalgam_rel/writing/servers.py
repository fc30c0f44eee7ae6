"""PostgreSQL and MySQL/MariaDB targets, written through DuckDB's ``postgres`` and ``mysql`` scanners.

The rows go through the scanner's bulk path (``INSERT INTO server.table SELECT ...``: binary
COPY into PostgreSQL, batched INSERTs into MySQL); the DDL is the target dialect's
(:mod:`.dialects`), run on the server as it is (``postgres_execute`` / ``mysql_execute``).
The server checks every foreign key: PostgreSQL's are added after the rows; MySQL's (which
rebuilds a table per ``ALTER``) are declared in ``CREATE TABLE`` and checked as rows arrive,
parents first (self-references too: the built tables hold a parent before its children).

- PostgreSQL has transactional DDL: everything, the dropping of the tables replaced with
  ``--force`` included, happens in one transaction, committed at the end or rolled back.
- MySQL commits each DDL statement, so the tables are built in a new database under a temporary
  name and moved into the target by one ``RENAME TABLE`` (atomic), the replaced ones moved out by
  the same statement; the temporary databases are dropped either way.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import duckdb
from sqlglot import exp

from amalgam_rel.connection import load_local_extension
from amalgam_rel.errors import OutputError
from amalgam_rel.locations import Location
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.types import Kind
from amalgam_rel.writing.dialects import TargetDDL, target_ddl, view_statements
from amalgam_rel.writing.spelling import table_ref, target_table_name
from amalgam_rel.writing.ddl import creation_order
from amalgam_rel.writing.export import BUILD, first_line, refused, select_for, stored_columns

SERVER = "target"  # the name the server is attached under
_EXTENSION = {"postgres": "postgres_scanner", "mysql": "mysql_scanner"}


def attach(con: duckdb.DuckDBPyConnection, location: Location) -> None:
    """Attach ``location``'s server as :data:`SERVER` (MySQL: without a database, which may not exist yet)."""
    load_local_extension(con, _EXTENSION[location.kind])
    text = location.text
    if location.kind == "mysql":
        text = urlunsplit(urlsplit(text)._replace(path=""))
    try:
        con.execute(f"ATTACH {exp.Literal.string(text).sql('duckdb')} AS {SERVER} (TYPE {location.kind})")
    except duckdb.Error as err:
        raise refused(location, err) from None


def execute(con: duckdb.DuckDBPyConnection, location: Location, statement: str) -> None:
    function = "postgres_execute" if location.kind == "postgres" else "mysql_execute"
    con.execute(f"CALL {function}({exp.Literal.string(SERVER).sql('duckdb')}, ?)", [statement])


def query(con: duckdb.DuckDBPyConnection, location: Location, text: str) -> list[tuple]:
    function = "postgres_query" if location.kind == "postgres" else "mysql_query"
    quoted = exp.Literal.string(text).sql("duckdb")
    return con.execute(f"SELECT * FROM {function}({exp.Literal.string(SERVER).sql('duckdb')}, {quoted})").fetchall()


def existing(con: duckdb.DuckDBPyConnection, location: Location, schema: str, db: Database) -> list[str]:
    """The tables (and PostgreSQL types and sequences) of ``db``'s names ``schema`` holds already."""
    literal = exp.Literal.string(schema).sql(location.kind)
    held = {r[0] for r in query(con, location, "SELECT table_name FROM information_schema.tables "
                                               f"WHERE table_schema = {literal}")}
    found = [f"view {schema}.{v}" for v in _view_names(db) if v in held]  # views first: they read the tables
    found += [f"table {schema}.{target_table_name(t)}" for t in db.tables if target_table_name(t) in held]
    if location.kind == "postgres" and db.enum_types:
        types = {r[0] for r in query(con, location, "SELECT t.typname FROM pg_type t JOIN pg_namespace n "
                                                    f"ON n.oid = t.typnamespace WHERE n.nspname = {literal}")}
        found += [f"type {schema}.{e.name}" for e in db.enum_types if e.name in types]
    if location.kind == "postgres" and db.sequences:
        held = {r[0] for r in query(con, location, "SELECT sequence_name FROM information_schema.sequences "
                                                   f"WHERE sequence_schema = {literal}")}
        found += [f"sequence {schema}.{q.name}" for q in db.sequences if q.name in held]
    return found


def _view_names(db: Database) -> list[str]:
    return [v.name if v.schema == "main" else f"{v.schema}.{v.name}" for v in db.views]


def refuse_existing(found: list[str], location: Location) -> None:
    if found:
        raise OutputError(f"{location.shown()} already has {found[0]}"
                          f"{f' and {len(found) - 1} more' if len(found) > 1 else ''} (pass --force to replace)")


def check_server(location: Location, db: Database, *, force: bool) -> None:
    """Refuse, before any work, a server that cannot be reached or holds the tables without ``force``."""
    from amalgam_rel.connection import connect

    con = connect()
    try:
        attach(con, location)
        if not force:
            refuse_existing(existing(con, location, location.schema or "public", db), location)
    except duckdb.Error as err:
        raise refused(location, err) from None
    finally:
        con.close()


def write_postgres(con: duckdb.DuckDBPyConnection, db: Database, location: Location, *, force: bool) -> list[str]:
    """Every table of the built database into ``location``'s schema, in one transaction."""
    schema = location.schema or "public"
    attach(con, location)
    ddl = target_ddl(db, "postgres", schema=schema, stage_wide=True)
    con.execute("BEGIN TRANSACTION")
    try:
        found = existing(con, location, schema, db)
        if not force:
            refuse_existing(found, location)
        execute(con, location, f"CREATE SCHEMA IF NOT EXISTS {sql.ident(schema).sql('postgres')}")
        views = [table_ref(v, schema).sql("postgres") for v in _view_names(db) if f"view {schema}.{v}" in found]
        if views:
            execute(con, location, f"DROP VIEW {', '.join(views)}")
        tables = [table_ref(target_table_name(t), schema).sql("postgres") for t in db.tables
                  if f"table {schema}.{target_table_name(t)}" in found]
        if tables:
            execute(con, location, f"DROP TABLE {', '.join(tables)}")
        for kind, name in [("TYPE", e.name) for e in db.enum_types] + [("SEQUENCE", q.name) for q in db.sequences]:
            if f"{kind.lower()} {schema}.{name}" in found:
                execute(con, location, f"DROP {kind} {table_ref(name, schema).sql('postgres')}")
        _load(con, db, location, ddl, schema)
        con.execute("COMMIT")
    except BaseException as err:
        con.execute("ROLLBACK")
        if isinstance(err, duckdb.Error):
            raise refused(location, err) from None
        raise
    else:
        _create_views(con, location, ddl.views, ddl.notes)
    finally:
        con.execute(f"DETACH {SERVER}")
    return ddl.notes


def write_mysql(con: duckdb.DuckDBPyConnection, db: Database, location: Location, *, force: bool) -> list[str]:
    """Every table into a new database under a temporary name, then renamed into ``location``'s."""
    target = location.schema
    if not target:
        raise OutputError(f"{location.shown()} names no database to write into (mysql://HOST/DATABASE)")
    attach(con, location)
    work, trash = (f"{target[:40]}__amalgam_{what}_{os.getpid()}" for what in ("tmp", "old"))
    lengths = _text_key_lengths(con, db)
    ddl = target_ddl(db, "mysql", schema=work, text_key_lengths=lengths, stage_wide=True, inline_foreign_keys=True)
    try:
        if not force:
            refuse_existing(existing(con, location, target, db), location)
        for name in (work, trash):
            execute(con, location, f"DROP DATABASE IF EXISTS {_q(name)}")
        execute(con, location, f"CREATE DATABASE {_q(work)}")
        _load(con, db, location, ddl, work)
        found = _swap(con, location, db, work, target, trash)
        for view in _view_names(db):
            if f"view {target}.{view}" in found:
                execute(con, location, f"DROP VIEW {_q(target, view)}")
        _create_views(con, location, view_statements(db, "mysql", target, ddl.notes), ddl.notes)
    except duckdb.Error as err:
        raise refused(location, err) from None
    finally:
        for name in (work, trash):
            try:
                execute(con, location, f"DROP DATABASE IF EXISTS {_q(name)}")
            except duckdb.Error:  # the connection itself is gone: nothing more can be cleaned here
                pass
        con.execute(f"DETACH {SERVER}")
    return ddl.notes


def _create_views(con, location: Location, views: list[tuple[str, str]], notes: list[str]) -> None:
    """Each view on its own, once the tables are in place: one the server refuses is a note (the
    tables are written either way), with the server's reason."""
    for name, statement in views:
        try:
            execute(con, location, statement)
        except duckdb.Error as err:
            notes.append(f"view {name}: not written ({first_line(err)[:200]})")


def _swap(con, location: Location, db: Database, work: str, target: str, trash: str) -> list[str]:
    """Old tables out and new ones in, by one RENAME TABLE: no moment without either."""
    execute(con, location, f"CREATE DATABASE IF NOT EXISTS {_q(target)}")
    found = existing(con, location, target, db)
    names = [target_table_name(t) for t in db.tables]
    moves = []
    if found:
        execute(con, location, f"CREATE DATABASE {_q(trash)}")
        moves += [f"{_q(target, n)} TO {_q(trash, n)}" for n in names if f"table {target}.{n}" in found]
    moves += [f"{_q(work, n)} TO {_q(target, n)}" for n in names]
    execute(con, location, "RENAME TABLE " + ", ".join(moves))
    return found


def _load(con, db: Database, location: Location, ddl: TargetDDL, schema: str) -> None:
    """Types and tables, the rows parents first, then foreign keys and indexes (checked by the server)."""
    clear = "pg_clear_cache" if location.kind == "postgres" else "mysql_clear_cache"
    for statement in ddl.types + ddl.tables:
        execute(con, location, statement)
    con.execute(f"CALL {clear}()")
    for key in creation_order(db):
        table = db.table(key)
        select = select_for(table, location.kind, ddl.json_columns, text_columns=ddl.text_columns)
        if not select:
            continue
        columns = ", ".join(sql.ident(c.name).sql("duckdb") for c in stored_columns(table))
        name = exp.Table(this=sql.ident(target_table_name(table)), db=sql.ident(schema), catalog=sql.ident(SERVER))
        try:
            con.execute(f"INSERT INTO {name.sql('duckdb')} ({columns}) {select}")
        except duckdb.Error as err:
            raise refused(location, err, f" (table {key})") from None
    for statement in ddl.retype + ddl.foreign_keys + ddl.indexes:
        execute(con, location, statement)


def _text_key_lengths(con, db: Database) -> dict[tuple[str, str], int]:
    """The longest value of each text column (MySQL sizes the VARCHAR of a key by it)."""
    lengths = {}
    for table in db.tables:
        texts = {c.name: "length" if c.type.kind is Kind.STRING else "octet_length"
                 for c in stored_columns(table) if c.type.kind in (Kind.STRING, Kind.BLOB)}
        if not texts:
            continue
        source = exp.Table(this=sql.ident(table.name), db=sql.ident(table.schema), catalog=sql.ident(BUILD))
        row = con.execute(exp.select(*(exp.func("max", exp.func(f, sql.column(c))) for c, f in texts.items()))
                          .from_(source).sql("duckdb")).fetchone()
        lengths |= {(table.key, c): int(v or 0) for c, v in zip(texts, row)}
    return lengths


def _q(*names: str) -> str:
    return ".".join(sql.ident(n).sql("mysql") for n in names)
