"""Distribution distances computed inside DuckDB, plus the small numpy ones on binned counts.

A *source* is a subquery yielding one column ``v`` (a value, a length, an unnested element):
``source(ctx, side, table, expr)``. KS and TV then run as one query over both sides.

>>> import numpy as np
>>> round(tv_complement_counts(np.array([5, 5]), np.array([5, 5])), 3)
1.0
>>> round(tv_complement_counts(np.array([10, 0]), np.array([0, 10])), 3)
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.templates import fill

_KS = """
WITH r AS (SELECT v, COUNT(*) AS n FROM __rsrc__ AS q WHERE NOT v IS NULL GROUP BY v),
s AS (SELECT v, COUNT(*) AS n FROM __ssrc__ AS q WHERE NOT v IS NULL GROUP BY v),
j AS (SELECT COALESCE(r.v, s.v) AS v, COALESCE(r.n, 0) AS rn, COALESCE(s.n, 0) AS sn
      FROM r FULL OUTER JOIN s ON r.v = s.v),
c AS (SELECT SUM(rn) OVER (ORDER BY v) AS cr, SUM(sn) OVER (ORDER BY v) AS cs,
             SUM(rn) OVER () AS tr, SUM(sn) OVER () AS ts FROM j)
SELECT MAX(ABS(cr / NULLIF(tr, 0) - cs / NULLIF(ts, 0))), MAX(tr), MAX(ts) FROM c
"""

_TV = """
WITH r AS (SELECT v, COUNT(*) AS n FROM __rsrc__ AS q GROUP BY v),
s AS (SELECT v, COUNT(*) AS n FROM __ssrc__ AS q GROUP BY v),
j AS (SELECT COALESCE(r.n, 0) AS rn, COALESCE(s.n, 0) AS sn
      FROM r FULL OUTER JOIN s ON r.v IS NOT DISTINCT FROM s.v),
c AS (SELECT rn, sn, SUM(rn) OVER () AS tr, SUM(sn) OVER () AS ts FROM j)
SELECT SUM(ABS(rn / NULLIF(tr, 0) - sn / NULLIF(ts, 0))) / 2, MAX(tr), MAX(ts) FROM c
"""


@dataclass(frozen=True)
class Comparison:
    score: float  # 1 = same distribution, 0 = disjoint
    n_real: int
    n_synth: int


def source(ctx: Context, side: str, table: str, value: exp.Expression, *, unnest: bool = False) -> exp.Subquery:
    v = exp.Unnest(expressions=[value]) if unnest else value
    return exp.select(v.as_("v")).from_(ctx.ref(side, table)).subquery()


def ks_complement(ctx: Context, table: str, value: exp.Expression, *, unnest: bool = False) -> Comparison:
    """SDMetrics' KSComplement (1 - the two-sample KS statistic) on the non-NULL values."""
    srcs = {f"{s[0]}src": source(ctx, s, table, value, unnest=unnest) for s in ("real", "synth")}
    d, nr, ns = ctx.query(fill(_KS, **srcs))[0]
    return Comparison(_empty_aware(d, nr, ns), int(nr or 0), int(ns or 0))


def tv_complement(ctx: Context, table: str, value: exp.Expression, *, unnest: bool = False) -> Comparison:
    """SDMetrics' TVComplement (1 - total variation distance); NULL counts as a category."""
    srcs = {f"{s[0]}src": source(ctx, s, table, value, unnest=unnest) for s in ("real", "synth")}
    d, nr, ns = ctx.query(fill(_TV, **srcs))[0]
    return Comparison(_empty_aware(d, nr, ns), int(nr or 0), int(ns or 0))


def _empty_aware(distance, n_real, n_synth) -> float:
    """Two empty samples agree; one empty sample against a non-empty one does not."""
    if not n_real and not n_synth:
        return 1.0
    if not n_real or not n_synth:
        return 0.0
    return float(min(1.0, max(0.0, 1.0 - float(distance))))


def tv_complement_counts(real: np.ndarray, synth: np.ndarray) -> float:
    """TVComplement of two count arrays of the same shape (contingency similarity when 2-D)."""
    tr, ts = real.sum(), synth.sum()
    if not tr and not ts:
        return 1.0
    if not tr or not ts:
        return 0.0
    return float(1.0 - 0.5 * np.abs(real / tr - synth / ts).sum())


def ks_complement_counts(values: np.ndarray, real: np.ndarray, synth: np.ndarray) -> float:
    """KSComplement of two histograms over the same sorted ``values``."""
    tr, ts = real.sum(), synth.sum()
    if not tr and not ts:
        return 1.0
    if not tr or not ts:
        return 0.0
    order = np.argsort(values, kind="stable")
    return float(1.0 - np.max(np.abs(np.cumsum(real[order]) / tr - np.cumsum(synth[order]) / ts)))


def binned_counts(ctx: Context, codes: dict[str, exp.Expression], sizes: dict[str, int],
                  pairs: list[tuple[str, str]], source: exp.Select) -> tuple[dict, dict]:
    """Counts of every single code and of every listed pair, in one GROUPING SETS query.

    ``source`` is a SELECT without projections (its FROM and JOINs); ``codes`` maps a name to an
    expression over it yielding a bin in ``range(sizes[name])``.
    """
    names = list(codes)
    if not names:
        return {}, {}
    index = {n: i for i, n in enumerate(names)}
    cols = [exp.column(f"b{i}") for i in range(len(names))]
    inner = source.copy().select(*(codes[n].as_(f"b{i}") for i, n in enumerate(names)))
    sets = [exp.Paren(this=c.copy()) for c in cols]
    sets += [exp.Tuple(expressions=[cols[index[a]].copy(), cols[index[b]].copy()]) for a, b in pairs]
    query = exp.select(*(c.copy() for c in cols), exp.Count(this=exp.Star()).as_("n")).from_(inner.subquery("q"))
    query.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=sets)]))
    singles = {n: np.zeros(sizes[n]) for n in names}
    doubles = {p: np.zeros((sizes[p[0]], sizes[p[1]])) for p in pairs}
    for *row, n in ctx.query(query):
        present = [i for i, c in enumerate(row) if c is not None]
        if len(present) == 1:
            singles[names[present[0]]][row[present[0]]] += n
        elif len(present) == 2:
            i, j = present
            if (names[i], names[j]) not in doubles:
                i, j = j, i
            doubles[names[i], names[j]][row[i], row[j]] += n
    return singles, doubles


def table_counts(ctx: Context, side: str, table: str, pairs: list[tuple[str, str]]) -> tuple[dict, dict]:
    """Binned counts of one table's features (and listed pairs), memoised per side and table."""
    key = ("counts", side, table, tuple(pairs))
    if key not in ctx.memo:
        bins = ctx.profile[table].bins
        codes = {n: b.expression("t") for n, b in bins.items()}
        sizes = {n: b.size for n, b in bins.items()}
        ctx.memo[key] = binned_counts(ctx, codes, sizes, pairs, exp.Select().from_(ctx.ref(side, table, "t")))
    return ctx.memo[key]
