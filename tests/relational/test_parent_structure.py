"""A parent's model is judged through its children, weighted by its child counts, so its
attributes must reach those counts by more than the one path a Chow-Liu tree gives them."""

import numpy as np

from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, create

DDL = """
CREATE TABLE country (id INTEGER PRIMARY KEY, wealth DOUBLE NOT NULL, size DOUBLE NOT NULL,
                      age DOUBLE NOT NULL, zone INTEGER NOT NULL);
CREATE TABLE city (id INTEGER PRIMARY KEY, country_id INTEGER NOT NULL REFERENCES country(id), pop DOUBLE NOT NULL);
"""


def test_table_models_measure_one_extra_pair_per_column(tmp_path):
    rng = np.random.default_rng(5)
    n = 200
    size = rng.lognormal(0, 1, n)
    cities = np.maximum(1, np.round(size * 5)).astype(np.int64)  # big countries have many cities
    src = create(tmp_path / "geo.duckdb", DDL, {
        "country": {"id": np.arange(n, dtype=np.int32), "wealth": size * rng.lognormal(0, 0.3, n), "size": size,
                    "age": size + rng.normal(0, 0.5, n), "zone": rng.integers(0, 4, n).astype(np.int32)},
        "city": {"id": np.arange(cities.sum(), dtype=np.int32),
                 "country_id": np.repeat(np.arange(n), cities).astype(np.int32), "pop": rng.lognormal(0, 1, cities.sum())},
    })
    model = DatabaseModel(seed=0, iters=ITERS).fit(src)
    country = model.tables_["country"].model
    assert country.extra_edges == len(country.columns_)  # wealth, size, age, zone and the city count
    pairs = country.summary_.pairs
    assert sum("#0" in p for p in pairs) >= 2  # the count is tied to more than one attribute
