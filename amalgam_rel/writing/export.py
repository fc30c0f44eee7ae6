"""What every non-DuckDB target shares: the ``SELECT`` that reads a table out of the built
DuckDB database in the form the target takes, and a target's refusal as one line."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlglot
from sqlglot import exp

from amalgam_rel.errors import OutputError
from amalgam_rel.locations import Location
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import Kind

BUILD = "build"
_AS_TEXT = (Kind.INTERVAL, Kind.BIT, Kind.UUID)  # MySQL and SQLite keep these as text
_WIDE_SQLITE = {"UBIGINT", "HUGEINT", "UHUGEINT", "BIGNUM"}  # past SQLite's 64-bit integers: kept as text  # the file's stem, so DuckDB names the built database "build"


def stored_columns(table: Table):
    """The columns rows are written for (the target computes generated ones)."""
    return [c for c in table.columns if c.generated is None]


def select_for(table: Table, dialect: str, json_columns: set[tuple[str, str]], *, as_text: bool = False,
               text_columns: set[tuple[str, str]] = frozenset(), array_columns: set[tuple[str, str]] = frozenset()) -> str:
    """``SELECT`` of ``table``'s stored columns in the built database, in the form ``dialect``
    takes: nested values as JSON text, and, with ``as_text``, every value as DuckDB's text of it
    (BLOBs as hex), for a script to quote."""
    cols = []
    for column in stored_columns(table):
        value: exp.Expression = sql.column(column.name)
        kind, name = column.type.kind, column.type.name
        if (table.key, column.name) in json_columns:
            value = exp.cast(exp.Anonymous(this="to_json", expressions=[value]), "VARCHAR")
        elif dialect in ("mysql", "sqlite") and name == "TIMESTAMP WITH TIME ZONE":
            value = exp.Anonymous(this="timezone", expressions=[exp.Literal.string("UTC"), value])
        elif (table.key, column.name) in text_columns or (dialect == "sqlite" and name in _WIDE_SQLITE):
            value = exp.cast(value, "VARCHAR")
        elif dialect in ("mysql", "sqlite") and (kind in _AS_TEXT or name == "TIME WITH TIME ZONE") \
                or (dialect == "sqlite" and kind is Kind.TIME):
            value = exp.cast(value, "VARCHAR")
        if as_text and (table.key, column.name) in array_columns:
            value = _pg_array_literal(value)
        elif as_text and kind is Kind.BLOB:
            value = exp.Anonymous(this="hex", expressions=[value])
        elif as_text and kind is not Kind.BOOLEAN:
            value = exp.cast(value, "VARCHAR")
        cols.append(value.as_(sql.ident(column.name)))
    source = exp.Table(this=sql.ident(table.name), db=sql.ident(table.schema), catalog=sql.ident(BUILD))
    return exp.select(*cols).from_(source).sql("duckdb") if cols else ""


def _pg_array_literal(value: exp.Expression) -> exp.Expression:
    """A LIST as PostgreSQL's array literal text: ``{"a",NULL,"b\\"c"}``, every element quoted."""
    quoted = ("CASE WHEN v IS NULL THEN 'NULL' ELSE '\"' || replace(replace(CAST(v AS VARCHAR), '\\', '\\\\'), "
              "'\"', '\\\"') || '\"' END")
    text = sqlglot.parse_one(f"'{{' || array_to_string(list_transform(l, v -> {quoted}), ',') || '}}'", dialect="duckdb")
    return text.transform(lambda node: value.copy() if isinstance(node, exp.Column) and node.name == "l" else node)


def first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def refused(location: Location, err: BaseException, doing: str = "") -> OutputError:
    """A server's or DuckDB's refusal as one line, the URL's password masked."""
    message = first_line(err)
    password = urlsplit(location.text).password if location.is_server else None
    if password:
        message = message.replace(password, "***")
    return OutputError(f"cannot write {location.shown()}{doing}: {message}")
