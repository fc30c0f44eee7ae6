"""The database budget: rho split over the tables, and the ledger of every spend.

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

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from amalgam_rel.models.privacy import Ledger, cdp_rho
from amalgam_rel.writing.outputs import write_atomically

RELEASE_SHARE = 0.1  # of delta, for the threshold releases (the rest goes into rho)
_SIGMA = re.compile(r"sigma=([0-9.eE+-]+)")


def database_rho(epsilon: float, delta: float) -> float:
    return cdp_rho(epsilon, delta * (1 - RELEASE_SHARE))


def split_rho(rho: float, columns: dict[str, int]) -> dict[str, float]:
    """``rho_T`` proportional to the table's modelled columns (see the module doc); sums to ``rho``."""
    weights = {t: max(d, 1) for t, d in columns.items()}
    total = sum(weights.values())
    return {t: rho * w / total for t, w in weights.items()}


@dataclass(frozen=True)
class Spend:
    table: str
    step: str
    mechanism: str
    rho: float
    sensitivity: float  # rows of this table's frame one entity changes (0: reads no data)
    sigma: float | None = None  # Gaussian noise scale, where there is one
    delta: float = 0.0
    detail: str = ""


@dataclass
class DatabaseLedger:
    """Every spend of a private database fit; ``spent`` equals ``rho`` once the fit is done."""

    epsilon: float
    delta: float
    rho: float
    entries: list[Spend] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)  # table -> share, sensitivity, caps, why

    @property
    def spent(self) -> float:
        return sum(e.rho for e in self.entries)

    @property
    def delta_spent(self) -> float:
        """The delta of the rho conversion plus every threshold release."""
        return self.delta * (1 - RELEASE_SHARE) + sum(e.delta for e in self.entries)

    def spend(self, entry: Spend) -> None:
        self.entries.append(entry)

    def note(self, table: str, step: str, detail: str) -> None:
        """A step that reads no data (it costs nothing), listed so the output says what it did."""
        self.entries.append(Spend(table, step, "none (reads no data)", 0.0, 0.0, None, 0.0, detail))

    def add_table_model(self, table: str, ledger: Ledger, sensitivity: float, release_delta: float) -> None:
        """A table model's one-row ledger, in database units: rho times ``sensitivity**2``.

        The model ran every mechanism at ``rho_T / s^2`` for one row; by zCDP group privacy
        each step costs ``s^2`` times that for ``s`` rows. Its threshold releases share the
        table's ``release_delta`` (already converted for groups inside the model).
        """
        releases = [e for e in ledger.entries if e.delta > 0]
        for e in ledger.entries:
            found = _SIGMA.search(e.detail)
            self.entries.append(Spend(table, e.step, e.mechanism, e.rho * sensitivity**2, float(sensitivity),
                                      float(found.group(1)) if found else None,
                                      release_delta / len(releases) if e.delta > 0 else 0.0, e.detail))

    def to_json(self) -> dict:
        return {"epsilon": self.epsilon, "delta": self.delta, "rho": self.rho, "rho_spent": self.spent,
                "delta_spent": self.delta_spent, "neighbouring": "add or remove one root entity (docs/privacy.md)",
                "tables": self.tables, "entries": [asdict(e) for e in self.entries]}

    @classmethod
    def from_json(cls, doc: dict) -> DatabaseLedger:
        return cls(doc["epsilon"], doc["delta"], doc["rho"], [Spend(**e) for e in doc["entries"]], dict(doc["tables"]))

    def write(self, path: str | Path) -> Path:
        """Written to a temporary file and renamed into place: a reader never sees half a ledger."""
        return write_atomically(Path(path), json.dumps(self.to_json(), indent=1, default=_finite),
                                what="the privacy ledger")


def ledger_path(output: str | Path) -> Path:
    """Where the ledger of a synthetic database goes: ``OUT.privacy.json`` beside it."""
    output = Path(output)
    return output.with_name(output.name + ".privacy.json")


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"not JSON: {value!r}")
