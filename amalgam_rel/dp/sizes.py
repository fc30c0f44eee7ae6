"""A child table's size under the budget: two noisy estimates, weighed by their variances.

A child table T with a driving parent P has two private estimates of its row count, both already
paid for (combining them is post-processing):

* its own model's total (the noisy row count and every measured marginal's sum), at T's
  sensitivity ``s(T)``;
* ``rows(P) x mean`` of P's child-count column for T, which P's model measured at P's
  sensitivity, ``cap`` times below T's.

Neither is always better: at epsilon = 8 on chinook the parent's estimate has about two thirds of
the invoice lines' own error; at epsilon = 1 on berka the parent's noisy histogram of cards per
disposition (nearly all 0) spreads its mass up the cells and the mean is nine times the truth.
So each gets the inverse of its variance as weight, the variances read off the two models'
ledgers: a Gaussian measurement of ``k`` cells at ``sigma`` gives a total of variance
``k sigma**2``, independent measurements combine by their precisions; the parent's count column
gives ``sum_j v_j c_j`` (cell values ``v_j`` up to the cap), of variance
``sigma**2 sum_j v_j**2``.

>>> round(combined(1000.0, 100.0**2, 2000.0, 300.0**2))
1100

**Never below zero.** An estimate a few deviations from 0 is mostly noise, and clipping it at 0
(northwind's orders at epsilon = 1: one row for 830) makes a size the noise alone chose. A size
cannot be negative, so the size kept is the mean of the estimate's posterior under a flat prior
on ``n >= 0`` (a normal truncated at 0): the estimate itself where it is many deviations above 0,
``sigma * phi(0) / Phi(0) = 0.8 sigma`` where it is 0. Post-processing of the same estimates.

>>> round(nonnegative_mean(5000.0, 100.0**2)), round(nonnegative_mean(0.0, 100.0**2)), round(nonnegative_mean(-300.0, 300.0**2))
(5000, 80, 158)
>>> cells("9 cells, sigma=3.51"), cells("3 cells + NULL, sigma=112"), cells("noisy counts of 8 public labels, sigma=4.87")
(9, 4, 8)
"""

from __future__ import annotations

import re

import numpy as np
from scipy.special import log_ndtr


def cells(detail: str) -> int | None:
    """Cells of a full Gaussian marginal, from its ledger detail (None: not one)."""
    m = re.match(r"(\d+) cells( \+ NULL)?,", detail)
    if m:
        return int(m.group(1)) + bool(m.group(2))
    m = re.match(r"noisy counts of (\d+) public labels", detail)
    return int(m.group(1)) if m else None


def _full_marginals(ledger, column: str | None = None):
    """(cells, sigma) of the ledger's Gaussian measurements that each sum to the table's rows
    (the row count; 1-way and pair marginals); of ``column``'s 1-way ones only, if given."""
    for e in ledger.entries:
        if e.mechanism != "gaussian" or not e.sigma:
            continue
        if e.step == "rows":
            if column is None:
                yield 1, e.sigma
            continue
        if not (e.step.startswith("domain:") or e.step.startswith("measure:")):
            continue
        name = e.step.split(":", 1)[1]
        if column is not None and name not in (column, f"{column}:final cells"):
            continue
        k = cells(e.detail)
        if k is not None:
            yield k, e.sigma


def total_variance(ledger) -> float | None:
    """Variance of a model's estimated row count: its measurements' sums combined by precision."""
    precision = sum(1.0 / (k * sigma**2) for k, sigma in _full_marginals(ledger))
    return 1.0 / precision if precision > 0 else None


def count_sum_variance(ledger, column: str, cap: int) -> float | None:
    """Variance of the sum of a child-count column over the parent rows, from its 1-way
    measurements (cells spread evenly over ``0 .. cap``)."""
    precision = 0.0
    for k, sigma in _full_marginals(ledger, column):
        values = np.linspace(0, cap, k)
        precision += 1.0 / (sigma**2 * float((values**2).sum()))
    return 1.0 / precision if precision > 0 else None


def combined_variance(own_variance: float | None, parent_variance: float | None) -> float | None:
    """Variance of :func:`combined`'s estimate (None: neither has one)."""
    precision = sum(1.0 / v for v in (own_variance, parent_variance) if v is not None and v > 0)
    return 1.0 / precision if precision > 0 else None


def nonnegative_mean(estimate: float, variance: float | None) -> float:
    """``E[n | estimate, n >= 0]`` for ``estimate ~ N(n, variance)`` and a flat prior on ``n >= 0``
    (the inverse Mills ratio, in logs so that far below 0 stays finite); ``estimate`` where no
    variance is known."""
    if variance is None or variance <= 0:
        return max(0.0, estimate)
    sigma = variance**0.5
    z = estimate / sigma
    mills = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - log_ndtr(z))
    return max(0.0, estimate + sigma * float(mills))


def combined(own: float, own_variance: float | None, parent: float, parent_variance: float | None) -> float:
    """The inverse-variance weighted mean of the two estimates (one alone where the other has none)."""
    if parent_variance is None:
        return own
    if own_variance is None:
        return parent
    w_own, w_parent = 1.0 / own_variance, 1.0 / parent_variance
    return (own * w_own + parent * w_parent) / (w_own + w_parent)
