"""Detection (C2ST): can a classifier tell real rows from synthetic ones?

Per table, up to ``SAMPLE`` rows of each side (a fixed hash order, so equal tables give equal
samples) become feature vectors: numeric and temporal values, categorical bin codes, lengths of
text and nested values, the content of text values (hashed character and word n-grams,
:mod:`.text_features`), and, for every FK pointing at the table, each row's number of children
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
from amalgam_rel.evaluation.text_features import MAX_COLUMNS as MAX_TEXT
from amalgam_rel.evaluation.text_features import WIDTH, text_matrix
from amalgam_rel.schema import sql

SAMPLE = 20_000
FOLDS = 3
CHILD_MEANS = 5  # numeric child columns averaged per FK
MIN_ROWS = 10
CLUSTER_ROWS = 1.5  # rows per parent from which a table's rows are grouped by parent in the folds
CLUSTER_PARENTS = 10 * FOLDS  # ... when there are this many parents at least


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
    cluster = _cluster_key(ctx, key)
    texts = [f for f in ctx.profile[key].features if f.role in ("text", "identity")][:MAX_TEXT]
    query, categorical = _features_query(ctx, key, "real", cluster, texts)
    if query is None:
        return None
    categorical += [False] * (WIDTH * len(texts))
    xr = _fetch(ctx, query, len(texts), cluster is not None)
    xs = _fetch(ctx, _features_query(ctx, key, "synth", cluster, texts)[0], len(texts), cluster is not None)
    if min(len(xr), len(xs)) < MIN_ROWS:
        return None
    x = np.vstack([xr, xs])
    parents = None
    if cluster is not None:  # the last column is each row's parent (hashed), not a feature
        parents, x = np.r_[xr[:, -1], -1 - xs[:, -1]], x[:, :-1]  # the two sides' keys never meet
    informative = ~np.all(np.isnan(x), axis=0)  # an all-NULL column breaks the binner and says nothing
    x, categorical = x[:, informative], [c for c, keep in zip(categorical, informative) if keep]
    if not x.shape[1]:
        return None
    y = np.r_[np.zeros(len(xr)), np.ones(len(xs))]
    groups = _row_groups(x, parents, y)
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


def _fetch(ctx: Context, query: exp.Expression, texts: int = 0, clustered: bool = False) -> np.ndarray:
    """The query's numbers, then the last ``texts`` columns' content features (:mod:`.text_features`);
    the parent column stays last where ``clustered``."""
    rows = ctx.query(query)
    if not rows:
        return np.zeros((0, 0))
    width = len(rows[0]) - texts
    numbers = np.array([r[:width] for r in rows], dtype=float).reshape(len(rows), width)
    if not texts:
        return numbers
    content = text_matrix([r[width:] for r in rows])
    if clustered:
        return np.hstack([numbers[:, :-1], content, numbers[:, -1:]])
    return np.hstack([numbers, content])


def _row_groups(x: np.ndarray, parents: np.ndarray | None = None, synthetic: np.ndarray | None = None) -> np.ndarray:
    """Folds' groups: identical feature vectors (NaN-safe) together, so duplicates never straddle
    folds; and, given each row's ``parents`` key (NaN: none) and side, the rows of one parent
    together - except rows whose vector both sides hold, which stay with their copies.

    Rows of one parent are not independent draws: they repeat its attributes (an invoice's
    billing city, an order's date) and vary around them together. Split across folds, they let
    the classifier recognise a *parent* it saw in training - a synthetic customer's invented
    address length, a real one's - instead of telling real rows from synthetic ones (chinook,
    invoices billed to their synthetic customer's invented address: AUC 0.86 split by vector
    only, 0.43 grouped by customer; tracks 0.60 -> 0.50 grouped by album).

    >>> x, side = np.array([[1.0], [1.0], [2.0], [3.0], [2.0]]), np.array([0, 1, 0, 0, 1])
    >>> _row_groups(x, np.array([5.0, 6.0, 7.0, 7.0, 6.0]), side).tolist()
    [0, 0, 1, 2, 1]
    """
    filled = np.where(np.isnan(x), np.inf, x)
    _, same = np.unique(filled, axis=0, return_inverse=True)
    same = same.ravel()
    if parents is None or synthetic is None or np.all(np.isnan(parents)):
        return same
    on_both = np.zeros(same.max() + 1, dtype=bool)
    on_both[np.intersect1d(same[synthetic == 0], same[synthetic == 1])] = True
    by_vector = on_both[same] | np.isnan(parents)
    _, parent = np.unique(np.where(by_vector, 0.0, parents), return_inverse=True)
    keys = np.where(by_vector, same, same.max() + 1 + parent.ravel())
    _, groups = np.unique(keys, return_inverse=True)
    return groups.ravel()


def _cluster_key(ctx: Context, key: str):
    """The foreign key that cuts the real table into the most parents holding ``CLUSTER_ROWS``
    rows or more on average (at least ``CLUSTER_PARENTS`` of them), or None. The most parents:
    an invoice line's invoice, not its media type - five groups make no folds."""
    best, most = None, CLUSTER_PARENTS - 1
    for fk in ctx.schema.foreign_keys_of(key):
        if fk.is_self_reference:
            continue
        keys = [sql.column(c) for c in fk.columns]
        rows, parents = ctx.query(exp.select(exp.Count(this=keys[0].copy()),
                                             exp.Count(this=exp.Distinct(expressions=[k.copy() for k in keys])))
                                  .from_(ctx.ref("real", key)))[0]
        if parents > most and rows >= CLUSTER_ROWS * parents:
            best, most = fk, parents
    return best


def _features_query(ctx: Context, key: str, side: str, cluster=None, texts=()) -> tuple[exp.Select | None, list[bool]]:
    """Feature columns of up to ``SAMPLE`` rows, then (given a ``cluster`` foreign key) each row's parent, hashed,
    then the ``texts`` features' values as text."""
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
        .order_by(ctx.row_hash(key, ctx.seed))
        .limit(SAMPLE)
    )
    query = exp.select().from_(sample.subquery("t"))
    for i, fk in enumerate(ctx.schema.referencing(key)):
        agg, names = _children(ctx, side, fk, f"k{i}")
        query = query.join(agg.subquery(f"g{i}"), on=join_on(fk, f"g{i}", "t"), join_type="left")
        cols.append(fn("coalesce", sql.column(sql.internal("n"), f"g{i}"), exp.Literal.number(0)))
        cols += [sql.column(n, f"g{i}") for n in names]
        categorical += [False] * (1 + len(names))
    if not cols:
        return None, []
    query = query.select(*(exp.cast(c, "DOUBLE") for c in cols))
    if cluster is not None:
        keys = [sql.column(c, "t") for c in cluster.columns]
        filled = exp.and_(*(exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys))
        # a row without a parent is a cluster of its own (NULL), and hashes stay exact below 2**53
        parent = exp.Case(ifs=[exp.If(this=filled, true=fn("hash", *keys) % exp.Literal.number(2**52))])
        query = query.select(exp.cast(parent, "DOUBLE"))
    query = query.select(*(f.label("t") for f in texts))
    return query, categorical


def _children(ctx: Context, side: str, fk, prefix: str) -> tuple[exp.Select, list[str]]:
    """Per parent key: number of children and the means of a few numeric child columns."""
    child = ctx.profile[fk.table]
    numeric = [f for f in child.features if f.role in ("numeric", "temporal")][:CHILD_MEANS]
    # beside the FK's own columns, which may be called anything: reserved names
    names = [sql.internal(f"{prefix}_m{j}") for j in range(len(numeric))]
    keys = [sql.column(c, "c") for c in fk.columns]
    agg = exp.select(*(k.as_(sql.ident(r)) for k, r in zip(keys, fk.columns)),
                     exp.Count(this=exp.Star()).as_(sql.ident(sql.internal("n"))))
    agg = agg.select(*(exp.Avg(this=f.number("c")).as_(sql.ident(n)) for f, n in zip(numeric, names)))
    not_null = exp.and_(*(exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys))
    return agg.from_(ctx.ref(side, fk.table, "c")).where(not_null).group_by(*(k.copy() for k in keys)), names
