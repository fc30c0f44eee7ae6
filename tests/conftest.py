"""Shared fixtures: the project's own small databases, and the optional shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

# the plugin's fixture amalgam_db (tests/plugin/; its entry point has the same name, so it is registered
# once), and pytester, which runs a pytest session inside a test
pytest_plugins = ("amalgam_rel.pytest_plugin", "pytester")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE = ROOT / "examples" / "chinook.duckdb"
DATASETS = ROOT.parent / "shared" / "datasets"
DATASET_NAMES = ["chinook", "northwind", "berka", "openflights", "world", "movielens_small", "mutagenesis", "imdb_ctu"]


def build_database(path: Path, *sql_files: str) -> Path:
    """Create a DuckDB file by running fixture SQL scripts (plain DuckDB, not our readers)."""
    con = duckdb.connect(str(path))
    for name in sql_files:
        con.execute((FIXTURES / name).read_text(encoding="utf-8"))
    con.close()
    return path


@pytest.fixture(scope="session")
def all_types_db(tmp_path_factory) -> Path:
    """Every supported type (nested ones too) and every key shape, with a few rows."""
    return build_database(tmp_path_factory.mktemp("fixtures") / "all_types.duckdb", "all_types.sql")


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory) -> Path:
    """Identifiers with spaces, quotes, mixed case, reserved words, unicode and SQL injection."""
    return build_database(tmp_path_factory.mktemp("fixtures") / "hostile.duckdb", "hostile.sql")


@pytest.fixture(scope="session")
def example_db() -> Path:
    return EXAMPLE


def dataset_path(name: str) -> Path:
    path = DATASETS / f"{name}.duckdb"
    if not path.exists():
        reason = f"../shared/datasets/{name}.duckdb is absent (only the project's CI and dev machines have it)"
        if os.environ.get("CI") == "true":  # CI has the datasets: a missing one is a broken checkout, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def dataset():
    """``dataset(name)``: the path of a shared development database, or a skip with the reason."""
    return dataset_path


def constraint_set(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """``duckdb_constraints()`` without the parts that differ between equal databases (oids, index
    numbers, DuckDB's spelling of an expression), CHECKs normalised through sqlglot."""
    from amalgam_rel.schema.sql import parse_expression, render

    rows = con.execute(
        "SELECT schema_name, table_name, constraint_type, constraint_column_names, expression, referenced_table,"
        " referenced_column_names FROM duckdb_constraints() WHERE database_name = current_database()"
    ).fetchall()
    out = []
    for schema, table, kind, cols, expression, ref, ref_cols in rows:
        if expression is not None:
            expression = render(parse_expression(expression, where="test"))
        out.append((schema, table, kind, tuple(cols), expression, ref, tuple(ref_cols or ())))
    return sorted(out, key=repr)


def rows_differ(a: Path, b: Path, tables) -> dict[str, int]:
    """Rows in one database and not the other (multiset difference both ways), per table."""
    from sqlglot import exp

    from amalgam_rel.schema import sql

    con = duckdb.connect()
    for alias, path in (("a", a), ("b", b)):
        con.execute(f"ATTACH {exp.Literal.string(str(path)).sql('duckdb')} AS {alias} (READ_ONLY)")
    diffs = {}
    for t in tables:
        n = 0
        for x, y in (("a", "b"), ("b", "a")):
            left = exp.select("*").from_(exp.Table(this=sql.ident(t.name), db=sql.ident(t.schema), catalog=sql.ident(x)))
            right = exp.select("*").from_(exp.Table(this=sql.ident(t.name), db=sql.ident(t.schema), catalog=sql.ident(y)))
            query = exp.select(exp.Count(this=exp.Star())).from_(exp.Except(this=left, expression=right, distinct=False).subquery("d"))
            n += con.execute(sql.render(query)).fetchone()[0]
        diffs[t.key] = n
    con.close()
    return diffs


@pytest.fixture(scope="session")
def roundtrip():
    """Copy a database through the writer; return (source model, copy model, row differences, constraints equal)."""
    from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
    from amalgam_rel.writing.copy import copy_database

    def run(source: Path, out: Path):
        con = open_duckdb(source)
        db = read_duckdb(con)
        copy_database(db, con, out, source=source)
        copy = duckdb.connect(str(out), read_only=True)
        same_constraints = constraint_set(con) == constraint_set(copy)
        copied = read_duckdb(copy)
        con.close()
        copy.close()
        return db, copied, rows_differ(source, out, db.tables), same_constraints

    return run
