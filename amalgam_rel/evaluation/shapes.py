"""Column shapes: does each column, on its own, look like the real one?

SDMetrics' KSComplement for numeric and temporal values, TVComplement for categorical ones
(NULL is a category). Text and BLOB columns are compared by their length distribution, LIST
and MAP columns by length and by element (key) distribution, JSON by top-level key presence.
Where either side has NULLs, non-categorical columns also get SDMetrics'
MissingValueSimilarity (1 - |difference of NULL shares|), averaged into the column's score.
Generated identity columns (:mod:`.identity`: names, contacts, places the synthesizer invents)
are not categories: their distribution is the mean of their length KSComplement, the agreement
of the shares of values of their type's form, the TVComplement of their values' shapes and the
agreement of the shares of distinct values (``parts``, :class:`~.identity.IdentityParts`).

>>> ColumnShape("t", "c", "numeric", "KSComplement", 0.9, 0.7).score
0.8
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.features import Feature, fn
from amalgam_rel.evaluation.identity import HOW, identity_parts
from amalgam_rel.evaluation.stats import Comparison, ks_complement, tv_complement
from amalgam_rel.evaluation.templates import fill


@dataclass(frozen=True)
class ColumnShape:
    table: str
    column: str
    role: str
    metric: str
    distribution: float  # the metric named by ``metric``
    missing: float | None  # MissingValueSimilarity, None when neither side has NULLs
    semantic: str = ""  # an identity column's generated type
    parts: dict | None = None  # an identity column's scores: lengths, pattern, shape, distinct

    @property
    def score(self) -> float:
        return self.distribution if self.missing is None else (self.distribution + self.missing) / 2


@dataclass(frozen=True)
class ColumnShapes:
    columns: tuple[ColumnShape, ...]

    @property
    def score(self) -> float | None:
        return float(np.mean([c.score for c in self.columns])) if self.columns else None

    def to_dict(self) -> dict:
        identity = [f"{c.table}.{c.column}" for c in self.columns if c.role == "identity"]
        return {"score": self.score, "columns": [asdict(c) | {"score": c.score} for c in self.columns],
                "identity": {"columns": identity, "how": HOW}}


def column_shapes(ctx: Context) -> ColumnShapes:
    out = []
    for key, tp in ctx.profile.tables.items():
        for f in tp.features:
            out.append(_shape(ctx, key, f))
    return ColumnShapes(tuple(out))


def _shape(ctx: Context, table: str, f: Feature) -> ColumnShape:
    if f.role == "categorical":
        c = tv_complement(ctx, table, f.label())
        return ColumnShape(table, f.name, f.role, "TVComplement", c.score, None)
    if f.role in ("numeric", "temporal"):
        c = ks_complement(ctx, table, f.number())
        return ColumnShape(table, f.name, f.role, "KSComplement", c.score, _missing(ctx, table, c))
    if f.role == "identity":
        parts = identity_parts(ctx, table, f.name, f.semantic)
        missing = _missing(ctx, table, Comparison(parts.distribution, parts.n_real, parts.n_synth))
        return ColumnShape(table, f.name, f.role, "Length+Pattern+Shape+DistinctRate", parts.distribution, missing,
                           f.semantic, parts.scores())
    if f.role in ("text", "blob"):
        c = ks_complement(ctx, table, f.length())
        return ColumnShape(table, f.name, f.role, "LengthKSComplement", c.score, _missing(ctx, table, c))
    if f.role in ("list", "map"):
        lengths = ks_complement(ctx, table, f.length())
        items = f.value() if f.role == "list" else fn("map_keys", f.value())
        elements = tv_complement(ctx, table, exp.cast(exp.Unnest(expressions=[items]), "VARCHAR"))
        metric = "LengthKSComplement+ElementTVComplement" if f.role == "list" else "LengthKSComplement+KeyTVComplement"
        return ColumnShape(table, f.name, f.role, metric, (lengths.score + elements.score) / 2, _missing(ctx, table, lengths))
    if f.role == "json":
        return _json_shape(ctx, table, f)
    raise ValueError(f"no shape metric for role {f.role!r}")


def _missing(ctx: Context, table: str, c: Comparison) -> float | None:
    """MissingValueSimilarity from the non-NULL counts a comparison saw."""
    rows_r, rows_s = ctx.rows("real", table), ctx.rows("synth", table)
    null_r = 1 - c.n_real / rows_r if rows_r else 0.0
    null_s = 1 - c.n_synth / rows_s if rows_s else 0.0
    if null_r == 0 and null_s == 0:
        return None
    return 1.0 - abs(null_r - null_s)


_KEYS = """
SELECT k, COUNT(*) FROM (SELECT UNNEST(JSON_KEYS(__v__)) AS k FROM __src__ AS t
  WHERE JSON_VALID(__v__) AND JSON_TYPE(__v__) = 'OBJECT') GROUP BY k
"""
_OBJECTS = "SELECT COUNT(*) FROM __src__ AS t WHERE JSON_VALID(__v__) AND JSON_TYPE(__v__) = 'OBJECT'"


def _json_shape(ctx: Context, table: str, f: Feature) -> ColumnShape:
    """1 - mean |difference| of the share of JSON objects carrying each top-level key."""
    shares = []
    for side in ("real", "synth"):
        src = ctx.ref(side, table)
        n = ctx.query(fill(_OBJECTS, v=f.value("t"), src=src))[0][0]
        counts = dict(ctx.query(fill(_KEYS, v=f.value("t"), src=src)))
        shares.append({k: v / n for k, v in counts.items()} if n else {})
    keys = set(shares[0]) | set(shares[1])
    score = 1.0 - float(np.mean([abs(shares[0].get(k, 0) - shares[1].get(k, 0)) for k in keys])) if keys else 1.0
    non_null = [ctx.scalar(exp.select(exp.Count(this=f.value())).from_(ctx.ref(side, table))) for side in ("real", "synth")]
    return ColumnShape(table, f.name, f.role, "KeyPresenceSimilarity", score, _missing(ctx, table, Comparison(score, *non_null)))
