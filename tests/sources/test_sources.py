"""Every kind of source reads back as the DuckDB file it was loaded from: tables, columns, keys,
foreign keys and row counts (issue 25, part 1). The servers' tests skip when no server answers
(and fail with CI=true)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from amalgam_rel.errors import InputError, LocationError
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.load import load_schema
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.sources import open_source

from .conftest import EXAMPLE


def comparable(db: Database, *, lengths: bool = True) -> tuple:
    """Tables (by name, in name order) and foreign keys (as a set): what two readers must agree on.
    ``lengths=False`` drops VARCHAR lengths (MySQL needs one where the DuckDB file has none)."""
    def column(c):
        return replace(c, type=replace(c.type, length=None)) if not lengths and c.type.length is not None else c

    tables = tuple(sorted((replace(t, columns=tuple(column(c) for c in t.columns)) for t in db.tables),
                          key=lambda t: t.name))
    return tables, frozenset(db.foreign_keys)


@pytest.fixture(scope="module")
def expected() -> tuple:
    return comparable(read_duckdb(EXAMPLE))


def test_postgres_reads_back_as_the_duckdb_file(pg_chinook, expected):
    url, schema = pg_chinook
    assert comparable(load_schema(url, schema=schema)) == expected


def test_mysql_reads_back_as_the_duckdb_file(mysql_chinook, expected):
    assert comparable(load_schema(mysql_chinook), lengths=False) == expected


def test_sqlite_reads_back_as_the_duckdb_file(sqlite_chinook, expected):
    assert comparable(load_schema(f"sqlite:{sqlite_chinook}")) == expected
    assert comparable(load_schema(sqlite_chinook)) == expected  # recognised by its header


@pytest.mark.parametrize("kind", ["parquet", "csv", "jsonl"])
def test_a_folder_reads_one_table_per_file_with_no_keys(folders, kind):
    db = load_schema(f"{kind}:{folders[kind]}")
    real = read_duckdb(EXAMPLE)
    assert sorted(db.table_names) == sorted(real.table_names)
    for t in real.tables:
        read = db.table(t.name)
        assert read.row_count == t.row_count and read.column_names == t.column_names
        assert not read.primary_key and not read.unique and all(c.nullable for c in read.columns)
    assert db.foreign_keys == ()
    with open_source(f"{kind}:{folders[kind]}") as src:  # the rows, through the views
        assert src.con.execute('SELECT sum("Milliseconds") FROM "Track"').fetchone() == (1_378_778_040,)


def test_rows_read_through_a_server_view_are_the_files(pg_chinook):
    url, schema = pg_chinook
    query = 'SELECT * FROM "InvoiceLine" ORDER BY "InvoiceLineId"'
    with open_source(url, schema=schema) as src, open_source(EXAMPLE) as real:
        assert src.con.execute(query).fetchall() == real.con.execute(query).fetchall()


@pytest.mark.parametrize("text, message", [
    ("parquet:/nonexistent/folder", "parquet folder not found: /nonexistent/folder"),
    ("sqlite:/nonexistent/x.db", "SQLite file not found: /nonexistent/x.db"),
    ("postgresql://u:s3cret@127.0.0.1:1/db", "cannot open postgresql://u:***@127.0.0.1:1/db: "),
    ("mysql://u:s3cret@127.0.0.1:1/db", "cannot open mysql://u:***@127.0.0.1:1/db: "),
])
def test_a_source_that_cannot_be_opened_is_one_line_without_its_password(text, message):
    with pytest.raises(InputError) as info:
        open_source(text)
    shown = str(info.value)
    assert shown.startswith(message) and "s3cret" not in shown and "\n" not in shown


def test_a_ddl_file_is_no_source_of_rows(tmp_path):
    ddl = tmp_path / "t.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);")
    with pytest.raises(InputError, match="is a DDL file: it has no rows to learn from"):
        open_source(ddl)


def test_schema_applies_to_servers_only():
    with pytest.raises(LocationError, match="--schema applies to PostgreSQL and MySQL locations"):
        open_source(EXAMPLE, schema="public")


def test_a_server_table_is_read_in_key_order_whatever_its_physical_order(pg_chinook):
    """An UPDATE moves rows to the end of PostgreSQL's heap; the rows still arrive in key order,
    so the same server and seed give the same synthetic database."""
    from .servers import server_execute

    url, schema = pg_chinook
    server_execute("postgres", url, f'UPDATE {schema}."Genre" SET "Name" = "Name" WHERE "GenreId" <= 5')
    with open_source(url, schema=schema) as src:
        heap = src.con.execute(f"SELECT * FROM postgres_query('amalgam_source', "
                               f"'SELECT \"GenreId\" FROM {schema}.\"Genre\"')").fetchall()
        read = src.con.execute('SELECT "GenreId" FROM "Genre"').fetchall()
    assert heap != sorted(heap) and read == sorted(read)
