"""A matched foreign key keeps what ties a row to its parent's attributes, not just the degrees.

Order lines are created per order (the driving key) and matched to products; a line's price
is its product's price. Matching by degree alone would pair lines with random products.
"""

import numpy as np

from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, column, create, query

DDL = """
CREATE TABLE product (id INTEGER PRIMARY KEY, price DOUBLE NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, channel INTEGER NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
                   product_id INTEGER NOT NULL REFERENCES product(id), price DOUBLE NOT NULL);
"""


def test_matched_parent_follows_the_row_value(tmp_path):
    rng = np.random.default_rng(3)
    price = np.round(np.exp(rng.normal(3, 1, 40)), 2)
    lines = 1200
    product_of = rng.integers(0, 40, lines)
    src = create(tmp_path / "shop.duckdb", DDL, {
        "product": {"id": np.arange(40, dtype=np.int32), "price": price},
        "orders": {"id": np.arange(400, dtype=np.int32), "channel": rng.integers(0, 3, 400).astype(np.int32)},
        "line": {"id": np.arange(lines, dtype=np.int32), "order_id": rng.integers(0, 400, lines).astype(np.int32),
                 "product_id": product_of.astype(np.int32), "price": price[product_of]},
    })
    model = DatabaseModel(seed=0, iters=ITERS).fit(src)
    assert model.tables_["line"].plan.driver.ref_table == "orders"
    assert model.tables_["line"].matched  # the product's price is what lines are matched on
    out = tmp_path / "synth.duckdb"
    model.sample(out, seed=0, force=True)
    pairs = column(out, "SELECT corr(ln(l.price), ln(p.price)) FROM line l JOIN product p ON p.id = l.product_id")
    assert pairs[0] > 0.8  # random products would give about 0


CARRIERS = """
CREATE TABLE airport (id INTEGER PRIMARY KEY, altitude INTEGER NOT NULL);
CREATE TABLE carrier (id INTEGER PRIMARY KEY, country VARCHAR NOT NULL, active BOOLEAN NOT NULL);
CREATE TABLE route (id INTEGER PRIMARY KEY, airport_id INTEGER NOT NULL REFERENCES airport(id),
                    carrier_id INTEGER NOT NULL REFERENCES carrier(id), aircraft VARCHAR NOT NULL,
                    seasonal BOOLEAN NOT NULL);
"""


def test_rows_are_matched_on_two_columns_of_their_parent(tmp_path):
    """A route's aircraft follows its carrier's country and whether it is seasonal follows
    whether the carrier is active: matched on one column, the other pairs at random."""
    rng = np.random.default_rng(5)
    carriers, routes = 300, 3000
    country = rng.permutation(np.arange(carriers) % 40)
    active = rng.random(carriers) < 0.5
    c = rng.integers(0, carriers, routes)
    src = create(tmp_path / "air.duckdb", CARRIERS, {
        "airport": {"id": np.arange(300, dtype=np.int32), "altitude": rng.integers(0, 3000, 300).astype(np.int32)},
        "carrier": {"id": np.arange(carriers, dtype=np.int32), "country": np.array([f"land {i}" for i in country]),
                    "active": active},
        "route": {"id": np.arange(routes, dtype=np.int32), "airport_id": rng.integers(0, 300, routes).astype(np.int32),
                  "carrier_id": c.astype(np.int32), "aircraft": np.where(country[c] < 20, "x", "y"),
                  "seasonal": ~active[c]},
    })
    model = DatabaseModel(seed=0, iters=ITERS).fit(src)
    route = model.tables_["route"]
    assert route.plan.driver.ref_table == "airport"
    (i,) = route.matched
    assert {route.matched[i], *route.matched_also[i]} == {"country", "active"}
    model.save(tmp_path / "model", force=True)
    loaded = DatabaseModel.load(tmp_path / "model")
    assert loaded.tables_["route"].matched_also == route.matched_also
    out = tmp_path / "synth.duckdb"
    loaded.sample(out, seed=0, force=True)
    agree = query(out, "SELECT avg(((r.aircraft = 'x') = (CAST(substr(c.country, 6) AS INT) < 20))::INT), "
                       "avg((r.seasonal = NOT c.active)::INT) FROM route r JOIN carrier c ON c.id = r.carrier_id")[0]
    assert agree[0] > 0.85 and agree[1] > 0.85  # one column matched on alone leaves the other at about 0.5
