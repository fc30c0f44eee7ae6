"""Child table sizes: the estimate kept is never a size the noise alone pushed to zero."""

import numpy as np

from amalgam_rel.dp.sizes import combined, combined_variance, nonnegative_mean


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
