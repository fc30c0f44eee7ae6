"""Composite keys, a primary key that is a foreign key, and two FKs to one parent (issue 6, 5).

- ``warehouse (region_code, wh_no)`` is a composite primary key; ``shipment`` references it with
  a composite FK and numbers its rows per warehouse: its key ``(region_code, wh_no, ship_no)``
  contains the FK (TPC-C style).
- ``passport.person_id`` is both primary key and FK: a 1:1 extension that 60 % of people have.
- ``flight`` points at ``airport`` twice: departures are concentrated on a few hubs, arrivals
  are spread evenly, so each FK needs its own cardinality model.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import create, degrees, fit, ks_complement, query, validity_violations

DDL = """
CREATE TABLE warehouse (region_code VARCHAR NOT NULL, wh_no INTEGER NOT NULL, capacity INTEGER NOT NULL,
                        PRIMARY KEY (region_code, wh_no));
CREATE TABLE shipment (region_code VARCHAR NOT NULL, wh_no INTEGER NOT NULL, ship_no INTEGER NOT NULL,
                       weight DOUBLE NOT NULL, PRIMARY KEY (region_code, wh_no, ship_no),
                       FOREIGN KEY (region_code, wh_no) REFERENCES warehouse (region_code, wh_no));
CREATE TABLE person (id INTEGER PRIMARY KEY, age INTEGER NOT NULL);
CREATE TABLE passport (person_id INTEGER PRIMARY KEY REFERENCES person (id), issued_year INTEGER NOT NULL);
CREATE TABLE airport (id INTEGER PRIMARY KEY, size VARCHAR NOT NULL);
CREATE TABLE flight (id INTEGER PRIMARY KEY, origin_id INTEGER NOT NULL REFERENCES airport (id),
                     dest_id INTEGER NOT NULL REFERENCES airport (id), distance DOUBLE NOT NULL);
"""
REGIONS = ["NE", "NW", "SE", "SW", "CE"]


def build(path):
    rng = np.random.default_rng(21)
    # warehouses numbered 1..k within each region
    per_region = rng.integers(4, 12, len(REGIONS))
    wh_region = np.repeat(REGIONS, per_region)
    wh_no = np.concatenate([np.arange(1, k + 1) for k in per_region])
    capacity = rng.integers(1, 6, len(wh_no)) * 100
    # bigger warehouses ship more; shipments numbered 1..n within their warehouse
    per_wh = rng.poisson(capacity / 40)
    s_wh = np.repeat(np.arange(len(wh_no)), per_wh)
    ship_no = np.concatenate([np.arange(1, k + 1) for k in per_wh])
    n_person = 700
    age = rng.integers(18, 90, n_person)
    has_passport = rng.random(n_person) < 0.6
    n_airport = 80
    size = np.where(np.arange(n_airport) < 8, "hub", "regional")
    n_flight = 1500
    hub_weight = np.where(size == "hub", 40.0, 1.0)
    origin = rng.choice(n_airport, n_flight, p=hub_weight / hub_weight.sum())
    dest = rng.integers(0, n_airport, n_flight)
    return create(path, DDL, {
        "warehouse": {"region_code": wh_region, "wh_no": wh_no, "capacity": capacity},
        "shipment": {"region_code": wh_region[s_wh], "wh_no": wh_no[s_wh], "ship_no": ship_no,
                     "weight": np.round(rng.gamma(2, 50, len(s_wh)), 1)},
        "person": {"id": np.arange(1, n_person + 1), "age": age},
        "passport": {"person_id": np.flatnonzero(has_passport) + 1,
                     "issued_year": 2024 - rng.integers(0, 10, has_passport.sum())},
        "airport": {"id": np.arange(1, n_airport + 1), "size": size},
        "flight": {"id": np.arange(1, n_flight + 1), "origin_id": origin + 1, "dest_id": dest + 1,
                   "distance": np.round(rng.gamma(3, 300, n_flight))},
    })


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    real = build(folder / "real.duckdb")
    model = fit(real)
    synth = folder / "synth.duckdb"
    model.sample(synth)  # DuckDB rejects duplicate keys, 1:1 violations and orphans on insert
    return real, model, synth


def test_composite_keys_are_unique_and_the_composite_fk_keeps_its_degrees(keys):
    real, _, synth = keys
    for table, key in (("warehouse", "region_code, wh_no"), ("shipment", "region_code, wh_no, ship_no")):
        total, distinct = query(synth, f"SELECT count(*), count(DISTINCT ({key})) FROM {table}")[0]
        assert total == distinct == query(real, f"SELECT count(*) FROM {table}")[0][0]
    cols = ("region_code", "wh_no")
    a, b = degrees(real, "shipment", cols, "warehouse", cols), degrees(synth, "shipment", cols, "warehouse", cols)
    assert ks_complement(a, b) >= 0.85, (np.sort(a), np.sort(b))


def test_rows_numbered_within_their_parent_stay_numbered_so(keys):
    """``ship_no`` counts 1, 2, ... within each warehouse, as line numbers do within an order."""
    real, model, synth = keys
    sql = ("SELECT avg((min(ship_no) = 1 AND max(ship_no) = count(*))::INTEGER) OVER () FROM shipment "
           "GROUP BY region_code, wh_no LIMIT 1")
    assert query(real, sql)[0][0] == 1.0
    assert query(synth, sql)[0][0] == 1.0


def test_bigger_warehouses_still_ship_more(keys):
    real, _, synth = keys
    sql = ("SELECT corr(w.capacity, coalesce(n, 0)) FROM warehouse w LEFT JOIN (SELECT region_code, wh_no, count(*) n "
           "FROM shipment GROUP BY ALL) s USING (region_code, wh_no)")
    real_corr, synth_corr = query(real, sql)[0][0], query(synth, sql)[0][0]
    assert real_corr > 0.6
    assert synth_corr > real_corr - 0.2, (real_corr, synth_corr)


def test_extension_table_has_zero_or_one_row_per_person_at_the_real_share(keys):
    real, _, synth = keys
    a = degrees(real, "passport", ("person_id",), "person", ("id",))
    b = degrees(synth, "passport", ("person_id",), "person", ("id",))
    assert set(np.unique(b)) <= {0, 1}
    assert abs(b.mean() - a.mean()) <= 0.05, (a.mean(), b.mean())


def test_two_fks_to_one_parent_keep_their_own_degree_distributions(keys):
    real, model, synth = keys
    plan = model.plan_.tables["airport"]
    assert len(plan.count_columns) == 2  # one cardinality column per FK
    shares = {}
    for fk in ("origin_id", "dest_id"):
        a = degrees(real, "flight", (fk,), "airport", ("id",))
        b = degrees(synth, "flight", (fk,), "airport", ("id",))
        assert ks_complement(a, b) >= 0.85, (fk, np.sort(a), np.sort(b))
        shares[fk] = np.sort(b)[-8:].sum() / b.sum()  # share of flights at the eight busiest airports
    assert shares["origin_id"] > 0.7 and shares["dest_id"] < 0.3, shares
    hub = ("SELECT avg((a.size = 'hub')::INTEGER) FROM flight f JOIN airport a ON f.{} = a.id")
    assert query(synth, hub.format("origin_id"))[0][0] > 0.7
    assert query(synth, hub.format("dest_id"))[0][0] < 0.25


def test_synthetic_key_shapes_are_valid(keys):
    real, _, synth = keys
    assert validity_violations(real, synth) == []
