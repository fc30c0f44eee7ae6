"""A child's number that is its parent's number, or a fixed ratio of it, on a share of the rows
(an order line's price: its product's list price on most lines, 80 % of it on the older ones),
where the parent's sampled numbers are real values (a price list of 12 price points)."""

from decimal import Decimal

import numpy as np
import pyarrow as pa

from amalgam_rel.connection import connect

from .conftest import create, fit

DDL = """
CREATE TABLE product (id INTEGER PRIMARY KEY, price DECIMAL(10,2) NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES product(id),
  price DECIMAL(10,2) NOT NULL, quantity INTEGER NOT NULL);
"""
SQL = """
SELECT avg((l.price = p.price)::INT), avg((l.price = round(p.price * 0.8, 2))::INT), sum(l.price * l.quantity)
FROM line l JOIN product p ON p.id = l.product_id
"""


def test_a_line_takes_its_products_price_or_the_old_ratio_of_it_as_often_as_real_lines(tmp_path):
    rng = np.random.default_rng(5)
    products, lines = 60, 1500
    price = rng.choice(np.array([4.5, 9.0, 12.5, 14.0, 18.0, 19.0, 21.35, 25.0, 34.8, 38.0, 55.0, 97.0]), products)
    product = rng.integers(0, products, lines)
    kind = rng.choice(3, lines, p=[0.6, 0.3, 0.1])  # list price, 80 % of it, a price of its own
    own = np.round(np.exp(rng.normal(3, 0.8, lines)), 2)
    line_price = np.round(np.select([kind == 0, kind == 1], [price[product], price[product] * 0.8], own), 2)
    cents = pa.decimal128(10, 2)
    src = create(tmp_path / "shop.duckdb", DDL, {
        "product": {"id": np.arange(products, dtype=np.int32), "price": pa.array([Decimal(f"{p:.2f}") for p in price], cents)},
        "line": {"id": np.arange(lines, dtype=np.int32), "product_id": product.astype(np.int32),
                 "price": pa.array([Decimal(f"{p:.2f}") for p in line_price], cents),
                 "quantity": rng.integers(1, 20, lines).astype(np.int32)},
    })
    model = fit(src)
    out = tmp_path / "synth.duckdb"
    model.sample(out)
    (same, old, revenue), = connect(src, read_only=True).execute(SQL).fetchall()
    (s_same, s_old, s_revenue), = connect(out, read_only=True).execute(SQL).fetchall()
    # without the rule a line's price is drawn beside its product's, and the model's draws of the
    # two agree on 77 % of lines (0.55 at the list price, 0.22 at 80 %), not the real 90 %
    assert abs(s_same + s_old - same - old) <= 0.07, (same + old, s_same + s_old)
    assert abs(s_same - same) <= 0.04, (same, s_same)
    assert abs(s_old - old) <= 0.04, (old, s_old)
    assert abs(float(s_revenue) / float(revenue) - 1) <= 0.25, (revenue, s_revenue)


def test_a_ratio_held_by_the_rows_of_one_parent_is_no_ratio():
    from amalgam_rel.relational.parent_ratios import find_ratios

    rng = np.random.default_rng(0)
    # a price over its product's units on order: constant within a product, nothing across products
    units = rng.choice(np.array([10.0, 20.0, 40.0, 70.0]), 400)
    price = np.where(units == 10.0, 18.0, rng.uniform(5, 50, 400).round(2))
    assert find_ratios(price, units, 0.01) == ()
    assert find_ratios(units * 0.8, units, 0.01) == ()  # four parent values only: too few to tell
