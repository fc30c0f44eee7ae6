"""Each metric scores real vs itself as perfect and drops when the data is broken on purpose."""

from __future__ import annotations

import pytest

from amalgam_rel.errors import InputError, SchemaError
from amalgam_rel.evaluation import evaluate

from .conftest import build, copy, derive

FIDELITY = ("validity", "column_shapes", "amalgam_chi2_p", "pair_trends", "cardinality", "intertable_trends", "detection")


@pytest.fixture(scope="module")
def itself(real_db):
    return evaluate(real_db, real_db).to_dict()


def test_real_vs_itself_is_perfect(itself):
    d = itself
    assert d["validity"]["violations"] == 0
    for area in ("column_shapes", "pair_trends", "cardinality", "intertable_trends", "workload"):
        assert d[area]["score"] == pytest.approx(1.0), area
    assert d["detection"]["auc"] == pytest.approx(0.5)
    assert d["amalgam_chi2_p"]["mean"] == pytest.approx(1.0)
    assert d["workload"]["failed"] == 0 and d["workload"]["median_rel_error"] == 0
    assert d["overall"]["score"] == pytest.approx(1.0)
    assert d["privacy"]["exact_copy_rate"] == 1.0  # a copy of the real rows is all copies
    assert d["privacy"]["dcr_share"] is None and "no holdout" in d["privacy"]["note"]


def test_every_column_kind_is_covered(itself):
    roles = {(c["table"], c["column"]): c["role"] for c in itself["column_shapes"]["columns"]}
    assert roles[("customers", "segment")] == "categorical"
    assert roles[("customers", "notes")] == "text"
    assert roles[("customers", "tags")] == "list"
    assert roles[("customers", "meta")] == "json"
    assert roles[("customers", "feeling")] == "categorical"
    assert roles[("orders", "placed")] == "temporal"
    assert ("customers", "id") not in roles and ("orders", "customer_id") not in roles  # keys


def test_half_of_the_customers_with_their_orders_stays_near_perfect(real_db, tmp_path):
    half = derive(real_db, tmp_path / "half.duckdb", [
        "INSERT INTO customers SELECT * FROM src.customers WHERE hash(id) % 2 = 0",
        "INSERT INTO orders SELECT * FROM src.orders WHERE customer_id IN (SELECT id FROM customers)",
    ])
    d = evaluate(real_db, half, stages=FIDELITY).to_dict()
    assert d["validity"]["violations"] == 0
    assert d["column_shapes"]["score"] > 0.95
    assert d["pair_trends"]["score"] > 0.95
    assert d["cardinality"]["score"] > 0.9
    assert d["intertable_trends"]["score"] > 0.9
    assert d["detection"]["auc"] < 0.6
    assert d["amalgam_chi2_p"]["strict_rejected"] <= 0.2


def test_shuffled_columns_lose_pair_trends_and_are_detected(real_db, tmp_path):
    cols = ["segment", "age", "income", "signup", "email", "notes", "tags", "meta", "empty_col", "feeling"]
    shuffled = ", ".join(
        f"(SELECT list({c} ORDER BY hash(id, {i})) FROM src.customers)[row_number() OVER (ORDER BY id)]" for i, c in enumerate(cols)
    )
    synth = derive(real_db, tmp_path / "shuffled.duckdb", [
        f"INSERT INTO customers SELECT id, {shuffled} FROM src.customers",
        "INSERT INTO orders SELECT * FROM src.orders",
    ])
    d = evaluate(real_db, synth, stages=FIDELITY).to_dict()
    pairs = {(p["a"], p["b"]): p["score"] for p in d["pair_trends"]["pairs"] if p["table"] == "customers"}
    assert pairs[("age", "income")] < 0.7  # ρ ≈ 0.9 becomes ≈ 0
    assert d["pair_trends"]["score"] < 0.97
    assert d["column_shapes"]["score"] == pytest.approx(1.0)  # marginals untouched
    auc = {t["table"]: t["auc"] for t in d["detection"]["tables"]}
    assert auc["customers"] > 0.75
    assert d["intertable_trends"]["score"] < 0.97  # orders no longer follow their customer's segment


def test_orphans_duplicates_and_broken_checks_are_violations(real_db, tmp_path):
    synth = derive(real_db, tmp_path / "broken.duckdb", [
        "ALTER TABLE customers ALTER meta TYPE VARCHAR",  # DuckDB would refuse bad JSON in a JSON column
        "INSERT INTO customers SELECT * FROM src.customers",
        "INSERT INTO customers SELECT * FROM src.customers WHERE id < 5",  # 5 duplicate keys and emails
        "UPDATE customers SET age = -1 WHERE id = 7",
        "UPDATE customers SET segment = NULL WHERE id = 8",
        "UPDATE customers SET meta = '{broken' WHERE id = 9",
        "INSERT INTO orders SELECT * FROM src.orders",
        "UPDATE orders SET customer_id = customer_id + 100000 WHERE id < 3",  # 3 orphans
    ])
    d = evaluate(real_db, synth, stages=("validity",)).to_dict()
    found = {(v["table"], v["constraint"]): v["count"] for v in d["validity"]["failed"]}
    assert found[("customers", "primary key")] == 5
    assert found[("customers", "unique")] == 5
    assert found[("customers", "check")] == 1
    assert found[("customers", "not null")] == 1
    assert found[("customers", "json")] == 1
    assert found[("orders", "foreign key")] == 3
    assert d["validity"]["score"] < 1


def test_cardinality_notices_every_parent_getting_one_child(real_db, tmp_path):
    synth = derive(real_db, tmp_path / "one.duckdb", [
        "INSERT INTO customers SELECT * FROM src.customers",
        "INSERT INTO orders SELECT * FROM src.orders WHERE id IN (SELECT min(id) FROM src.orders GROUP BY customer_id)",
    ])
    d = evaluate(real_db, synth, stages=("cardinality",)).to_dict()
    fk = d["cardinality"]["foreign_keys"][0]
    assert fk["max"][1] == 1 and fk["max"][0] > 1
    assert d["cardinality"]["score"] < 0.7


def test_exact_copies_and_holdout(real_db, tmp_path):
    holdout = build(tmp_path / "holdout.duckdb", seed=1)
    d = evaluate(real_db, copy(real_db, tmp_path / "copy.duckdb"), holdout=holdout, stages=("privacy",)).to_dict()
    assert d["privacy"]["exact_copy_rate"] == 1.0
    assert d["privacy"]["dcr_share"] > 0.9  # every copy sits on a real row
    assert d["privacy"]["score"] < 0.2
    fresh = evaluate(real_db, build(tmp_path / "fresh.duckdb", seed=2), holdout=holdout, stages=("privacy",)).to_dict()
    assert fresh["privacy"]["exact_copy_rate"] < 0.2
    assert 0.35 < fresh["privacy"]["dcr_share"] < 0.65


def test_empty_synthetic_tables_score_zero_not_crash(real_db, tmp_path):
    empty = derive(real_db, tmp_path / "empty.duckdb", [])
    d = evaluate(real_db, empty).to_dict()
    assert d["column_shapes"]["score"] < 0.3
    assert d["cardinality"]["score"] == 0.0
    assert d["workload"]["median_rel_error"] == 1.0
    assert d["detection"]["skipped"]  # nothing to classify


def test_bad_inputs_are_one_line_errors(real_db, tmp_path):
    with pytest.raises(InputError, match="not found"):
        evaluate(real_db, tmp_path / "missing.duckdb")
    other = derive(real_db, tmp_path / "other.duckdb", ["ALTER TABLE orders DROP COLUMN express"])
    with pytest.raises(SchemaError, match="orders.*express|express.*orders"):
        evaluate(real_db, other)
    retyped = derive(real_db, tmp_path / "retyped.duckdb", ["ALTER TABLE orders ALTER placed TYPE VARCHAR"])
    with pytest.raises(SchemaError, match="orders.placed"):
        evaluate(real_db, retyped)
    with pytest.raises(InputError, match="unknown evaluation stage"):
        evaluate(real_db, real_db, stages=("nope",))
