"""Dates that follow another date closely keep their gaps (:mod:`amalgam_rel.relational.date_offsets`)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.date_offsets import DateOffset, decode, encode, find_date_offsets

from .conftest import synthesized

DAY0 = dt.date(2019, 1, 1)

DDL = """
CREATE TABLE orders (id INTEGER PRIMARY KEY, placed DATE NOT NULL, required DATE NOT NULL, shipped DATE,
                     received DATE, born DATE NOT NULL,
                     CHECK (required >= placed), CHECK (required <= DATE '2021-12-31'), UNIQUE (placed, born));
CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), delivered DATE NOT NULL,
                   qty INTEGER NOT NULL);
"""


def _days(offsets) -> list[dt.date]:
    return [DAY0 + dt.timedelta(days=int(d)) for d in offsets]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    rng = np.random.default_rng(0)
    n, m = 600, 2400
    placed = rng.integers(0, 3 * 365, n)
    required = placed + rng.choice([14, 28, 42], n, p=[0.1, 0.8, 0.1])
    # every real order is required by 2021-12-31 (a CHECK): the last weeks' orders only with
    # short gaps, so a synthetic late order drawn with a long gap must be repaired
    required = np.minimum(required, 1095)
    shipped = np.where(rng.random(n) < 0.05, -1, placed + rng.integers(1, 38, n))
    born = rng.integers(-60 * 365, -20 * 365, n)  # years apart from placed: no offset
    order_of = np.sort(rng.integers(0, n, m))
    delivered = placed[order_of] + rng.integers(2, 11, m)
    real, model, out = synthesized(tmp_path_factory.mktemp("offsets"), DDL, {
        "orders": {"id": np.arange(n), "placed": _days(placed), "required": _days(required),
                   "shipped": [None if s < 0 else d for s, d in zip(shipped, _days(shipped))],
                   "received": [None if s < 0 else d for s, d in zip(shipped, _days(shipped + rng.integers(1, 6, n)))],
                   "born": _days(born)},
        "line": {"id": np.arange(m), "order_id": order_of, "delivered": _days(delivered), "qty": rng.integers(1, 9, m)}})
    return real, model, out


GAPS = """
SELECT count(*) FILTER (WHERE (required - placed) NOT IN (14, 28, 42)),
       avg(((required - placed) = 28)::INT),
       count(*) FILTER (WHERE (shipped - placed) NOT BETWEEN 1 AND 37),
       count(*) FILTER (WHERE shipped IS NULL),
       count(*) FILTER (WHERE (received - shipped) NOT BETWEEN 1 AND 5 OR (received IS NULL) <> (shipped IS NULL)),
       (SELECT count(*) FILTER (WHERE (l.delivered - o.placed) NOT BETWEEN 2 AND 10) FROM line l JOIN orders o ON o.id = l.order_id)
FROM orders
"""


def test_dates_are_drawn_as_their_gaps_to_the_date_they_follow(shop, tmp_path):
    real, model, out = shop
    real_off_grid = duckdb.connect(str(real), read_only=True).execute(GAPS).fetchone()[0]  # the capped gaps
    # a chain: received follows shipped, which follows placed
    assert set(model.tables_["orders"].rules["offsets"]) == {DateOffset("required", "placed"), DateOffset("shipped", "placed"),
                                                    DateOffset("received", "shipped")}
    assert model.tables_["line"].rules["offsets"] == (DateOffset("delivered", "^placed"),)
    assert "required" in model.tables_["orders"].modelled  # children see the date, not its gap
    off_grid, share_28, late, unshipped, unreceived, off_parent = duckdb.connect(str(out), read_only=True).execute(GAPS).fetchone()
    assert 5 < real_off_grid < 40 and off_grid <= 2 * real_off_grid and 0.72 < share_28 < 0.88  # real: 78 % four weeks
    assert late == 0 and 10 <= unshipped <= 55  # real: 5 % of 600 NULL
    assert unreceived == 0  # received 1-5 days after shipping, NULL when not shipped
    assert off_parent == 0
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "again.duckdb", seed=4)
    off_grid, _, late, _, unreceived, off_parent = duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True).execute(GAPS).fetchone()
    assert off_grid <= 2 * real_off_grid and late == unreceived == off_parent == 0


def test_the_tightest_pairs_win_without_a_cycle_and_loose_or_unanchored_dates_are_left():
    rng = np.random.default_rng(1)
    n = 500
    order = rng.integers(0, 2000, n)
    ship = order + rng.integers(1, 121, n)
    receipt = ship + rng.integers(1, 31, n)
    birth = rng.integers(-20000, -7000, n)
    gone = np.where(rng.random(n) < 0.2, np.nan, order)  # an anchor that is often missing
    t = pa.table({"order": pa.array(order, pa.int32()).cast(pa.date32()), "ship": pa.array(ship, pa.int32()).cast(pa.date32()),
                  "receipt": pa.array(receipt, pa.int32()).cast(pa.date32()), "birth": pa.array(birth, pa.int32()).cast(pa.date32()),
                  "maybe": pa.array(np.nan_to_num(gone).astype(np.int32), mask=np.isnan(gone)).cast(pa.date32())})
    found = find_date_offsets(t, ["order", "ship", "receipt", "birth"], [])
    # receipt - ship (30 days) is tighter than ship - order (120): receipt follows ship, ship
    # follows order, and ship cannot follow receipt (a cycle); birth is decades from everything
    assert found == (DateOffset("ship", "order"), DateOffset("receipt", "ship"))
    assert find_date_offsets(t, ["ship"], ["maybe"]) == ()  # 20 % of ships would lose their date
    rows = encode(t, found)
    assert "receipt" not in rows.column_names and rows.column("+receipt").to_numpy().min() >= 1
    back = decode(rows, found)
    assert back.column("receipt").equals(t.column("receipt")) and back.column("ship").equals(t.column("ship"))


def test_a_timestamp_gap_keeps_its_resolution():
    base = np.arange(0, 200) * 86_400 * 10**6 * 3
    t = pa.table({"start": pa.array(base, pa.timestamp("us")),
                  "end": pa.array(base + np.tile([1800, 3600, 5400], 67)[:200] * 10**6, pa.timestamp("us"))})
    (offset,) = find_date_offsets(t, ["start", "end"], [])
    assert offset == DateOffset("end", "start", 60 * 10**6)  # whole minutes
    assert set(encode(t, (offset,)).column("+end").to_pylist()) == {30, 60, 90}


def test_a_not_null_date_never_follows_a_date_it_may_lack(tmp_path):
    """``shipped`` is NOT NULL and 1-8 days after ``ordered``, which is NULL on 0.8 % of the rows:
    drawn as a gap, those rows had no date ('NOT NULL constraint failed'). It keeps its own model."""
    rng = np.random.default_rng(9)
    n = 1500
    ordered = rng.integers(0, 1500, n)
    lost = rng.random(n) < 0.008
    ddl = "CREATE TABLE parcel (id INTEGER PRIMARY KEY, ordered DATE, shipped DATE NOT NULL, due DATE);"
    _, model, out = synthesized(tmp_path, ddl, {"parcel": {
        "id": np.arange(n), "ordered": pa.array(_days(ordered), mask=lost), "shipped": _days(ordered + rng.integers(1, 9, n)),
        "due": pa.array(_days(ordered + 30), mask=lost)}})
    assert model.tables_["parcel"].rules["offsets"] == (DateOffset("due", "ordered"),)  # nullable: NULL with its anchor
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*) FILTER (WHERE shipped IS NULL), count(*) FILTER (WHERE ordered IS NULL),"
                       " count(*) FILTER (WHERE due <> ordered + 30) FROM parcel").fetchone()[::2] == (0, 0)


def test_a_not_null_date_takes_no_anchor_that_a_chain_or_a_parent_may_leave_null():
    rng = np.random.default_rng(2)
    n = 600
    start = rng.integers(0, 2000, n)
    mid = start + rng.integers(0, 21, n)
    lost = rng.random(n) < 0.005

    def day(values, mask=None):
        return pa.array(values, pa.int32(), mask=mask).cast(pa.date32())

    t = pa.table({"start": day(start, lost), "mid": day(mid), "end": day(mid + rng.integers(1, 4, n)), "^opened": day(mid - 3)})
    # nullable: mid follows start (lost on 0.5 % of rows), end follows mid
    assert set(find_date_offsets(t, ["start", "mid", "end"], [])) == {DateOffset("mid", "start"), DateOffset("end", "mid")}
    # a NOT NULL end cannot follow mid while mid follows start: mid is NULL wherever start is
    assert find_date_offsets(t, ["start", "mid", "end"], [], required={"end"}) == (DateOffset("mid", "start"),)
    # a NOT NULL mid keeps its model, and end may follow it again
    assert find_date_offsets(t, ["start", "mid", "end"], [], required={"mid", "end"}) == (DateOffset("end", "mid"),)
    # a parent's date that may be NULL (its parents without children hold NULLs): not for a NOT NULL date
    assert find_date_offsets(t, ["end"], ["^opened"], required={"end"}) == (DateOffset("end", "^opened"),)
    assert find_date_offsets(t, ["end"], ["^opened"], required={"end"}, nullable={"^opened"}) == ()
