"""Detection (C2ST): can a classifier tell real rows from synthetic ones?

Per table, up to ``SAMPLE`` rows of each side (a fixed hash order, so equal tables give equal
samples) become feature vectors: numeric and temporal values, categorical bin codes, lengths of
text and nested values, and, for every FK pointing at the table, each row's number of children
and the means of the children's numeric columns (SyntheRela's aggregation detection). A
gradient-boosted classifier is cross-validated; identical rows always share a fold, so copying
real rows cannot be rewarded by memorisation. ROC AUC 0.5 means indistinguishable; the score
is SDMetrics' ``1 - (2 * max(AUC, 0.5) - 1)``.

>>> detection_score(0.5), detection_score(0.75), detection_score(0.3)
(1.0, 0.5, 1.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold
from sqlglot import exp
from threadpoolctl import threadpool_limits

from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.features import fn
from amalgam_rel.schema import sql

SAMPLE = 20_000
FOLDS = 3
CHILD_MEANS = 5  # numeric child columns averaged per FK
MIN_ROWS = 10


@dataclass(frozen=True)
class TableDetection:
    table: str
    auc: float
    rows: tuple[int, int]  # rows used (real, synth)
    features: int

    @property
    def score(self) -> float:
        return detection_score(self.auc)


@dataclass(frozen=True)
class Detection:
    tables: tuple[TableDetection, ...]
    skipped: tuple[str, ...]  # tables too small or without features

    @property
    def auc(self) -> float | None:
        return float(np.mean([t.auc for t in self.tables])) if self.tables else None

    @property
    def score(self) -> float | None:
        return float(np.mean([t.score for t in self.tables])) if self.tables else None

    def to_dict(self) -> dict:
        return {"auc": self.auc, "score": self.score, "skipped": list(self.skipped),
                "tables": [asdict(t) | {"score": t.score} for t in self.tables]}


def detection_score(auc: float) -> float:
    return 1.0 - (2.0 * max(auc, 0.5) - 1.0)


def detection(ctx: Context) -> Detection:
    out, skipped = [], []
    for t in ctx.schema.tables:
        result = _table(ctx, t.key)
        (out.append(result) if result else skipped.append(t.key))
    return Detection(tuple(out), tuple(skipped))


def _table(ctx: Context, key: str) -> TableDetection | None:
    query, categorical = _features_query(ctx, key, "real")
    if query is None:
        return None
    xr = _fetch(ctx, query)
    xs = _fetch(ctx, _features_query(ctx, key, "synth")[0])
    if min(len(xr), len(xs)) < MIN_ROWS:
        return None
    x = np.vstack([xr, xs])
    informative = ~np.all(np.isnan(x), axis=0)  # an all-NULL column breaks the binner and says nothing
    x, categorical = x[:, informative], [c for c, keep in zip(categorical, informative) if keep]
    if not x.shape[1]:
        return None
    y = np.r_[np.zeros(len(xr)), np.ones(len(xs))]
    groups = _row_groups(x)
    n_groups = len(np.unique(groups))
    if n_groups < 2:  # every row, real or synthetic, has the same features
        return TableDetection(key, 0.5, (len(xr), len(xs)), x.shape[1])
    model = HistGradientBoostingClassifier(max_iter=60, categorical_features=categorical or None,
                                           early_stopping=False, random_state=ctx.seed)
    folds = StratifiedGroupKFold(n_splits=min(FOLDS, n_groups), shuffle=True, random_state=ctx.seed)
    # One OpenMP thread: on a busy 2-core machine spinning threads made this 50x slower.
    with threadpool_limits(1):
        proba = _out_of_fold(model, x, y, groups, folds)
    return TableDetection(key, float(roc_auc_score(y, proba)), (len(xr), len(xs)), x.shape[1])


def _out_of_fold(model, x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds) -> np.ndarray:
    """P(synthetic) for every row from a model that never saw its fold.

    With few distinct rows (a table of one low-cardinality column), a training fold can hold a
    single class; such a fold predicts that class's share instead of failing.
    """
    proba = np.zeros(len(y))
    for train, test in folds.split(x, y, groups):
        if len(np.unique(y[train])) < 2:
            proba[test] = y[train].mean()
            continue
        # sklearn's binner fails on a column that is all NULL within a fold (not overall)
        seen = ~np.all(np.isnan(x[train]), axis=0)
        fold_model = clone(model)
        categorical = model.get_params()["categorical_features"]
        if categorical is not None and not isinstance(categorical, str):
            fold_model.set_params(categorical_features=[c for c, keep in zip(categorical, seen) if keep] or None)
        fold_model.fit(x[train][:, seen], y[train])
        proba[test] = fold_model.predict_proba(x[test][:, seen])[:, 1]
    return proba


def _fetch(ctx: Context, query: exp.Expression) -> np.ndarray:
    rows = ctx.query(query)
    return np.array(rows, dtype=float).reshape(len(rows), -1) if rows else np.zeros((0, 0))


def _row_groups(x: np.ndarray) -> np.ndarray:
    """One group per distinct feature vector (NaN-safe), so duplicates never straddle folds."""
    filled = np.where(np.isnan(x), np.inf, x)
    _, groups = np.unique(filled, axis=0, return_inverse=True)
    return groups.ravel()


def _features_query(ctx: Context, key: str, side: str) -> tuple[exp.Select | None, list[bool]]:
    tp = ctx.profile[key]
    cols: list[exp.Expression] = []
    categorical: list[bool] = []
    for f in tp.features:
        if f.name in tp.bins and f.role == "categorical":
            cols.append(tp.bins[f.name].expression("t"))
        elif f.role in ("numeric", "temporal"):
            cols.append(f.number("t"))
        else:
            cols.append(exp.cast(f.length("t"), "DOUBLE"))
        categorical.append(f.role == "categorical")
    sample = (
        exp.select(exp.Star()).from_(ctx.ref(side, key))
        .order_by(fn("hash", exp.column("rowid"), exp.Literal.number(ctx.seed)))
        .limit(SAMPLE)
    )
    query = exp.select().from_(sample.subquery("t"))
    for i, fk in enumerate(ctx.schema.referencing(key)):
        agg, names = _children(ctx, side, fk, f"k{i}")
        query = query.join(agg.subquery(f"g{i}"), on=join_on(fk, f"g{i}", "t"), join_type="left")
        cols.append(fn("coalesce", sql.column("n", f"g{i}"), exp.Literal.number(0)))
        cols += [sql.column(n, f"g{i}") for n in names]
        categorical += [False] * (1 + len(names))
    if not cols:
        return None, []
    return query.select(*(exp.cast(c, "DOUBLE") for c in cols)), categorical


def _children(ctx: Context, side: str, fk, prefix: str) -> tuple[exp.Select, list[str]]:
    """Per parent key: number of children and the means of a few numeric child columns."""
    child = ctx.profile[fk.table]
    numeric = [f for f in child.features if f.role in ("numeric", "temporal")][:CHILD_MEANS]
    names = [f"{prefix}_m{j}" for j in range(len(numeric))]
    keys = [sql.column(c, "c") for c in fk.columns]
    agg = exp.select(*(k.as_(sql.ident(r)) for k, r in zip(keys, fk.columns)), exp.Count(this=exp.Star()).as_("n"))
    agg = agg.select(*(exp.Avg(this=f.number("c")).as_(n) for f, n in zip(numeric, names)))
    not_null = exp.and_(*(exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys))
    return agg.from_(ctx.ref(side, fk.table, "c")).where(not_null).group_by(*(k.copy() for k in keys)), names
