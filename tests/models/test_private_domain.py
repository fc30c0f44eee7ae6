"""The private-fit additions: budget plan, noisy row count, text test, point masses, refined grids."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.models.budget import ROWS_SHARE, grid_cells, noise_tv, pair_bins, plan_budget
from amalgam_rel.models.codecs import CodecOptions, ColumnSpec, NumericCodec, PrivateFit
from amalgam_rel.models.codecs.private_numeric import private_domain
from amalgam_rel.models.columns import private_text_test
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import PrivacyParams, gaussian_sigma
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.schema.types import Kind


def test_grid_and_bins_shrink_with_the_signal_to_noise_ratio():
    assert grid_cells(100_000, 5.0, 128) == 128 and grid_cells(50, 30.0, 128) == 2
    assert pair_bins(100_000, 10.0) > pair_bins(3000, 10.0) > pair_bins(300, 10.0)
    assert noise_tv(16, 20.0, 1000) == pytest.approx(0.5 * 16 * 20.0 * np.sqrt(2 / np.pi) / 1000)


def test_budget_plan_shares_exactly_what_it_is_given():
    for d, n in [(1, 50), (2, 5000), (8, 240), (8, 100_000)]:
        plan = plan_budget(0.0147, d, n, None, 16)
        assert plan.total == pytest.approx(0.0147)
        assert 2 <= plan.max_bins <= 16
    assert plan_budget(0.0147, 2, 5000, None, 16).structure == 0  # one pair: nothing to select
    small = plan_budget(0.0147, 8, 60, None, 16)
    assert small.pairs == 0 and small.one_way == pytest.approx(0.0147)  # pairs would be noise only
    explicit = plan_budget(0.01, 3, 5000, (0.3, 0.2, 0.5), 16)
    assert (explicit.one_way, explicit.structure, explicit.pairs) == pytest.approx((0.003, 0.002, 0.005))


def _table(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    kind = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    discount = np.where(rng.random(n) < 0.6, 0.0, rng.choice([0.05, 0.1, 0.2], n))
    price = np.round(np.exp(rng.normal(3, 1.2, n)), 2)  # long right tail
    name = [f"customer {i}" for i in range(n)]  # text: every value distinct
    return pa.table({"kind": kind, "discount": discount, "price": price, "name": name})


@pytest.mark.parametrize("n", [120, 6000])
def test_ledger_spends_rho_exactly_and_every_step_is_recorded(n):
    model = TableModel(epsilon=1.0, seed=3, iters=200).fit(_table(n))
    ledger, params = model.ledger_, PrivacyParams(1.0, 1e-9)
    assert ledger.spent == pytest.approx(params.rho, rel=1e-9)
    assert ledger.delta_spent <= params.release_delta
    steps = [e.step for e in ledger.entries]
    assert steps[0] == "rows" and ledger.entries[0].rho == pytest.approx(params.rho * ROWS_SHARE)
    assert "text test:name" in steps and "name" in model.language_model_columns_
    for e in ledger.entries:  # every Gaussian step's sigma is the accounting formula's
        if e.mechanism == "gaussian":
            sens = 2.0 if e.step.startswith("text test") else 1.0
            assert f"sigma={gaussian_sigma(e.rho, sens):.3g}" in e.detail
    if n < 1000:  # too few rows for pairs: no structure is selected, nothing is spent on it
        assert not any(s.startswith("structure") for s in steps)
    else:  # three columns: the tree is chosen, and each choice is paid for
        assert sum(s.startswith("structure:") for s in steps) == 2


def test_text_test_noise_matches_its_sensitivity():
    rho, values = 0.01, pa.chunked_array([pa.array(["x", "y"] * 500)])
    sigma = gaussian_sigma(rho, 2.0)
    ledger = Ledger(rho * 400)
    for seed in range(400):
        assert private_text_test(values, CodecOptions(), rho, 1000.0, np.random.default_rng(seed), ledger, "c") is None
    assert ledger.spent == pytest.approx(rho * 400)
    assert all(f"sigma={sigma:.3g}" in e.detail for e in ledger.entries)


def test_point_masses_decode_exactly_and_the_rest_is_binned():
    n = 6000
    v = _table(n).column("discount")
    spec = ColumnSpec("discount", Kind.FLOAT, pa.float64(), nullable=False, bounds=(0, 1))
    ctx = PrivateFit(Ledger(0.01), 0.01, np.random.default_rng(0), 1e-10, n_hat=float(n))
    codec = NumericCodec(spec, CodecOptions(n_bins=16)).fit(v, private=ctx)
    assert codec.mode == "mixed" and 0.0 in codec.values.tolist()
    assert ctx.ledger.spent == pytest.approx(0.01) and ctx.ledger.delta_spent == pytest.approx(1e-10)
    codes = codec.encode(v)
    assert codes.max() < codec.size and len(ctx.counts) == codec.size
    out = codec.decode(codes, np.random.default_rng(1)).to_numpy()
    assert np.mean(out == 0.0) == pytest.approx(np.mean(v.to_numpy() == 0.0), abs=1e-9)  # exact, not smeared


def test_range_cells_put_each_row_in_one_cell_so_a_unit_moves_them_by_its_rows():
    # The range search's histogram is the blocks plus one cell per public point (0, 1): adding a
    # unit of s rows (here at the points and elsewhere) moves the whole vector by exactly s in L1,
    # so by at most s in L2 - the sensitivity docs/privacy.md states for every range level.
    from amalgam_rel.models.codecs.private_range import _range_cells
    rng = np.random.default_rng(0)
    v = np.where(rng.random(2000) < 0.6, 0.0, rng.choice([0.05, 0.1, 1.0, 7.5], 2000))
    unit = np.array([0.0] * 20 + [1.0] * 7 + [0.1] * 5 + [3e6] * 8)  # s = 40 rows
    edges = np.sinh(np.linspace(np.arcsinh(-1e9), np.arcsinh(1e9), 513))
    points = np.array([0.0, 1.0])
    before = np.concatenate(_range_cells(v, edges, points))
    after = np.concatenate(_range_cells(np.concatenate([v, unit]), edges, points))
    assert before.sum() == len(v) and after.sum() == len(v) + len(unit)
    assert np.abs(after - before).sum() == len(unit) and np.all(after >= before)


def test_a_public_point_mass_is_found_where_the_thresholded_release_cannot_run():
    # northwind's order_details.discount at epsilon = 8: 2,155 lines, 61 % at 0, a column's rho
    # giving sigma ~ 160 rows (sensitivity 32). The thresholded release needs n_hat >= 4 release
    # thresholds (~ 4 x 6.7 sigma) and never runs; the public point 0, measured in the range
    # search's cells at no extra cost, is released and decodes exactly (column shape 0.17 before).
    rng = np.random.default_rng(0)
    n = 2155
    v = np.where(rng.random(n) < 0.61, 0.0, rng.choice([0.05, 0.1, 0.15, 0.2, 0.25], n))
    spec = ColumnSpec("discount", Kind.FLOAT, pa.float32(), nullable=False)
    rho = 0.0203 / 32**2
    ctx = PrivateFit(Ledger(rho), rho, np.random.default_rng(1), 1e-11, n_hat=float(n))
    codec = NumericCodec(spec, CodecOptions()).fit(pa.array(v), private=ctx)
    assert not any(e.step.startswith("masses:") for e in ctx.ledger.entries)  # the threshold is out of reach
    assert codec.mode == "mixed" and codec.values.tolist() == [0.0]
    assert all("2 public point cells" in e.detail for e in ctx.ledger.entries if e.step.startswith("range:"))
    assert ctx.ledger.spent == pytest.approx(rho)
    out = codec.decode(codec.encode(pa.array(v)), np.random.default_rng(2)).to_numpy()
    assert np.mean(out == 0.0) == pytest.approx(np.mean(v == 0.0), abs=1e-9)


def test_refined_grid_follows_a_long_tail_and_a_burst():
    rng = np.random.default_rng(0)
    n = 20_000
    x = np.concatenate([np.exp(rng.normal(10, 2, n // 2)), 5e6 + rng.random(n // 2)])  # tail + tight burst
    spec = ColumnSpec("x", Kind.FLOAT, pa.float64(), nullable=False)
    ctx = PrivateFit(Ledger(0.01), 0.01, np.random.default_rng(1), 1e-10, n_hat=float(n))
    d = private_domain(spec, CodecOptions(), x, np.ones(n, bool), ctx)
    assert sum(e.step.startswith("domain:x:level") for e in ctx.ledger.entries) > 1
    assert ctx.ledger.spent == pytest.approx(0.01)
    assert d.lo <= np.quantile(x, 0.01) and d.hi >= np.quantile(x, 0.99)
    codec = NumericCodec(spec, CodecOptions())
    codec.mode, codec.has_null, codec.lo, codec.hi, codec.step = d.mode, False, d.lo, d.hi, d.step
    codec.values, codec.edges, codec.inner = d.values, d.edges, d.inner
    out = codec.decode(codec.encode(pa.array(x)), np.random.default_rng(2)).to_numpy()
    # The burst (width 1 at 5e6) stays within 0.1 % of its place instead of a whole first-level
    # cell (about half its value on this asinh grid): refinement went down where rows were.
    burst = np.abs(out - 5e6) < 5e3
    assert burst.mean() == pytest.approx(0.5, abs=0.05)


def test_private_models_round_trip_through_persistence(tmp_path):
    from amalgam_rel.models.persistence import load_model, save_model

    model = TableModel(epsilon=1.0, seed=0, iters=200).fit(_table(4000))
    save_model(model, tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    assert again.sample(300, seed=4).equals(model.sample(300, seed=4))
    assert again.ledger_.spent == pytest.approx(model.ledger_.spent)


def _invoice_totals(n: int, seed: int) -> np.ndarray:
    """Like chinook.Invoice.Total: a few hundred DECIMAL(10,2) amounts between 1 and 26."""
    rng = np.random.default_rng(seed)
    return np.round(rng.choice([0.99, 1.98, 3.96, 5.94, 8.91, 13.86], n) + rng.random(n) * 12, 2)


@pytest.mark.parametrize("seed", range(8))
def test_private_range_never_lands_beside_the_data(seed):
    # Regression: the range search used to fall back on the loudest of 512 noise cells when no
    # block cleared its bar, so a 412-row column came back as, e.g., [64, 80] for data in
    # [1, 26] - every synthetic value outside the real range, column shapes 0.000 (chinook.
    # Invoice, chinook.Employee, northwind.employees at epsilon = 1).
    n, rho = 412, 0.0147 * 0.06  # one column's share in a table with a few columns
    x = _invoice_totals(n, seed)
    spec = ColumnSpec("Total", Kind.DECIMAL, pa.decimal128(10, 2), nullable=False)
    ctx = PrivateFit(Ledger(rho), rho, np.random.default_rng(seed), 1e-10, n_hat=float(n))
    d = private_domain(spec, CodecOptions(n_bins=16), x, np.ones(n, bool), ctx)
    # At n / sigma ~ 7 per search level the finest hits may still trim a spread tail, but the
    # range always holds the bulk of the data.
    assert np.mean((x >= d.lo) & (x <= d.hi)) >= 0.5
    assert ctx.ledger.spent == pytest.approx(rho)  # levels the search skipped went to the grid


@pytest.mark.parametrize("seed", range(4))
def test_a_few_rows_get_the_public_bounds_not_a_guessed_block(seed):
    n, rho = 8, 0.0147 * 0.4  # chinook.Employee: 8 hire dates, n / sigma about 1
    days = np.sort(np.random.default_rng(seed).integers(11_700, 12_500, n)).astype(np.float64)  # 2002-2004
    spec = ColumnSpec("HireDate", Kind.DATE, pa.date32(), nullable=False)
    ctx = PrivateFit(Ledger(rho), rho, np.random.default_rng(seed), 1e-10, n_hat=float(n))
    d = private_domain(spec, CodecOptions(n_bins=16), days, np.ones(n, bool), ctx)
    assert d.lo <= days.min() and d.hi >= days.max()
    assert ctx.ledger.spent == pytest.approx(rho)


def test_strings_whose_values_cannot_clear_the_release_bar_are_routed_before_the_budget():
    # chinook.Invoice at epsilon = 1: BillingCountry (24 countries, the largest 22 % of 412
    # rows) needs a noisy count of ~160 per released value; the release spent a third of rho
    # on four such columns and released nothing. The text test now sees it coming.
    rng = np.random.default_rng(0)
    n = 412
    shares = np.r_[0.22, 0.14, np.full(22, 0.64 / 22)]
    data = pa.table({"country": rng.choice([f"country {i}" for i in range(24)], n, p=shares),
                     "total": np.round(rng.random(n) * 25 + 1, 2), "day": rng.integers(0, 1500, n)})
    model = TableModel(epsilon=1.0, seed=0, iters=200).fit(data)
    assert "too rare to release" in model.left_out_["country"]
    assert not any(e.step == "domain:country" for e in model.ledger_.entries)
    assert model.ledger_.spent == pytest.approx(PrivacyParams(1.0, 1e-9).rho, rel=1e-9)
    # A column whose two values each hold half the rows is still released.
    two = data.set_column(0, "country", pa.array(rng.choice(["yes", "no"], n)))
    assert "country" in TableModel(epsilon=1.0, seed=0, iters=200).fit(two).columns_


def test_grid_weights_keep_the_noisy_total_and_drop_noise_only_cells():
    # Regression for the within-bin decoding weights: clipping noisy counts at 0 gave each
    # empty cell ~0.4 sigma of made-up rows, which at n / sigma ~ 5 spread the decoded values
    # over cells the data never reached. The projection keeps the noisy total and zeroes them.
    from amalgam_rel.models.codecs.private_numeric import _project

    rng = np.random.default_rng(0)
    true = np.r_[np.zeros(12), [60.0, 90.0, 40.0], np.zeros(13)]
    clipped, projected = [], []
    for _ in range(200):
        noisy = true + rng.normal(0, 20.0, len(true))
        w = _project(noisy)
        assert w.min() >= 0
        if noisy.sum() > 0:  # (a non-positive noisy total falls back on clipping)
            assert w.sum() == pytest.approx(noisy.sum())
        clipped.append(np.abs(np.maximum(noisy, 0) / np.maximum(noisy, 0).sum() - true / true.sum()).sum() / 2)
        projected.append(np.abs(w / w.sum() - true / true.sum()).sum() / 2)
    assert np.mean(projected) < 0.8 * np.mean(clipped)  # about 0.35 against 0.51
    assert _project(np.array([-3.0, -1.0])).tolist() == [0.0, 0.0]  # nothing positive: clipped


def test_text_test_counts_the_nulls_of_a_nullable_column_as_released():
    """The values that can clear the release threshold hold a quarter of the non-NULL rows, but
    with the NULLs (a released state) two thirds of the rows: categorical when nullable."""
    values = pa.chunked_array([pa.array([None] * 1000 + ["UROK"] * 100 + [f"r{i % 40}" for i in range(400)])])
    ask = dict(options=CodecOptions(), rho=1.0, n_hat=1500.0, ledger=Ledger(2.0), name="k_symbol", release_at=500.0)
    assert "too rare" in private_text_test(values, rng=np.random.default_rng(0), **ask)
    assert private_text_test(values, rng=np.random.default_rng(0), nullable=True, **ask) is None


@pytest.mark.parametrize("n, epsilon", [(120, 0.1), (6000, 1.0)])
def test_a_parent_context_column_is_left_out_of_a_model_too_noisy_for_pairs(n, epsilon):
    # A context column ("^" + a parent's column) ties a row to its parent only through pair
    # marginals: in a model that measures none (too few rows for the noise), it is left out and
    # its share goes to the table's own columns (chinook's invoice lines at epsilon = 1).
    table = _table(n).drop(["name"])
    table = table.append_column("^total", pa.array(np.random.default_rng(1).random(n) * 30))
    model = TableModel(epsilon=epsilon, seed=3, iters=200).fit(table)
    steps = [e.step for e in model.ledger_.entries]
    if n < 1000:  # 3 columns at this noise: no pair; the model stays independent without the context
        assert model.left_out_["^total"].startswith("independent")
        assert not any(s.startswith(("measure:", "structure")) for s in steps)
        assert not any("^total" in s for s in steps)
        assert model.ledger_.spent == pytest.approx(PrivacyParams(epsilon, 1e-9).rho, rel=1e-9)
        assert "^total" not in model.sample(50, seed=0).column_names
    else:
        assert "^total" not in model.left_out_ and any(s.startswith("domain:^total") for s in steps)
        assert any(s.startswith("measure:") and "^total" in s for s in steps)


def test_public_points_are_cells_of_the_grid_when_no_range_level_measured_them():
    # chinook.InvoiceLine.Quantity at epsilon = 1: always 1, too few rows for the range search to
    # run, so the range's point cells never measured it and its rows were spread over the type's
    # range. The grid's first level holds the public points now, at no extra budget. (Here CHECK
    # bounds narrow enough for the grid are why no range search runs.)
    n, rho = 2000, 0.0002
    spec = ColumnSpec("Quantity", Kind.INTEGER, pa.int32(), nullable=False, bounds=(0, 100))
    ctx = PrivateFit(Ledger(rho), rho, np.random.default_rng(0), 1e-10, n_hat=float(n))
    d = private_domain(spec, CodecOptions(), np.ones(n), np.ones(n, bool), ctx)
    steps = [e.step for e in ctx.ledger.entries]
    assert not any(s.startswith("range") for s in steps)  # the search could not run
    assert 1.0 in d.values.tolist() and d.mode == "mixed"
    assert any("2 public point cells, 1 kept" in e.detail for e in ctx.ledger.entries)
    assert ctx.ledger.spent == pytest.approx(rho)


def test_a_grid_over_public_bounds_has_at_least_four_cells():
    # chinook.Invoice.Total at epsilon = 1 (412 rows, n / sigma ~ 3, no range found): the
    # noise/discretisation balance asked for 2 cells, over +-1e8 in asinh the two signs, so the
    # totals of a few dollars were decoded anywhere up to 1e8. With 4 cells the positive half
    # splits near 1e4. Deterministic seeds; the KS complement averaged 0.28 with 2 cells.
    from scipy.stats import ks_2samp

    n, scores = 412, []
    sigma = n / 3.0
    for seed in range(10):
        x = _invoice_totals(n, seed)
        spec = ColumnSpec("Total", Kind.DECIMAL, pa.decimal128(10, 2), nullable=False)
        ctx = PrivateFit(Ledger(1.0), 1 / (2 * sigma**2), np.random.default_rng(seed + 100), 1e-10, n_hat=float(n))
        codec = NumericCodec(spec, CodecOptions(n_bins=16)).fit(pa.array(x), private=ctx)
        assert [e.detail.split(",")[0] for e in ctx.ledger.entries] == ["4 cells"]  # no range level ran
        rng = np.random.default_rng(seed)
        weights = np.maximum(ctx.counts, 0) + 1e-9
        y = codec.decode(rng.choice(len(weights), n, p=weights / weights.sum()), rng).to_numpy(zero_copy_only=False)
        scores.append(1 - ks_2samp(x, np.asarray(y, dtype=float)).statistic)
    assert np.mean(scores) > 0.35


def test_grid_point_cells_keep_a_mass_at_two_deviations():
    # chinook.InvoiceLine.Quantity at epsilon = 1 (all 1, n / sigma 1-3.3 at its grid): at 3
    # deviations the point was kept in none of three seeds. Deterministic seeds.
    n = 2240
    sigma = n / 2.5
    kept = 0
    for seed in range(12):
        spec = ColumnSpec("Quantity", Kind.INTEGER, pa.int32(), nullable=False)
        ctx = PrivateFit(Ledger(1.0), 1 / (2 * sigma**2), np.random.default_rng(seed), 1e-10, n_hat=float(n))
        d = private_domain(spec, CodecOptions(), np.ones(n), np.ones(n, bool), ctx)
        assert not any(e.step.startswith("range") for e in ctx.ledger.entries)
        kept += 1.0 in d.values.tolist()
    assert kept >= 8  # 10 of these 12 seeds; 2 at 3 deviations
