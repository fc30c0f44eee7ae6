"""Real tables from ../shared/datasets (skipped where the datasets are absent)."""

from __future__ import annotations


import numpy as np
import pytest

from amalgam_rel.models.table_model import TableModel
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb

pytestmark = pytest.mark.datasets


def _table(path, table_name: str):
    db = read_duckdb(path)
    table = db.table(table_name)
    keys = set(table.primary_key)
    for fk in db.foreign_keys_of(table.key):
        keys |= set(fk.columns)
    con = open_duckdb(path)
    try:
        data = con.sql(f'SELECT * FROM "{table_name}"').to_arrow_table()
    finally:
        con.close()
    return data, table, tuple(keys)


@pytest.mark.parametrize("db_name,table_name", [("berka", "loan"), ("world", "country"), ("northwind", "orders")])
def test_real_table_round_trip(db_name, table_name, dataset):
    data, table, keys = _table(dataset(db_name), table_name)
    model = TableModel().fit(data, table, exclude=keys)
    out = model.sample(data.num_rows, seed=0)
    assert model.columns_ and set(model.columns_).isdisjoint(keys)
    for name in model.columns_:
        assert out.schema.field(name).type == data.schema.field(name).type
        real, syn = data.column(name), out.column(name)
        assert (syn.null_count > 0) <= (real.null_count > 0)  # never invents NULLs
    # a CHECK ... IN list or ENUM keeps its values
    if db_name == "world":
        continents = set(out.column("Continent").to_pylist())
        assert continents <= set(data.column("Continent").to_pylist())


def test_conditioning_on_a_real_parent_attribute(dataset):
    data, table, keys = _table(dataset("berka"), "loan")
    model = TableModel().fit(data, table, exclude=keys)
    status = data.column("status").to_pylist()
    out = model.sample(evidence={"status": status}, seed=1)
    assert out.column("status").to_pylist() == status
    real_amount = np.asarray(data.column("amount").to_pylist(), dtype=float)
    syn_amount = np.asarray(out.column("amount").to_pylist(), dtype=float)
    assert syn_amount.min() >= real_amount.min() and syn_amount.max() <= real_amount.max()
