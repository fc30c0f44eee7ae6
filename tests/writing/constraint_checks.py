"""What the tests of targets count on the target itself: rows breaking each constraint (by SQL in
the target's dialect, so the target's own engine does the counting), the constraints its catalog
declares, and whether the rows equal the DuckDB database they were copied from."""

from __future__ import annotations

import duckdb
from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.writing.copy import copy_database
from amalgam_rel.writing.spelling import table_ref, target_table_name


def copied(source, output, **options):
    """``(schema, result)`` of copying DuckDB file ``source`` to target ``output`` through the writer."""
    con = open_duckdb(source)
    try:
        db = read_duckdb(con)
        return db, copy_database(db, con, output, **options)
    finally:
        con.close()


def _ref(table: Table, schema: str | None, alias: str) -> exp.Table:
    ref = table_ref(target_table_name(table), schema)
    ref.set("alias", exp.TableAlias(this=sql.ident(alias)))
    return ref


def _col(name: str, alias: str) -> exp.Column:
    return exp.column(sql.ident(name), table=sql.ident(alias))


def _count(table: Table, schema, where: exp.Expression) -> exp.Select:
    return exp.select(exp.Count(this=exp.Star())).from_(_ref(table, schema, "t")).where(where)


def violation_queries(db: Database, dialect: str, schema: str | None) -> dict[str, str]:
    """``label -> SELECT count(*)`` of the rows breaking it, for every PK, UNIQUE, NOT NULL, CHECK and FK."""
    queries = {}
    for table in db.tables:
        for cols in table.unique_sets():
            grouped = (exp.select(*(_col(c, "t") for c in cols)).from_(_ref(table, schema, "t"))
                       .where(exp.and_(*(exp.Not(this=exp.Is(this=_col(c, "t"), expression=exp.Null())) for c in cols)))
                       .group_by(*(_col(c, "t") for c in cols))
                       .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1))))
            queries[f"key {table.key}({', '.join(cols)})"] = exp.select(exp.Count(this=exp.Star())).from_(
                grouped.subquery("d")).sql(dialect)
        for column in table.columns:
            if not column.nullable:
                queries[f"NOT NULL {table.key}.{column.name}"] = _count(
                    table, schema, exp.Is(this=_col(column.name, "t"), expression=exp.Null())).sql(dialect)
        for i, check in enumerate(table.checks):
            queries[f"CHECK {i} of {table.key}"] = _count(table, schema, exp.Not(this=exp.paren(_qualified(check)))).sql(dialect)
    for fk in db.foreign_keys:
        child, parent = db.table(fk.table), db.table(fk.ref_table)
        match = exp.and_(*(exp.EQ(this=_col(p, "p"), expression=_col(c, "t")) for c, p in zip(fk.columns, fk.ref_columns)))
        present = exp.and_(*(exp.Not(this=exp.Is(this=_col(c, "t"), expression=exp.Null())) for c in fk.columns))
        orphan = exp.Not(this=exp.Exists(this=exp.select("1").from_(_ref(parent, schema, "p")).where(match)))
        queries[f"FK {fk.label}"] = _count(child, schema, exp.and_(present, orphan)).sql(dialect)
    return queries


def _qualified(check: exp.Expression) -> exp.Expression:
    check = check.copy()
    for column in check.find_all(exp.Column):
        column.set("table", sql.ident("t"))
    return check


def violations(run_count, db: Database, dialect: str, schema: str | None) -> dict[str, int]:
    """Rows breaking each constraint, counted by ``run_count(query) -> int`` on the target; only the
    nonzero ones (so a passing test compares with ``{}``)."""
    counts = {label: run_count(query) for label, query in violation_queries(db, dialect, schema).items()}
    return {label: n for label, n in counts.items() if n}


def expected_constraints(db: Database) -> dict[str, int]:
    return {"PRIMARY KEY": sum(1 for t in db.tables if t.primary_key),
            "UNIQUE": sum(len(t.unique) for t in db.tables),
            "FOREIGN KEY": sum(1 for fk in db.foreign_keys if fk.kind == "declared"),
            "CHECK": sum(len(t.checks) for t in db.tables),
            "NOT NULL": sum(1 for t in db.tables for c in t.columns if not c.nullable)}


def rows_differ(con: duckdb.DuckDBPyConnection, left: str, right: str, db: Database, schema: str | None) -> dict[str, int]:
    """Rows of each table in one attached database and not the other (``EXCEPT ALL`` both ways),
    every value compared as text (the target's types read back differently from DuckDB's)."""
    differ = {}
    for table in db.tables:
        def side(catalog: str, table_schema: str | None, name: str) -> str:
            # a DECIMAL through DOUBLE: SQLite keeps it as a REAL, which reads back as 0.0 for 0.00
            cols = ", ".join(f"CAST({'CAST(' if c.type.kind.value == 'decimal' else ''}{sql.ident(c.name).sql('duckdb')}"
                             f"{' AS DOUBLE)' if c.type.kind.value == 'decimal' else ''} AS VARCHAR)" for c in table.columns)
            ref = exp.Table(this=sql.ident(name), db=sql.ident(table_schema) if table_schema else None,
                            catalog=sql.ident(catalog)).sql("duckdb")
            return f"SELECT {cols} FROM {ref}"
        a = side(left, table.schema, table.name)
        b = side(right, schema, target_table_name(table))
        n = con.execute(f"SELECT (SELECT count(*) FROM ({a} EXCEPT ALL {b})) + "
                        f"(SELECT count(*) FROM ({b} EXCEPT ALL {a}))").fetchone()[0]
        if n:
            differ[table.key] = n
    return differ
