"""A matched foreign key keeps what ties a row to its parent's attributes, not just the degrees.

Order lines are created per order (the driving key) and matched to products; a line's price
is its product's price. Matching by degree alone would pair lines with random products.
"""

import numpy as np

from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, column, create

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
