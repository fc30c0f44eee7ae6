"""How a private fit shares its zCDP budget, and how fine its histograms may be.

Every choice here is a function of public facts (rho, the number of planned columns, the
type) and of a *noisy* row count bought first from the ledger, so it is post-processing of
private outputs and costs nothing more.

The guiding number is the signal-to-noise ratio ``n / sigma``. A histogram of ``k`` cells, each
with Gaussian noise ``sigma``, has expected total-variation error ``0.5 * k * sigma *
sqrt(2/pi) / n ~= 0.4 k sigma / n`` and a worst CDF error of about ``sigma sqrt(k) / n``; a
coarser grid has a discretisation error of about ``1 / (4 k)`` instead. Balancing the two gives
``k ~ (n / sigma) ** (2/3)``: few cells for small tables, many for large ones.

>>> round(noise_tv(k=16, sigma=20.0, n=1000), 3)
0.128
>>> grid_cells(n_hat=4000, sigma=6.0, most=128), grid_cells(n_hat=80, sigma=25.0, most=128)
(76, 2)
>>> pair_bins(n_hat=3500, sigma=11.0), pair_bins(n_hat=240, sigma=21.0)
(10, 2)
>>> one_way_shares([2, None, None]).round(3).tolist()  # a boolean and two columns of unknown range
[0.166, 0.417, 0.417]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from amalgam_rel.errors import DataError
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import gaussian_sigma

ROWS_SHARE = 0.02  # of rho, for the noisy row count that sizes everything else
TEXT_SHARE = 0.2  # of a string column's even share, for the private text test (columns.private_text_test)
_GRID_SCALE = 1.0  # cells = scale * (n / sigma) ** (2/3), clipped to [2, most]
_PAIR_TV = 0.15  # pair-marginal noise (expected TV) we accept when sizing bins for pairs
_AUTO = {1: (1.0, 0.0, 0.0), 2: (0.5, 0.0, 0.5)}  # d columns -> (1-ways, structure, pairs)
_AUTO_WIDE = (0.4, 0.15, 0.45)  # three or more columns
OPEN_DOMAIN_STATES = 8  # what a column whose domain the data must reveal (range, released values) counts as


def noise_tv(k: int, sigma: float, n: float) -> float:
    """Expected total-variation error of a k-cell histogram of n rows measured with ``sigma``."""
    return 0.5 * k * sigma * math.sqrt(2 / math.pi) / max(n, 1.0)


def grid_cells(n_hat: float, sigma: float, most: int) -> int:
    """Cells of a 1-way histogram that balance noise against discretisation (see module doc)."""
    k = _GRID_SCALE * (max(n_hat, 1.0) / sigma) ** (2 / 3)
    return int(np.clip(round(k), 2, most))


def pair_bins(n_hat: float, sigma: float) -> int:
    """Most bins per column that keep a pair marginal's noise (k*k cells) near ``_PAIR_TV``."""
    k2 = _PAIR_TV * max(n_hat, 1.0) / (0.4 * sigma)
    return max(1, int(math.sqrt(k2)))


def one_way_shares(states: list[int | None]) -> np.ndarray:
    """Shares of the 1-way budget that equalise the columns' expected errors.

    A column's error grows with its states ``k`` and its noise: ``c_k / sqrt(rho_k)`` with
    ``c_k ~ k`` (``noise_tv``). Minimising the sum under a fixed total gives ``rho_k ~ k**(2/3)``.
    ``states`` are public (labels, booleans, a small integer range: see
    :func:`amalgam_rel.models.columns.public_states`); ``None`` is a column whose range or
    values must be found privately first, counted as ``OPEN_DOMAIN_STATES``. An even split gave
    a boolean the budget of a column that still has to find its range: mutagenesis.molecule's
    three booleans scored 0.96 while its two doubles scored 0.62-0.68 at epsilon = 1.
    """
    k = np.array([OPEN_DOMAIN_STATES if s is None else max(s, 1) for s in states], dtype=np.float64)
    w = k ** (2 / 3)
    return w / w.sum() if len(w) else w


def noisy_rows(n: int, rho: float, rng: np.random.Generator, ledger: Ledger) -> float:
    """The row count with Gaussian noise (sensitivity 1), floored at 1; recorded in ``ledger``."""
    sigma = gaussian_sigma(rho)
    ledger.spend("rows", "gaussian", rho, detail=f"noisy row count, sigma={sigma:.3g}")
    return max(1.0, n + float(rng.normal(0, sigma)))


@dataclass(frozen=True)
class BudgetPlan:
    """rho for each step of a private fit; ``pairs`` is 0 for an independent model."""

    one_way: float  # all columns together (split evenly)
    structure: float
    pairs: float  # all measured pairs together (split evenly)
    max_bins: int  # bins per numeric column that its pair measurements can still resolve

    @property
    def total(self) -> float:
        return self.one_way + self.structure + self.pairs


def plan_budget(rho: float, d: int, n_hat: float, split: tuple[float, float, float] | None, n_bins: int) -> BudgetPlan:
    """Share ``rho`` (what the row count and text tests left) over 1-ways, structure and pairs.

    ``split=None`` is automatic: one column takes everything; two columns need no structure
    step (the only pair is the tree); three or more use ``_AUTO_WIDE``. When even the coarsest
    pair marginal (2 x 2) would be mostly noise, every remaining bit goes to the 1-way
    marginals and the model is independent - pairs at that noise only add error.
    """
    left = rho
    if split is None:
        shares = _AUTO.get(d, _AUTO_WIDE)
    else:
        total = sum(split)
        if total <= 0 or min(split) < 0 or len(split) != 3:
            raise DataError("budget_split needs three non-negative shares with a positive sum")
        shares = tuple(s / total for s in split)
        if d == 2:  # the single pair is the tree whatever the data: selection is free
            shares = (shares[0], 0.0, shares[1] + shares[2])
    if d < 2:
        shares = (1.0, 0.0, 0.0)
    bins = n_bins
    if shares[2] > 0:
        sigma_pair = gaussian_sigma(left * shares[2] / (d - 1))
        bins = min(n_bins, pair_bins(n_hat, sigma_pair))
        if bins < 2 and split is None:
            shares, bins = (1.0, 0.0, 0.0), n_bins
    bins = max(bins, 2)
    return BudgetPlan(left * shares[0], left * shares[1], left * shares[2], bins)
