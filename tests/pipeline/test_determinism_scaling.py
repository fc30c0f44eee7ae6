"""Same seed, same database; scale and fixed row counts are honoured (issue 6, properties 8-9)."""

from __future__ import annotations

import duckdb
import pytest

from ..relational.conftest import degrees, ks_complement, query, validity_violations

TABLES = ("region", "customer", "product", "orders")


def contents(path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def counts(path) -> dict[str, int]:
    return {t: query(path, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def test_same_seed_gives_identical_tables_and_another_seed_does_not(shop, tmp_path):
    real, model, synth = shop
    again, other = tmp_path / "again.duckdb", tmp_path / "other.duckdb"
    model.sample(again, seed=model.seed)
    model.sample(other, seed=model.seed + 1)
    first, second, third = contents(synth), contents(again), contents(other)
    assert first == second
    # every sampled table differs (keys of root tables are a sequence, so compare whole rows)
    for table in TABLES:
        assert first[table] != third[table], table


@pytest.mark.parametrize("scale", [0.1, 3.0])
def test_scale_gives_proportional_row_counts_and_a_valid_database(shop, tmp_path, scale):
    real, model, _ = shop
    out = tmp_path / f"scale{scale}.duckdb"
    report = model.sample(out, scale=scale)
    real_counts, synth_counts = counts(real), counts(out)
    assert report.rows == synth_counts
    for table, n in real_counts.items():
        assert abs(synth_counts[table] - scale * n) <= 0.1 * scale * n + 1, (table, n, synth_counts[table])
    assert validity_violations(real, out) == []
    # at three times the size, customers still have the real number of orders each
    if scale > 1:
        a = degrees(real, "orders", ("customer_id",), "customer", ("id",))
        b = degrees(out, "orders", ("customer_id",), "customer", ("id",))
        assert ks_complement(a, b) >= 0.9


def test_fixed_row_count_of_a_root_table_is_exact(shop, tmp_path):
    real, model, _ = shop
    out = tmp_path / "rows.duckdb"
    model.sample(out, rows={"product": 333, "region": 50})
    synth_counts, real_counts = counts(out), counts(real)
    assert synth_counts["product"] == 333
    assert synth_counts["region"] == 50
    # children grow with their driving parent: a quarter of the regions, a quarter of the rest
    for table in ("customer", "orders"):
        assert abs(synth_counts[table] - real_counts[table] / 4) <= 0.1 * real_counts[table] / 4, table
    assert validity_violations(real, out) == []


def test_fixed_row_count_of_a_child_table_is_exact(shop, tmp_path):
    real, model, _ = shop
    out = tmp_path / "child.duckdb"
    model.sample(out, rows={"orders": 5000})
    assert counts(out)["orders"] == 5000
    assert validity_violations(real, out) == []
