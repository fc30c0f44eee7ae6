"""Which columns the language model fills, and which columns its prompts show.

The language model takes what a per-table PGM cannot: nested values (STRUCT, LIST, ARRAY, MAP,
JSON) and strings that are free text or too many distinct values to be categories (names,
titles, codes). Keys stay with the relational engine: a column in a foreign key (either side)
is never chosen. Prompts show the row's structured columns that carry information: not keys,
not near-unique strings, not nested or binary values.

>>> from amalgam_rel.connection import connect
>>> con = connect()
>>> _ = con.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, cat VARCHAR, note VARCHAR, tags VARCHAR[])")
>>> _ = con.execute("INSERT INTO p SELECT i, 'c' || (i % 3), 'a fairly long note about item number ' || i, ['x'] FROM range(100) t(i)")
>>> from amalgam_rel.schema.duckdb_reader import read_duckdb
>>> db = read_duckdb(con)
>>> default_columns(db, con), context_columns(db, db.table("p"), ["note", "tags"], con)
({'p': ['note', 'tags']}, ['cat'])
"""

from __future__ import annotations

import duckdb

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.schema.types import Kind

MAX_PROMPT_COLUMNS = 8
TEXT_MIN_AVG_CHARS = 40
MIN_DISTINCT = 50
MIN_DISTINCT_SHARE = 0.2


def key_columns(db: Database, table: Table) -> set[str]:
    keys = {c for fk in db.foreign_keys_of(table.key) for c in fk.columns}
    keys |= {c for fk in db.referencing(table.key) for c in fk.ref_columns}
    return keys


def _string_stats(con: duckdb.DuckDBPyConnection, table: Table, column: str) -> tuple[int, int, float]:
    col = sql.column(column).sql(sql.DIALECT)
    ref = sql.table_ref(table.name, table.schema).sql(sql.DIALECT)
    n, distinct, avg = con.execute(
        f"SELECT count({col}), count(DISTINCT {col}), coalesce(avg(length({col})), 0) FROM {ref}"
    ).fetchone()
    return int(n), int(distinct), float(avg)


def is_text_column(con: duckdb.DuckDBPyConnection, table: Table, column: str) -> bool:
    """Free text (long on average) or too many distinct values to be a category."""
    n, distinct, avg = _string_stats(con, table, column)
    if n == 0:
        return False
    return avg >= TEXT_MIN_AVG_CHARS or (distinct >= MIN_DISTINCT and distinct >= MIN_DISTINCT_SHARE * n)


def default_columns(db: Database, con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """table -> the columns the language model fills, in schema order (tables without any left out)."""
    chosen: dict[str, list[str]] = {}
    for table in db.tables:
        keys = key_columns(db, table)
        names = []
        for c in table.columns:
            if c.name in keys or c.type.kind is Kind.UNION:
                continue
            if c.type.is_nested or (c.type.kind is Kind.STRING and is_text_column(con, table, c.name)):
                names.append(c.name)
        if names:
            chosen[table.key] = names
    return chosen


def context_columns(db: Database, table: Table, generated: list[str], con: duckdb.DuckDBPyConnection) -> list[str]:
    """The structured columns a prompt shows, at most :data:`MAX_PROMPT_COLUMNS`, in schema order."""
    skip = set(generated) | key_columns(db, table) | {c for s in table.unique_sets() if len(s) == 1 for c in s}
    names = []
    for c in table.columns:
        if c.name in skip or c.type.is_nested or c.type.kind in (Kind.BLOB, Kind.BIT, Kind.UNION):
            continue
        if c.type.kind is Kind.STRING and is_text_column(con, table, c.name):
            continue  # near-unique strings teach the model nothing it could reuse
        names.append(c.name)
    return names[:MAX_PROMPT_COLUMNS]
