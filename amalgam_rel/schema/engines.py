"""Where a query over the source's tables runs: DuckDB, or inside the PostgreSQL/MySQL server.

Every query amalgam-rel writes is a sqlglot expression over the source's tables as DuckDB shows
them (``"main"."orders"``, :mod:`.sources`). An :class:`Engine` runs one: in DuckDB as it is, or,
for a server source, rewritten onto the server's own schema, written in its dialect and handed
to the server whole through the scanner's pass-through (``postgres_query`` / ``mysql_query``), so
a ``GROUP BY`` over millions of rows runs where they live and only its result travels. Nothing
beyond the scanners DuckDB already loads for the source is needed (no client library).

The expressions here are the few that SQL dialects do not share and sqlglot does not transpile:
a repeatable hash of a row's key, a count under a condition, a date or timestamp as a number,
a finite float, a text compared by its bytes (MySQL compares text by a case-insensitive,
space-padding collation).

The same rows as DuckDB's own ``md5_number_upper`` picks:

>>> from amalgam_rel.connection import connect
>>> keep = repeatable_share(["id"], 0.5, None).sql("duckdb")
>>> connect().sql(f"SELECT count(*) FILTER (WHERE {keep}), count(*) FILTER (WHERE ({keep}) <> "
...            "(md5_number_upper('[' || id || ']') < 2**63)) FROM range(1000) r(id)").fetchone()
(496, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.schema import sql

ENGINE_NAMES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "mysql": "MySQL"}


@dataclass
class Engine:
    """Runs queries over the source's tables: in DuckDB (``con``), or in the server attached to
    ``con`` as ``catalog`` whose tables are in ``schema`` (``dialect`` postgres or mysql)."""

    con: duckdb.DuckDBPyConnection
    dialect: str = sql.DIALECT
    catalog: str | None = None
    schema: str | None = None
    tables: frozenset[str] = frozenset()  # the source's tables (views in DuckDB's ``main``)
    queries: int = field(default=0, compare=False)  # how many ran in the server

    @property
    def name(self) -> str:
        return ENGINE_NAMES[self.dialect]

    def holds(self, query: exp.Expression) -> bool:
        """Whether every table ``query`` reads is one of the source's own (none of DuckDB's)."""
        ctes = {c.alias_or_name for c in query.find_all(exp.CTE)}
        return all(t.name in self.tables and t.text("db") in ("", "main") and not t.text("catalog")
                   for t in query.find_all(exp.Table) if t.name not in ctes)

    def run(self, query: exp.Expression) -> pa.Table:
        """``query``'s result: in the server when there is one (every table it reads must be the
        source's: :meth:`holds`), else in DuckDB."""
        if self.dialect == sql.DIALECT:
            return self.con.execute(query.sql(self.dialect)).to_arrow_table()
        text = self.server_sql(query)
        self.queries += 1
        function = f"{self.dialect}_query"
        return self.con.execute(f"SELECT * FROM {function}(?, ?)", [self.catalog, text]).to_arrow_table()

    def server_sql(self, query: exp.Expression) -> str:
        """``query`` in the server's dialect, its tables named in the server's schema."""
        query = query.copy()
        for table in query.find_all(exp.Table):
            if table.name in self.tables:
                table.set("db", sql.ident(self.schema))
        if self.dialect == "mysql":
            # MariaDB 10.11 merges a joined derived table that joins into the query, and then reads
            # a COALESCE of its columns as 0 where the outer join found no row (MIN gave 0 over
            # NULLs): a LIMIT keeps it a table of its own
            for node in list(query.find_all(exp.Subquery)):
                if _joined_join(node):
                    node.set("this", node.this.limit(2**64 - 1))
        return query.sql(self.dialect)


def _joined_join(node: exp.Expression) -> bool:
    """A derived table that is joined, and itself joins tables."""
    return (isinstance(node, exp.Subquery) and isinstance(node.parent, exp.Join) and isinstance(node.this, exp.Select)
            and bool(node.this.args.get("joins")) and not node.this.args.get("limit"))


def repeatable_share(key: list[str] | tuple[str, ...], share: float, alias: str | None,
                     salt: str = "") -> exp.Expression:
    """True for a repeatable ``share`` of the rows, the same rows in DuckDB, PostgreSQL and MySQL.

    A row's ``key`` values as text, ``[v1, v2]`` (DuckDB's text of a list of them, for integers,
    decimals, dates and plain words), are hashed by ``md5``; the row is kept when the first 8
    bytes of the digest, read as a little-endian number (DuckDB's ``md5_number_upper``), fall below
    ``share * 2**64``. The number is compared as 16 hex digits, most significant first (its bytes
    reversed), so no engine needs an unsigned 64-bit integer. A ``salt`` is written before the
    text: a share of the same key values chosen independently of the unsalted one (a child's
    share of its sampled parents, whose own sample kept them by the unsalted hash)."""
    parts: list[exp.Expression] = [exp.Literal.string(salt + "[")]
    for i, c in enumerate(key):
        if i:
            parts.append(exp.Literal.string(", "))
        text = exp.cast(sql.column(c, alias), "VARCHAR")
        parts.append(exp.Coalesce(this=text, expressions=[exp.Literal.string("NULL")]))
    parts.append(exp.Literal.string("]"))
    digest = exp.MD5(this=_concat(parts))
    hex_bytes = [exp.Substring(this=digest.copy(), start=exp.Literal.number(15 - 2 * i), length=exp.Literal.number(2))
                 for i in range(8)]
    bound = min(int(share * 2**64), 2**64 - 1)
    return exp.LT(this=_concat(hex_bytes), expression=exp.Literal.string(f"{bound:016x}"))


def _concat(parts: list[exp.Expression]) -> exp.Expression:
    out = parts[0]
    for p in parts[1:]:
        out = exp.DPipe(this=out, expression=p, safe=True)
    return out


def count_where(condition: exp.Expression) -> exp.Expression:
    """``COUNT(*) FILTER (WHERE condition)`` in a form MySQL reads too."""
    return exp.Count(this=exp.Case().when(condition, exp.Literal.number(1)))


def where(condition: exp.Expression, value: exp.Expression) -> exp.Expression:
    """``value`` where ``condition`` holds, else NULL (an aggregate's ``FILTER`` in any dialect)."""
    return exp.Case().when(condition, value)


def finite(column: exp.Expression, dialect: str) -> exp.Expression:
    """True for a float that is neither infinite nor NaN (MySQL's floats are never either)."""
    if dialect == "duckdb":
        return exp.Anonymous(this="isfinite", expressions=[column])
    if dialect == "mysql":
        return exp.true()
    inf = exp.cast(exp.Literal.string("Infinity"), "DOUBLE")  # PostgreSQL sorts NaN above infinity
    return exp.and_(exp.LT(this=column.copy(), expression=inf), exp.GT(this=column.copy(), expression=exp.Neg(this=inf.copy())))


def days_since_epoch(column: exp.Expression, dialect: str) -> exp.Expression:
    epoch = exp.cast(exp.Literal.string("1970-01-01"), "DATE")
    if dialect == "duckdb":
        return exp.Sub(this=column, expression=epoch)
    return exp.DateDiff(this=column, expression=epoch, unit=exp.var("DAY"))


_UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
_EPOCH_FUNCTIONS = {"s": "epoch", "ms": "epoch_ms", "us": "epoch_us", "ns": "epoch_ns"}


def epoch_in(unit: str, column: exp.Expression, dialect: str) -> exp.Expression:
    """A timestamp as a number of ``unit`` (s, ms, us, ns) since 1970-01-01 00:00."""
    if dialect == "duckdb":
        return exp.Anonymous(this=_EPOCH_FUNCTIONS[unit], expressions=[column])
    if dialect == "postgres":  # EXTRACT's numeric is exact: scaled before any rounding
        seconds = exp.Extract(this=exp.var("EPOCH"), expression=column)
        return exp.Mul(this=seconds, expression=exp.Literal.number(10 ** _UNIT_DIGITS[unit]))
    start = exp.cast(exp.Literal.string("1970-01-01 00:00:00"), "DATETIME")
    micros = exp.TimestampDiff(this=column, expression=start, unit=exp.var("MICROSECOND"))
    return exp.Mul(this=micros, expression=exp.Literal.number(repr(10.0 ** (_UNIT_DIGITS[unit] - 6))))


def whole_number(value: exp.Expression, dialect: str) -> exp.Expression:
    """``value`` (an exact decimal with no fraction) as an exact integer type of the engine."""
    return exp.cast(value, "HUGEINT" if dialect == "duckdb" else "DECIMAL(38, 0)")


def exact_text(column: exp.Expression, dialect: str) -> exp.Expression:
    """A text column compared and grouped by its bytes: MySQL's by its UTF-8 bytes (its default
    collations fold case and trailing spaces); elsewhere the column as it is."""
    if dialect != "mysql":
        return column
    return exp.cast(exp.cast(column, exp.DataType(this=exp.DataType.Type.CHARACTER_SET, kind=exp.var("utf8mb4"))), "BINARY")
