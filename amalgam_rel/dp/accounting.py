"""The database budget: rho split over the tables, and where its ledger goes.

``(epsilon, delta)`` becomes one zCDP budget ``rho`` (10 % of delta is kept for the threshold
releases of string categories and numeric point masses, as in a single-table fit). Each table
``T`` gets a share ``rho_T`` that pays for everything learned from T's frame: its graphical
model, including the child-count columns that are the cardinality models of the FKs pointing
at T, or, for a table with nothing to model, one noisy row count. Per-table guarantees compose
by addition (zCDP), so the database is rho-zCDP for the entity relation.

**Split rule.** Every column the table models may own gets the same share of rho, so
``rho_T ~ d_T`` (``d_T``: the table's modelled columns counted from the schema, at least 1 for
its row count). A table's sensitivity then sets its noise; giving budget by sensitivity instead
(minimising the summed noise scale gives ``rho_T ~ (s_T^2 d_T)^(1/3)``) pours most of rho into the
tables whose counts one entity moves most, where no share buys a usable model. Every input is
public (schema, caps, the plan).

>>> shares = split_rho(1.0, {"a": 1, "b": 3, "c": 0})
>>> round(sum(shares.values()), 12), round(shares["b"] / shares["a"], 3), round(shares["c"] / shares["a"], 3)
(1.0, 3.0, 1.0)
"""

from __future__ import annotations

from pathlib import Path

from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import RELEASE_SHARE, cdp_rho


def database_rho(epsilon: float, delta: float) -> float:
    return cdp_rho(epsilon, delta * (1 - RELEASE_SHARE))


def split_rho(rho: float, columns: dict[str, int]) -> dict[str, float]:
    """``rho_T`` proportional to the table's modelled columns (see the module doc); sums to ``rho``."""
    weights = {t: max(d, 1) for t, d in columns.items()}
    total = sum(weights.values())
    return {t: rho * w / total for t, w in weights.items()}


def database_ledger(epsilon: float, delta: float, rho: float, unit: str | None = None) -> Ledger:
    """An empty database ledger: ``rho`` from ``(epsilon, delta)`` (see :func:`database_rho`),
    per ``unit`` (the privacy unit's table)."""
    return Ledger(rho, epsilon=epsilon, delta=delta, conversion_delta=delta * (1 - RELEASE_SHARE), unit=unit)


def ledger_path(output: str | Path) -> Path:
    """Where the ledger of a synthetic database goes: ``OUT.privacy.json`` beside it."""
    output = Path(output)
    return output.with_name(output.name + ".privacy.json")
