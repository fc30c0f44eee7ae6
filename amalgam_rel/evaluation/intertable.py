"""Inter-table trends: does a parent's column still go with its children's columns?

For each foreign key the child rows are joined to their parent rows (one hop), and for each
chain child -> parent -> grandparent to their grandparent (two hops); every (ancestor binned
column, child binned column) pair is then scored with ContingencySimilarity on the joined rows,
as SDMetrics' IntertableTrends does on the denormalised table. The pairs a generated identity
column of few distinct values (:mod:`.identity`) would make as a category are left out and
listed in ``left_out`` (:data:`~.identity.PAIRS_LEFT_OUT`).

>>> IntertableTrend("c -> p", 1, "p.x", "c.y", 0.8).hops
1
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import product

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.identity import PAIRS_LEFT_OUT
from amalgam_rel.evaluation.stats import binned_counts, tv_complement_counts
from amalgam_rel.schema.model import ForeignKey

PER_SIDE = 8  # binned columns per table in a path: 64 pairs at most per path


@dataclass(frozen=True)
class IntertableTrend:
    path: str
    hops: int
    ancestor_column: str
    child_column: str
    score: float


@dataclass(frozen=True)
class IntertableTrends:
    pairs: tuple[IntertableTrend, ...]
    left_out: tuple[tuple[str, str, str], ...] = ()  # (path, ancestor column, child column)

    @property
    def score(self) -> float | None:
        return _mean([p.score for p in self.pairs])

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "one_hop": _mean([p.score for p in self.pairs if p.hops == 1]),
            "two_hops": _mean([p.score for p in self.pairs if p.hops == 2]),
            "pairs": [asdict(p) for p in self.pairs],
            "left_out": {"count": len(self.left_out), "reason": PAIRS_LEFT_OUT, "pairs": [list(p) for p in self.left_out]},
        }


def _mean(xs: list[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def paths(ctx: Context) -> list[tuple[ForeignKey, ...]]:
    """Every FK (one hop) and every chain of two distinct FKs child -> parent -> grandparent."""
    fks = [fk for fk in ctx.schema.foreign_keys if not fk.is_self_reference]
    out: list[tuple[ForeignKey, ...]] = [(fk,) for fk in fks]
    out += [(a, b) for a in fks for b in fks if b.table == a.ref_table and b.ref_table != a.table]
    return out


def intertable_trends(ctx: Context) -> IntertableTrends:
    out, left_out = [], []
    for path in paths(ctx):
        out += _path_trends(ctx, path)
        left_out += _identity_pairs(ctx, path)
    return IntertableTrends(tuple(out), tuple(left_out))


def _identity_pairs(ctx: Context, path: tuple[ForeignKey, ...]) -> list[tuple[str, str, str]]:
    """``(path, ancestor column, child column)`` for the path's pairs with an identity category."""
    child, ancestor = ctx.profile[path[0].table], ctx.profile[path[-1].ref_table]
    label = " -> ".join([path[0].table] + [fk.ref_table for fk in path])
    return [(label, a, c) for a, c in product(ancestor.binned_or_identity(PER_SIDE), child.binned_or_identity(PER_SIDE))
            if a in ancestor.identity_categories or c in child.identity_categories]


def _path_trends(ctx: Context, path: tuple[ForeignKey, ...]) -> list[IntertableTrend]:
    child, ancestor = path[0].table, path[-1].ref_table
    child_bins = list(ctx.profile[child].bins.items())[:PER_SIDE]
    anc_bins = list(ctx.profile[ancestor].bins.items())[:PER_SIDE]
    if not child_bins or not anc_bins:
        return []
    aliases = ["c"] + [f"a{i}" for i in range(len(path))]
    codes = {f"c:{n}": b.expression("c") for n, b in child_bins}
    codes |= {f"a:{n}": b.expression(aliases[-1]) for n, b in anc_bins}
    sizes = {f"c:{n}": b.size for n, b in child_bins} | {f"a:{n}": b.size for n, b in anc_bins}
    pairs = [(f"a:{a}", f"c:{c}") for (a, _), (c, _) in product(anc_bins, child_bins)]
    counts = {}
    for side in ("real", "synth"):
        source = exp.Select().from_(ctx.ref(side, child, "c"))
        for i, fk in enumerate(path):
            source = source.join(ctx.ref(side, fk.ref_table, aliases[i + 1]), on=join_on(fk, aliases[i], aliases[i + 1]))
        counts[side] = binned_counts(ctx, codes, sizes, pairs, source)[1]
    label = " -> ".join([child] + [fk.ref_table for fk in path])
    return [
        IntertableTrend(label, len(path), a[2:], c[2:], tv_complement_counts(counts["real"][a, c], counts["synth"][a, c]))
        for a, c in pairs
    ]
