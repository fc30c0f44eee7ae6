"""Differential privacy accounting in zero-concentrated DP (zCDP), and the mechanisms we use.

``(epsilon, delta)`` is converted once to a zCDP budget ``rho`` (Canonne, Kamath & Steinke's
tight conversion, as in MST/AIM); every mechanism then spends a share of ``rho``, and zCDP
composes by addition. The Gaussian mechanism with L2 sensitivity ``s`` and noise ``sigma`` costs
``s**2 / (2 sigma**2)``; the exponential mechanism with parameter ``eps`` costs ``eps**2 / 8``.
A :class:`~amalgam_rel.models.ledger.Ledger` records what each step spent.

>>> rho = cdp_rho(1.0, 1e-9)
>>> round(rho, 5)
0.01497
>>> round(gaussian_sigma(rho), 3)  # one count query with the whole budget
5.779
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax
from scipy.stats import norm

from amalgam_rel.errors import AmalgamError


class PrivacyError(AmalgamError):
    """A privacy parameter that is out of range, or a budget that would be overspent."""


# (epsilon, delta)-DP bounds the factor by which one entity can change the probability of any
# result by exp(epsilon). Past log(largest float) = 709.78 that factor is not even a finite
# number, so no guarantee is left to state (the conversion to zCDP and the noise scales still
# compute, but describe nothing).
MAX_EPSILON = 709.0
# The share of delta kept for the threshold releases of string categories and numeric point
# masses; the rest of delta goes into the conversion to rho.
RELEASE_SHARE = 0.1


def cdp_delta(rho: float, eps: float) -> float:
    """The smallest delta such that rho-zCDP implies (eps, delta)-DP."""
    if rho <= 0:
        return 0.0
    amin, amax = 1.01, (eps + 1) / (2 * rho) + 2
    for _ in range(1000):  # the optimal Renyi order solves a monotone equation: bisect it
        alpha = (amin + amax) / 2
        derivative = (2 * alpha - 1) * rho - eps + math.log1p(-1.0 / alpha)
        if derivative < 0:
            amin = alpha
        else:
            amax = alpha
    # in log space: at a large epsilon (1e10) the exponent overflows a float long before delta
    # reaches 1, where the bound says nothing anyway
    log_delta = (alpha - 1) * (alpha * rho - eps) + alpha * math.log1p(-1 / alpha) - math.log(alpha - 1.0)
    return math.exp(log_delta) if log_delta < 0 else 1.0


def cdp_rho(eps: float, delta: float) -> float:
    """The largest rho such that rho-zCDP implies (eps, delta)-DP."""
    if not 0 < eps <= MAX_EPSILON or not 0 < delta < 1:
        raise PrivacyError(f"need 0 < epsilon <= {MAX_EPSILON:g} and 0 < delta < 1, got epsilon={eps}, delta={delta}")
    lo, hi = 0.0, eps + 1
    for _ in range(1000):
        rho = (lo + hi) / 2
        if cdp_delta(rho, eps) <= delta:
            lo = rho
        else:
            hi = rho
    return lo


def gaussian_sigma(rho: float, sensitivity: float = 1.0) -> float:
    """Noise scale of a Gaussian mechanism that costs exactly ``rho`` (L2 ``sensitivity``)."""
    if rho <= 0:
        raise PrivacyError("a Gaussian measurement needs a positive share of the budget")
    return sensitivity / math.sqrt(2 * rho)


def exponential_epsilon(rho: float) -> float:
    """The exponential mechanism's epsilon that costs ``rho`` (bounded range: eps**2/8)."""
    return math.sqrt(8 * rho)


def exponential_mechanism(scores: np.ndarray, epsilon: float, sensitivity: float, rng: np.random.Generator) -> int:
    """Index chosen with probability proportional to exp(epsilon * score / (2 sensitivity))."""
    logits = epsilon * np.asarray(scores, dtype=np.float64) / (2 * sensitivity)
    p = np.exp(log_softmax(logits))
    return int(rng.choice(len(p), p=p / p.sum()))


def release_threshold(sigma: float, delta: float) -> float:
    """Noisy count a never-seen value needs to be released (stability-based histogram).

    A value present in only one of two neighbouring tables has true count 1 there; it survives
    the threshold with probability at most ``delta``.
    """
    return 1.0 + sigma * float(norm.isf(delta))


@dataclass(frozen=True)
class PrivacyParams:
    """What the user asked for: ``epsilon``/``delta``, converted to a zCDP budget ``rho``.

    A share ``delta_for_release`` of delta pays for releasing observed string categories by
    thresholding; the rest of delta goes into the rho conversion.
    """

    epsilon: float
    delta: float = 1e-9
    delta_for_release: float = RELEASE_SHARE

    @property
    def rho(self) -> float:
        return cdp_rho(self.epsilon, self.delta * (1 - self.delta_for_release))

    @property
    def release_delta(self) -> float:
        return self.delta * self.delta_for_release
