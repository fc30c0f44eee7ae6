"""Small helpers for SQL built with sqlglot: every identifier quoted, nothing pasted.

>>> table_ref("x\\"; DROP TABLE t; --").sql("duckdb")
'"x""; DROP TABLE t; --"'
>>> select_columns("t", ["a b", "c"]).sql("duckdb")
'SELECT "a b", "c" FROM "t"'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from amalgam_rel.errors import InputError, SchemaError
from amalgam_rel.schema.internal_names import QUERY_PART

if TYPE_CHECKING:
    from amalgam_rel.schema.model import Database

DIALECT = "duckdb"
# QUERY_PART is the first character of every name amalgam-rel gives a part of its own queries
# that may meet a user's columns or tables in one scope (a column alias, a subquery, a helper
# table or view in the source's or the output's connection). A source table or column so named
# is refused (:func:`check_no_internal_names`), so no internal name can capture one.


def internal(name: str) -> str:
    """The name of a query's own part: ``+name``, which no source table or column may have.

    >>> column(internal("n"), internal("g")).sql("duckdb")
    '"+g"."+n"'
    """
    return QUERY_PART + name


def check_no_internal_names(db: Database) -> None:
    """Refuse a table or column named like amalgam-rel's own query parts (a first ``+``)."""
    for table in db.tables:
        for name, what in ((table.name, f"table {table.key!r}"),
                           *((c.name, f"column {c.name!r} of table {table.key!r}") for c in table.columns)):
            if name.startswith(QUERY_PART):
                raise InputError(f"{what}: amalgam-rel names the parts of its own queries with a first "
                                 f"{QUERY_PART!r}; rename it in a copy of the database")


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.column(ident(name), table=ident(table) if table else None)


def table_ref(name: str, schema: str = "main", alias: str | None = None) -> exp.Table:
    ref = exp.Table(this=ident(name), db=None if schema == "main" else ident(schema))
    return ref.as_(ident(alias)) if alias else ref


def select_columns(table: str, columns: Iterable[str], schema: str = "main") -> exp.Select:
    return exp.select(*(column(c) for c in columns)).from_(table_ref(table, schema))


def parse_expression(text: str, *, where: str) -> exp.Expression:
    """Parse a DuckDB SQL expression (a CHECK, a DEFAULT); failures name ``where``."""
    try:
        return sqlglot.parse_one(text, dialect=DIALECT)
    except (ParseError, TokenError) as err:
        raise SchemaError(f"cannot parse {where}: {text!r} ({str(err).splitlines()[0]})") from None


def count_rows(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> int:
    query = exp.select(exp.Count(this=exp.Star())).from_(table_ref(table, schema))
    return int(con.execute(query.sql(DIALECT)).fetchone()[0])


def fresh_name(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``base_1``, ``base_2``... : a helper column's name no user column holds.

    >>> fresh_name("__row", ["id", "__row", "__row_1"])
    '__row_2'
    """
    taken = set(taken)
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def render(expression: exp.Expression) -> str:
    return expression.sql(DIALECT)
