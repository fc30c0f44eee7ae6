"""Read a :class:`~amalgam_rel.schema.model.Database` from a DuckDB catalog.

The source is always opened read-only: amalgam-rel never writes to the database it learns from.

>>> from amalgam_rel.connection import connect
>>> con = connect()
>>> _ = con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x VARCHAR)")
>>> read_duckdb(con).table("t").primary_key
('id',)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.errors import InputError, SchemaError
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Database, EnumType, ForeignKey, Index, Sequence, Table, View
from amalgam_rel.schema.source_kind import not_a_duckdb_file
from amalgam_rel.schema.types import parse_type

_DB = "database_name = current_database() AND NOT internal"


def open_duckdb(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file read-only, turning every failure into a one-line :class:`InputError`.

    A file of another kind (SQLite, Parquet, CSV, DDL...) is named as such before DuckDB sees it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"database file not found: {path}")
    problem = not_a_duckdb_file(path)
    if problem:
        raise InputError(problem)
    try:
        return connect(path, read_only=True)
    except duckdb.Error as err:
        text = str(err)
        if "different configuration" in text:
            raise InputError(f"{path} is already open in this process with other settings; close that "
                             "connection first (amalgam-rel opens it with extension autoloading off)") from None
        if "lock" in text.lower():
            raise InputError(f"database {path} is locked by another process (close it and retry)") from None
        if "not a valid DuckDB database" in text or "Failed to read database header" in text:
            raise InputError(f"{path} is not a DuckDB database file") from None
        raise InputError(f"cannot open database {path}: {text.splitlines()[0]}") from None


@contextmanager
def source_reads(*paths: str | Path | None) -> Iterator[None]:
    """DuckDB's I/O failures while reading ``paths``, as one line naming them.

    The catalog of a truncated or damaged file can read fine, so the damage shows only when some
    stage first reads the data. DuckDB reports it as an ``IOException``; every other DuckDB error
    there comes from a query of ours, a bug that keeps its traceback.
    """
    try:
        yield
    except duckdb.IOException as err:
        text = str(err).splitlines()[0]
        given = [p for p in paths if p is not None]
        named = []  # DuckDB names the file it could not read (absolute), not a block whose checksum failed
        for p in given:
            for spelling in {os.path.abspath(p), str(Path(p).resolve())}:
                if spelling in text:
                    text = text.replace(spelling, str(p))  # as the user spelled it
                    named.append(p)
        raise InputError(f"cannot read the data of {', '.join(map(str, named or given))}: {text}") from None


def read_duckdb(source: str | Path | duckdb.DuckDBPyConnection, *, count_rows: bool = True) -> Database:
    """Read every user table, type, key and constraint of a DuckDB database."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return _read(source, count_rows=count_rows, name=None)
    con = open_duckdb(source)
    try:
        with source_reads(source):
            return _read(con, count_rows=count_rows, name=str(source))
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict]:
    cur = con.execute(query)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _read(con: duckdb.DuckDBPyConnection, *, count_rows: bool, name: str | None) -> Database:
    enum_types = _enum_types(con)
    # DuckDB reports a column of a named ENUM with its labels spelled out; map them back.
    enum_names: dict[tuple[str, ...], str] = {}
    for e in enum_types:
        enum_names.setdefault(e.labels, e.name)
    columns = _columns(con, enum_names)
    constraints: dict[tuple[str, str], list[dict]] = {}
    for r in _rows(con, f"SELECT * FROM duckdb_constraints() WHERE database_name = current_database() ORDER BY constraint_index"):
        constraints.setdefault((r["schema_name"], r["table_name"]), []).append(r)

    tables, fks = [], []
    for r in _rows(con, f"SELECT schema_name, table_name, sql FROM duckdb_tables() WHERE {_DB} AND NOT temporary ORDER BY schema_name, table_oid"):
        key = (r["schema_name"], r["table_name"])
        rows = sql.count_rows(con, r["table_name"], r["schema_name"]) if count_rows else None
        table, table_fks = _table(r, columns.get(key, ()), constraints.get(key, []), rows)
        tables.append(table)
        fks += table_fks
    return Database(tuple(tables), tuple(fks), enum_types, _sequences(con), _indexes(con), _schemas(con), _views(con),
                    source=name)


def _enum_types(con: duckdb.DuckDBPyConnection) -> tuple[EnumType, ...]:
    return tuple(
        EnumType(r["type_name"], tuple(r["labels"]), r["schema_name"])
        for r in _rows(con, f"SELECT * FROM duckdb_types() WHERE {_DB} AND logical_type = 'ENUM' AND labels IS NOT NULL")
    )


def _columns(con: duckdb.DuckDBPyConnection, enum_names: dict[tuple[str, ...], str]) -> dict[tuple[str, str], list[Column]]:
    """The columns of every table, by (schema, table), in their declared order."""
    columns: dict[tuple[str, str], list[Column]] = {}
    for r in _rows(con, f"SELECT * FROM duckdb_columns() WHERE {_DB} ORDER BY schema_name, table_oid, column_index"):
        try:
            ctype = parse_type(r["data_type"], enum_names=enum_names)
        except SchemaError as err:
            raise type(err)(f"column {r['table_name']}.{r['column_name']}: {err}") from None
        columns.setdefault((r["schema_name"], r["table_name"]), []).append(
            Column(r["column_name"], ctype, nullable=bool(r["is_nullable"]), default=r["column_default"])
        )
    return columns


def _table(r: dict, columns: list[Column], constraints: list[dict], rows: int | None) -> tuple[Table, list[ForeignKey]]:
    """One catalog table row with its columns and constraints, as a Table and its foreign keys."""
    generated = _generated_columns(r["sql"])
    # the catalog reports a generated column's expression as its default
    cols = tuple(replace(c, default=None, generated=c.default) if c.name in generated else c for c in columns)
    pk: tuple[str, ...] = ()
    unique, checks, fks = [], [], []
    for c in constraints:
        names = tuple(c["constraint_column_names"])
        kind = c["constraint_type"]
        if kind == "PRIMARY KEY":
            pk = names
        elif kind == "UNIQUE":
            unique.append(names)
        elif kind == "CHECK":
            check = sql.parse_expression(c["expression"], where=f"CHECK on {r['table_name']}")
            checks.append(_columns_respelled(check, cols))
        elif kind == "FOREIGN KEY":
            nullable = any(col.nullable for col in cols if col.name in names)
            fks.append(_foreign_key(r, names, c, nullable))
    return Table(r["table_name"], cols, pk, tuple(unique), tuple(checks), rows, r["schema_name"]), fks


def _sequences(con: duckdb.DuckDBPyConnection) -> tuple[Sequence, ...]:
    return tuple(
        Sequence(r["sequence_name"], int(r["start_value"]), int(r["increment_by"]), int(r["min_value"]),
                 int(r["max_value"]), bool(r["cycle"]), r["schema_name"])
        for r in _rows(con, f"SELECT * FROM duckdb_sequences() WHERE database_name = current_database() AND NOT temporary")
    )


def _indexes(con: duckdb.DuckDBPyConnection) -> tuple[Index, ...]:
    return tuple(
        Index(r["index_name"], _table_key(r["schema_name"], r["table_name"]), r["sql"])
        for r in _rows(con, f"SELECT * FROM duckdb_indexes() WHERE database_name = current_database() AND sql IS NOT NULL")
    )


def _schemas(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The schemas holding anything, ``main`` first."""
    schemas = tuple(
        r["schema_name"]
        for r in _rows(con, f"SELECT schema_name FROM duckdb_schemas() WHERE {_DB} ORDER BY schema_name")
    )
    return ("main",) + tuple(s for s in schemas if s != "main")


def _views(con: duckdb.DuckDBPyConnection) -> tuple[View, ...]:
    return tuple(
        View(r["view_name"], r["schema_name"], r["sql"])
        for r in _rows(con, "SELECT * FROM duckdb_views() WHERE database_name = current_database() AND NOT internal "
                            "AND NOT temporary AND sql IS NOT NULL ORDER BY view_oid")
    )


def _table_key(schema: str, table: str) -> str:
    return table if schema == "main" else f"{schema}.{table}"


def _foreign_key(table_row: dict, names: tuple[str, ...], c: dict, nullable: bool) -> ForeignKey:
    schema = table_row["schema_name"]
    return ForeignKey(
        table=_table_key(schema, table_row["table_name"]),
        columns=names,
        ref_table=_table_key(schema, c["referenced_table"]),
        ref_columns=tuple(c["referenced_column_names"]),
        nullable=nullable,
        kind="declared",
    )


def _columns_respelled(check: exp.Expression, columns: tuple[Column, ...]) -> exp.Expression:
    """``check`` with each column spelled as the table spells it: DuckDB keeps a CHECK's text as
    written (``KIND <> 'x'`` for a column ``Kind``), and later stages look its columns up by name.

    >>> from amalgam_rel.schema.types import parse_type
    >>> check = sql.parse_expression("KIND <> 'x'", where="t")
    >>> print(_columns_respelled(check, (Column("Kind", parse_type("VARCHAR")),)).sql())
    "Kind" <> 'x'
    """
    spelled = {c.name.lower(): c.name for c in columns}

    def respell(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and spelled.get(node.name.lower(), node.name) != node.name:
            return sql.column(spelled[node.name.lower()])
        return node

    return check.transform(respell)


def _generated_columns(create_sql: str | None) -> set[str]:
    """Names of the ``GENERATED ALWAYS AS (...)`` columns in a table's CREATE statement.

    >>> sorted(_generated_columns("CREATE TABLE t(a INTEGER, b INTEGER GENERATED ALWAYS AS ((a * 2)))"))
    ['b']
    """
    if not create_sql or "GENERATED" not in create_sql.upper():
        return set()
    try:
        statement = sqlglot.parse_one(create_sql, read="duckdb")
    except sqlglot.errors.ParseError as err:
        raise SchemaError(f"cannot read the generated columns of: {create_sql[:120]} ({err})") from None
    return {d.name for d in statement.find_all(exp.ColumnDef)
            if any(isinstance(c.kind, (exp.GeneratedAsIdentityColumnConstraint, exp.ComputedColumnConstraint))
                   for c in d.constraints)}
