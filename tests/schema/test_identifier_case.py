"""Names match in any case, as DuckDB matches them, and every stage sees the catalog's spelling.

DuckDB accepts ``REFERENCES customer(customerid)`` for a table ``Customer`` with a column
``CustomerId`` (and cannot hold two names that differ only by case), so amalgam-rel must too.
"""

import subprocess
import sys

import duckdb
import pytest
from sqlglot import exp

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.ddl_reader import read_ddl
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.sidecar import apply_sidecar

DDL = """
CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, Name VARCHAR, Kind VARCHAR CHECK (KIND <> 'x'));
CREATE TABLE Orders (id INTEGER PRIMARY KEY, Cust INTEGER, FOREIGN KEY (CUST) REFERENCES customer(customerid));
CREATE TABLE Note (id INTEGER PRIMARY KEY, order_id INTEGER, body VARCHAR);
"""


@pytest.fixture
def mixed_case_db(tmp_path):
    path = tmp_path / "mixed.duckdb"
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.execute("INSERT INTO Customer VALUES (1, 'a', 'p'), (2, 'b', 'q'), (3, 'c', 'p')")
    con.execute("INSERT INTO Orders SELECT i, 1 + i % 3 FROM range(1, 13) t(i)")
    con.execute("INSERT INTO Note SELECT i, 1 + i % 12, 'n' FROM range(1, 7) t(i)")
    con.close()
    return path


def assert_catalog_spelling(db):
    (fk,) = db.foreign_keys
    assert (fk.table, fk.columns, fk.ref_table, fk.ref_columns) == ("Orders", ("Cust",), "Customer", ("CustomerId",))
    (check,) = db.table("Customer").checks
    assert {c.name for c in check.find_all(exp.Column)} == {"Kind"}


def test_a_duckdb_foreign_key_in_another_case_is_read_in_the_catalogs_spelling(mixed_case_db):
    con = duckdb.connect(str(mixed_case_db), read_only=True)
    try:
        assert_catalog_spelling(read_duckdb(con))
    finally:
        con.close()


def test_a_ddl_foreign_key_in_another_case_is_read_in_the_catalogs_spelling(tmp_path):
    path = tmp_path / "mixed.sql"
    path.write_text(DDL)
    assert_catalog_spelling(read_ddl(path))


def test_lookups_match_in_any_case_and_return_the_catalogs_spelling(mixed_case_db):
    con = duckdb.connect(str(mixed_case_db), read_only=True)
    db = read_duckdb(con)
    con.close()
    assert db.has_table("customer") and db.table("CUSTOMER").key == "Customer"
    assert db.table("customer").column("customerid").name == "CustomerId"
    assert not db.has_table("custom") and not db.table("Orders").has_column("cus")
    with pytest.raises(SchemaError, match="no table 'custom'"):
        db.table("custom")


def test_a_sidecar_names_tables_and_columns_in_any_case(mixed_case_db, tmp_path):
    sidecar = tmp_path / "s.toml"
    sidecar.write_text('[[foreign_keys]]\ntable = "NOTE"\ncolumns = "ORDER_ID"\nref_table = "orders"\nref_columns = "ID"\n'
                       '[[checks]]\ntable = "note"\ncheck = "BODY <> \'\'"\n')
    con = duckdb.connect(str(mixed_case_db), read_only=True)
    try:
        db = apply_sidecar(read_duckdb(con), sidecar, con)
    finally:
        con.close()
    logical = next(fk for fk in db.foreign_keys if fk.kind == "logical")
    assert (logical.table, logical.columns, logical.ref_table, logical.ref_columns) == ("Note", ("order_id",), "Orders", ("id",))
    assert [c.sql() for c in db.table("Note").logical_checks] == ['"body" <> \'\'']


def cli(*args):
    return subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)


def test_every_command_accepts_the_mixed_case_schema(mixed_case_db, tmp_path):
    ddl = tmp_path / "mixed.sql"
    ddl.write_text(DDL)
    for source in (mixed_case_db, ddl):
        done = cli("inspect", source)
        assert done.returncode == 0, done.stderr
        assert "Orders(Cust)" in done.stdout and "Customer(CustomerId)" in done.stdout
    out = tmp_path / "out.duckdb"
    done = cli("synth", mixed_case_db, "-o", out, "--rows", "ORDERS=5", "--text-steps", "5")
    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(out), read_only=True)
    try:
        assert con.execute('SELECT count(*) FROM "Orders"').fetchone()[0] == 5
    finally:
        con.close()
    twice = cli("synth", mixed_case_db, "-o", tmp_path / "o2.duckdb", "--rows", "orders=5", "--rows", "Orders=6")
    assert twice.returncode == 2 and "--rows names the table 'Orders' twice" in twice.stderr
