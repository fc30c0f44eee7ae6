"""The shared state of one evaluation: both databases attached read-only in one connection.

Every stage receives a :class:`Context`; it builds SQL with sqlglot against the catalogs
``real`` and ``synth`` so that a single query can read both sides.

>>> import os, tempfile
>>> from amalgam_rel.connection import connect
>>> path = os.path.join(tempfile.mkdtemp(), "a.duckdb")
>>> connect(path).execute("CREATE TABLE t (id INTEGER PRIMARY KEY)").close()
>>> with open_pair(path, path) as ctx:
...     ctx.rows("synth", "t")
0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.errors import SchemaError
from amalgam_rel.schema import sql
from amalgam_rel.locations import Location, parse_location
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb, source_reads
from amalgam_rel.schema.sources import attach_source
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.schema.types import Kind

SIDES = ("real", "synth", "holdout")


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    schema: Database  # the real database's schema: every constraint is judged against it
    synth_schema: Database
    real_path: str
    synth_path: str
    holdout_path: str | None = None
    seed: int = 0
    queries: tuple = ()  # workload.Query items from the user's files
    semantic_overrides: dict = field(default_factory=dict)  # sidecar [[columns]]: (table, column) -> type
    profile: Any = None  # the real data's Profile, set once by the orchestrator
    memo: dict = field(default_factory=dict)  # results shared between stages
    _rows: dict = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return self.schema.table(key)

    def ref(self, side: str, key: str, alias: str | None = None) -> exp.Table:
        """``"side"."schema"."table"`` (quoted), optionally aliased."""
        t = self.schema.table(key)
        node = exp.Table(this=sql.ident(t.name), db=sql.ident(t.schema), catalog=sql.ident(side))
        return node.as_(sql.ident(alias)) if alias else node

    def row_hash(self, key: str, seed: int) -> exp.Expression:
        """A fixed hash of each row of ``key``, to draw repeatable samples by.

        It hashes DuckDB's row id, unless a column named ``rowid`` hides it; then every column
        (rows that tie are equal, so which of them a sample keeps changes nothing).
        """
        table = self.schema.table(key)
        if table.has_column("rowid"):
            values = [sql.column(c) for c in table.column_names]
        else:
            values = [exp.column("rowid")]
        return exp.Anonymous(this="hash", expressions=[*values, exp.Literal.number(seed)])

    def query(self, expression: exp.Expression | str) -> list[tuple]:
        text = expression if isinstance(expression, str) else expression.sql(sql.DIALECT)
        return self.con.execute(text).fetchall()

    def scalar(self, expression: exp.Expression):
        return self.query(expression)[0][0]

    def rows(self, side: str, key: str) -> int:
        if (side, key) not in self._rows:
            self._rows[side, key] = int(self.scalar(exp.select(exp.Count(this=exp.Star())).from_(self.ref(side, key))))
        return self._rows[side, key]


@contextmanager
def open_pair(real: str | Path | Location, synth: str | Path | Location, schema: Database | None = None, seed: int = 0,
              holdout: str | Path | Location | None = None) -> Iterator[Context]:
    """Attach ``real``, ``synth`` (and ``holdout``) read-only; check that they share tables and columns.

    Each may be a DuckDB file or any other location (:func:`~amalgam_rel.locations.parse_location`):
    a server's, SQLite file's or folder's tables are copied into the side's catalog, since the
    stages sample rows by DuckDB's row ids."""
    places = [None if p is None else p if isinstance(p, Location) else parse_location(p) for p in (real, synth, holdout)]
    names = [None if p is None else p.text if _is_file(p) else p.shown() for p in places]  # never a password
    con = connect()
    try:
        schemas = [None if p is None else _attach_side(con, side, p) for side, p in zip(SIDES, places)]
        real_schema = schema if schema is not None else schemas[0]
        sql.check_no_internal_names(real_schema)  # the queries' own names must not meet its columns
        check_same_schema(real_schema, schemas[1], names[1])
        if places[2] is not None:
            check_same_schema(real_schema, schemas[2], names[2])
        files = [name for place, name in zip(places, names) if place is not None and _is_file(place)]
        with source_reads(*files):  # a damaged file shows only once its data is read
            yield Context(con, real_schema, schemas[1], names[0], names[1], names[2], seed)
    finally:
        con.close()


def _is_file(place: Location) -> bool:
    return place.kind in ("duckdb", "ddl")  # a DDL file: open_duckdb says it has no rows


def _attach_side(con: duckdb.DuckDBPyConnection, side: str, place: Location) -> Database:
    """Attach one side read-only as catalog ``side``; its schema."""
    if _is_file(place):
        db = _read(place.text)
        attach = exp.Attach(this=exp.alias_(exp.Literal.string(place.text), sql.ident(side)),
                            expressions=[exp.AttachOption(this=exp.var("READ_ONLY"))])
        con.execute(attach.sql(sql.DIALECT))
        return db
    con.execute(f"ATTACH ':memory:' AS {sql.ident(side).sql(sql.DIALECT)}")
    return attach_source(con, place, into=side, copy=True)


def _read(path: str | Path) -> Database:
    con = open_duckdb(path)  # one-line InputError for missing / locked / non-DuckDB files
    try:
        with source_reads(path):
            return read_duckdb(con)
    finally:
        con.close()


def check_same_schema(real: Database, synth: Database, synth_name: str) -> None:
    """Tables and columns must match by name and by kind of type; constraints may differ.

    JSON stored as VARCHAR is accepted (validity then checks that it parses).

    A synthetic database without declared constraints is still comparable: validity checks the
    real schema's constraints on its data.
    """
    missing = [k for k in real.table_names if not synth.has_table(k)]
    extra = [k for k in synth.table_names if not real.has_table(k)]
    if missing or extra:
        what = f"lacks table {missing[0]!r}" if missing else f"has an extra table {extra[0]!r}"
        raise SchemaError(f"schemas differ: {synth_name} {what}")
    for t in real.tables:
        s = synth.table(t.key)
        for c in t.columns:
            if not s.has_column(c.name):
                raise SchemaError(f"schemas differ: {synth_name} table {t.key!r} lacks column {c.name!r}")
            kind = s.column(c.name).type.kind
            if kind is not c.type.kind and {kind, c.type.kind} != {Kind.JSON, Kind.STRING}:
                raise SchemaError(
                    f"schemas differ: column {t.key}.{c.name} is {c.type.sql()} in the real database "
                    f"but {s.column(c.name).type.sql()} in {synth_name}"
                )
        extra_cols = [c for c in s.column_names if not t.has_column(c)]
        if extra_cols:
            raise SchemaError(f"schemas differ: {synth_name} table {t.key!r} has an extra column {extra_cols[0]!r}")
