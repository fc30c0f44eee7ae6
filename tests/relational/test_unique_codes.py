"""A UNIQUE column of codes gets fresh codes in the real format, like a key (not language-model text)."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pytest

from .conftest import synthesized

DDL = """
CREATE TABLE product (id INTEGER PRIMARY KEY, sku VARCHAR NOT NULL UNIQUE, contact VARCHAR UNIQUE,
                      barcode VARCHAR UNIQUE, price DECIMAL(8,2) NOT NULL);
"""


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 400
    _, model, out = synthesized(tmp_path_factory.mktemp("codes"), DDL, {"product": {
        "id": np.arange(n),
        # sequential codes: a model trained on them writes them again, and every one is a copy
        "sku": [f"SKU-{i:06d}" for i in range(1, n + 1)],
        "contact": [f"buyer{i}@shop{i % 7}.example" for i in range(n)],
        "barcode": [None if i % 10 == 0 else f"B{i:05d}" for i in range(n)],
        "price": np.round(rng.uniform(1, 300, n), 2),
    }})
    return model, out


def test_unique_codes_are_generated_unique_in_the_real_format(products):
    model, out = products
    ft = model.tables_["product"]
    assert "sku" in ft.keys and "sku" not in ft.text_columns
    skus = [r[0] for r in duckdb.connect(str(out), read_only=True).execute("SELECT sku FROM product").fetchall()]
    assert len(skus) == 400 and len(set(skus)) == 400
    assert all(re.fullmatch(r"SKU-000[0-4][0-9]{2}", s) for s in skus)


def test_unique_e_mail_addresses_are_not_codes(products):
    """They go to the semantic generator (amalgam_rel.relational.semantic_columns), unique there."""
    model, out = products
    ft = model.tables_["product"]
    assert "contact" not in ft.keys and "contact" not in ft.text_columns and "contact" in ft.semantic.names
    mails = [r[0] for r in duckdb.connect(str(out), read_only=True).execute("SELECT contact FROM product").fetchall()]
    mails = [m for m in mails if m is not None]
    assert len(set(mails)) == len(mails) > 300 and all("@" in m for m in mails)


def test_a_nullable_code_column_keeps_its_share_of_nulls(products):
    model, out = products
    assert "barcode" in model.tables_["product"].keys
    con = duckdb.connect(str(out), read_only=True)
    rows, present, distinct = con.execute("SELECT count(*), count(barcode), count(DISTINCT barcode) FROM product").fetchone()
    assert rows == 400 and present == distinct == 360


def test_a_saved_model_generates_the_same_codes(products, tmp_path):
    from amalgam_rel.pipeline.database_model import DatabaseModel

    model, out = products
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "again.duckdb")
    q = "SELECT sku, barcode FROM product ORDER BY id"
    assert duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True).execute(q).fetchall() == \
        duckdb.connect(str(out), read_only=True).execute(q).fetchall()
