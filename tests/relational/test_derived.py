"""Columns computed from two others of their row stay computed (:mod:`amalgam_rel.relational.derived`)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from amalgam_rel.relational.rules.implied import followed
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.derived import Derived, compute, find_derived

from .conftest import synthesized

DDL = """
CREATE TABLE sale (id INTEGER PRIMARY KEY, price DECIMAL(8,2) NOT NULL, qty INTEGER NOT NULL,
                   ext DECIMAL(10,2) NOT NULL, coupon DECIMAL(8,2) NOT NULL, net DECIMAL(10,2) NOT NULL,
                   checked DECIMAL(10,2) NOT NULL CHECK (checked >= 0), noise DOUBLE NOT NULL);
"""


@pytest.fixture(scope="module")
def sales(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 400
    price = np.round(rng.uniform(1, 90, n), 2)
    qty = rng.integers(1, 12, n)
    ext = np.round(price * qty, 2)
    coupon = np.round(rng.uniform(0, 5, n), 2)
    _, model, out = synthesized(tmp_path_factory.mktemp("derived"), DDL, {"sale": {
        "id": np.arange(n), "price": price, "qty": qty, "ext": ext, "coupon": coupon, "net": np.round(ext - coupon, 2),
        "checked": np.round(price + coupon, 2), "noise": rng.normal(0, 1, n)}})
    return model, out


def test_the_identities_are_found_in_dependency_order_and_leave_the_model(sales):
    model, _ = sales
    ft = model.tables_["sale"]
    assert ft.rules["derived"] == (Derived("ext", "*", "price", "qty", 0.01), Derived("net", "-", "ext", "coupon", 0.01))
    assert "ext" not in ft.modelled and "net" not in ft.modelled
    assert "checked" in ft.modelled  # it has a CHECK of its own: computed values are never repaired


def test_every_synthetic_row_keeps_them(sales, tmp_path):
    model, out = sales
    q = "SELECT count(*), count(*) FILTER (WHERE ext = price * qty AND net = ext - coupon) FROM sale"
    rows, kept = duckdb.connect(str(out), read_only=True).execute(q).fetchone()
    assert rows == 400 and kept == rows
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "again.duckdb")
    rows, kept = duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True).execute(q).fetchone()
    assert kept == rows == 400


def test_an_identity_and_its_rearrangement_are_taken_once():
    rng = np.random.default_rng(1)
    net, tax = rng.integers(0, 100, 200), rng.integers(0, 20, 200)
    frame = pa.table({"net": net, "tax": tax, "gross": net + tax})
    found = find_derived(frame, ["net", "tax", "gross"])
    assert found == (Derived("gross", "+", "net", "tax", 1.0),)


def test_chance_and_too_few_rows_find_nothing():
    rng = np.random.default_rng(2)
    frame = pa.table({c: rng.integers(0, 1000, 500) for c in "abc"})
    assert find_derived(frame, list("abc")) == ()
    small = pa.table({"a": [1, 2] * 5, "b": [3, 4] * 5, "c": [4, 6] * 5})
    assert find_derived(small, list("abc")) == ()


def test_a_product_the_type_cannot_hold_is_left_to_the_model():
    # every real product fits a SMALLINT (at most 100 * 101), but operands drawn apart reach 200 * 200
    a = np.arange(1, 201)
    frame = pa.table({"a": pa.array(a, pa.int16()), "b": pa.array(a[::-1], pa.int16()),
                      "c": pa.array(a * a[::-1], pa.int16())})
    assert find_derived(frame, list("abc")) == ()
    wide = frame.set_column(2, "c", frame.column("c").cast(pa.int32()))
    assert [d.column for d in find_derived(wide, list("abc"))] == ["c"]


def test_nulls_follow_the_operands_and_keep_the_target_share():
    rng = np.random.default_rng(3)
    n = 2000
    a = rng.integers(1, 50, n).astype(float)
    b = rng.integers(1, 50, n).astype(float)
    a[rng.random(n) < 0.1] = np.nan  # an operand's NULLs make the target NULL, as SQL computes it
    c = a + b
    c[rng.random(n) < 0.05] = np.nan  # and the target has a few NULLs of its own
    frame = pa.table({k: pa.array(np.nan_to_num(v).astype(np.int64), mask=np.isnan(v)) for k, v in (("a", a), ("b", b), ("c", c))})
    (found,) = find_derived(frame, ["a", "b", "c"])
    assert (found.column, found.op) == ("c", "+") and found.null_share == pytest.approx(0.05, abs=0.015)
    left = pa.array([1.0, None, 3.0] * 1000)
    right = pa.array([2.0, 2.0, 2.0] * 1000)
    out = np.array(compute(found, left, right, pa.int64(), np.random.default_rng(0)).to_pylist(), dtype=object)
    assert all(v is None for v in out[1::3])
    kept = [v for v in out[0::3]] + [v for v in out[2::3]]
    assert 0.03 < sum(v is None for v in kept) / len(kept) < 0.07
    assert {v for v in out[0::3] if v is not None} == {3} and {v for v in out[2::3] if v is not None} == {5}


def test_integers_past_what_a_double_holds_are_skipped_not_fatal():
    # the zoo's BIGINT extremes with NULLs made the search's safe cast to double fail
    big = pa.array([2**62, None, -(2**62) + 5] * 20, pa.int64())
    small = pa.array([1, 2, 3] * 20, pa.int64())
    frame = pa.table({"big": big, "a": small, "b": small, "c": pc.multiply(small, small)})
    found = find_derived(frame, ["big", "a", "b", "c"])
    assert all("big" not in (d.column, d.left, d.right) for d in found)
    assert [d.column for d in found] == ["c"]


SHOP = """
CREATE TABLE product (id INTEGER PRIMARY KEY, price DECIMAL(8,2) NOT NULL, weight INTEGER NOT NULL);
CREATE TABLE offer (product_id INTEGER REFERENCES product(id), shop INTEGER, markup DECIMAL(6,2) NOT NULL,
                    PRIMARY KEY (product_id, shop));
CREATE TABLE line (id INTEGER PRIMARY KEY, product_id INTEGER, shop INTEGER, qty INTEGER NOT NULL,
                   total DECIMAL(10,2) NOT NULL, shipped DECIMAL(10,2),
                   FOREIGN KEY (product_id, shop) REFERENCES offer(product_id, shop));
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    # total = qty * the product's price, two keys away (line -> offer -> product), as TPC-H's
    # l_extendedprice = l_quantity * p_retailprice; shipped = qty + the offer's markup, one key away
    rng = np.random.default_rng(1)
    products, lines = 120, 1500
    price = np.round(rng.uniform(2, 300, products), 2)
    offer_product = np.repeat(np.arange(products), 2)
    offer_shop = np.tile([1, 2], products)
    markup = np.round(rng.uniform(0, 9, len(offer_product)), 2)
    pick = rng.integers(0, len(offer_product), lines)
    qty = rng.integers(1, 50, lines)
    return synthesized(tmp_path_factory.mktemp("parent_derived"), SHOP, {
        "product": {"id": np.arange(products), "price": price, "weight": rng.integers(1, 90, products)},
        "offer": {"product_id": offer_product, "shop": offer_shop, "markup": markup},
        "line": {"id": np.arange(lines), "product_id": offer_product[pick], "shop": offer_shop[pick], "qty": qty,
                 "total": np.round(qty * price[offer_product[pick]], 2), "shipped": np.round(qty + markup[pick], 2)}})


def test_a_column_computed_from_a_parent_or_grandparent_row_is_found_and_holds_in_every_synthetic_row(shop, tmp_path):
    _, model, out = shop
    fks = model.db.foreign_keys
    line_to_offer = next(i for i, fk in enumerate(fks) if fk.table == "line")
    offer_to_product = next(i for i, fk in enumerate(fks) if fk.table == "offer")
    rules = {d.column: d for d in model.tables_["line"].rules["derived"]}
    assert rules["total"] == Derived("total", "*", "qty", "price", 0.01, 0.0, (line_to_offer, offer_to_product))
    assert rules["shipped"] == Derived("shipped", "+", "qty", "markup", 0.01, 0.0, (line_to_offer,))
    assert "total" not in model.tables_["line"].modelled
    assert ("line.total", "qty * product.price through product_id, shop then product_id") in model.computed_columns()
    q = """SELECT count(*), count(*) FILTER (WHERE l.total = l.qty * p.price AND l.shipped = l.qty + o.markup)
           FROM line l JOIN offer o USING (product_id, shop) JOIN product p ON p.id = o.product_id"""
    rows, kept = duckdb.connect(str(out), read_only=True).execute(q).fetchone()
    assert rows == 1500 and kept == rows
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "again.duckdb", seed=3)
    rows, kept = duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True).execute(q).fetchone()
    assert kept == rows == 1500


def test_a_sum_that_holds_only_where_both_operands_are_set_keeps_its_own_values_elsewhere(tmp_path):
    """``total = base + extra`` where both are set; where ``extra`` is NULL the total is a value of
    its own (a flat fee). Taken as what SQL computes it was refused and drawn on its own, so no
    synthetic row kept the sum; now the rule writes the rows with both operands and the
    column's own model the others (conditioned like any column: a NULL extra, so a flat fee)."""
    rng = np.random.default_rng(4)
    n = 600
    base = rng.integers(10, 90, n)
    extra = rng.integers(1, 9, n)
    flat = rng.random(n) < 0.3
    total = np.where(flat, rng.choice([500, 750], n), base + extra)
    _, model, out = synthesized(tmp_path, "CREATE TABLE fee (id INTEGER PRIMARY KEY, base INTEGER NOT NULL, extra INTEGER,"
                                          " total INTEGER NOT NULL);",
                                {"fee": {"id": np.arange(n), "base": base, "extra": pa.array(extra, mask=flat), "total": total}})
    rule, = model.tables_["fee"].rules["derived"]
    assert (rule.column, rule.op, rule.only_where_set) == ("total", "+", True) and "total" in model.tables_["fee"].modelled
    both, kept, flat_rows, own = duckdb.connect(str(out), read_only=True).execute(
        "SELECT count(extra), count(*) FILTER (WHERE total = base + extra), count(*) FILTER (WHERE extra IS NULL),"
        " count(*) FILTER (WHERE extra IS NULL AND total IN (500, 750)) FROM fee").fetchone()
    assert both > 0 and kept == both
    assert flat_rows > 0 and own >= 0.9 * flat_rows


PAYMENTS = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, tier INTEGER NOT NULL);
CREATE TABLE rental (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                     rate DECIMAL(6,2) NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                      rental_id INTEGER REFERENCES rental(id), days INTEGER NOT NULL, amount DECIMAL(8,2) NOT NULL);
"""


def test_a_not_null_column_computed_through_a_key_that_may_find_no_parent_keeps_its_model_there(tmp_path):
    """Every real payment names a rental of its own customer, so its rental follows the customer
    (:mod:`.implied`, ``within``) and ``amount = days * rental.rate``. A synthetic customer may
    get payments but no rental (``--rows rental=60``): the nullable key stays empty there, and
    the NOT NULL amount was written NULL ('NOT NULL constraint failed'). The column keeps its
    model for such rows."""
    rng = np.random.default_rng(6)
    n_c = 300
    rentals = rng.integers(0, 4, n_c)
    rental_customer = np.repeat(np.arange(n_c), rentals)
    rate = np.round(rng.uniform(1, 6, len(rental_customer)), 2)
    paid = np.repeat(np.arange(len(rental_customer)), rng.integers(1, 3, len(rental_customer)))
    days = rng.integers(1, 8, len(paid))
    _, model, out = synthesized(tmp_path, PAYMENTS, {
        "customer": {"id": np.arange(n_c), "tier": rng.integers(1, 4, n_c)},
        "rental": {"id": np.arange(len(rental_customer)), "customer_id": rental_customer, "rate": rate},
        "payment": {"id": np.arange(len(paid)), "customer_id": rental_customer[paid], "rental_id": paid, "days": days,
                    "amount": np.round(days * rate[paid], 2)}})
    payment = model.tables_["payment"]
    assert [r.how for r in followed(payment).values()] == ["within"]
    rule, = payment.rules["derived"]
    assert (rule.column, rule.only_where_set) == ("amount", True)
    model.sample(tmp_path / "few.duckdb", rows={"rental": 60})
    for path in (out, tmp_path / "few.duckdb"):
        con = duckdb.connect(str(path), read_only=True)
        assert con.execute("SELECT count(*) FILTER (WHERE p.amount <> p.days * r.rate) FROM payment p JOIN rental r"
                           " ON r.id = p.rental_id").fetchone() == (0,)
    assert con.execute("SELECT count(*) - count(rental_id), count(*) - count(amount) FROM payment").fetchone()[0] > 0


def test_a_rule_through_a_parent_is_confirmed_in_batches_with_the_same_answer(monkeypatch):
    """Every joined row was read at once to confirm a rule (TPC-H sf 10: 60 M rows, 8 GB): now in
    record batches, and the counts they add up to give the same rule (NULL share included)."""
    from amalgam_rel.relational import derived
    from amalgam_rel.schema import sql

    con = duckdb.connect()
    con.execute("CREATE TABLE part (id INT, price DECIMAL(8,2))")
    con.execute("INSERT INTO part SELECT x, 1 + (x % 97) * 0.25 FROM range(500) t(x)")
    con.execute("CREATE TABLE line (pid INT, qty INT, total DECIMAL(12,2))")
    con.execute("INSERT INTO line SELECT x % 500, 1 + x % 7, CASE WHEN x % 50 = 0 THEN NULL ELSE "
                "(1 + x % 7) * (1 + ((x % 500) % 97) * 0.25) END FROM range(20000) t(x)")
    longest = []
    floats = derived._floats
    monkeypatch.setattr(derived, "_floats", lambda v: longest.append(len(v)) or floats(v))
    monkeypatch.setattr(derived, "CONFIRM_BATCH", 1000, raising=False)
    hops = [(sql.table_ref("part"), ("pid",), ("id",))]
    found = derived.find_parent_derived(con, sql.table_ref("line"), hops, ["total"], ["qty"], ["price"], (0,))
    assert found == (Derived("total", "*", "qty", "price", 0.01, 0.02, (0,), False),)
    assert max(longest) <= 2000  # the screen's sample, then batches of 1,000: never the 20,000 rows
