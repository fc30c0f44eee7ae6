"""Which REAL rows a referentially complete subset keeps: start rows, then closure over foreign keys.

The rows of each table are named by an identity (its primary key, else its first UNIQUE set,
else all its columns) and the kept identities live in one temporary table per table, in the
connection that reads the source; every step is one ``INSERT … SELECT`` with semi-joins, never
a Python loop over rows:

1. start rows: those of a table a ``--where`` condition matches, or a seeded fraction of every
   table no other table references (the fact tables: an order line, a playlist entry);
2. optionally the rows that point at kept rows (``children``: ``direct`` one level from the start
   rows, ``all`` transitively downwards, self-references included);
3. the upward closure: every row a kept row references, through every FK (composite ones pair
   columns by position; self-references and cycles simply repeat), until a round adds nothing.

Step 3 runs last, so every FK of every kept row resolves: the subset satisfies every constraint.
Identity comparisons use ``IS NOT DISTINCT FROM`` so that a key-less table's NULLs match too;
FK comparisons use ``=``, since a NULL FK points at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from amalgam_rel.errors import InputError
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey, Table
from amalgam_rel.writing.copy import CHUNK_ROWS, select_rows

CHILDREN = ("none", "direct", "all")
# what a --where may not hold: a statement, a query, a table (a table function reading files)
_NOT_A_CONDITION = (exp.Query, exp.Command, exp.DDL, exp.DML, exp.Block, exp.Table)


@dataclass(frozen=True)
class Condition:
    """A ``--where``: the table it filters and its expression over that table's own columns."""

    table: str
    expression: exp.Expression
    text: str


def parse_condition(db: Database, text: str) -> Condition:
    """Parse ``TABLE.COLUMN = 'x' AND …`` (DuckDB SQL over one table); a one-line error names what is wrong."""
    parsed, shown = parse_sql_condition(text)
    return bind_condition(db, parsed, shown)


def parse_sql_condition(text: str) -> tuple[exp.Expression, str]:
    """One boolean SQL expression (no statement, query or table), and the text as errors show it."""
    shown = " ".join(text.split())
    try:
        statements = [s for s in sqlglot.parse(text, dialect=sql.DIALECT) if s is not None]
    except (ParseError, TokenError) as err:
        raise InputError(f"--where {shown!r}: not a SQL condition ({str(err).splitlines()[0]})") from None
    if len(statements) != 1:
        raise InputError(f"--where {shown!r}: give one condition, not {len(statements)} statements")
    parsed = statements[0]
    if any(isinstance(node, _NOT_A_CONDITION) for node in parsed.walk()):
        raise InputError(f"--where {shown!r}: give a boolean expression over one table's columns, "
                         "without SELECT or subqueries")
    return parsed, shown


def bind_condition(db: Database, parsed: exp.Expression, shown: str, derived: frozenset[str] = frozenset()) -> Condition:
    """``parsed``'s ``TABLE.COLUMN`` references, all of one table, checked and made plain column
    names; columns named in ``derived`` (a caller's own, unqualified) are left as they are."""
    columns = [c for c in parsed.find_all(exp.Column) if c.table or c.name not in derived]
    named = {_table_named(db, c, shown) for c in columns if c.table}
    if len(named) != 1:
        raise InputError(f"--where {shown!r}: name the columns of exactly one table, as TABLE.COLUMN "
                         f"({'none named' if not named else 'tables ' + ', '.join(sorted(t.key for t in named))})")
    table = named.pop()
    for column in columns:
        if not table.has_column(column.name):
            raise InputError(f"--where {shown!r}: table {table.key!r} has no column {column.name!r}")
        column.replace(sql.column(table.column(column.name).name))
    return Condition(table.key, parsed, shown)


def _table_named(db: Database, column: exp.Column, shown: str) -> Table:
    return table_named(db, f"{column.db}.{column.table}" if column.db and column.db != "main" else column.table, shown)


def table_named(db: Database, key: str, shown: str) -> Table:
    """The table ``key`` names (exactly, else ignoring case); a one-line error when there is none."""
    by_lower = {t.lower(): t for t in db.table_names}
    if db.has_table(key):
        return db.table(key)
    if key.lower() in by_lower:
        return db.table(by_lower[key.lower()])
    names = sorted(db.table_names)
    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    raise InputError(f"--where {shown!r}: no table {key!r} in the database (its tables: {listed})")


def identity(table: Table) -> tuple[str, ...]:
    """The columns that name a row: the primary key, else the first UNIQUE set, else every column."""
    sets = table.unique_sets()
    return sets[0] if sets else tuple(c.name for c in table.columns)


class SubsetKeys:
    """The kept row identities of every table, as temporary tables in the source's connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, db: Database):
        self.con, self.db = con, db
        self._kept = {t.key: sql.internal(f"kept_{i}") for i, t in enumerate(db.tables)}
        for table in db.tables:
            ids = ", ".join(_q(c) for c in identity(table))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {_q(self._kept[table.key])} AS "
                        f"SELECT DISTINCT {ids} FROM {_ref(table)} LIMIT 0")

    def start_where(self, condition: Condition) -> int:
        """Keep the rows ``condition`` matches; returns how many rows of the source it matches."""
        table = self.db.table(condition.table)
        where = sql.render(condition.expression)
        try:
            matched = self.con.execute(f"SELECT count(*) FROM {_ref(table)} WHERE ({where})").fetchone()[0]
        except duckdb.Error as err:
            raise InputError(f"--where {condition.text!r}: {str(err).splitlines()[0]}") from None
        self._add(table, f"SELECT DISTINCT {_ids(table, 's')} FROM {_ref(table, 's')} WHERE ({where})")
        return int(matched)

    def start_fraction(self, fraction: float, seed: int) -> dict[str, int]:
        """Keep a seeded ``fraction`` (at least one row) of each non-empty table nothing references."""
        referenced = {fk.ref_table for fk in self.db.foreign_keys if not fk.is_self_reference}
        picked = {}
        for index, table in enumerate(self.db.tables):
            if table.key in referenced:
                continue
            ids = _ids(table, "s")
            count = self.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {ids} FROM {_ref(table, 's')})").fetchone()[0]
            if count == 0:
                continue
            take = max(1, round(fraction * count))
            # positions in the rows sorted by identity: the same rows whatever order the source scans in
            positions = np.sort(np.random.default_rng([seed, index]).choice(count, size=take, replace=False))
            self.con.register(_POSITIONS, pa.table({"n": pa.array(positions + 1, pa.int64())}))
            try:
                self._add(table, f"SELECT {_ids(table, 'r')} FROM (SELECT {ids}, row_number() OVER (ORDER BY {ids}) "
                                 f"AS {_q(_ROW)} FROM (SELECT DISTINCT {ids} FROM {_ref(table, 's')}) s) r "
                                 f"WHERE r.{_q(_ROW)} IN (SELECT n FROM {_q(_POSITIONS)})")
            finally:
                self.con.unregister(_POSITIONS)
            picked[table.key] = take
        return picked

    def add_children(self, how: str) -> None:
        """Keep the rows pointing at kept rows: one level from the rows kept so far, or transitively."""
        if how == "none":
            return
        fks = self.db.foreign_keys
        if how == "direct":
            start = {t: sql.internal(f"start_{i}") for i, t in enumerate(self.db.table_names)}
            for key, name in start.items():
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {_q(name)} AS SELECT * FROM {_q(self._kept[key])}")
            for fk in fks:
                self._step(fk, down=True, parents=start[fk.ref_table])
            return
        while sum(self._step(fk, down=True) for fk in fks):
            pass

    def close_upwards(self) -> int:
        """Keep every row a kept row references, transitively; returns the rounds it took."""
        rounds = 1
        while sum(self._step(fk, down=False) for fk in self.db.foreign_keys):
            rounds += 1
        return rounds

    def rows(self, table_key: str) -> pa.RecordBatchReader:
        """The kept rows of a table, every column, ordered by identity (duplicates of a key-less table
        kept), in batches of ``CHUNK_ROWS``."""
        table = self.db.table(table_key)
        query = select_rows(table).from_(sql.table_ref(table.name, table.schema, "s"))  # columns Arrow carries
        query = query.where(self._is_kept(table, "s"), dialect=sql.DIALECT)
        query = query.order_by(*(f"s.{_q(c)}" for c in identity(table)), dialect=sql.DIALECT)
        return self.con.execute(sql.render(query)).to_arrow_reader(CHUNK_ROWS)

    # -- one step ---------------------------------------------------------------------------
    def _step(self, fk: ForeignKey, *, down: bool, parents: str | None = None) -> int:
        """Add the rows one FK reaches from kept rows: the parents of kept children (``down``
        False) or the children of kept parents; returns how many rows it added."""
        child, parent = self.db.table(fk.table), self.db.table(fk.ref_table)
        linked = " AND ".join(f"c.{_q(a)} = p.{_q(b)}" for a, b in zip(fk.columns, fk.ref_columns))
        if down:
            kept_parent = self._is_kept(parent, "p", parents)
            return self._add(child, f"SELECT DISTINCT {_ids(child, 'c')} FROM {_ref(child, 'c')} WHERE EXISTS "
                                    f"(SELECT 1 FROM {_ref(parent, 'p')} WHERE {linked} AND {kept_parent})")
        return self._add(parent, f"SELECT DISTINCT {_ids(parent, 'p')} FROM {_ref(parent, 'p')} WHERE EXISTS "
                                 f"(SELECT 1 FROM {_ref(child, 'c')} WHERE {linked} AND {self._is_kept(child, 'c')})")

    def _add(self, table: Table, query: str) -> int:
        """Insert the identities ``query`` selects (aliased ``s``/``p``/``c``/``r``) that are not kept yet."""
        kept = _q(self._kept[table.key])
        fresh = " AND ".join(f"k.{_q(c)} IS NOT DISTINCT FROM q.{_q(c)}" for c in identity(table))
        added = self.con.execute(f"INSERT INTO {kept} SELECT * FROM ({query}) q "
                                 f"WHERE NOT EXISTS (SELECT 1 FROM {kept} k WHERE {fresh})").fetchone()
        return int(added[0]) if added else 0

    def _is_kept(self, table: Table, alias: str, kept: str | None = None) -> str:
        same = " AND ".join(f"k.{_q(c)} IS NOT DISTINCT FROM {alias}.{_q(c)}" for c in identity(table))
        return f"EXISTS (SELECT 1 FROM {_q(kept or self._kept[table.key])} k WHERE {same})"


_POSITIONS = sql.internal("positions")
_ROW = sql.internal("row")


def _q(name: str) -> str:
    return sql.render(sql.ident(name))


def _ref(table: Table, alias: str | None = None) -> str:
    return sql.render(sql.table_ref(table.name, table.schema, alias))


def _ids(table: Table, alias: str) -> str:
    return ", ".join(f"{alias}.{_q(c)}" for c in identity(table))
