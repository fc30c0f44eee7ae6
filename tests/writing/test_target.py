"""The writer into an open connection: the same DDL and rows as a file gets, in one transaction,
replacing what the connection holds under the schema's names only with force."""

import duckdb
import pytest

from amalgam_rel.errors import OutputError
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.writing.copy import copy_database
from tests.conftest import constraint_set


def catalog(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
        "WHERE NOT internal AND database_name = current_database() ORDER BY ALL").fetchall()


@pytest.mark.parametrize("fixture", ["all_types_db", "hostile_db"])
def test_a_connection_gets_the_files_ddl_and_rows_and_is_replaced_only_with_force(request, fixture):
    source = request.getfixturevalue(fixture)
    real = open_duckdb(source)
    db = read_duckdb(real)
    into = duckdb.connect()
    into.execute('CREATE SCHEMA IF NOT EXISTS other; CREATE TABLE "keep me" (x INTEGER)')  # schemas may exist
    rows = copy_database(db, real, into)
    assert catalog(into) == sorted(catalog(real) + [("main", "keep me", "x", "INTEGER", True, None)])
    assert constraint_set(into) == constraint_set(real)
    with pytest.raises(OutputError, match=r"the connection already has (view|table|sequence|type) .* \(pass force=True"):
        copy_database(db, real, into)
    # with force, every table, view, sequence and ENUM type of the schema is dropped and written again
    assert copy_database(db, real, into, force=True) == rows
    assert catalog(into) == sorted(catalog(real) + [("main", "keep me", "x", "INTEGER", True, None)])
    for table in db.tables:
        name = f'"{table.schema}"."{table.name.replace(chr(34), chr(34) * 2)}"'
        assert into.execute(f"SELECT count(*) FROM {name}").fetchone() == (rows[table.key],)
    real.close()


def test_a_failure_rolls_the_whole_write_back(all_types_db):
    real = open_duckdb(all_types_db)
    db = read_duckdb(real)
    into = duckdb.connect()
    into.execute("CREATE TABLE mine (x INTEGER)")
    # a user's table that references one of the schema's: it cannot be dropped, so nothing changes
    first = next(t for t in db.tables if t.schema == "main")
    into.execute(f'CREATE TABLE "{first.name}" (id INTEGER PRIMARY KEY)')
    into.execute(f'CREATE TABLE pointer (id INTEGER REFERENCES "{first.name}" (id))')
    before = catalog(into)
    with pytest.raises(OutputError, match=f"cannot replace table '{first.name}' in the connection"):
        copy_database(db, real, into, force=True)
    assert catalog(into) == before
    real.close()
