"""A parent column that totals its children stays the total of its synthetic children."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.totals import find_totals
from amalgam_rel.schema.duckdb_reader import read_duckdb

from .conftest import create, fit, query

DDL = """
CREATE TABLE invoice (id INTEGER PRIMARY KEY, region VARCHAR NOT NULL, total DECIMAL(10,2) NOT NULL CHECK (total >= 0),
                      fee DECIMAL(10,2) NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoice(id),
                   price DECIMAL(8,2) NOT NULL, quantity INTEGER NOT NULL);
"""


def _database(path, rng):
    n = 300
    region = rng.choice(["north", "south", "east"], n)
    lines = rng.poisson(np.where(region == "north", 6, 2))  # some invoices have no lines: total 0
    owner = np.repeat(np.arange(n), lines)
    price = np.round(rng.choice([0.99, 1.99, 4.5, 12.25], len(owner)), 2)
    quantity = rng.integers(1, 4, len(owner))
    total = np.round(np.bincount(owner, weights=price * quantity, minlength=n), 2)
    fee = np.round(rng.uniform(0, 5, n), 2)  # unrelated to the lines
    return create(path, DDL, {
        "invoice": {"id": np.arange(n), "region": region, "total": total, "fee": fee},
        "line": {"id": np.arange(len(owner)), "invoice_id": owner, "price": price, "quantity": quantity},
    })


@pytest.fixture(scope="module")
def invoices(tmp_path_factory):
    path = _database(tmp_path_factory.mktemp("totals") / "real.duckdb", np.random.default_rng(0))
    model = fit(path)
    out = tmp_path_factory.mktemp("totals") / "synth.duckdb"
    model.sample(out)
    return path, model, out


SUMS = """SELECT i.total, coalesce(sum(l.price * l.quantity), 0) FROM invoice i LEFT JOIN line l ON l.invoice_id = i.id
          GROUP BY i.id, i.total"""


def test_the_relation_is_found_and_only_where_it_holds(invoices):
    path, model, _ = invoices
    con = duckdb.connect(str(path), read_only=True)
    found = find_totals(con, read_duckdb(con))
    con.close()
    assert [(t.column, set(t.terms)) for t in found] == [("total", {"price", "quantity"})]
    assert model.rules_["totals"] == found


def test_every_synthetic_invoice_totals_its_synthetic_lines(invoices):
    path, _, out = invoices
    rows = query(out, SUMS)
    assert len(rows) == 300
    assert all(abs(float(t) - float(s)) < 0.005 for t, s in rows)
    assert any(float(t) == 0 for t, _ in rows)  # a childless invoice totals 0
    real = np.array([float(t) for t, _ in query(path, SUMS)])
    synth = np.array([float(t) for t, _ in rows])
    assert abs(np.median(synth) - np.median(real)) <= 0.25 * np.median(real) + 1


def test_totals_survive_saving_the_model(invoices, tmp_path):
    _, model, _ = invoices
    model.save(tmp_path / "model")
    again = DatabaseModel.load(tmp_path / "model")
    assert again.rules_["totals"] == model.rules_["totals"]
    again.sample(tmp_path / "again.duckdb", seed=3)
    assert all(abs(float(t) - float(s)) < 0.005 for t, s in query(tmp_path / "again.duckdb", SUMS))


def test_a_total_that_only_sometimes_holds_is_left_alone(tmp_path):
    path = _database(tmp_path / "real.duckdb", np.random.default_rng(1))
    con = duckdb.connect(str(path))
    con.execute("UPDATE invoice SET total = total + 1 WHERE id % 20 = 0")  # 95 % of parents
    found = find_totals(con, read_duckdb(con))
    con.close()
    assert found == ()


def test_lines_sampled_in_parts_still_total(invoices, tmp_path):
    _, model, _ = invoices
    report = model.sample(tmp_path / "parts.duckdb", part_rows=100)
    assert report.parts.get("line", 0) >= 5
    assert all(abs(float(t) - float(s)) < 0.005 for t, s in query(tmp_path / "parts.duckdb", SUMS))


CHARGED_DDL = """
CREATE TABLE orders (id INTEGER PRIMARY KEY, total DECIMAL(12,2) NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), price DECIMAL(8,2) NOT NULL,
                   quantity INTEGER NOT NULL, discount DECIMAL(3,2) NOT NULL, tax DECIMAL(3,2) NOT NULL);
"""
CHARGES = """SELECT o.total, coalesce(sum(trunc(l.price * l.quantity * (1 - l.discount) * (1 + l.tax) * 100) / 100), 0)
             FROM orders o LEFT JOIN line l ON l.order_id = o.id GROUP BY o.id, o.total"""


def test_a_total_of_taxed_and_discounted_lines_each_cut_to_cents_holds_in_the_synthetic_orders(tmp_path):
    rng = np.random.default_rng(4)
    n = 250
    owner = np.repeat(np.arange(n), rng.integers(1, 7, n))
    price = np.round(rng.uniform(1, 90, len(owner)), 2)
    quantity = rng.integers(1, 50, len(owner))
    discount, tax = rng.integers(0, 11, len(owner)) / 100, rng.integers(0, 9, len(owner)) / 100
    charge = np.trunc(np.round(price * quantity * (1 - discount) * (1 + tax) * 100, 6)) / 100
    path = create(tmp_path / "real.duckdb", CHARGED_DDL, {
        "orders": {"id": np.arange(n), "total": np.round(np.bincount(owner, weights=charge, minlength=n), 2)},
        "line": {"id": np.arange(len(owner)), "order_id": owner, "price": price, "quantity": quantity,
                 "discount": discount, "tax": tax}})
    model = fit(path)
    total, = model.rules_["totals"]
    assert (set(total.terms), total.unit) == ({"price", "quantity", "1+tax", "1-discount"}, 0.01)
    model.sample(tmp_path / "synth.duckdb")
    rows = query(tmp_path / "synth.duckdb", CHARGES)
    assert len(rows) == n and all(abs(float(t) - float(s)) < 0.005 for t, s in rows)


CHECKED = """
CREATE TABLE invoice (id INTEGER PRIMARY KEY, total DECIMAL(5,2) NOT NULL CHECK (total > 0));
CREATE TABLE line (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoice(id), amount DECIMAL(5,2) NOT NULL);
"""


@pytest.mark.parametrize("lines", [60, 6000], ids=["childless-invoices", "totals-past-the-type"])
def test_a_total_its_column_refuses_keeps_the_models_value(tmp_path, lines):
    """Every real invoice has lines and totals them (under 1,000: DECIMAL(5,2)). With 60 lines
    for 300 invoices most synthetic invoices have none, and 0 broke ``CHECK (total > 0)``; with
    6,000 the sums passed 999.99. Where the column refuses its total the invoice keeps the value
    its model drew (which meets the CHECK), and every other invoice totals its lines."""
    rng = np.random.default_rng(2)
    n = 300
    owner = np.repeat(np.arange(n), rng.integers(1, 6, n))
    amount = np.round(rng.uniform(5, 99, len(owner)), 2)
    path = create(tmp_path / "real.duckdb", CHECKED, {
        "invoice": {"id": np.arange(n), "total": np.round(np.bincount(owner, weights=amount, minlength=n), 2)},
        "line": {"id": np.arange(len(owner)), "invoice_id": owner, "amount": amount}})
    model = fit(path)
    assert [t.column for t in model.rules_["totals"]] == ["total"]
    out = tmp_path / "synth.duckdb"
    model.sample(out, rows={"line": lines})
    totals = query(out, "SELECT i.total, coalesce(sum(l.amount), 0) FROM invoice i LEFT JOIN line l ON l.invoice_id = i.id"
                        " GROUP BY i.id, i.total")
    refused = [(float(t), float(s)) for t, s in totals if not 0 < s < 1000]
    assert refused and all(0 < t < 1000 for t, _ in refused)
    assert all(float(t) == float(s) for t, s in totals if 0 < s < 1000)


@pytest.mark.parametrize("misses, holds", [(3, True), (4, False)])
def test_first_parents_screen_only_what_cannot_hold(tmp_path, misses, holds):
    """300 invoices allow 3 misses (99 %); all of them among the 15 screened first ones: a total
    missing 3 is still found over all invoices, one missing 4 is dropped by the screen."""
    rng = np.random.default_rng(3)
    path = _database(tmp_path / "real.duckdb", rng)
    con = duckdb.connect(str(path))
    con.execute(f"UPDATE invoice SET total = total + 100 WHERE id < {misses}")  # scan order: ids ascending
    found = find_totals(con, read_duckdb(con))
    con.close()
    assert any(t.column == "total" for t in found) is holds
