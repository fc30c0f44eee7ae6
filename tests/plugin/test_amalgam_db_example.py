"""The README's example of the pytest plugin (amalgam_rel/pytest_plugin.py), run by the suite.

``amalgam_db`` comes from the plugin (registered by the ``pytest11`` entry point once amalgam-rel
is installed; tests/conftest.py names it too, so this checkout's copy is the one used). The
source is fitted once and kept in pytest's cache; every later session only loads it.
"""

from __future__ import annotations

import json

import pytest

CHINOOK = "examples/chinook.duckdb"
FIT = {"seed": 0}  # Synthesizer parameters of the one fit; part of the cache key


def test_every_invoice_belongs_to_a_customer(amalgam_db):
    con = amalgam_db(CHINOOK, fit=FIT, scale=0.01)  # a fresh in-memory DuckDB database, seeded by this test's id
    orphans = con.sql('SELECT count(*) FROM "Invoice" i ANTI JOIN "Customer" c USING ("CustomerId")').fetchone()[0]
    assert con.sql('SELECT count(*) FROM "Invoice"').fetchone()[0] > 0
    assert orphans == 0


def test_rows_fix_a_table_and_a_seed_fixes_the_database(amalgam_db):
    first = amalgam_db(CHINOOK, fit=FIT, scale=0.01, rows={"Customer": 3}, seed=7)
    again = amalgam_db(CHINOOK, fit=FIT, scale=0.01, rows={"Customer": 3}, seed=7)
    other = amalgam_db(CHINOOK, fit=FIT, scale=0.01, rows={"Customer": 3})  # the test's second derived seed
    query = 'SELECT * FROM "Customer" ORDER BY ALL'
    assert len(first.sql(query).fetchall()) == 3
    assert first.sql(query).fetchall() == again.sql(query).fetchall()
    assert first.sql(query).fetchall() != other.sql(query).fetchall()


def test_fixtures_in_the_formats_other_test_suites_load(amalgam_db, tmp_path):
    sample = amalgam_db(CHINOOK, fit=FIT, scale=0.01, rows={"Customer": 2}, out="jsonl:{tmp}/fixture")
    customers = [json.loads(line) for line in (tmp_path / "fixture" / "Customer.jsonl").read_text().splitlines()]
    assert len(customers) == sample.rows["Customer"] == 2
    amalgam_db(CHINOOK, fit=FIT, scale=0.01, rows={"Customer": 2}, out="{tmp}/fixture.sql")
    assert "CREATE TABLE" in (tmp_path / "fixture.sql").read_text()


def test_a_missing_model_fails_the_test_in_one_line(amalgam_db):
    with pytest.raises(pytest.fail.Exception, match=r"^amalgam_db: .*no-such-model is neither a saved model"):
        amalgam_db("no-such-model")
