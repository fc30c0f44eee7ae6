"""Logical foreign keys and CHECKs from a small TOML sidecar file.

Some relationships cannot be declared in DuckDB (an FK cycle) or were never declared (tables
loaded from files). A sidecar names them; they are merged into the model as ``kind="logical"``
and, when data is at hand, checked: every non-NULL child value must exist in the parent, and
the parent columns must identify one row.

A sidecar CHECK states what is known of a column without the source saying so: a range
(``order_date BETWEEN DATE '1996-01-01' AND DATE '1998-12-31'``), a list of values, an order
between columns. The data must meet it. Synthetic rows meet it too, and a private fit takes its
bounds as public, as it does a declared CHECK's: its range search starts from them instead of
the type's span (and is skipped when they are narrow enough). The written DDL leaves it out, as
the source's did.

    # shop.amalgam.toml
    [[primary_keys]]             # a key the table does not declare (checked: no NULL, no repeat)
    table = "city"
    columns = ["ID"]

    [[foreign_keys]]
    table = "country"
    columns = ["Capital"]        # a single string is accepted too
    ref_table = "city"
    ref_columns = ["ID"]

    [[checks]]
    table = "orders"
    check = "freight BETWEEN 0 AND 2000"

    [[columns]]                  # a semantic type that detection got wrong ("text": none)
    table = "customer"
    column = "nom"
    type = "last_name"
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import duckdb
from sqlglot import exp

from amalgam_rel.errors import DataError, InputError, SchemaError
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey, Table

_SECTIONS = {"primary_keys": ("primary key", {"table", "columns"}),
             "foreign_keys": ("foreign key", {"table", "columns", "ref_table", "ref_columns"}),
             "checks": ("check", {"table", "check"}),
             # a column's semantic type, overriding detection (checked in relational.semantic_columns)
             "columns": ("column", {"table", "column", "type"})}


def read_sidecar(path: str | Path) -> dict[str, list[dict]]:
    """The sidecar's entries by section (``primary_keys``, ``foreign_keys``, ``checks``, ``columns``), each with its keys checked."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"sidecar file not found: {path}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"sidecar {path} is not valid TOML: {err}") from None
    wrong = sorted(set(doc) - set(_SECTIONS)) or sorted(k for k, v in doc.items() if not isinstance(v, list))
    if wrong:
        raise InputError(f"sidecar {path}: expected only [[primary_keys]], [[foreign_keys]], [[checks]] and [[columns]] "
                         f"entries, found {wrong}")
    for section, (what, keys) in _SECTIONS.items():
        for i, entry in enumerate(doc.get(section, []), 1):
            if set(entry) != keys:
                raise InputError(f"sidecar {path}: {what} #{i} needs exactly the keys {sorted(keys)}, got {sorted(entry)}")
    return {section: doc.get(section, []) for section in _SECTIONS}


def apply_sidecar(db: Database, path: str | Path, con: duckdb.DuckDBPyConnection | None) -> Database:
    """``db`` with the sidecar's logical FKs and CHECKs added, validated against ``con``'s data if given."""
    entries = read_sidecar(path)
    for i, entry in enumerate(entries["primary_keys"], 1):
        db = _with_primary_key(db, entry, i, path, con)
    fks = tuple(_foreign_key(db, entry, path) for entry in entries["foreign_keys"])
    checks: dict[str, tuple[exp.Expression, ...]] = {}
    for i, entry in enumerate(entries["checks"], 1):
        table, check = _check(db, entry, i, path)
        checks[table.key] = checks.get(table.key, ()) + (check,)
    if con is not None:
        for fk in fks:
            check_foreign_key_data(con, db, fk)
        for key, table_checks in checks.items():
            for check in table_checks:
                check_data(con, db.table(key), check, path)
    return db.with_foreign_keys(fks).with_logical_checks(checks)


def _with_primary_key(db: Database, entry: dict, i: int, path, con: duckdb.DuckDBPyConnection | None) -> Database:
    """``db`` with the entry's primary key on a table that declares none (its columns NOT NULL),
    checked against ``con``'s data when given; the table's own key, named again, changes nothing."""
    if not isinstance(entry["table"], str) or not db.has_table(entry["table"]):
        raise SchemaError(f"sidecar {path}: primary key #{i} names an unknown table {entry['table']!r}")
    table = db.table(entry["table"])
    names = _as_tuple(entry["columns"])
    if not names or not all(isinstance(c, str) and table.has_column(c) for c in names):
        raise SchemaError(f"sidecar {path}: primary key #{i}: table {table.key!r} has no columns {list(names)!r}")
    names = tuple(table.column(c).name for c in names)
    if table.primary_key:
        if table.primary_key == names:
            return db
        raise SchemaError(f"sidecar {path}: primary key #{i}: {table.key} declares PRIMARY KEY "
                          f"({', '.join(table.primary_key)}) already")
    if con is not None:
        check_unique_data(con, table, names, path)
    columns = tuple(replace(c, nullable=False) if c.name in names else c for c in table.columns)
    keyed = replace(table, columns=columns, primary_key=names)
    fks = tuple(replace(f, nullable=any(keyed.column(c).nullable for c in f.columns)) if f.table == table.key else f
                for f in db.foreign_keys)
    return replace(db, tables=tuple(keyed if t.key == table.key else t for t in db.tables), foreign_keys=fks)


def check_unique_data(con: duckdb.DuckDBPyConnection, table: Table, names: tuple[str, ...], path) -> None:
    """Raise :class:`DataError` when ``names`` hold a NULL or a repeated value in ``table``'s rows."""
    cols = [sql.column(c) for c in names]
    nulls = con.execute(sql.render(exp.select(exp.Count(this=exp.Star())).from_(_ref(table))
                                   .where(exp.or_(*(c.is_(exp.null()) for c in cols))))).fetchone()[0]
    repeated = con.execute(sql.render(
        exp.select(exp.Count(this=exp.Star())).from_(
            exp.select(*cols).from_(_ref(table)).group_by(*cols)
            .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1))).subquery("d")))).fetchone()[0]
    if nulls or repeated:
        raise DataError(f"sidecar {path}: primary key {table.key}({', '.join(names)}) does not hold in the data: "
                        f"{nulls} rows with a NULL, {repeated} repeated values")


def _check(db: Database, entry: dict, i: int, path) -> tuple[Table, exp.Expression]:
    """The entry's table and its CHECK, with each column spelled as the table spells it."""
    if not isinstance(entry["table"], str) or not db.has_table(entry["table"]):
        raise SchemaError(f"sidecar {path}: check #{i} names an unknown table {entry['table']!r}")
    table = db.table(entry["table"])
    if not isinstance(entry["check"], str):
        raise InputError(f"sidecar {path}: check #{i} must be a SQL expression in a string, got {entry['check']!r}")
    check = sql.parse_expression(entry["check"], where=f"sidecar {path}: check #{i} on {table.key}")
    if check.find(exp.Select, exp.AggFunc) is not None:
        raise SchemaError(f"sidecar {path}: check #{i} on {table.key} may only compare the row's own columns: {entry['check']!r}")
    columns = list(check.find_all(exp.Column))
    if not columns:
        raise SchemaError(f"sidecar {path}: check #{i} on {table.key} names no column: {entry['check']!r}")
    def own_name(column: exp.Column) -> str:
        if column.table or not table.has_column(column.name):
            raise SchemaError(f"sidecar {path}: check #{i}: table {table.key!r} has no column {column.sql()!r}")
        return table.column(column.name).name  # in any case, as DuckDB resolves it

    return table, check.transform(lambda n: sql.column(own_name(n)) if isinstance(n, exp.Column) else n)


def check_data(con: duckdb.DuckDBPyConnection, table: Table, check: exp.Expression, path) -> None:
    """Raise :class:`DataError` when rows of ``table`` break ``check`` (NULL passes, as in SQL)."""
    query = exp.select(exp.Count(this=exp.Star())).from_(_ref(table)).where(exp.not_(exp.paren(check.copy())))
    try:
        broken = con.execute(sql.render(query)).fetchone()[0]
    except duckdb.Error as err:
        raise SchemaError(f"sidecar {path}: CHECK ({sql.render(check)}) on {table.key} cannot be evaluated: "
                          f"{str(err).splitlines()[0]}") from None
    if broken:
        raise DataError(f"sidecar {path}: {broken} rows of {table.key} break CHECK ({sql.render(check)})")


def _as_tuple(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _foreign_key(db: Database, entry: dict, path) -> ForeignKey:
    """The entry's foreign key, its tables and columns named in any case and spelled as the catalog does."""
    spelled = []
    sides = ((entry["table"], _as_tuple(entry["columns"])), (entry["ref_table"], _as_tuple(entry["ref_columns"])))
    for t, cols in sides:
        if not isinstance(t, str) or not db.has_table(t):
            raise SchemaError(f"sidecar {path}: unknown table {t!r}")
        for c in cols:
            if not isinstance(c, str) or not db.table(t).has_column(c):
                raise SchemaError(f"sidecar {path}: table {t!r} has no column {c!r}")
        spelled.append((db.table(t).key, tuple(db.table(t).column(c).name for c in cols)))
    (table, columns), (ref_table, ref_columns) = spelled
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
