"""Columns repeating their parent row's stay repeated (:mod:`amalgam_rel.relational.parent_copies`)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.parent_copies import ParentCopy, parent_rows

from .conftest import ITERS, create, query, synthesized

DDL = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, city VARCHAR NOT NULL, tier VARCHAR NOT NULL, postcode INTEGER NOT NULL);
CREATE TABLE product (id INTEGER PRIMARY KEY, price DECIMAL(6, 2) NOT NULL);
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                      bill_city VARCHAR NOT NULL, bill_tier VARCHAR NOT NULL, guess VARCHAR NOT NULL, ship_code INTEGER NOT NULL,
                      checked_tier VARCHAR NOT NULL CHECK (checked_tier IN ('gold', 'silver', 'bronze')));
CREATE TABLE line (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoice (id),
                   product_id INTEGER NOT NULL REFERENCES product (id), unit_price DECIMAL(6, 2) NOT NULL,
                   quantity INTEGER NOT NULL);
CREATE TABLE gift (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id), tier VARCHAR);
CREATE TABLE visit (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id), postcode INTEGER NOT NULL);
"""
CITIES = [f"city {i}" for i in range(25)]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    rng = np.random.default_rng(3)
    n_c, n_p, n_i, n_l, n_g, n_v = 120, 40, 500, 1500, 300, 400
    city = rng.choice(CITIES, n_c)
    tier = rng.choice(["gold", "silver", "bronze"], n_c, p=[0.2, 0.3, 0.5])
    price = np.round(rng.lognormal(2, 0.6, n_p), 2)
    postcode = rng.choice(np.arange(10_000, 99_999), n_c, replace=False)
    inv_customer = rng.integers(0, n_c, n_i)
    guess = city[inv_customer].copy()
    wrong = rng.random(n_i) < 0.1  # the customer's city on 90 % of rows only: not a copy
    guess[wrong] = rng.choice(CITIES, int(wrong.sum()))
    line_product = rng.integers(0, n_p, n_l)
    shipped_elsewhere = rng.random(n_i) < 0.05  # to another customer's postcode
    ship_to = np.where(shipped_elsewhere, rng.integers(0, n_c, n_i), inv_customer)
    gift_customer = np.where(rng.random(n_g) < 0.3, -1, rng.integers(0, n_c, n_g))
    visit_customer = np.where(rng.random(n_v) < 0.25, -1, rng.integers(0, n_c, n_v))
    path, model, out = synthesized(tmp_path_factory.mktemp("copies"), DDL, {
        "customer": {"id": np.arange(n_c), "city": city, "tier": tier, "postcode": postcode},
        "product": {"id": np.arange(n_p), "price": price},
        "invoice": {"id": np.arange(n_i), "customer_id": inv_customer, "bill_city": city[inv_customer],
                    "bill_tier": tier[inv_customer], "guess": guess, "ship_code": postcode[ship_to],
                    "checked_tier": tier[inv_customer]},
        "line": {"id": np.arange(n_l), "invoice_id": rng.integers(0, n_i, n_l), "product_id": line_product,
                 "unit_price": price[line_product], "quantity": rng.integers(1, 5, n_l)},
        # no customer, no tier: the rows without a parent hold NULL as the copy will
        "gift": {"id": np.arange(n_g), "customer_id": pa.array(gift_customer, mask=gift_customer < 0),
                 "tier": pa.array(tier[np.maximum(gift_customer, 0)], mask=gift_customer < 0)},
        # a walk-in visitor's postcode is their own: the customer's where there is one
        "visit": {"id": np.arange(n_v), "customer_id": pa.array(visit_customer, mask=visit_customer < 0),
                  "postcode": np.where(visit_customer < 0, rng.integers(10_000, 99_999, n_v), postcode[np.maximum(visit_customer, 0)])},
    })
    return model, out, path


def test_copies_are_found_through_driving_and_matched_keys_and_leave_the_models(shop):
    model, _, _ = shop
    fk = {(f.table, f.ref_table): i for i, f in enumerate(model.db.foreign_keys)}
    invoice = model.tables_["invoice"]
    # a postcode tells customers apart: 95 % is enough to make it the customer's (a city shared
    # by many customers, 90 %, is a correlation for the model to learn)
    assert invoice.rules["copies"] == (ParentCopy("bill_city", fk["invoice", "customer"], "city"),
                              ParentCopy("bill_tier", fk["invoice", "customer"], "tier"),
                              ParentCopy("ship_code", fk["invoice", "customer"], "postcode"))
    assert model.tables_["line"].rules["copies"] == (ParentCopy("unit_price", fk["line", "product"], "price"),)
    assert model.tables_["gift"].rules["copies"] == (ParentCopy("tier", fk["gift", "customer"], "tier"),)
    # visitors without a customer hold postcodes of their own: the model keeps the column for them
    assert model.tables_["visit"].rules["copies"] == (ParentCopy("postcode", fk["visit", "customer"], "postcode", only_with_parent=True),)
    assert "postcode" in model.tables_["visit"].modelled
    # 90 % agreement is a correlation for the model to learn; a CHECKed column is never computed
    assert {"guess", "checked_tier"} <= set(invoice.modelled)
    assert not {"bill_city", "bill_tier"} & set(invoice.modelled)
    assert ("invoice.bill_city", "customer.city through customer_id") in model.computed_columns()


def test_every_synthetic_row_repeats_its_parent_also_from_a_saved_model(shop, tmp_path):
    model, out, _ = shop
    model.save(tmp_path / "model")
    again = tmp_path / "again.duckdb"
    DatabaseModel.load(tmp_path / "model").sample(again, seed=5)
    for path in (out, again):
        rows, same = query(path, "SELECT count(*), count(*) FILTER (WHERE i.bill_city = c.city AND i.bill_tier = c.tier "
                                 "AND i.ship_code = c.postcode) "
                                 "FROM invoice i JOIN customer c ON i.customer_id = c.id")[0]
        assert rows > 0 and same == rows
        rows, same = query(path, "SELECT count(*), count(*) FILTER (WHERE l.unit_price = p.price) "
                                 "FROM line l JOIN product p ON l.product_id = p.id")[0]
        assert rows > 0 and same == rows
        orphans, with_tier, parented, same = query(path, """
            SELECT count(*) FILTER (WHERE g.customer_id IS NULL), count(*) FILTER (WHERE g.customer_id IS NULL AND g.tier IS NOT NULL),
                   count(*) FILTER (WHERE g.customer_id IS NOT NULL), count(*) FILTER (WHERE g.tier = c.tier)
            FROM gift g LEFT JOIN customer c ON g.customer_id = c.id""")[0]
        assert orphans > 30 and with_tier == 0 and same == parented > 100
        walk_ins, codes, parented, same = query(path, """
            SELECT count(*) FILTER (WHERE v.customer_id IS NULL), count(DISTINCT v.postcode) FILTER (WHERE v.customer_id IS NULL),
                   count(*) FILTER (WHERE v.customer_id IS NOT NULL), count(*) FILTER (WHERE v.postcode = c.postcode)
            FROM visit v LEFT JOIN customer c ON v.customer_id = c.id""")[0]
        assert walk_ins > 50 and codes > 20 and same == parented > 200
    # the copy keeps the real distribution of what is copied: invoices spread over tiers as their customers do
    real_gold = query(shop[2], "SELECT avg((bill_tier = 'gold')::INT) FROM invoice")[0][0]
    assert abs(query(out, "SELECT avg((bill_tier = 'gold')::INT) FROM invoice")[0][0] - real_gold) < 0.1


def test_parent_rows_are_found_by_value_for_keys_of_several_columns():
    child = [pa.array([2, 1, None, 2, 9]), pa.array(["b", "a", "a", "a", "a"])]
    parent = [pa.array([1, 2, 2]), pa.array(["a", "a", "b"])]
    assert parent_rows(child, parent).tolist() == [2, 0, -1, 1, -1]


def test_a_text_column_of_the_parent_is_copied_once_the_language_model_wrote_it(tmp_path):
    rng = np.random.default_rng(0)
    # (`directions`, not `address`: a street address is filled by the semantic generator, not the language model)
    streets = ["Oak", "Elm", "Pine", "Birch", "Cedar", "Maple", "Ash", "Willow"]
    n_c, n_o = 260, 700
    address = np.array([f"{rng.integers(1, 999)} {rng.choice(streets)} Street, unit {i}" for i in range(n_c)], dtype=object)
    customer = rng.integers(0, n_c, n_o)
    path = create(tmp_path / "real.duckdb", """
        CREATE TABLE customer (id INTEGER PRIMARY KEY, directions VARCHAR NOT NULL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                             ship_to VARCHAR NOT NULL, weight DOUBLE NOT NULL);""", {
        "customer": {"id": np.arange(n_c), "directions": address},
        "orders": {"id": np.arange(n_o), "customer_id": customer, "ship_to": address[customer],
                   "weight": rng.lognormal(1, 0.5, n_o)}})
    model = DatabaseModel(seed=0, iters=ITERS, text_steps=50).fit(path)
    assert model.tables_["customer"].text_columns == ("directions",)
    assert [c.column for c in model.tables_["orders"].rules["copies"]] == ["ship_to"]
    out = tmp_path / "synth.duckdb"
    model.sample(out)
    rows, same, real = _ship_to(out, path)
    assert rows == n_o and same == rows
    # invented with the customer's address, not a real address repeated as a category
    assert real <= 0.02 * rows


def _ship_to(out, real) -> tuple[int, int, int]:
    con = duckdb.connect(str(out), read_only=True)
    try:
        con.execute(f"ATTACH '{real}' AS r (READ_ONLY)")
        return con.execute("""
            SELECT count(*), count(*) FILTER (WHERE o.ship_to = c.directions),
                   count(*) FILTER (WHERE o.ship_to IN (SELECT directions FROM r.customer))
            FROM orders o JOIN customer c ON o.customer_id = c.id""").fetchone()
    finally:
        con.close()


def test_pairs_checked_over_several_queries_find_the_same_copies(monkeypatch):
    from amalgam_rel.relational import parent_copies
    from amalgam_rel.schema import sql

    con = duckdb.connect()
    con.execute("CREATE TABLE p (id INT, a DOUBLE, b DOUBLE, c VARCHAR); CREATE TABLE k (pid INT, x DOUBLE, y VARCHAR, z DOUBLE)")
    con.execute("INSERT INTO p SELECT i, random(), random(), 'name ' || i FROM range(60) t(i)")
    con.execute("INSERT INTO k SELECT p.id, random(), p.c, p.b FROM range(400) t(j) JOIN p ON p.id = j % 60")

    def found():
        return parent_copies.find_parent_copies(con, sql.table_ref("k"), sql.table_ref("p"), ("pid",), ("id",),
                                                ["x", "y", "z"], ["a", "b", "c"], 0,
                                                lambda column, source: (column == "y") == (source == "c"))  # types

    whole = found()
    monkeypatch.setattr(parent_copies, "_PAIRS_PER_QUERY", 2)  # one child column a query
    assert found() == whole == (ParentCopy("y", 0, "c"), ParentCopy("z", 0, "b"))



def test_distinct_values_are_counted_in_a_bounded_memory(tmp_path):
    """Where a column's distinct values decide (95 % agreement: a copy if they tell parents apart),
    they are counted by GROUP BYs DuckDB spills: a COUNT(DISTINCT ...) over 1.5 M child rows ran
    out of a 32 MiB memory limit (as one over TPC-H sf 1's line items did in a fit's 128 MiB)."""
    from amalgam_rel.relational.parent_copies import find_parent_copies
    from amalgam_rel.schema import sql
    from amalgam_rel.schema.engines import Engine

    con = duckdb.connect(str(tmp_path / "big.duckdb"))
    con.execute("""
        CREATE TABLE p AS SELECT range AS id, 'street ' || md5(range::VARCHAR) AS addr, 'tier ' || range % 3 AS tier
        FROM range(500000);
        CREATE TABLE c AS SELECT range % 500000 AS pid,
            CASE WHEN range % 20 = 0 THEN 'elsewhere ' || md5(range::VARCHAR) ELSE 'street ' || md5((range % 500000)::VARCHAR) END AS addr,
            CASE WHEN range % 20 = 0 THEN 'tier 9' ELSE 'tier ' || range % 500000 % 3 END AS tier
        FROM range(1500000)""")

    def found():
        return find_parent_copies(Engine(con), sql.table_ref("c"), sql.table_ref("p"), ("pid",), ("id",),
                                  ["addr", "tier"], ["addr", "tier"], 0, lambda column, source: column == source)

    unbounded = found()
    con.execute(f"SET threads = 1; SET memory_limit = '32MiB'; SET temp_directory = '{tmp_path / 'spill'}'")
    # an address tells parents apart: 95 % makes it the parent's; a tier shared by many is not
    assert found() == unbounded == (ParentCopy("addr", 0, "addr"),)


RENTALS = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, tier INTEGER NOT NULL);
CREATE TABLE rental (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                     rate DECIMAL(6,2) NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                      rental_id INTEGER REFERENCES rental(id), rate DECIMAL(6,2) NOT NULL);
"""


def test_a_not_null_copy_through_a_key_that_may_find_no_parent_is_never_null(tmp_path):
    """Every real payment names a rental of its customer and repeats its rate; the rental follows
    the customer (:mod:`.implied`). With 60 rentals (``--rows``) most synthetic payments find
    none and their nullable key stays empty. A NOT NULL copy behind a nullable key always keeps
    its models for the rows without a parent (``only_with_parent``), so it is never NULL there."""
    rng = np.random.default_rng(6)
    n_c = 300
    rental_customer = np.repeat(np.arange(n_c), rng.integers(0, 4, n_c))
    rate = np.round(rng.choice([1.5, 2.5, 4.0, 5.5], len(rental_customer)), 2)
    paid = np.repeat(np.arange(len(rental_customer)), rng.integers(1, 3, len(rental_customer)))
    path = create(tmp_path / "real.duckdb", RENTALS, {
        "customer": {"id": np.arange(n_c), "tier": rng.integers(1, 4, n_c)},
        "rental": {"id": np.arange(len(rental_customer)), "customer_id": rental_customer, "rate": rate},
        "payment": {"id": np.arange(len(paid)), "customer_id": rental_customer[paid], "rental_id": paid, "rate": rate[paid]}})
    model = DatabaseModel(seed=0, iters=ITERS).fit(path)
    copy, = model.tables_["payment"].rules["copies"]
    assert (copy.column, copy.only_with_parent) == ("rate", True)
    out = tmp_path / "synth.duckdb"
    model.sample(out, rows={"rental": 60})
    (orphans, unrated, differ), = query(out, """SELECT count(*) - count(rental_id), count(*) - count(p.rate),
        count(*) FILTER (WHERE p.rate <> r.rate) FROM payment p LEFT JOIN rental r ON r.id = p.rental_id""")
    assert orphans > 0 and unrated == 0 and differ == 0


def test_a_sampled_child_counts_its_copies_on_a_share_of_its_families_in_bounded_memory(tmp_path):
    """A table too large to read whole (``--max-rows``) counts the agreement on a repeatable share
    of its families, each beside its parent: joining all 1.6 M child rows to 400 k parents with a
    wide text column ran out of a 32 MiB limit (as line items beside TPC-H sf 10's 15 M orders did
    in a fit's 128 MiB). The same copies; the rows with an empty key are picked by their own key."""
    from amalgam_rel.relational.parent_copies import find_parent_copies
    from amalgam_rel.schema import sql
    from amalgam_rel.schema.engines import Engine

    con = duckdb.connect(str(tmp_path / "big.duckdb"))
    con.execute("""
        CREATE TABLE p AS SELECT range AS id, repeat(md5(range::VARCHAR), 3) AS note, 'city ' || range % 1000 AS city
        FROM range(400000);
        CREATE TABLE c AS SELECT CASE WHEN range % 100 = 7 THEN NULL ELSE range % 400000 END AS pid, range AS n,
            CASE WHEN range % 100 = 7 THEN NULL ELSE 'city ' || range % 400000 % 1000 END AS city, md5(range::VARCHAR) AS memo
        FROM range(1600000)""")

    def found(within):
        return find_parent_copies(Engine(con), sql.table_ref("c"), sql.table_ref("p"), ("pid",), ("id",),
                                  ["city", "memo"], ["note", "city"], 0, within=within)

    whole = found(None)
    con.execute(f"SET threads = 2; SET memory_limit = '32MiB'; SET temp_directory = '{tmp_path / 'spill'}'")
    share = found((0.01, ("n",)))
    assert share == whole == (ParentCopy("city", 0, "city"),)
    assert found((0.01, ("n",))) == share  # repeatable
    picked = con.execute("SELECT count(*) FROM c WHERE pid IS NOT NULL AND md5('parent copies:[' || pid || ']') "
                         f"< '{int(0.01 * 2**64):016x}'").fetchone()[0]
    assert 0.008 * 1_584_000 < picked < 0.012 * 1_584_000
