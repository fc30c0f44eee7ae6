"""How a target names and spells things: table references, one-namespace names, DuckDB SQL
re-spelled in another dialect (or None where sqlglot cannot say it there).

>>> table_ref("t", "s").sql("mysql")
'`s`.`t`'
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Table


def table_ref(name: str, schema: str | None) -> exp.Table:
    return exp.Table(this=sql.ident(name), db=sql.ident(schema) if schema else None)


def target_table_name(table: Table) -> str:
    """A table's name on a target that has one namespace: ``schema.name`` joined outside main."""
    return table.name if table.schema == "main" else f"{table.schema}.{table.name}"


def transpiled(expression: exp.Expression, dialect: str) -> str | None:
    """``expression`` (DuckDB) in ``dialect``, or None where sqlglot cannot say it there."""
    try:
        return expression.sql(dialect, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError:
        return None


def parsed_duckdb(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text.rstrip(";"), dialect="duckdb")
    except SqlglotError:
        return None
