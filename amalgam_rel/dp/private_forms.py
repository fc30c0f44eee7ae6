"""Whether a column the schema reads as a person's name, a phone, a city ... holds values of that
form, tested under the budget.

Under ``--epsilon`` the semantic types come from the schema alone (the column's name, its table):
TPC-H's ``customer.c_name`` reads as a person's full name, but holds ``Customer#000000001``, and
Faker's names have nothing of its shape (the evaluator, which reads the values, scores it as text:
length KS complement 0.03). Without a budget detection checks a sample of the values against the
type's form (:func:`amalgam_rel.generation.semantic.detect.fits`, at least :data:`AGREE` of them).

Here, for the ``k`` generated columns of a table whose type has a form test that says more than a
length (:data:`TESTED`), one Gaussian measurement of the vector ``(rows that fit, rows that do
not)`` of each over the table's bounded frame (NULLs in neither). A unit adds ``r <= s`` rows,
each in at most one entry of each pair, so each pair moves by ``a + b <= r`` with ``a, b >= 0``
and the L2 sensitivity is ``s * sqrt(k)`` (the argument of :mod:`.private_copies`). A column whose
noisy fitting rows fall short of :data:`AGREE` of its noisy rows by :data:`MARGIN_Z` deviations of
that difference is **not generated** (post-processing): it goes back to the table model, and from
there, as free text, to the text path. Where the noise dwarfs the rows the schema's reading stands.

>>> unlike(0.0, 15_000.0, sigma=150.0), unlike(14_000.0, 1_000.0, sigma=150.0)  # c_name; a name column
(True, False)
>>> unlike(-40.0, 30.0, sigma=60.0)  # 59 customers at epsilon = 1: noise, the schema's reading stands
False
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from amalgam_rel.generation.semantic.detect import fits
from amalgam_rel.models.privacy import gaussian_sigma

AGREE = 0.8  # the share of values detection asks to fit (detect._AGREE)
MARGIN_Z = 2.0  # deviations of (1 - AGREE) * fit - AGREE * other below zero that demote a column
# types whose form test says more than a length (a company, a street address, a password: any text fits)
TESTED = frozenset({"email", "url", "ip_address", "phone", "postcode", "first_name", "last_name", "full_name",
                    "city", "state", "country", "country_code", "job_title", "username", "hash", "language"})


def form_columns(columns) -> list[tuple[str, str]]:
    """(column, type) of the semantic columns whose form is worth a test."""
    return [(c.column, c.type) for c in columns if c.type in TESTED]


def fitting_rows(frame: pa.Table, tested: list[tuple[str, str]]) -> np.ndarray:
    """``[rows that fit, of each column] + [rows that do not, of each]`` (NULLs in neither)."""
    fit, other = [], []
    for name, kind in tested:
        values = [v for v in frame.column(name).to_pylist() if v is not None]
        good = sum(fits(kind, str(v)) for v in values)
        fit.append(good)
        other.append(len(values) - good)
    return np.array(fit + other, dtype=np.float64)


def unlike(fit: float, other: float, sigma: float) -> bool:
    """Whether noisy fitting and other rows (each with noise ``sigma``) say the values are not of the type."""
    return (1 - AGREE) * fit - AGREE * other < -MARGIN_Z * sigma * math.hypot(1 - AGREE, AGREE)


def unlike_columns(frame: pa.Table, tested: list[tuple[str, str]], *, sensitivity: float, rho: float,
                   rng: np.random.Generator, ledger, table: str) -> tuple[str, ...]:
    """The tested columns whose values are not of their type; spends ``rho`` in ``ledger``."""
    k = len(tested)
    sigma = gaussian_sigma(rho, sensitivity * math.sqrt(k))
    noisy = fitting_rows(frame, tested) + rng.normal(0, sigma, 2 * k)
    found = tuple(name for (name, _), fit, other in zip(tested, noisy[:k], noisy[k:]) if unlike(fit, other, sigma))
    ledger.spend("forms", "gaussian", rho, table=table, sensitivity=sensitivity * math.sqrt(k), sigma=sigma,
                 detail=f"rows fitting and not fitting the form of {k} generated columns: "
                        + (", ".join(f"{n} not generated" for n in found) or "all kept"))
    return found
