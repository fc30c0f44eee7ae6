"""The privacy ledger: one zCDP budget and every step that spent from it.

One type serves both levels. A table model's ledger (:attr:`TableModel.ledger_`) counts in
one-row units and is saved with the model; a database's (:mod:`amalgam_rel.dp`, ``epsilon`` set)
holds every table's steps in database units, with the table, the sensitivity and the noise scale
of each, and is written beside the synthetic database (``OUT.privacy.json``). Each level keeps
its own JSON layout, so saved models and written ledgers read as they always have.

>>> ledger = Ledger(0.5)
>>> ledger.spend("demo", "gaussian", 0.2, detail="10 cells, sigma=1.58")
>>> round(ledger.remaining, 12), ledger.to_json()["entries"][0]["step"]
(0.3, 'demo')
>>> db = Ledger(1.0, epsilon=1.0, delta=1e-9, conversion_delta=9e-10)
>>> db.add_table_model("t", ledger, sensitivity=2.0, release_delta=1e-10)
>>> e = db.entries[0]
>>> e.table, e.rho, e.sensitivity, e.sigma
('t', 0.8, 2.0, 1.58)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from amalgam_rel.models.privacy import RELEASE_SHARE, PrivacyError
from amalgam_rel.outputs import write_atomically

_SIGMA = re.compile(r"sigma=([0-9.eE+-]+)")
# the fields each level writes, in its order
_MODEL_FIELDS = ("step", "mechanism", "rho", "delta", "detail")
_DATABASE_FIELDS = ("table", "step", "mechanism", "rho", "sensitivity", "sigma", "delta", "detail")


@dataclass(frozen=True)
class Spend:
    """What one step spent: ``rho`` of zCDP budget, and ``delta`` (threshold releases)."""

    step: str
    mechanism: str
    rho: float
    delta: float = 0.0
    detail: str = ""
    table: str = ""  # a database ledger's: the table whose training frame the step read
    sensitivity: float = 1.0  # rows of that frame one entity changes (0: the step reads no data)
    sigma: float | None = None  # the Gaussian noise scale, where there is one


@dataclass
class Ledger:
    """zCDP budget ``total_rho`` and what each step spent from it (plus the delta spent).

    A database ledger also keeps what the user asked for (``epsilon``, ``delta``), the delta the
    conversion to ``total_rho`` used, and each table's share and caps (``tables``).
    """

    total_rho: float
    entries: list[Spend] = field(default_factory=list)
    epsilon: float | None = None  # set: a database ledger
    delta: float = 0.0
    conversion_delta: float = 0.0
    tables: dict[str, dict] = field(default_factory=dict)  # table -> share, sensitivity, caps, why
    unit: str | None = None  # a database ledger's privacy unit (its table)

    @property
    def rho(self) -> float:
        return self.total_rho

    @property
    def spent(self) -> float:
        return sum(e.rho for e in self.entries)

    @property
    def delta_spent(self) -> float:
        """The delta of the rho conversion plus every threshold release."""
        return self.conversion_delta + sum(e.delta for e in self.entries)

    @property
    def remaining(self) -> float:
        return max(0.0, self.total_rho - self.spent)

    def spend(self, step: str, mechanism: str, rho: float, *, delta: float = 0.0, detail: str = "", table: str = "",
              sensitivity: float = 1.0, sigma: float | None = None) -> None:
        if rho < 0 or self.spent + rho > self.total_rho * (1 + 1e-9):
            raise PrivacyError(f"step {step!r} would overspend the privacy budget")
        self.entries.append(Spend(step, mechanism, float(rho), float(delta), detail, table, sensitivity, sigma))

    def note(self, table: str, step: str, detail: str) -> None:
        """A step that reads no data (it costs nothing), listed so the output says what it did."""
        self.spend(step, "none (reads no data)", 0.0, detail=detail, table=table, sensitivity=0.0)

    def add_table_model(self, table: str, ledger: Ledger, sensitivity: float, release_delta: float) -> None:
        """A table model's one-row ledger, in database units: rho times ``sensitivity**2``.

        The model ran every mechanism at ``rho_T / s^2`` for one row; by zCDP group privacy
        each step costs ``s^2`` times that for ``s`` rows. Its threshold releases share the
        table's ``release_delta`` (already converted for groups inside the model).
        """
        releases = [e for e in ledger.entries if e.delta > 0]
        for e in ledger.entries:
            found = _SIGMA.search(e.detail)
            self.spend(e.step, e.mechanism, e.rho * sensitivity**2, delta=release_delta / len(releases) if e.delta > 0 else 0.0,
                       detail=e.detail, table=table, sensitivity=float(sensitivity),
                       sigma=float(found.group(1)) if found else None)

    def to_json(self) -> dict:
        if self.epsilon is None:
            return {"total_rho": self.total_rho, "entries": [_fields(e, _MODEL_FIELDS) for e in self.entries]}
        return {"epsilon": self.epsilon, "delta": self.delta, "rho": self.total_rho, "rho_spent": self.spent,
                "delta_spent": self.delta_spent, "unit": self.unit, "neighbouring": self.neighbouring,
                "tables": self.tables, "entries": [_fields(e, _DATABASE_FIELDS) for e in self.entries]}

    @classmethod
    def from_json(cls, doc: dict) -> Ledger:
        """Either level's :meth:`to_json`. A database ledger's conversion delta is its delta less
        the release share (:data:`~amalgam_rel.models.privacy.RELEASE_SHARE`)."""
        if "total_rho" in doc:
            return cls(float(doc["total_rho"]), [Spend(**e) for e in doc["entries"]])
        return cls(doc["rho"], [Spend(**e) for e in doc["entries"]], doc["epsilon"], doc["delta"],
                   doc["delta"] * (1 - RELEASE_SHARE), dict(doc["tables"]), doc.get("unit"))

    @property
    def neighbouring(self) -> str:
        if self.unit is None:
            return "add or remove one root entity (docs/privacy.md)"
        return (f"add or remove one {self.unit} row and every row that reaches it through foreign keys "
                "(docs/privacy.md)")

    def write(self, path: str | Path) -> Path:
        """Written to a temporary file and renamed into place: a reader never sees half a ledger."""
        return write_atomically(Path(path), json.dumps(self.to_json(), indent=1, default=_finite),
                                what="the privacy ledger")


def _fields(entry: Spend, names: tuple[str, ...]) -> dict:
    return {name: getattr(entry, name) for name in names}


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"not JSON: {value!r}")
