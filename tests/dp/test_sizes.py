"""Child table sizes: the estimate kept is never a size the noise alone pushed to zero."""

import numpy as np

from amalgam_rel.dp.sizes import combined, combined_variance, nonnegative_mean
from amalgam_rel.pipeline import private_fit
from amalgam_rel.pipeline.database_model import DatabaseModel
from tests.dp.test_database_privacy import ITERS, build


def test_a_noisy_size_near_zero_keeps_its_posterior_mean_not_a_clipped_zero():
    # northwind's orders at epsilon = 1: two noisy estimates whose weighted mean fell below 1
    own, own_var, parent, parent_var = -150.0, 600.0**2, 40.0, 400.0**2
    estimate = combined(own, own_var, parent, parent_var)
    sigma = combined_variance(own_var, parent_var) ** 0.5
    kept = nonnegative_mean(estimate, combined_variance(own_var, parent_var))
    assert estimate < 1 and kept > 0.5 * sigma


def test_the_posterior_mean_is_the_estimate_far_above_zero_and_grows_with_it():
    assert abs(nonnegative_mean(10_000.0, 100.0**2) - 10_000.0) < 1e-6
    values = [nonnegative_mean(x, 300.0**2) for x in np.linspace(-3000, 3000, 61)]
    assert all(v >= 0 for v in values) and all(b >= a for a, b in zip(values, values[1:]))
    assert nonnegative_mean(-50.0, None) == 0.0 and nonnegative_mean(5.0, None) == 5.0


def test_simulated_true_sizes_are_estimated_with_less_error_than_clipping_at_zero():
    rng = np.random.default_rng(0)
    sigma, truth = 500.0, 300.0
    noisy = truth + rng.normal(0, sigma, 20_000)
    clipped = np.abs(np.maximum(noisy, 0) - truth).mean()
    posterior = np.abs(np.array([nonnegative_mean(x, sigma**2) for x in noisy]) - truth).mean()
    assert posterior < clipped


def test_the_private_fit_keeps_a_child_size_whose_combined_estimate_fell_to_zero(monkeypatch, tmp_path):
    """The private fit passes the combined estimate through :func:`nonnegative_mean`: with the
    weighted mean forced to 0 at a variance of 100**2, the table still gets 0.8 sigma rows, not none."""
    monkeypatch.setattr(private_fit, "combined", lambda *estimates: 0.0)
    monkeypatch.setattr(private_fit, "total_variance", lambda ledger: 100.0**2)
    model = DatabaseModel(seed=1, iters=ITERS, epsilon=1.0, max_children=4, privacy_unit="club").fit(
        build(tmp_path / "real.duckdb"))
    driven = [ft for ft in model.tables_.values() if ft.plan.driver is not None and ft.model is not None]
    combined = [ft for ft in driven if ft.key == "member"]  # the one whose parent models its count column
    assert combined and all(ft.real_rows == 80 for ft in combined)  # 100 * phi(0) / Phi(0)
