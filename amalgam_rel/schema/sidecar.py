"""Logical foreign keys from a small TOML sidecar file.

Some relationships cannot be declared in DuckDB (an FK cycle) or were never declared (tables
loaded from files). A sidecar names them; they are merged into the model as ``kind="logical"``
and, when data is at hand, checked: every non-NULL child value must exist in the parent, and
the parent columns must identify one row.

    # shop.amalgam.toml
    [[foreign_keys]]
    table = "country"
    columns = ["Capital"]        # a single string is accepted too
    ref_table = "city"
    ref_columns = ["ID"]
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
from sqlglot import exp

from amalgam_rel.errors import DataError, InputError, SchemaError
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey, Table

_KEYS = {"table", "columns", "ref_table", "ref_columns"}


def read_sidecar(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"sidecar file not found: {path}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"sidecar {path} is not valid TOML: {err}") from None
    entries = doc.get("foreign_keys", [])
    unknown = set(doc) - {"foreign_keys"}
    if unknown or not isinstance(entries, list):
        raise InputError(f"sidecar {path}: expected only [[foreign_keys]] entries, found {sorted(unknown) or entries!r}")
    for i, entry in enumerate(entries, 1):
        if set(entry) != _KEYS:
            raise InputError(f"sidecar {path}: foreign key #{i} needs exactly the keys {sorted(_KEYS)}, got {sorted(entry)}")
    return entries


def apply_sidecar(db: Database, path: str | Path, con: duckdb.DuckDBPyConnection | None) -> Database:
    """``db`` with the sidecar's logical FKs added, validated against ``con``'s data if given."""
    fks = tuple(_foreign_key(db, entry, path) for entry in read_sidecar(path))
    if con is not None:
        for fk in fks:
            check_foreign_key_data(con, db, fk)
    return db.with_foreign_keys(fks)


def _as_tuple(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _foreign_key(db: Database, entry: dict, path) -> ForeignKey:
    table, ref_table = entry["table"], entry["ref_table"]
    columns, ref_columns = _as_tuple(entry["columns"]), _as_tuple(entry["ref_columns"])
    for t, cols in ((table, columns), (ref_table, ref_columns)):
        if not db.has_table(t):
            raise SchemaError(f"sidecar {path}: unknown table {t!r}")
        for c in cols:
            if not db.table(t).has_column(c):
                raise SchemaError(f"sidecar {path}: table {t!r} has no column {c!r}")
    if len(columns) != len(ref_columns):
        raise SchemaError(f"sidecar {path}: {table}{list(columns)} and {ref_table}{list(ref_columns)} differ in length")
    nullable = any(db.table(table).column(c).nullable for c in columns)
    return ForeignKey(table, columns, ref_table, ref_columns, nullable=nullable, kind="logical")


def check_foreign_key_data(con: duckdb.DuckDBPyConnection, db: Database, fk: ForeignKey) -> None:
    """Raise :class:`DataError` when the data breaks ``fk`` (orphans, or a non-unique parent key)."""
    child, parent = db.table(fk.table), db.table(fk.ref_table)
    orphans = con.execute(sql.render(orphan_query(child, fk.columns, parent, fk.ref_columns))).fetchone()[0]
    if orphans:
        raise DataError(f"logical foreign key {fk.label}: {orphans} child rows reference no parent row")
    dup = (
        exp.select(exp.Count(this=exp.Star()))
        .from_(exp.select(*(sql.column(c) for c in fk.ref_columns)).from_(_ref(parent))
               .where(exp.and_(*(exp.not_(sql.column(c).is_(exp.null())) for c in fk.ref_columns)))
               .group_by(*(sql.column(c) for c in fk.ref_columns))
               .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
               .subquery("d"))
    )
    if con.execute(sql.render(dup)).fetchone()[0]:
        raise DataError(f"logical foreign key {fk.label}: the parent columns do not identify one row each")


def _ref(table: Table, alias: str | None = None) -> exp.Table:
    return sql.table_ref(table.name, table.schema, alias)


def orphan_query(child: Table, columns, parent: Table, ref_columns) -> exp.Select:
    """``SELECT count(*)`` of child rows whose non-NULL key matches no parent row."""
    match = exp.and_(*(
        exp.EQ(this=sql.column(p, "p"), expression=sql.column(c, "c")) for c, p in zip(columns, ref_columns)
    ))
    exists = exp.Exists(this=exp.select(exp.Literal.number(1)).from_(_ref(parent, "p")).where(match))
    present = [exp.not_(sql.column(c, "c").is_(exp.null())) for c in columns]
    return exp.select(exp.Count(this=exp.Star())).from_(_ref(child, "c")).where(exp.and_(*present, exp.not_(exists)))
