"""Cardinality: how many children each parent row has, per foreign key.

For every FK (self-references included) the distribution of children per parent row, zeros
included, is compared with SDMetrics' CardinalityShapeSimilarity (the KSComplement of the two
distributions). Beside it: the share of parents without children, and the mean and max count.
A child row whose FK is NULL belongs to no parent and is not counted.

>>> Cardinality("a(x) -> b(y)", 0.9, (0.1, 0.2), (1.0, 1.5), (3, 4)).to_dict()["score"]
0.9
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.stats import ks_complement_counts
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import ForeignKey


@dataclass(frozen=True)
class Cardinality:
    fk: str
    score: float  # CardinalityShapeSimilarity
    zero_share: tuple[float, float]  # (real, synth)
    mean: tuple[float, float]
    max: tuple[int, int]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Cardinalities:
    fks: tuple[Cardinality, ...]
    histograms: dict  # fk label -> (counts, real parents, synth parents), for the report

    @property
    def score(self) -> float | None:
        return float(np.mean([c.score for c in self.fks])) if self.fks else None

    def to_dict(self) -> dict:
        return {"score": self.score, "foreign_keys": [c.to_dict() for c in self.fks]}


def join_on(fk: ForeignKey, child: str, parent: str) -> exp.Expression:
    return exp.and_(*(exp.EQ(this=sql.column(c, child), expression=sql.column(r, parent))
                      for c, r in zip(fk.columns, fk.ref_columns)))


def children_histogram(ctx: Context, side: str, fk: ForeignKey) -> dict[int, int]:
    """{number of children: number of parent rows with that many}."""
    parent_key = [sql.column(c, "p") for c in fk.ref_columns]
    per_parent = (
        exp.select(exp.Count(this=sql.column(fk.columns[0], "c")).as_("n"))
        .from_(ctx.ref(side, fk.ref_table, "p"))
        .join(ctx.ref(side, fk.table, "c"), on=join_on(fk, "c", "p"), join_type="left")
        .group_by(*parent_key)
    )
    q = exp.select("n", exp.Count(this=exp.Star())).from_(per_parent.subquery("x")).group_by("n")
    return {int(n): int(k) for n, k in ctx.query(q)}


def cardinality(ctx: Context) -> Cardinalities:
    out, hists = [], {}
    for fk in ctx.schema.foreign_keys:
        r, s = children_histogram(ctx, "real", fk), children_histogram(ctx, "synth", fk)
        values = np.array(sorted(set(r) | set(s)), dtype=float)
        hr = np.array([r.get(int(v), 0) for v in values], dtype=float)
        hs = np.array([s.get(int(v), 0) for v in values], dtype=float)
        out.append(Cardinality(fk.label, ks_complement_counts(values, hr, hs), (_zero(r), _zero(s)),
                               (_mean(r), _mean(s)), (max(r, default=0), max(s, default=0))))
        hists[fk.label] = (values, hr, hs)
    return Cardinalities(tuple(out), hists)


def _zero(h: dict[int, int]) -> float:
    total = sum(h.values())
    return h.get(0, 0) / total if total else 0.0


def _mean(h: dict[int, int]) -> float:
    total = sum(h.values())
    return sum(n * k for n, k in h.items()) / total if total else 0.0
