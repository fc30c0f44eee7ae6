"""Children whose values sum to a constant per parent keep that sum (portfolio shares sum to 100).

The shares are drawn per holding by the table model, so without keeping the sum every synthetic
portfolio would add up to something else; with it each one sums to exactly 100.0, the shares
keep their real distribution and decimal, and databases without such a column sample exactly as
before.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.relational import rules
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.fixed_sums import choose_rows, find_fixed_sum, spread_residuals

from .conftest import column, create, fit, ks_complement, query, validity_violations

DDL = """
CREATE TABLE portfolio (id INTEGER PRIMARY KEY, style VARCHAR NOT NULL);
CREATE TABLE holding (id INTEGER PRIMARY KEY, portfolio_id INTEGER NOT NULL REFERENCES portfolio (id),
                      asset VARCHAR NOT NULL, share DOUBLE NOT NULL CHECK (share > 0 AND share <= 100));
"""
SUMS = "SELECT round(sum(share) * 10)::BIGINT AS tenths, count(*) AS n FROM holding GROUP BY portfolio_id"


def shares(rng: np.random.Generator, k: int) -> np.ndarray:
    """k shares in tenths of a percent summing to exactly 100.0."""
    weights = rng.gamma(2.0, size=k)
    tenths = np.maximum(np.floor(weights / weights.sum() * 1000), 1)
    tenths[np.argmax(tenths)] += 1000 - tenths.sum()
    return tenths / 10


def build(path, seed: int = 5, n: int = 300):
    """Cautious portfolios hold 1 to 3 assets, bold ones 3 to 6; a holding of 30 % or more is core."""
    rng = np.random.default_rng(seed)
    cautious = rng.random(n) < 0.5
    sizes = np.where(cautious, rng.integers(1, 4, n), rng.integers(3, 7, n))
    share = np.concatenate([shares(rng, int(k)) for k in sizes])
    return create(path, DDL, {
        "portfolio": {"id": np.arange(1, n + 1), "style": np.where(cautious, "cautious", "bold")},
        "holding": {"id": np.arange(1, len(share) + 1), "portfolio_id": np.repeat(np.arange(1, n + 1), sizes),
                    "asset": np.where(share >= 30, "core", "satellite"), "share": share},
    })


@pytest.fixture(scope="module")
def portfolios(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sums")
    real = build(folder / "real.duckdb")
    model = fit(real)
    synth = folder / "synth.duckdb"
    model.sample(synth)
    return real, model, synth, folder


def test_the_constant_sum_is_found(portfolios):
    _, model, _, _ = portfolios
    (fixed,) = model.tables_["holding"].rules["fixed_sums"]
    assert (fixed.column, fixed.total, fixed.step, fixed.min_children) == ("share", 100.0, 0.1, 1)
    assert model.tables_["portfolio"].rules.get("fixed_sums", ()) == ()


def test_every_synthetic_parent_sums_to_the_constant_exactly(portfolios):
    real, _, synth, _ = portfolios
    rows = query(synth, SUMS)
    assert len(rows) > 250
    assert {tenths for tenths, _ in rows} == {1000}
    # every share stays on the real decimal (tenths) and inside the CHECK
    assert query(synth, "SELECT count(*) FROM holding WHERE abs(share * 10 - round(share * 10)) > 1e-6")[0][0] == 0
    assert validity_violations(real, synth) == []


def test_the_shares_keep_their_distribution(portfolios):
    real, _, synth, _ = portfolios
    a, b = column(real, "SELECT share FROM holding"), column(synth, "SELECT share FROM holding")
    assert ks_complement(a, b) >= 0.9
    core = "SELECT avg(share) FROM holding WHERE asset = 'core'"
    assert abs(query(synth, core)[0][0] - query(real, core)[0][0]) <= 5
    # whole rows are swapped, not shifted: a holding's asset still agrees with its share
    agree = "SELECT avg(((asset = 'core') = (share >= 30))::INTEGER) FROM holding"
    assert query(synth, agree)[0][0] >= 0.9


def test_sums_hold_when_the_table_is_sampled_in_parts(portfolios):
    _, model, _, folder = portfolios
    out = folder / "parts.duckdb"
    report = model.sample(out, part_rows=100, seed=3)
    assert report.parts["holding"] >= 5
    assert {tenths for tenths, _ in query(out, SUMS)} == {1000}


def test_a_saved_model_keeps_the_constant(portfolios, tmp_path):
    _, model, synth, _ = portfolios
    model.save(tmp_path / "model")
    again = DatabaseModel.load(tmp_path / "model")
    assert again.tables_["holding"].rules.get("fixed_sums", ()) == model.tables_["holding"].rules["fixed_sums"]
    out = tmp_path / "again.duckdb"
    again.sample(out)
    assert query(out, "SELECT * FROM holding ORDER BY id") == query(synth, "SELECT * FROM holding ORDER BY id")


def test_a_database_without_such_a_column_samples_exactly_as_before(shop, tmp_path, monkeypatch):
    _, model, synth = shop
    assert all(ft.rules.get("fixed_sums", ()) == () for ft in model.tables_.values())
    without = tuple(r for r in rules.RULES if r is not rules.fixed_sums)
    assert len(without) == len(rules.RULES) - 1
    monkeypatch.setattr(rules, "RULES", without)
    out = tmp_path / "without.duckdb"
    model.sample(out)
    for table in ("customer", "orders"):
        assert query(out, f"SELECT * FROM {table} ORDER BY id") == query(synth, f"SELECT * FROM {table} ORDER BY id")


def test_sums_that_only_nearly_hold_are_not_taken_for_a_constant():
    """world's language percentages sum to about 100 per country, not exactly: not a constant."""
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(100), 3)
    values = np.tile([50.0, 30.0, 20.0], 100)
    assert find_fixed_sum("p", values, groups, 1.0).total == 100.0
    off = rng.choice(100, 5, replace=False)  # 5 % of the parents are a unit off
    values[off * 3] += 1
    assert find_fixed_sum("p", values, groups, 1.0) is None
    assert find_fixed_sum("p", np.zeros(300), groups, 1.0) is None  # all zero: nothing to keep
    assert find_fixed_sum("p", values[:30], groups[:30], 1.0) is None  # 10 parents: too few to tell


def test_a_leftover_goes_on_few_rows_within_the_range():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(3), 4)
    units = np.array([10, 20, 30, 37, 25, 25, 25, 26, 99, 99, 99, 99], dtype=float)
    valid = np.ones(12, dtype=bool)
    out = spread_residuals(units, valid, groups, 100.0, 0.0, 100.0, rng)
    assert np.bincount(groups, weights=out).tolist() == [100.0, 100.0, 100.0]
    assert (out >= 0).all() and (out <= 100).all()
    assert (out != units)[4:8].sum() == 1  # one step missing: one row takes it
    assert out[8:].tolist() != units[8:].tolist() and (out[8:] >= 0).all()


def test_a_pair_of_swaps_closes_a_gap_no_single_swap_can():
    """Rows 0 and 0 should sum to 1: swapping in 3 or -2 alone overshoots, both together hit it."""
    source, units = choose_rows(np.array([[0.0, 0.0]]), np.array([0, 0]), np.array([[3.0, -2.0]]),
                                np.array([0, 1]), np.array([1.0]), np.random.default_rng(0))
    assert source.tolist() == [2, 3] and units.tolist() == [[3.0, -2.0]]


def test_a_null_share_stays_null(tmp_path):
    """A holding may have no share (NULL: pending), which a sum skips as SQL does. Keeping the
    sums wrote 0 into every such row of a portfolio it touched: the NULLs were lost."""
    rng = np.random.default_rng(6)
    n = 300
    sizes = rng.integers(2, 6, n)
    share = np.concatenate([shares(rng, int(k)) for k in sizes])
    owner = np.repeat(np.arange(1, n + 1), sizes)
    pending = rng.random(n) < 0.4  # a portfolio with one more holding, not yet valued
    owner = np.r_[owner, np.flatnonzero(pending) + 1]
    share = np.r_[share, np.full(pending.sum(), np.nan)]
    ddl = DDL.replace("share DOUBLE NOT NULL CHECK (share > 0 AND share <= 100)", "share DOUBLE")
    real = create(tmp_path / "real.duckdb", ddl, {
        "portfolio": {"id": np.arange(1, n + 1), "style": rng.choice(["cautious", "bold"], n)},
        "holding": {"id": np.arange(1, len(share) + 1), "portfolio_id": owner, "asset": rng.choice(["a", "b"], len(share)),
                    "share": pa.array(share, mask=np.isnan(share))}})
    model = fit(real)
    assert [f.column for f in model.tables_["holding"].rules["fixed_sums"]] == ["share"]
    synth = tmp_path / "synth.duckdb"
    model.sample(synth)
    real_nulls, = query(real, "SELECT avg((share IS NULL)::INT) FROM holding")[0]
    nulls, zeros = query(synth, "SELECT avg((share IS NULL)::INT), count(*) FILTER (WHERE share = 0) FROM holding")[0]
    assert zeros == 0 and abs(nulls - real_nulls) < 0.04, (nulls, real_nulls)
