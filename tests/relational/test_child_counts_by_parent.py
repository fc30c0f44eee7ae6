"""A parent's number of children depends on its attributes, zeros and tail alike: most airlines fly
no route, and how many of the others fly many routes depends on their country (openflights)."""

import duckdb
import numpy as np

from .conftest import create, fit

DDL = """
CREATE TABLE airline (id INTEGER PRIMARY KEY, country VARCHAR NOT NULL, active BOOLEAN NOT NULL);
CREATE TABLE route (id INTEGER PRIMARY KEY, airline_id INTEGER NOT NULL REFERENCES airline(id), stops INTEGER NOT NULL);
"""
BIG = 10  # routes that make an airline big

SQL = f"""
WITH n AS (SELECT a.id, a.country, count(r.id) AS routes FROM airline a LEFT JOIN route r ON r.airline_id = a.id GROUP BY ALL)
SELECT country, count(*) FILTER (WHERE routes > 0), count(*) FILTER (WHERE routes > {BIG}) FROM n GROUP BY country ORDER BY country
"""


def test_children_per_parent_keep_their_tail_by_the_parents_country(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    country = rng.integers(0, 4, n)
    active = rng.random(n) < 0.2
    flies = active & (rng.random(n) < 0.4)  # 8 % of airlines have routes
    # the farther down the list the country, the bigger its airlines: 3, 8, 20, 55 routes typical
    routes = np.where(flies, np.round(np.exp(rng.normal(1 + country, 0.7))) + 1, 0).astype(np.int64)
    src = create(tmp_path / "flights.duckdb", DDL, {
        "airline": {"id": np.arange(n, dtype=np.int32), "country": np.array([f"country {c}" for c in country]),
                    "active": active},
        "route": {"id": np.arange(routes.sum(), dtype=np.int32),
                  "airline_id": np.repeat(np.arange(n), routes).astype(np.int32),
                  "stops": rng.integers(0, 2, routes.sum()).astype(np.int32)},
    })
    out = tmp_path / "synth.duckdb"
    fit(src).sample(out)
    real, synth = (duckdb.connect(str(p), read_only=True).execute(SQL).fetchall() for p in (src, out))
    for (name, flying, big), (_, s_flying, s_big) in zip(real, synth):
        assert abs(s_flying - flying) <= 0.15 * flying + 3, (name, flying, s_flying)
        assert abs(s_big - big) <= 0.15 * big + 3, (name, big, s_big)
