"""Tables nobody references are sampled and written in parts (issue 6, item 6).

The parts must add up to the table sampled whole: same size, each parent's degree kept for the
driving and the matched foreign key, numbering within a parent unbroken, every constraint held,
and the same seed giving the same rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from amalgam_rel.pipeline.sample_run import last_readers
from amalgam_rel.pipeline.streaming import part_bounds

from ..relational.conftest import create, degrees, fit, ks_complement, query, validity_violations
from ..relational.test_key_shapes import build as build_keys

PART = 150  # rows per part: the shop's ~1,900 orders come in a dozen parts


@pytest.fixture(scope="module")
def in_parts(shop, tmp_path_factory):
    real, model, whole = shop
    out = tmp_path_factory.mktemp("parts") / "parts.duckdb"
    report = model.sample(out, part_rows=PART)
    return real, model, whole, out, report


def test_only_the_table_nobody_references_is_sampled_in_parts(in_parts):
    *_, report = in_parts
    assert set(report.parts) == {"orders"}
    assert report.parts["orders"] >= report.rows["orders"] // PART - 1


def test_parts_add_up_to_the_whole_table_and_keep_both_degree_distributions(in_parts):
    real, _, whole, parts, _ = in_parts
    assert query(parts, "SELECT count(*) FROM orders") == query(whole, "SELECT count(*) FROM orders")
    for parent, fk in (("customer", "customer_id"), ("product", "product_id")):
        a = degrees(real, "orders", (fk,), parent, ("id",))
        b = degrees(parts, "orders", (fk,), parent, ("id",))
        w = degrees(whole, "orders", (fk,), parent, ("id",))
        # as close as the whole table (matching each part on its own gave products 0.95 vs 0.98)
        assert ks_complement(a, b) >= max(0.9, ks_complement(a, w) - 0.02), (parent, ks_complement(a, w))
        assert abs(np.mean(b == 0) - np.mean(a == 0)) <= 0.03, (parent, np.mean(a == 0), np.mean(b == 0))
        assert 0.5 * a.max() <= b.max() <= 2 * a.max(), (parent, a.max(), b.max())


def test_parts_keep_every_constraint_and_the_temporal_order(in_parts):
    real, _, _, parts, _ = in_parts
    assert validity_violations(real, parts) == []
    after = "SELECT avg((o.order_date >= c.since)::INTEGER) FROM orders o JOIN customer c ON o.customer_id = c.id"
    assert query(parts, after)[0][0] >= 0.99


def test_the_same_seed_gives_the_same_parts(in_parts, tmp_path):
    _, model, _, parts, _ = in_parts
    again = tmp_path / "again.duckdb"
    model.sample(again, part_rows=PART)
    sql = "SELECT * FROM orders ORDER BY id"
    assert query(again, sql) == query(parts, sql)


def test_numbering_within_a_parent_survives_parts(tmp_path):
    """``ship_no`` counts 1..k within its warehouse: a part never splits a warehouse."""
    real = build_keys(tmp_path / "keys.duckdb")
    out = tmp_path / "parts.duckdb"
    report = fit(real).sample(out, part_rows=40)
    assert report.parts.get("shipment", 0) >= 3
    sql = ("SELECT avg((min(ship_no) = 1 AND max(ship_no) = count(*))::INTEGER) OVER () FROM shipment "
           "GROUP BY region_code, wh_no LIMIT 1")
    assert query(out, sql)[0][0] == 1.0
    assert validity_violations(real, out) == []


def test_a_root_table_in_parts_keeps_its_size_and_values_and_unique_sets_stay_whole(tmp_path):
    rng = np.random.default_rng(3)
    real = create(tmp_path / "real.duckdb", """
        CREATE TABLE log (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, value DOUBLE NOT NULL);
        CREATE TABLE tagged (id INTEGER PRIMARY KEY, weight DOUBLE NOT NULL UNIQUE);
    """, {"log": {"id": np.arange(600), "kind": rng.choice(["a", "b", "c"], 600), "value": rng.gamma(2, 10, 600)},
          "tagged": {"id": np.arange(300), "weight": rng.permutation(5000)[:300] / 10}})
    out = tmp_path / "parts.duckdb"
    report = fit(real).sample(out, part_rows=100)
    # two parts could draw the same weight (a modelled UNIQUE column), so ``tagged`` is sampled whole
    assert report.parts == {"log": 6}
    assert query(out, "SELECT count(*), count(DISTINCT id) FROM log") == [(600, 600)]
    a = np.array([r[0] for r in query(real, "SELECT value FROM log")])
    b = np.array([r[0] for r in query(out, "SELECT value FROM log")])
    assert ks_complement(a, b) >= 0.9
    assert validity_violations(real, out) == []


def test_part_bounds_never_split_a_parent():
    rows = np.repeat(np.arange(50), np.random.default_rng(0).integers(0, 9, 50))
    rows = np.concatenate([rows, [-1, -1]])
    bounds = part_bounds(rows, 7)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(rows)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    for start, end in bounds[:-1]:
        assert end == len(rows) or rows[end] != rows[end - 1]
    assert (rows[bounds[-1][0]:] == -1).all()


def test_sampled_tables_are_forgotten_after_their_last_reader(shop):
    _, model, _ = shop
    finished = last_readers(model.plan_, model.tables_)
    assert "region" in finished["customer"]
    assert {"customer", "product", "orders"} <= set(finished["orders"])


def test_text_columns_in_parts_share_the_tables_generation_budget(tmp_path):
    """Three parts draw what the whole table would (``text_values``), not three times as much."""
    from amalgam_rel.generation.sample_db import WORDS
    from amalgam_rel.pipeline.database_model import DatabaseModel

    rng = np.random.default_rng(5)
    kinds = rng.choice(list(WORDS), 300)
    body = [" ".join(rng.choice(WORDS[k], rng.integers(3, 7))) for k in kinds]
    real = create(tmp_path / "real.duckdb", "CREATE TABLE note (id INTEGER PRIMARY KEY, kind VARCHAR, body VARCHAR);",
                  {"note": {"id": np.arange(300), "kind": kinds, "body": np.array(body)}})
    model = DatabaseModel(seed=0, iters=50, text_steps=50).fit(real)
    out = tmp_path / "parts.duckdb"
    report = model.sample(out, part_rows=100, text_values=60)
    assert report.parts == {"note": 3}
    column = report.text["note.body"]
    assert column["rows"] == 300
    assert column["first_pass_drawn"] <= 60, column  # 20 a part
    assert column["reused"] >= 300 - column["first_pass_drawn"] - column["frequent"], column
    assert query(out, "SELECT count(*), count(body) FROM note") == [(300, 300)]
    assert query(out, "SELECT count(DISTINCT body) FROM note")[0][0] > 20  # the parts drew different text


def test_the_command_line_takes_part_rows_and_says_what_went_in_parts(tmp_path):
    import subprocess
    import sys

    rng = np.random.default_rng(4)
    real = create(tmp_path / "real.duckdb", "CREATE TABLE log (id INTEGER PRIMARY KEY, value DOUBLE NOT NULL);",
                  {"log": {"id": np.arange(500), "value": rng.gamma(2, 10, 500)}})
    out = tmp_path / "out.duckdb"
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "synth", str(real), "-o", str(out),
                           "--part-rows", "200"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "sampled and written in parts (memory bounded): log 3" in proc.stderr
    assert query(out, "SELECT count(*), count(DISTINCT id) FROM log") == [(500, 500)]
