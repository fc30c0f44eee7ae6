"""Copy a DuckDB database into PostgreSQL, MariaDB/MySQL, SQLite, Parquet or CSV, keys included.

The tests' own loader (not amalgam-rel's writer): each table is created in the target's dialect
(sqlglot) with its PRIMARY KEY, UNIQUE and CHECKs, the rows are copied through DuckDB's scanners,
and the foreign keys are added last, so a cycle loads as well as a tree.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
from sqlglot import exp

from amalgam_rel.connection import connect, load_local_extension
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.model import Database
from tests.servers import MYSQL_URL, POSTGRES_URL, Server, server  # noqa: F401 - the tests import MYSQL_URL from here

PG_URL = POSTGRES_URL


def require_server(kind: str) -> None:
    """Skip (or, with CI=true, fail) when the local server of ``kind`` does not answer."""
    server(kind).close()


def _type(sql_type: str, dialect: str) -> str:
    if dialect == "mysql" and sql_type.upper() == "VARCHAR":
        return "TEXT"  # MySQL needs a length for VARCHAR
    if dialect == "sqlite":
        return sql_type  # SQLite keeps any declared type (sqlglot would turn DECIMAL into REAL)
    return exp.DataType.build(sql_type, dialect="duckdb").sql(dialect)


def _q(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect)


def create_table_sql(db: Database, key: str, dialect: str, qualify: str | None = None) -> str:
    t = db.table(key)
    lines = [f"{_q(c.name, dialect)} {_type(c.type.sql(named_enums=False), dialect)}{'' if c.nullable else ' NOT NULL'}"
             for c in t.columns]
    if t.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(_q(c, dialect) for c in t.primary_key)})")
    lines += [f"UNIQUE ({', '.join(_q(c, dialect) for c in u)})" for u in t.unique]
    lines += [f"CHECK ({c.sql(dialect)})" for c in t.checks]
    name = _q(t.name, dialect) if qualify is None else f"{_q(qualify, dialect)}.{_q(t.name, dialect)}"
    return f"CREATE TABLE {name} ({', '.join(lines)})"


def foreign_key_sql(db: Database, dialect: str, qualify: str | None = None) -> list[str]:
    def name(t: str) -> str:
        return _q(t, dialect) if qualify is None else f"{_q(qualify, dialect)}.{_q(t, dialect)}"
    return [f"ALTER TABLE {name(fk.table)} ADD FOREIGN KEY ({', '.join(_q(c, dialect) for c in fk.columns)}) "
            f"REFERENCES {name(fk.ref_table)} ({', '.join(_q(c, dialect) for c in fk.ref_columns)})"
            for fk in db.foreign_keys]


def load_into_server(source: Path, kind: str, url: str, schema: str) -> Database:
    """Copy DuckDB file ``source`` into ``schema`` (PostgreSQL) or database ``schema`` (MySQL), which must not exist."""
    db = read_duckdb(source)
    con = connect()
    try:
        load_local_extension(con, f"{kind}_scanner")
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        target = url if kind == "postgres" else url.rsplit("/", 1)[0]  # MySQL: no current database yet
        con.execute(f"ATTACH '{target}' AS srv (TYPE {kind})")
        execute = f"{kind}_execute"
        con.execute(f"CALL {execute}('srv', ?)", [f"CREATE SCHEMA {_q(schema, kind)}" if kind == "postgres"
                                                  else f"CREATE DATABASE {_q(schema, kind)}"])
        for key in db.table_names:
            con.execute(f"CALL {execute}('srv', ?)", [create_table_sql(db, key, kind, schema)])
        con.execute("DETACH srv")
        con.execute(f"ATTACH '{target}' AS srv (TYPE {kind})")  # sees the new tables
        for key in db.table_names:
            con.execute(f'INSERT INTO srv."{schema}"."{key}" SELECT * FROM src."{key}"')
        for statement in foreign_key_sql(db, kind, schema):
            con.execute(f"CALL {execute}('srv', ?)", [statement])
    finally:
        con.close()
    return db


def drop_from_server(kind: str, url: str, schema: str) -> None:
    statement = (f"DROP SCHEMA IF EXISTS {_q(schema, kind)} CASCADE" if kind == "postgres"
                 else f"DROP DATABASE IF EXISTS {_q(schema, kind)}")
    server_execute(kind, url, statement)


def server_execute(kind: str, url: str, *statements: str) -> None:
    """Run ``statements`` on the server (the tests' own setup, outside amalgam-rel); MySQL's
    without a current database, so that one can be created or dropped."""
    target = Server(kind, url if kind == "postgres" else url.rsplit("/", 1)[0])
    try:
        for statement in statements:
            target.run(statement)
    finally:
        target.close()


def load_into_sqlite(source: Path, path: Path) -> Database:
    """Copy ``source`` into a new SQLite file, keys, CHECKs and foreign keys declared in CREATE TABLE."""
    db = read_duckdb(source)
    lite = sqlite3.connect(path)
    for key in db.table_names:
        create = create_table_sql(db, key, "sqlite")
        fks = [f"FOREIGN KEY ({', '.join(_q(c, 'sqlite') for c in fk.columns)}) REFERENCES {_q(fk.ref_table, 'sqlite')} "
               f"({', '.join(_q(c, 'sqlite') for c in fk.ref_columns)})" for fk in db.foreign_keys_of(key)]
        lite.execute(create[:-1] + "".join(", " + f for f in fks) + ")")
    lite.commit()
    lite.close()
    con = connect()
    try:
        load_local_extension(con, "sqlite_scanner")
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{path}' AS lite (TYPE sqlite)")
        for key in db.table_names:
            con.execute(f'INSERT INTO lite."{key}" SELECT * FROM src."{key}"')
    finally:
        con.close()
    return db


def export_folder(source: Path, folder: Path, kind: str) -> Database:
    """One ``.parquet``, ``.csv`` or ``.jsonl`` file per table of ``source`` in ``folder`` (no keys: files have none)."""
    db = read_duckdb(source)
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(source), read_only=True)
    try:
        for key in db.table_names:
            form = {"jsonl": "JSON"}.get(kind, kind.upper())  # JSON is written one object a line
            con.execute(f"COPY \"{key}\" TO '{folder / (key + '.' + kind)}' (FORMAT {form})")
    finally:
        con.close()
    return db


_MINI = {  # a closed subset of chinook: every foreign key of a kept row finds its parent
    "Album": '"AlbumId" <= 30',
    "Track": '"AlbumId" <= 30',
    "Invoice": '"InvoiceId" <= 80',
    "InvoiceLine": '"InvoiceId" <= 80 AND "TrackId" IN (SELECT "TrackId" FROM src."Track" WHERE "AlbumId" <= 30)',
    "PlaylistTrack": '"TrackId" IN (SELECT "TrackId" FROM src."Track" WHERE "AlbumId" <= 30)',
}


MINI_TABLES = ("Artist", "Album", "Genre", "MediaType", "Track", "Employee")


def mini_chinook(source: Path, path: Path, tables=MINI_TABLES) -> Path:
    """A small copy of chinook (``tables`` only, with their DDL and a tenth of the rows) for quick synth runs."""
    from dataclasses import replace

    from amalgam_rel.writing.ddl import create_statements, creation_order

    db = read_duckdb(source)
    db = replace(db, tables=tuple(t for t in db.tables if t.name in tables),
                 foreign_keys=tuple(f for f in db.foreign_keys if f.table in tables and f.ref_table in tables))
    con = connect(path)
    try:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        for statement in create_statements(db):
            con.execute(statement)
        for key in creation_order(db):  # parents first
            where = _MINI.get(key, "true")
            if any(fk.is_self_reference for fk in db.foreign_keys_of(key)):  # a row's parent must be in first
                for (k,) in con.execute(f'SELECT "{db.table(key).primary_key[0]}" FROM src."{key}" ORDER BY 1').fetchall():
                    con.execute(f'INSERT INTO "{key}" SELECT * FROM src."{key}" WHERE "{db.table(key).primary_key[0]}" = ?', [k])
                continue
            con.execute(f'INSERT INTO "{key}" SELECT * FROM src."{key}" WHERE {where}')
    finally:
        con.close()
    return path
