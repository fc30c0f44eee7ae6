"""Column pair trends inside each table (SDMetrics' Column Pair Trends).

Numeric and temporal pairs get CorrelationSimilarity, 1 - |ρ_real - ρ_synth| / 2 with
Pearson's ρ; every other pair of binned columns gets ContingencySimilarity, the TVComplement
of their joint binned distribution. A pair whose correlation is undefined on either side
(a constant column) falls back to contingency similarity. Generated identity columns
(:mod:`.identity`) have no bins: the pairs an identity column of few distinct values would make
as a category are left out, listed in ``left_out`` with the reason (:data:`~.identity.PAIRS_LEFT_OUT`).

>>> PairTrend("t", "a", "b", "CorrelationSimilarity", 0.75, 0.9).score
0.75
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.identity import PAIRS_LEFT_OUT
from amalgam_rel.evaluation.stats import table_counts, tv_complement_counts

NUMERIC = ("numeric", "temporal")


@dataclass(frozen=True)
class PairTrend:
    table: str
    a: str
    b: str
    metric: str
    score: float
    contingency: float


@dataclass(frozen=True)
class PairTrends:
    pairs: tuple[PairTrend, ...]
    left_out: tuple[tuple[str, str, str], ...] = ()  # (table, a, b) with a generated identity column

    @property
    def score(self) -> float | None:
        return float(np.mean([p.score for p in self.pairs])) if self.pairs else None

    def worst(self, n: int = 10) -> list[PairTrend]:
        return sorted(self.pairs, key=lambda p: p.score)[:n]

    def to_dict(self) -> dict:
        return {"score": self.score, "pairs": [asdict(p) for p in self.pairs],
                "left_out": {"count": len(self.left_out), "reason": PAIRS_LEFT_OUT,
                             "pairs": [list(p) for p in self.left_out]}}


def pair_trends(ctx: Context) -> PairTrends:
    out, left_out = [], []
    for key, tp in ctx.profile.tables.items():
        left_out += [(key, a, b) for a, b in tp.identity_pairs]
        pairs = tp.pairs
        if not pairs:
            continue
        _, real = table_counts(ctx, "real", key, pairs)
        _, synth = table_counts(ctx, "synth", key, pairs)
        role = {f.name: f.role for f in tp.features}
        numeric = [p for p in pairs if role[p[0]] in NUMERIC and role[p[1]] in NUMERIC]
        rho = {side: _correlations(ctx, side, key, numeric) for side in ("real", "synth")}
        for p in pairs:
            cont = tv_complement_counts(real[p], synth[p])
            r, s = rho["real"].get(p), rho["synth"].get(p)
            if r is not None and s is not None:
                out.append(PairTrend(key, p[0], p[1], "CorrelationSimilarity", 1 - abs(r - s) / 2, cont))
            else:
                out.append(PairTrend(key, p[0], p[1], "ContingencySimilarity", cont, cont))
    return PairTrends(tuple(out), tuple(left_out))


def _correlations(ctx: Context, side: str, table: str, pairs: list[tuple[str, str]]) -> dict:
    if not pairs:
        return {}
    features = {f.name: f for f in ctx.profile[table].features}
    aggs = [exp.Anonymous(this="corr", expressions=[features[a].number(), features[b].number()]) for a, b in pairs]
    row = ctx.query(exp.select(*aggs).from_(ctx.ref(side, table)))[0]
    return {p: float(v) for p, v in zip(pairs, row) if v is not None and math.isfinite(v)}
