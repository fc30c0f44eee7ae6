"""Generated columns (``GENERATED ALWAYS AS``) are declared in the output and computed by DuckDB;
views are recreated over the synthetic tables."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.schema.duckdb_reader import read_duckdb

from ..relational.conftest import synthesized

DDL = """
CREATE TABLE item (id INTEGER PRIMARY KEY, price DECIMAL(8,2) NOT NULL, qty INTEGER NOT NULL,
                   total DECIMAL(12,2) GENERATED ALWAYS AS (price * qty), CHECK (qty > 0));
CREATE TABLE sale (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item(id), units INTEGER NOT NULL);
CREATE VIEW big_items AS SELECT id, total FROM item WHERE qty > 4;
CREATE VIEW big_sales AS SELECT s.id, s.units * b.total AS amount FROM sale s JOIN big_items b ON b.id = s.item_id;
"""


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 300
    return synthesized(tmp_path_factory.mktemp("generated"), DDL, {
        "item": {"id": np.arange(n), "price": np.round(rng.uniform(1, 50, n), 2), "qty": rng.integers(1, 9, n)},
        "sale": {"id": np.arange(2 * n), "item_id": rng.integers(0, n, 2 * n), "units": rng.integers(1, 4, 2 * n)},
    })


def test_the_reader_marks_the_generated_column_and_the_stages_never_see_it(items):
    path, model, _ = items
    column = read_duckdb(path).table("item").column("total")
    assert column.generated is not None and column.default is None
    assert "total" not in model.db.table("item").column_names
    assert model.output_schema.table("item").column("total").generated == column.generated


def test_the_output_declares_it_and_duckdb_computes_it(items):
    _, _, out = items
    con = duckdb.connect(str(out), read_only=True)
    assert "GENERATED ALWAYS AS" in con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'item'").fetchone()[0]
    rows = con.execute("SELECT price, qty, total FROM item").fetchall()
    assert len(rows) > 0 and all(t == p * q for p, q, t in rows)


def test_a_saved_model_keeps_it(items, tmp_path):
    _, model, _ = items
    model.save(tmp_path / "model")
    loaded = DatabaseModel.load(tmp_path / "model")
    loaded.sample(tmp_path / "again.duckdb")
    con = duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM item WHERE total = price * qty").fetchone()[0] == \
        con.execute("SELECT count(*) FROM item").fetchone()[0] > 0


def test_views_are_recreated_over_the_synthetic_rows(items, tmp_path):
    path, model, out = items
    assert [v.name for v in read_duckdb(path).views] == ["big_items", "big_sales"]
    con = duckdb.connect(str(out), read_only=True)
    names = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_oid").fetchall()]
    assert names == ["big_items", "big_sales"]
    assert con.execute("SELECT count(*) FROM big_items").fetchone()[0] == \
        con.execute("SELECT count(*) FROM item WHERE qty > 4").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM big_sales").fetchone()[0] > 0
