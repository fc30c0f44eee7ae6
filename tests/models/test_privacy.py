"""DP accounting: conversions, noise scales that match the ledger, and a private fit."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.models.codecs import CategoricalCodec, ColumnSpec, PrivateFit
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import PrivacyError, PrivacyParams, cdp_delta, cdp_rho, gaussian_sigma
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.schema.types import Kind


@pytest.mark.parametrize("eps,delta", [(0.5, 1e-6), (1.0, 1e-9), (4.0, 1e-5)])
def test_rho_conversion_is_tight(eps, delta):
    rho = cdp_rho(eps, delta)
    assert cdp_delta(rho, eps) <= delta
    assert cdp_delta(rho * 1.01, eps) > delta  # the largest such rho, up to bisection precision
    # the loose bound eps = rho + 2 sqrt(rho log(1/delta)) must hold too
    assert rho + 2 * math.sqrt(rho * math.log(1 / delta)) >= eps


def test_gaussian_noise_scale_matches_the_formula():
    rho = 0.02
    sigma = gaussian_sigma(rho)
    assert sigma == pytest.approx(1 / math.sqrt(2 * rho))
    labels = ("a", "b", "c", "d")
    values = pa.array(["a"] * 500 + ["b"] * 300 + ["c"] * 150 + ["d"] * 50)
    true = np.array([500, 300, 150, 50])
    errors = []
    for seed in range(400):
        ctx = PrivateFit(Ledger(rho), rho, np.random.default_rng(seed), 1e-10)
        CategoricalCodec(ColumnSpec("s", Kind.STRING, pa.string(), nullable=False, labels=labels)).fit(values, private=ctx)
        errors.append(ctx.counts - true)
        assert ctx.stddev == pytest.approx(sigma)
    assert np.std(np.concatenate(errors)) == pytest.approx(sigma, rel=0.06)


def test_ledger_refuses_to_overspend():
    ledger = Ledger(0.1)
    ledger.spend("a", "gaussian", 0.06)
    with pytest.raises(PrivacyError):
        ledger.spend("b", "gaussian", 0.05)


def test_private_fit_spends_exactly_its_budget():
    rng = np.random.default_rng(0)
    n = 5000
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(rng.random(n) < 0.9, np.where(a == "x", 1, 2), rng.integers(0, 5, n))
    data = pa.table({"a": a, "b": pa.array(b, pa.int32()), "c": rng.normal(0, 1, n)})
    model = TableModel(epsilon=1.0, delta=1e-6, seed=1, iters=300).fit(data)
    ledger = model.ledger_
    params = PrivacyParams(1.0, 1e-6)
    assert ledger.total_rho == pytest.approx(params.rho)
    assert ledger.spent == pytest.approx(ledger.total_rho, rel=1e-9)
    assert ledger.delta_spent <= params.release_delta
    steps = [e.step for e in ledger.entries]
    assert any(s.startswith("structure:") for s in steps) and any(s.startswith("measure:") for s in steps)
    for e in ledger.entries:  # each Gaussian measurement's sigma is the formula's
        if e.step.startswith("measure:"):
            assert f"sigma={gaussian_sigma(e.rho):.3g}" in e.detail
    out = model.sample(n, seed=2)
    assert out.num_rows == n and set(out.column("a").to_pylist()) <= {"x", "y", "z"}
    agree = np.mean((np.asarray(out.column("a").to_pylist()) == "x") == (out.column("b").to_numpy() == 1))
    assert agree > 0.75  # the planted a-b dependency survives epsilon = 1


def test_a_column_that_must_find_its_range_gets_more_of_the_one_way_budget_than_a_boolean():
    rng = np.random.default_rng(0)
    n = 200
    data = pa.table({"ok": rng.random(n) < 0.3, "score": rng.normal(50, 10, n)})
    model = TableModel(epsilon=1.0, seed=0).fit(data)

    def spent(column: str) -> float:  # the column's own steps: range, point masses, grid / label counts
        return sum(e.rho for e in model.ledger_.entries
                   if e.step.split(":")[0] in ("range", "masses", "domain") and e.step.split(":")[1] == column)

    # rho ~ states**(2/3): a boolean's 2 states against the 8 an open range counts as
    assert spent("ok") / spent("score") == pytest.approx((2 / 8) ** (2 / 3), rel=1e-6)


def test_the_text_test_expects_the_release_threshold_the_string_column_then_meets():
    # booleans take less of the 1-way budget than an unlabelled string, so the string's release
    # threshold is lower than an even split's: the text test must assume the same threshold
    rng = np.random.default_rng(0)
    n = 3000
    data = pa.table({"kind": rng.choice(["a", "b", "c", "d"], n), **{f"f{i}": rng.random(n) < 0.5 for i in range(4)}})
    model = TableModel(epsilon=1.0, seed=0).fit(data)
    assert "kind" in model.columns_  # released, not routed to the language model
    entries = {e.step: e.detail for e in model.ledger_.entries}
    expected = entries["text test:kind"].split("noisy count > ")[1]
    assert entries["domain:kind"].startswith(f"released values with noisy count > {expected},")
