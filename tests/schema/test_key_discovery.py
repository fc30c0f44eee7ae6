"""Keys found in the data (issue 25, part 2): candidates shown, written as a sidecar, used only
when that sidecar is passed, and checked against the data there."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from amalgam_rel.connection import connect
from amalgam_rel.errors import DataError, SchemaError
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.key_discovery import sidecar_toml, suggest_keys
from amalgam_rel.schema.load import load_schema
from amalgam_rel.schema.sidecar import apply_sidecar

TPCH_LIKE = """
CREATE TABLE nation AS SELECT range AS n_nationkey, 'nation ' || range AS n_name FROM range(25);
CREATE TABLE customer AS SELECT range + 1 AS c_custkey, range % 25 AS c_nationkey, range % 7 AS c_segment
    FROM range(300);
CREATE TABLE orders AS SELECT range + 1 AS o_orderkey, range % 300 + 1 AS o_custkey, range % 5 AS o_priority
    FROM range(900);
CREATE TABLE lineitem AS SELECT range // 3 + 1 AS l_orderkey, range % 3 + 1 AS l_linenumber, range % 50 AS l_quantity
    FROM range(2700);
CREATE TABLE note AS SELECT range AS id, 'x' AS body, range % 900 + 1 AS order_ref FROM range(10);
"""


@pytest.fixture
def tpch_like(tmp_path):
    path = tmp_path / "t.duckdb"
    con = connect(path)
    con.execute(TPCH_LIKE)
    con.close()
    return path


def test_keys_of_an_undeclared_schema_are_found_by_data_and_name(tpch_like):
    con = connect(tpch_like, read_only=True)
    try:
        found = suggest_keys(con, read_duckdb(con))
    finally:
        con.close()
    assert {k.table: k.columns for k in found.primary_keys} == {
        "nation": ("n_nationkey",), "customer": ("c_custkey",), "orders": ("o_orderkey",),
        "lineitem": ("l_orderkey", "l_linenumber"), "note": ("id",)}
    # l_quantity (0..49) is included in n_nationkey's values too, and c_segment in many keys:
    # only agreeing names make a reference; note.order_ref names no table
    assert sorted(fk.label for fk in found.foreign_keys) == [
        "customer(c_nationkey) -> nation(n_nationkey)", "lineitem(l_orderkey) -> orders(o_orderkey)",
        "orders(o_custkey) -> customer(c_custkey)"]
    assert all(fk.kind == "logical" for fk in found.foreign_keys)


def test_a_declared_key_is_not_suggested_again(example_db):
    con = connect(example_db, read_only=True)
    try:
        assert suggest_keys(con, read_duckdb(con)).empty
    finally:
        con.close()


def test_suggested_keys_are_a_sidecar_used_only_when_passed(tpch_like, tmp_path):
    done = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "inspect", str(tpch_like), "--suggest-keys"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    doc = tomllib.loads(done.stdout)
    assert len(doc["primary_keys"]) == 5 and len(doc["foreign_keys"]) == 3
    keys = tmp_path / "keys.toml"
    keys.write_text(done.stdout)
    assert load_schema(tpch_like).foreign_keys == ()  # nothing without the sidecar
    db = load_schema(tpch_like, sidecar=keys)
    assert db.table("lineitem").primary_key == ("l_orderkey", "l_linenumber")
    assert not db.table("lineitem").column("l_orderkey").nullable
    assert {fk.label for fk in db.foreign_keys} == {"customer(c_nationkey) -> nation(n_nationkey)",
                                                    "lineitem(l_orderkey) -> orders(o_orderkey)",
                                                    "orders(o_custkey) -> customer(c_custkey)"}
    shown = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "inspect", str(tpch_like)],
                           capture_output=True, text=True)
    assert "primary key lineitem(l_orderkey, l_linenumber)" in shown.stdout
    assert "foreign key orders(o_custkey) -> customer(c_custkey)" in shown.stdout


def test_a_sidecar_primary_key_is_checked_against_the_data(tpch_like, tmp_path):
    con = connect(tpch_like, read_only=True)
    try:
        db = read_duckdb(con)
        keys = tmp_path / "keys.toml"
        keys.write_text('[[primary_keys]]\ntable = "orders"\ncolumns = ["o_custkey"]\n')
        with pytest.raises(DataError, match=r"primary key orders\(o_custkey\) does not hold in the data: "
                                            r"0 rows with a NULL, 300 repeated values"):
            apply_sidecar(db, keys, con)
        keys.write_text('[[primary_keys]]\ntable = "orders"\ncolumns = ["nope"]\n')
        with pytest.raises(SchemaError, match="primary key #1: table 'orders' has no columns"):
            apply_sidecar(db, keys, con)
    finally:
        con.close()


def test_the_sidecar_text_reads_back_whatever_the_names(tmp_path):
    con = connect()
    con.execute('CREATE TABLE "we""ird" AS SELECT range AS "Id\\\\x" FROM range(3)')
    found = suggest_keys(con, read_duckdb(con))
    doc = tomllib.loads(sidecar_toml(found, 'db "one"'))
    assert doc["primary_keys"] == [{"table": 'we"ird', "columns": ["Id\\\\x"]}]
