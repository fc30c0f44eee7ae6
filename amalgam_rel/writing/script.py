"""A ``.sql`` target: the DDL and the rows as one SQL script in a chosen dialect.

The script creates the tables (:mod:`.dialects`; DuckDB's own DDL for ``duckdb``), inserts the
rows parents first, ``ROWS_PER_INSERT`` to a statement, then adds the foreign keys and indexes,
all between ``BEGIN`` and ``COMMIT`` where the dialect has transactional DDL. Values are DuckDB's
text of them, quoted the dialect's way (MySQL also escapes backslashes); numbers and booleans
stay bare, BLOBs are hex literals. It is written under a temporary name and renamed into place.

>>> quote("it's a \\\\ path", "mysql"), quote("it's", "postgres")
("'it''s a \\\\\\\\ path'", "'it''s'")
"""

from __future__ import annotations

import math
import os

import duckdb

from amalgam_rel.errors import DataError, OutputError
from amalgam_rel.locations import Location
from amalgam_rel.outputs import mark_written, sweep_stale_temps, temp_path
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Database, Table
from amalgam_rel.schema.types import Kind, NUMERIC_KINDS
from amalgam_rel.writing.ddl import create_statements, creation_order, index_statements, view_statements
from amalgam_rel.writing.dialects import DIALECTS, TargetDDL, target_ddl
from amalgam_rel.writing.spelling import table_ref, target_table_name
from amalgam_rel.writing.export import select_for, stored_columns

ROWS_PER_INSERT = 500
_FETCH = 10_000
_TRANSACTIONAL = {"postgres", "sqlite", "duckdb"}  # MySQL commits every DDL statement anyway


def check_dialect(dialect: str | None) -> str:
    dialect = (dialect or "duckdb").lower()
    dialect = {"postgresql": "postgres", "mariadb": "mysql"}.get(dialect, dialect)
    if dialect not in DIALECTS:
        raise OutputError(f"--out-dialect {dialect}: a SQL script is written for {', '.join(DIALECTS)}")
    return dialect


def write_script(con: duckdb.DuckDBPyConnection, db: Database, location: Location, *, force: bool,
                 dialect: str | None) -> list[str]:
    dialect = check_dialect(dialect)
    path = location.path
    ddl = _ddl(db, dialect)
    sweep_stale_temps(path)
    tmp = temp_path(path)
    try:
        with tmp.open("w", encoding="utf-8") as out:
            out.write(f"-- written by amalgam-rel: {len(db.tables)} tables, {dialect} dialect\n")
            if dialect in _TRANSACTIONAL:
                out.write("BEGIN;\n")
            for statement in ddl.types + ddl.tables:
                out.write(statement + ";\n")
            for key in creation_order(db):
                # DuckDB checks a foreign key per statement: a row naming a parent of its own table
                # must come in a later statement than the parent (the built table holds them in that order)
                per_insert = 1 if dialect == "duckdb" and _references_itself(db, key) else ROWS_PER_INSERT
                _write_rows(con, db.table(key), dialect, ddl.json_columns, out, per_insert, ddl.array_columns)
            for statement in ddl.foreign_keys + ddl.indexes:
                out.write(statement + ";\n")
            if dialect in _TRANSACTIONAL:
                out.write("COMMIT;\n")
            for _, statement in ddl.views:  # after the commit: a view the target refuses leaves the tables written
                out.write(statement + ";\n")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    mark_written(path)
    return ddl.notes


def _ddl(db: Database, dialect: str) -> TargetDDL:
    if dialect != "duckdb":
        return target_ddl(db, dialect)
    return TargetDDL("duckdb", tables=create_statements(db), indexes=index_statements(db), views=view_statements(db))


def _references_itself(db: Database, key: str) -> bool:
    return any(fk.is_self_reference and fk.kind == "declared" for fk in db.foreign_keys_of(key))


def _write_rows(con: duckdb.DuckDBPyConnection, table: Table, dialect: str, json_columns, out, per_insert: int,
                array_columns=frozenset()) -> None:
    select = select_for(table, dialect, json_columns, as_text=True, array_columns=array_columns)
    if not select:
        return
    columns = stored_columns(table)
    head = (f"INSERT INTO {table_ref(_name(table, dialect), _schema(table, dialect)).sql(dialect)} "
            f"({', '.join(sql.ident(c.name).sql(dialect) for c in columns)}) VALUES\n")
    formats = [_formatter(table, c, dialect, (table.key, c.name) in json_columns) for c in columns]
    reader = con.execute(select)
    batch: list[str] = []
    while rows := reader.fetchmany(_FETCH):
        for row in rows:
            batch.append("(" + ", ".join(f(v) for f, v in zip(formats, row)) + ")")
            if len(batch) == per_insert:
                out.write(head + ",\n".join(batch) + ";\n")
                batch = []
    if batch:
        out.write(head + ",\n".join(batch) + ";\n")


def _name(table: Table, dialect: str) -> str:
    return table.name if dialect == "duckdb" else target_table_name(table)


def _schema(table: Table, dialect: str) -> str | None:
    return table.schema if dialect == "duckdb" and table.schema != "main" else None


def quote(text: str, dialect: str) -> str:
    """``text`` as a string literal of ``dialect``."""
    text = text.replace("'", "''")
    if dialect == "mysql":  # MySQL reads a backslash in a string as an escape
        text = text.replace("\\", "\\\\")
    return f"'{text}'"


def _formatter(table: Table, column: Column, dialect: str, as_json: bool):
    """The function that spells one value of ``column`` (DuckDB's text of it) in ``dialect``."""
    kind = column.type.kind
    if kind is Kind.BOOLEAN:
        true, false = ("1", "0") if dialect == "sqlite" else ("TRUE", "FALSE")
        return lambda v: "NULL" if v is None else (true if v else false)
    if kind is Kind.BLOB:
        spell = {"postgres": lambda h: f"'\\x{h}'", "duckdb": lambda h: f"unhex('{h}')"}.get(dialect, lambda h: f"X'{h}'")
        return lambda v: "NULL" if v is None else spell(v)
    if kind in NUMERIC_KINDS and not as_json:
        where = f"column {table.key}.{column.name}"
        return lambda v: "NULL" if v is None else _number(v, dialect, where)
    return lambda v: "NULL" if v is None else quote(v, dialect)


def _number(text: str, dialect: str, where: str) -> str:
    try:
        finite = math.isfinite(float(text))
    except ValueError:
        return text  # a BIGNUM or DECIMAL float() cannot read is still a plain number
    if finite:
        return text
    if dialect in ("postgres", "duckdb"):
        return quote({"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text.lower(), text), dialect)
    raise DataError(f"{where}: {text} has no {dialect} literal")
