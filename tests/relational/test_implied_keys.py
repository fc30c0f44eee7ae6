"""Foreign keys a row's other keys decide: a payment's customer is its rental's customer, and an
order names its customer by id and by code. Matched on their own, nearly every synthetic row
disagreed with itself (486 of 548 orders named two different customers)."""

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.relational.rules.implied import followed as followed_keys, match_order
from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, create, query

DDL = """
CREATE TABLE store (id INTEGER PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE staff (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(id));
CREATE TABLE customer (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL UNIQUE, store_id INTEGER NOT NULL REFERENCES store(id));
CREATE TABLE inventory (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(id));
CREATE TABLE rental (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                     inventory_id INTEGER NOT NULL REFERENCES inventory(id),
                     staff_id INTEGER NOT NULL REFERENCES staff(id), days INTEGER NOT NULL, rented_at TIMESTAMP NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                      staff_id INTEGER NOT NULL REFERENCES staff(id), rental_id INTEGER REFERENCES rental(id),
                      customer_code VARCHAR REFERENCES customer(code), store_id INTEGER NOT NULL REFERENCES store(id),
                      amount DOUBLE NOT NULL, paid_at TIMESTAMP NOT NULL);
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    rng = np.random.default_rng(3)
    path = tmp_path_factory.mktemp("implied") / "rentals.duckdb"
    n_store, n_staff, n_customer, n_rental = 4, 12, 150, 900
    staff_store = np.arange(n_staff) % n_store
    customer_store = rng.integers(0, n_store, n_customer)
    rental_customer = rng.integers(0, n_customer, n_rental)
    # a rental is served at its copy's store (staff and inventory: two parents under one store)
    n_inventory = 400
    inventory_store = rng.integers(0, n_store, n_inventory)
    rental_inventory = rng.integers(0, n_inventory, n_rental)
    staff_of = [np.flatnonzero(staff_store == s) for s in range(n_store)]
    assert all(len(s) for s in staff_of)
    rental_staff = np.array([rng.choice(staff_of[inventory_store[i]]) for i in rental_inventory])
    # one payment per rental and some without a rental; a paid rental's customer, staff and
    # code are the payment's, and the store is the customer's (the customer's parent)
    paid = rng.random(n_rental) < 0.8
    extra = 120
    customer = np.r_[rental_customer[paid], rng.integers(0, n_customer, extra)]
    staff = np.r_[rental_staff[paid], rng.integers(0, n_staff, extra)]
    rental = np.r_[np.flatnonzero(paid), np.full(extra, -1)]
    n_pay = len(customer)
    # whole minutes; a paid rental is paid 1 to 10 hours after it was rented
    rented_at = np.datetime64("2020-01-01T00:00", "m") + rng.integers(0, 60 * 24 * 365, n_rental)
    paid_at = np.r_[rented_at[paid] + rng.integers(60, 600, paid.sum()),
                    np.datetime64("2020-06-01T00:00", "m") + rng.integers(0, 60 * 24 * 30, extra)]
    code = np.array([f"C-{c:04d}" for c in customer], dtype=object)
    code[rng.random(n_pay) < 0.1] = None
    create(path, DDL, {
        "store": {"id": np.arange(n_store, dtype=np.int32), "size": rng.integers(1, 9, n_store).astype(np.int32)},
        "staff": {"id": np.arange(n_staff, dtype=np.int32), "store_id": staff_store.astype(np.int32)},
        "customer": {"id": np.arange(n_customer, dtype=np.int32),
                     "code": np.array([f"C-{c:04d}" for c in range(n_customer)], dtype=object),
                     "store_id": customer_store.astype(np.int32)},
        "inventory": {"id": np.arange(n_inventory, dtype=np.int32), "store_id": inventory_store.astype(np.int32)},
        "rental": {"id": np.arange(n_rental, dtype=np.int32), "customer_id": rental_customer.astype(np.int32),
                   "inventory_id": rental_inventory.astype(np.int32),
                   "staff_id": rental_staff.astype(np.int32), "days": rng.integers(1, 8, n_rental).astype(np.int32),
                   "rented_at": rented_at.astype("datetime64[us]")},
        "payment": {"id": np.arange(n_pay, dtype=np.int32), "customer_id": customer.astype(np.int32),
                    "staff_id": staff.astype(np.int32),
                    "rental_id": pa.array(rental, mask=rental < 0, type=pa.int32()),
                    "customer_code": code, "store_id": customer_store[customer].astype(np.int32),
                    "amount": rng.gamma(2, 3, n_pay), "paid_at": paid_at.astype("datetime64[us]")},
    })
    model = DatabaseModel(seed=0, iters=ITERS).fit(path)
    out = path.with_name("synth.duckdb")
    model.sample(out)
    return path, out, model


def test_every_path_between_a_rows_keys_agrees(shop):
    _, out, _ = shop
    # the rental's customer and staff are the payment's
    assert query(out, """SELECT count(*) FROM payment p JOIN rental r ON p.rental_id = r.id
                         WHERE p.customer_id <> r.customer_id OR p.staff_id <> r.staff_id""") == [(0,)]
    # the code names the same customer as the id
    assert query(out, """SELECT count(*) FROM payment p JOIN customer c ON p.customer_code = c.code
                         WHERE p.customer_id <> c.id""") == [(0,)]
    # the rental's staff member works at the rental's copy's store
    assert query(out, """SELECT count(*) FROM rental r JOIN staff s ON r.staff_id = s.id
                         JOIN inventory i ON r.inventory_id = i.id WHERE s.store_id <> i.store_id""") == [(0,)]
    # the store is the customer's
    assert query(out, """SELECT count(*) FROM payment p JOIN customer c ON p.customer_id = c.id
                         WHERE p.store_id <> c.store_id""") == [(0,)]


def test_followed_keys_keep_their_real_null_shares_and_spread(shop):
    src, out, _ = shop
    q = "SELECT avg((rental_id IS NULL)::INT), avg((customer_code IS NULL)::INT), count(DISTINCT customer_id) FROM payment"
    (real_rental, real_code, real_customers), = query(src, q)
    (rental, code, customers), = query(out, q)
    assert rental == pytest.approx(real_rental, abs=0.05)
    assert code == pytest.approx(real_code, abs=0.05)
    assert customers >= 0.7 * real_customers
    # a rental is paid at most as often as in the real data (once): followed rows do not pile up
    (most,), = query(out, "SELECT max(n) FROM (SELECT count(*) AS n FROM payment WHERE rental_id IS NOT NULL GROUP BY rental_id)")
    assert most <= 3


def test_a_row_keeps_its_followed_parents_dates_apart_as_in_real_data(shop):
    src, out, _ = shop
    q = """SELECT avg((p.paid_at >= r.rented_at)::INT), median(epoch(p.paid_at - r.rented_at)) / 3600,
                  avg((epoch(p.paid_at)::BIGINT % 60 = 0)::INT)
           FROM payment p JOIN rental r ON p.rental_id = r.id"""
    (_, real_hours, _), = query(src, q)
    (after, hours, whole_minutes), = query(out, q)
    assert after == 1.0  # the rental is not the payment's driving parent: the model never saw its date
    assert hours == pytest.approx(real_hours, rel=0.25)
    assert whole_minutes == 1.0  # moved dates stay on the real timestamps' grid


def test_independent_keys_are_still_matched(shop):
    _, _, model = shop
    implied = followed_keys(model.tables_["payment"])
    db = model.plan_.db
    followed = {db.foreign_keys[i].columns for i in implied}
    assert ("customer_code",) in followed and ("store_id",) in followed
    rental = {db.foreign_keys[i].columns: f.how for i, f in followed_keys(model.tables_["rental"]).items()}
    assert rental == {("staff_id",): "sibling"}  # the customer agrees with nothing: matched as before


def test_implied_keys_survive_saving(shop, tmp_path):
    _, _, model = shop
    model.save(tmp_path / "m")
    again = type(model).load(tmp_path / "m")
    assert followed_keys(again.tables_["payment"]) == followed_keys(model.tables_["payment"])
    assert match_order(again.tables_["payment"]) == match_order(model.tables_["payment"])



def test_agreement_that_chance_gives_implies_nothing():
    # (the zoo's keys_only: two keys to spokes that all hang from one hub "agreed" on the hub
    # every time; matched among that one hub's spokes, the pair key could not be repaired)
    from amalgam_rel.relational.implied import MAX_CHANCE, agreement

    child = pa.table({"spoke": np.arange(100) % 10, "hub": np.ones(100, dtype=np.int64)})
    spokes = pa.table({"id": np.arange(10), "hub": np.ones(10, dtype=np.int64)})
    share, rows, chance = agreement(child, ("hub",), ("spoke",), spokes, ("id",), ("hub",))
    assert (share, rows) == (1.0, 100) and chance > MAX_CHANCE
    spokes = spokes.set_column(1, "hub", pa.array(np.arange(10) % 5))
    child = child.set_column(1, "hub", pa.array(np.arange(100) % 10 % 5))
    assert agreement(child, ("hub",), ("spoke",), spokes, ("id",), ("hub",)) == (1.0, 100, pytest.approx(0.2))


BADGES = """
CREATE TABLE person (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL UNIQUE, age INTEGER NOT NULL);
CREATE TABLE badge (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(id),
                    person_code VARCHAR UNIQUE REFERENCES person(code), level INTEGER NOT NULL);
"""


def test_a_unique_key_follows_each_parent_once(tmp_path):
    """A badge names its person by id and by code (UNIQUE). Asked for more badges than people
    (``--rows badge=500``), the code followed every badge's person and repeated: ``cannot make
    ['person_code'] unique``. It follows each person once; its other badges are left empty."""
    rng = np.random.default_rng(1)
    n = 300
    has = np.flatnonzero(rng.random(n) < 0.7)
    codes = np.array([f"P-{i:04d}" for i in range(n)], dtype=object)
    path = create(tmp_path / "real.duckdb", BADGES, {
        "person": {"id": np.arange(n), "code": codes, "age": rng.integers(18, 80, n)},
        "badge": {"id": np.arange(len(has)), "person_id": has, "person_code": codes[has], "level": rng.integers(1, 4, len(has))}})
    model = DatabaseModel(seed=0, iters=ITERS).fit(path)
    assert [r.how for r in followed_keys(model.tables_["badge"]).values()] == ["same"]
    out = tmp_path / "synth.duckdb"
    model.sample(out, rows={"badge": 500})
    (rows, people, coded, codes_, agree), = query(out, """SELECT count(*), count(DISTINCT person_id), count(person_code),
        count(DISTINCT person_code), count(*) FILTER (WHERE b.person_code = p.code) FROM badge b JOIN person p ON p.id = b.person_id""")
    assert rows == 500 and coded == codes_ == agree == people
