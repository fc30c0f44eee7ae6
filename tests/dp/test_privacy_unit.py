"""The privacy unit (issue 27): what one unit owns, that adding one unit moves each training frame
by at most its stated sensitivity, bridge rows, public tables and the automatic choice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pytest

from amalgam_rel.dp.bounding import fk_caps
from amalgam_rel.dp.options import PrivacyOptions
from amalgam_rel.dp.private_copies import agreeing_rows
from amalgam_rel.dp.public_parents import public_key_labels, with_public_keys
from amalgam_rel.dp.sensitivity import unit_contributions
from amalgam_rel.dp.unit import choose_unit, privacy_unit
from amalgam_rel.dp.unit_bounding import bound_units
from amalgam_rel.errors import InputError
from amalgam_rel.pipeline.private_fit import private_plan
from amalgam_rel.relational.training import TrainingFrames
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from tests.conftest import dataset_path

SHOP = """
CREATE TABLE nation (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, nation_id INTEGER NOT NULL REFERENCES nation (id), age INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id), total DOUBLE NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
                   nation_id INTEGER REFERENCES nation (id), qty INTEGER NOT NULL);
CREATE TABLE transfer (id INTEGER PRIMARY KEY, from_id INTEGER NOT NULL REFERENCES customer (id),
                       to_id INTEGER NOT NULL REFERENCES customer (id), amount DOUBLE NOT NULL);
INSERT INTO nation SELECT i, 'n' || i FROM range(1, 6) t(i);
INSERT INTO customer SELECT i, 1 + i % 5, 20 + i % 50 FROM range(1, 41) t(i);
INSERT INTO orders SELECT i, 1 + i % 40, i * 1.5 FROM range(1, 201) t(i);
INSERT INTO line SELECT i, 1 + i % 200, CASE WHEN i % 7 = 0 THEN NULL ELSE 1 + i % 5 END, i % 9 FROM range(1, 801) t(i);
-- 30 transfers of a customer to itself, 30 between two customers (bridges)
INSERT INTO transfer SELECT i, 1 + i % 40, CASE WHEN i <= 30 THEN 1 + i % 40 ELSE 1 + (i + 3) % 40 END, i FROM range(1, 61) t(i);
"""
# one more customer with far more rows than any cap: 20 orders of 10 lines, 10 transfers to
# itself and 10 bridges to customer 1
ONE_MORE = """
INSERT INTO customer VALUES (41, 2, 99);
INSERT INTO orders SELECT 1000 + i, 41, 9999 FROM range(20) t(i);
INSERT INTO line SELECT 5000 + i, 1000 + i // 10, 3, 99 FROM range(200) t(i);
INSERT INTO transfer SELECT 500 + i, 41, CASE WHEN i < 10 THEN 41 ELSE 1 END, 7777 FROM range(20) t(i);
"""
CAPS = {"orders": 3, "line": 4, "transfer": 2}
ROWS_PER_UNIT = {"line": 7}  # the rows kept per unit (step 4), as if chosen: below the caps' 12


def shop(path: Path, more: bool) -> Path:
    con = duckdb.connect(str(path))
    con.execute(SHOP + (ONE_MORE if more else ""))
    con.close()
    return path


def frames_of(path: Path) -> tuple[dict[str, Counter], dict[str, int]]:
    """Every private table's bounded training frame as a multiset of rows, and the sensitivities."""
    con = open_duckdb(path)
    db = read_duckdb(con)
    unit = privacy_unit(db, "customer", (), {})
    plan = private_plan(db, PrivacyOptions(1.0), unit)
    caps = fk_caps(plan, lambda table: CAPS.get(table, 8))
    caps = {i: c for i, c in caps.items() if db.foreign_keys[i].table in unit.private}
    frames = TrainingFrames(con, plan, bound_units(con, plan, "customer", set(unit.private), caps))
    out, sensitivity = _frames(con, plan, unit, frames, caps)
    con.close()
    return out, sensitivity


def released_by_the_choices(path: Path) -> tuple[dict, dict, dict]:
    """What the data-chosen caps and the copies test read (:mod:`amalgam_rel.dp.caps`,
    :mod:`amalgam_rel.dp.private_copies`): each FK's children-per-parent histogram with its
    rows(P), and each table's agreeing-rows vector; the caps drawn are CAPS, as if chosen."""
    con = open_duckdb(path)
    db = read_duckdb(con)
    unit = privacy_unit(db, "customer", (), {})
    plan = private_plan(db, PrivacyOptions(1.0), unit)
    caps = {i: None for i in fk_caps(plan, lambda table: None) if db.foreign_keys[i].table in unit.private}
    histograms = {}

    def pick(i, counts, rows):
        histograms[db.foreign_keys[i].label] = (counts, rows)
        return CAPS[db.foreign_keys[i].table]

    def pick_rows(table, counts, bound):
        histograms[table] = (counts, 1)
        return min(bound, ROWS_PER_UNIT.get(table, bound))

    limits: dict[str, int] = {}
    frames = TrainingFrames(con, plan, bound_units(con, plan, "customer", set(unit.private), caps, pick, pick_rows, limits))
    pairs = {"orders": [("total", plan.fk_index(plan.tables["orders"].driver), "age")],
             "line": [("qty", plan.fk_index(plan.tables["line"].attributes[0]), "id")]}
    agree = {key: agreeing_rows(frames, plan, key, p) for key, p in pairs.items()}
    out, sensitivity = _frames(con, plan, unit, frames, caps, limits)
    con.close()
    return histograms, agree, sensitivity, out


def _frames(con, plan, unit, frames, caps, limits=None) -> tuple[dict[str, Counter], dict[str, int]]:
    context = {"customer": (), "orders": ("age",), "line": ("total",), "transfer": ("age",)}
    labels = {plan.fk_index(fk): public_key_labels(con, plan, fk) for k in unit.private for fk in plan.tables[k].attributes}
    out = {}
    for key in plan.graph.order:
        if key in unit.private:
            frame = with_public_keys(frames.build(key, context[key]), plan, plan.tables[key], labels)
            out[key] = Counter(tuple(row.values()) for row in frame.to_pylist())
    return out, unit_contributions(plan, "customer", set(unit.private), caps, limits).sensitivity


def test_adding_one_unit_changes_each_frame_by_at_most_its_sensitivity(tmp_path):
    """Every statistic a table model releases is a count over its frame's rows, so a frame that
    changes by k rows changes every marginal by at most k (L1): the sensitivity the noise uses."""
    before, sensitivity = frames_of(shop(tmp_path / "a.duckdb", more=False))
    after, same = frames_of(shop(tmp_path / "b.duckdb", more=True))
    assert sensitivity == same == {"nation": 0, "customer": 1, "orders": 3, "line": 12, "transfer": 2}
    for key, rows in before.items():
        removed, added = rows - after[key], after[key] - rows
        assert not removed, key  # no row of another unit changed, not even a child count
        assert sum(added.values()) == sensitivity[key], key  # the new unit fills every cap: the bound is tight
    # the bridges (customer to another customer) are in no frame; the new unit's own transfers are
    assert all(row[2] == row[1] for row in after["transfer"])


def test_adding_one_unit_moves_what_chooses_caps_and_copies_by_at_most_their_sensitivity(tmp_path):
    """The cap's score reads a histogram of kept parents by children: one unit adds at most
    rows(P) parents to it and moves no other (so the score moves by at most rows(P)); the rows
    kept per unit read units by their rows: one more value (rows(P) = 1 there). The copies
    test's vector (agreeing, disagreeing rows per pair) moves by s(T) rows per pair: at most
    s(T) * sqrt(k) in L2 for k pairs."""
    before, agree, _, frames = released_by_the_choices(shop(tmp_path / "a.duckdb", more=False))
    after, agree_after, sensitivity, frames_after = released_by_the_choices(shop(tmp_path / "b.duckdb", more=True))
    assert set(before) == set(after) == {"orders(customer_id) -> customer(id)", "line(order_id) -> orders(id)",
                                         "transfer(from_id) -> customer(id)", "transfer(to_id) -> customer(id)",
                                         "line"}  # only below a child of the unit
    assert sensitivity == {"nation": 0, "customer": 1, "orders": 3, "line": 7, "transfer": 2}
    for key, rows in frames.items():  # with the rows per unit kept (step 4), still only the new unit's rows
        removed, added = rows - frames_after[key], frames_after[key] - rows
        assert not removed and sum(added.values()) == sensitivity[key], key
    for label, (counts, rows) in before.items():
        added = after[label][0] - counts
        assert (added >= 0).all() and 0 < added.sum() <= rows == after[label][1], label
    for key, vector in agree.items():
        moved = agree_after[key] - vector
        k = len(vector) // 2
        assert (moved >= 0).all(), key  # only the new unit's rows, each agreeing or not with every pair
        assert (moved[:k] + moved[k:] == sensitivity[key]).all(), key  # one entry of each pair per row: tight
        assert np.linalg.norm(moved) <= sensitivity[key] * np.sqrt(k), key  # the L2 sensitivity s * sqrt(k)


def test_unit_public_tables_and_their_keys(tmp_path):
    con = open_duckdb(shop(tmp_path / "a.duckdb", more=False))
    db = read_duckdb(con)
    con.close()
    unit = privacy_unit(db, "customer", (), {})
    assert set(unit.private) == {"customer", "orders", "line", "transfer"} and unit.public == ("nation",)
    plan = private_plan(db, PrivacyOptions(1.0), unit)
    assert [fk.label for fk in plan.tables["customer"].attributes] == ["customer(nation_id) -> nation(id)"]
    assert plan.tables["nation"].count_columns == {}  # nation counts nothing a unit holds
    assert plan.tables["customer"].driver is None
    with pytest.raises(InputError, match="--public orders: it reaches the privacy unit customer"):
        privacy_unit(db, "customer", ("orders",), {})


@pytest.mark.parametrize("name, unit", [("chinook", "Customer"), ("northwind", "customers"), ("berka", "account")])
def test_the_automatic_unit_is_the_people_table_not_a_lookup(name, unit):
    con = open_duckdb(dataset_path(name))
    db = read_duckdb(con)
    counts = {t.key: sql.count_rows(con, t.name, t.schema) for t in db.tables}
    con.close()
    chosen, reason = choose_unit(db, counts)
    assert chosen == unit and "holds people" in reason and "row counts" in reason


def test_a_public_table_with_too_many_keys_is_drawn_uniformly(tmp_path, monkeypatch):
    import amalgam_rel.dp.public_parents as public_parents
    from amalgam_rel.pipeline.database_model import DatabaseModel

    monkeypatch.setattr(public_parents, "MAX_KEYS", 3)  # nation's 5 keys are too many to model now
    model = DatabaseModel(seed=2, iters=30, epsilon=1.0, privacy_unit="customer").fit(shop(tmp_path / "a.duckdb", more=False))
    assert list(model.reference_) == ["nation"] and not any(c.startswith("&") for c in model.tables_["customer"].model.columns_)
    notes = {e.step: e.detail for e in model.privacy_.entries if e.table == "customer"}
    assert "drawn uniformly, without data" in notes["public key:customer(nation_id) -> nation(id)"]
    model.sample(tmp_path / "out.duckdb")
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    assert con.execute("SELECT * FROM nation ORDER BY id").fetchall() == [(i, f"n{i}") for i in range(1, 6)]
    assert con.execute("SELECT count(*) FROM customer WHERE nation_id NOT IN (SELECT id FROM nation)").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM customer").fetchone()[0] > 0
    con.close()


def test_words_mode_writes_only_words_whose_noisy_counts_cleared_the_threshold(tmp_path):
    from amalgam_rel.dp.private_words import PUBLIC_WORDS
    from amalgam_rel.generation.lexicon import common_words, words
    from amalgam_rel.pipeline.database_model import DatabaseModel

    path = tmp_path / "notes.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR NOT NULL)")
    # 3,000 rows of a few phrases, and one row with a word nobody else writes
    con.execute("INSERT INTO note SELECT i, CASE i % 3 WHEN 0 THEN 'red apple pie' WHEN 1 THEN 'green pear tart' "
                "ELSE 'ripe red pear' END || ' number ' || (i % 1000)::VARCHAR FROM range(1, 3000) t(i)")
    con.execute("INSERT INTO note VALUES (3000, 'zanzibarian secret')")
    con.close()
    model = DatabaseModel(seed=1, iters=30, epsilon=8.0, epsilon_text="words").fit(path)
    spends = [e for e in model.privacy_.entries if e.step == "text:body"]
    assert len(spends) == 1 and spends[0].rho > 0 and spends[0].delta > 0
    assert model.privacy_.spent <= model.privacy_.rho * (1 + 1e-9)
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "out.duckdb")
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    written = {w for (body,) in con.execute("SELECT body FROM note").fetchall() for w in words(body)}
    con.close()
    # a value ends on a word of exactly the room left: a released one, else a common public word
    public = {w for w, _ in common_words()["en"][:PUBLIC_WORDS]}
    assert written and "zanzibarian" not in written
    assert written - public <= {"red", "apple", "pie", "green", "pear", "tart", "ripe", "number"}


def test_an_empty_private_table_gets_no_share_and_the_whole_budget_is_spent(tmp_path):
    # northwind's customer_customer_demo is empty: its share of rho (10 % at epsilon = 8) was
    # left unspent. Whether a private table's bounded frame is empty is public (docs/privacy.md),
    # so the split may read it: the empty table gets nothing and the others spend all of rho.
    from amalgam_rel.pipeline.database_model import DatabaseModel

    path = shop(tmp_path / "a.duckdb", more=False)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE review (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id), "
                "stars INTEGER NOT NULL)")
    con.close()
    model = DatabaseModel(seed=2, iters=30, epsilon=1.0, privacy_unit="customer").fit(path)
    ledger = model.privacy_
    assert ledger.tables["review"]["role"] == "private" and ledger.tables["review"]["rho"] == 0.0
    # only the choice of its cap (the caps' 10 %, spent before the split) is charged to it
    assert [e.step for e in ledger.entries if e.table == "review" and e.rho > 0] == ["cap:review(customer_id) -> customer(id)"]
    assert ledger.spent == pytest.approx(ledger.rho, rel=1e-9)
    model.sample(tmp_path / "out.duckdb")
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM review").fetchone() == (0,) and con.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
    con.close()


def test_a_nullable_text_column_keeps_its_released_null_share(tmp_path):
    # berka's trans.bank: 78 % NULL, no bank common enough to release, so the column is text
    # (schema placeholders), which were written in every row: column shape 0. The NULL share is
    # post-processing of counts the table model released (n_hat, the noisy non-NULL count).
    from amalgam_rel.pipeline.database_model import DatabaseModel

    path = tmp_path / "pay.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE payment (id INTEGER PRIMARY KEY, bank VARCHAR, amount DOUBLE NOT NULL)")
    con.execute("INSERT INTO payment SELECT i, CASE WHEN i % 4 = 0 THEN 'bank ' || (i % 700)::VARCHAR END, i % 97 "
                "FROM range(1, 4001) t(i)")
    con.close()
    model = DatabaseModel(seed=1, iters=30, epsilon=8.0, epsilon_text="schema").fit(path)
    assert model.tables_["payment"].text_columns == ("bank",)
    notes = {e.step: e.detail for e in model.privacy_.entries if e.table == "payment"}
    assert "NULL in 7" in notes["text nulls:bank"]  # 75 %, within the noise
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "out.duckdb")
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    nulls, rows = con.execute("SELECT count(*) FILTER (WHERE bank IS NULL), count(*) FROM payment").fetchone()
    con.close()
    assert rows > 3000 and nulls / rows == pytest.approx(0.75, abs=0.05)

