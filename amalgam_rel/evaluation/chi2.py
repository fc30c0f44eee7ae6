"""The seed paper's χ² metric, and a strict version of it.

``amalgam_chi2_p`` reproduces Amalgam's published "average χ² p-value": for each discretised
column, ``scipy.stats.chisquare(f_obs=(real+1)/Σ, f_exp=(synth+1)/Σ)`` on *proportions*, averaged
over columns. Proportions make the statistic independent of sample size, so p stays near 1
unless the mismatch is gross (10 bins, half halved and half grown 1.5×: p = 0.99999).

The strict version tests counts: the larger side is subsampled without replacement to the
smaller side's size, and a χ² test of homogeneity runs on the 2 × bins table.

>>> import numpy as np
>>> round(amalgam_p(np.array([50, 50]), np.array([30, 70])), 2)
0.67
>>> round(amalgam_p(np.full(10, 100), np.array([50] * 5 + [150] * 5)), 5)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2_contingency, chisquare

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.stats import table_counts

ALPHA = 0.05


@dataclass(frozen=True)
class ColumnChi2:
    table: str
    column: str
    p: float  # Amalgam's proportion version
    strict_p: float  # counts at equal sample size
    counts: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())  # per bin (real, synth), for the report

    def to_dict(self) -> dict:
        return {"table": self.table, "column": self.column, "p": self.p, "strict_p": self.strict_p}


@dataclass(frozen=True)
class Chi2:
    columns: tuple[ColumnChi2, ...]

    @property
    def mean(self) -> float | None:
        return float(np.mean([c.p for c in self.columns])) if self.columns else None

    @property
    def strict_mean(self) -> float | None:
        return float(np.mean([c.strict_p for c in self.columns])) if self.columns else None

    @property
    def strict_rejected(self) -> float | None:
        """Share of columns whose strict test rejects equality at the 5 % level."""
        return float(np.mean([c.strict_p < ALPHA for c in self.columns])) if self.columns else None

    def to_dict(self) -> dict:
        return {"mean": self.mean, "strict_mean": self.strict_mean, "strict_rejected": self.strict_rejected,
                "columns": [c.to_dict() for c in self.columns]}


def amalgam_p(real: np.ndarray, synth: np.ndarray) -> float:
    """Amalgam's formula, verbatim: chisquare on (count + 1)-normalised proportions."""
    zfill = lambda x: (x + 1) / np.sum(x + 1)  # noqa: E731 - the paper's own spelling
    return float(chisquare(zfill(real), zfill(synth)).pvalue)


def strict_p(real: np.ndarray, synth: np.ndarray, rng: np.random.Generator) -> float:
    real, synth = real.astype(np.int64), synth.astype(np.int64)
    n = int(min(real.sum(), synth.sum()))
    if n == 0:
        return 1.0 if real.sum() == synth.sum() else 0.0
    if real.sum() > n:
        real = rng.multivariate_hypergeometric(real, n)
    if synth.sum() > n:
        synth = rng.multivariate_hypergeometric(synth, n)
    table = np.vstack([real, synth])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)


def chi2(ctx: Context) -> Chi2:
    rng = np.random.default_rng(ctx.seed)
    out = []
    for key, tp in ctx.profile.tables.items():
        if not tp.bins:
            continue
        real, _ = table_counts(ctx, "real", key, tp.pairs)
        synth, _ = table_counts(ctx, "synth", key, tp.pairs)
        for name in tp.bins:
            if real[name].sum() == 0 and synth[name].sum() == 0:
                continue  # an empty table on both sides says nothing
            r, s = real[name], synth[name]
            out.append(ColumnChi2(key, name, amalgam_p(r, s), strict_p(r, s, rng), (tuple(r), tuple(s))))
    return Chi2(tuple(out))
