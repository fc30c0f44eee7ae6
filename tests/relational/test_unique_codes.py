"""A UNIQUE column of codes gets fresh codes in the real format, like a key (not language-model text)."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pytest

from .conftest import create, fit

DDL = """
CREATE TABLE product (id INTEGER PRIMARY KEY, sku VARCHAR NOT NULL UNIQUE, contact VARCHAR UNIQUE,
                      price DECIMAL(8,2) NOT NULL);
"""


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 400
    path = create(tmp_path_factory.mktemp("codes") / "real.duckdb", DDL, {"product": {
        "id": np.arange(n),
        # sequential codes: a model trained on them writes them again, and every one is a copy
        "sku": [f"SKU-{i:06d}" for i in range(1, n + 1)],
        "contact": [f"buyer{i}@shop{i % 7}.example" for i in range(n)],
        "price": np.round(rng.uniform(1, 300, n), 2),
    }})
    model = fit(path)
    out = tmp_path_factory.mktemp("codes") / "synth.duckdb"
    model.sample(out)
    return model, out


def test_unique_codes_are_generated_unique_in_the_real_format(products):
    model, out = products
    ft = model.tables_["product"]
    assert "sku" in ft.keys and "sku" not in ft.text_columns
    skus = [r[0] for r in duckdb.connect(str(out), read_only=True).execute("SELECT sku FROM product").fetchall()]
    assert len(skus) == 400 and len(set(skus)) == 400
    assert all(re.fullmatch(r"SKU-000[0-4][0-9]{2}", s) for s in skus)


def test_unique_e_mail_addresses_stay_with_the_language_model(products):
    model, _ = products
    ft = model.tables_["product"]
    assert "contact" not in ft.keys and "contact" in ft.text_columns
