"""Privacy: does the synthetic database copy or sit too close to the real rows?

* **Exact-copy rate**: the share of synthetic rows equal to some real row on every non-key
  column (NULL equals NULL), over all tables with non-key columns.
* **DCR** (distance to closest record): for up to ``SAMPLE`` synthetic rows per table, the Gower
  distance to the nearest real row (numeric values scaled by the real range, categories 0/1,
  averaged over columns). With a holdout database, the **DCR share** is the share of synthetic
  rows closer to the real rows than to an equally large holdout sample (ties count half):
  0.5 means the synthesizer did not memorise its training rows; the score is
  ``1 - 2 * max(0, share - 0.5)``.
* **Verbatim text**: the share of synthetic free-text values that occur verbatim in the same
  real column (and, with a holdout, the holdout's own rate, as the natural baseline).

>>> round(privacy_score(0.5), 2), round(privacy_score(0.8), 2)
(1.0, 0.4)
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sqlglot import exp
from threadpoolctl import threadpool_limits

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.templates import fill
from amalgam_rel.schema import sql

SAMPLE = 2_000  # synthetic rows per table whose nearest neighbour is searched
REFERENCE = 20_000  # real (and holdout) rows searched


@dataclass(frozen=True)
class TablePrivacy:
    table: str
    exact_copies: int
    synth_rows: int
    dcr_median: float | None  # synthetic -> real
    dcr_share: float | None  # None without a holdout
    verbatim_text: tuple[int, int]  # (synthetic text values found in the real column, all)
    holdout_verbatim_text: tuple[int, int] | None


@dataclass(frozen=True)
class Privacy:
    tables: tuple[TablePrivacy, ...]
    has_holdout: bool

    @property
    def exact_copy_rate(self) -> float | None:
        rows = sum(t.synth_rows for t in self.tables)
        return sum(t.exact_copies for t in self.tables) / rows if rows else None

    @property
    def dcr_share(self) -> float | None:
        shares = [t.dcr_share for t in self.tables if t.dcr_share is not None]
        return float(np.mean(shares)) if shares else None

    @property
    def verbatim_text_rate(self) -> float | None:
        return _rate([t.verbatim_text for t in self.tables])

    @property
    def score(self) -> float | None:
        return None if self.dcr_share is None else privacy_score(self.dcr_share)

    def to_dict(self) -> dict:
        dcr = [t.dcr_median for t in self.tables if t.dcr_median is not None]
        return {
            "exact_copy_rate": self.exact_copy_rate,
            "dcr_median": float(np.median(dcr)) if dcr else None,
            "dcr_share": self.dcr_share,
            "holdout": self.has_holdout,
            "note": None if self.has_holdout else "no holdout given: DCR share not computed (--holdout DB)",
            "verbatim_text_rate": self.verbatim_text_rate,
            "holdout_verbatim_text_rate": _rate([t.holdout_verbatim_text for t in self.tables if t.holdout_verbatim_text]),
            "score": self.score,
            "tables": [asdict(t) for t in self.tables],
        }


def _rate(pairs: list[tuple[int, int]]) -> float | None:
    total = sum(n for _, n in pairs)
    return sum(k for k, _ in pairs) / total if total else None


def privacy_score(share: float) -> float:
    return 1.0 - 2.0 * max(0.0, share - 0.5)


def privacy(ctx: Context) -> Privacy:
    out = []
    for t in ctx.schema.tables:
        keys = set(t.primary_key) | {c for fk in ctx.schema.foreign_keys_of(t.key) for c in fk.columns}
        values = [c.name for c in t.columns if c.name not in keys]
        if not values:
            continue
        tp = ctx.profile[t.key]  # identity columns of many values too: what was text before them
        texts = [f for f in tp.of_role("text", "identity") if f.name not in tp.identity_categories]
        verbatim = _verbatim(ctx, t.key, texts, "synth")
        out.append(TablePrivacy(
            t.key, _exact_copies(ctx, t.key, values), ctx.rows("synth", t.key), *_dcr(ctx, t.key),
            verbatim, _verbatim(ctx, t.key, texts, "holdout") if ctx.holdout_path else None,
        ))
    return Privacy(tuple(out), ctx.holdout_path is not None)


def _exact_copies(ctx: Context, table: str, columns: list[str]) -> int:
    same = exp.and_(*(exp.NullSafeEQ(this=sql.column(c, "r"), expression=sql.column(c, "s")) for c in columns))
    exists = exp.Exists(this=exp.select(exp.Literal.number(1)).from_(ctx.ref("real", table, "r")).where(same))
    return int(ctx.scalar(exp.select(exp.Count(this=exp.Star())).from_(ctx.ref("synth", table, "s")).where(exists)))


_VERBATIM = """
SELECT COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM __rsrc__ AS r WHERE r.v = s.v)), COUNT(s.v) FROM __ssrc__ AS s
"""


def _verbatim(ctx: Context, table: str, texts, side: str) -> tuple[int, int]:
    found = total = 0
    for f in texts:
        srcs = {k: exp.select(f.value().as_("v")).from_(ctx.ref(s, table)).subquery() for k, s in (("rsrc", "real"), ("ssrc", side))}
        k, n = ctx.query(fill(_VERBATIM, **srcs))[0]
        found, total = found + int(k), total + int(n)
    return found, total


def _dcr(ctx: Context, table: str) -> tuple[float | None, float | None]:
    tp = ctx.profile[table]
    if not tp.features:
        return None, None
    synth = _matrix(ctx, "synth", table, SAMPLE)
    real = _matrix(ctx, "real", table, REFERENCE)
    if not len(synth) or not len(real):
        return None, None
    holdout = _matrix(ctx, "holdout", table, REFERENCE) if ctx.holdout_path else None
    if holdout is not None and len(holdout):
        n = min(len(real), len(holdout))
        real, holdout = real[:n], holdout[:n]
    enc = _Encoder(tp, real)
    d_real = _nearest(enc(real), enc(synth))
    if holdout is None or not len(holdout):
        return float(np.median(d_real)), None
    d_hold = _nearest(enc(holdout), enc(synth))
    share = float(np.mean(np.where(d_real < d_hold, 1.0, np.where(d_real == d_hold, 0.5, 0.0))))
    return float(np.median(d_real)), share


def _matrix(ctx: Context, side: str, table: str, limit: int) -> np.ndarray:
    """Features of a fixed-hash sample: numbers, categorical bin codes, lengths."""
    tp = ctx.profile[table]
    cols = []
    for f in tp.features:
        if f.role == "categorical":
            cols.append(tp.bins[f.name].expression("t"))
        elif f.role in ("numeric", "temporal"):
            cols.append(f.number("t"))
        else:
            cols.append(f.length("t"))
    order = ctx.row_hash(table, ctx.seed + 1)
    sample = exp.select(exp.Star()).from_(ctx.ref(side, table)).order_by(order).limit(limit).subquery("t")
    rows = ctx.query(exp.select(*(exp.cast(c, "DOUBLE") for c in cols)).from_(sample))
    return np.array(rows, dtype=float).reshape(len(rows), len(cols))


class _Encoder:
    """Gower encoding: L1 distance / number of columns = mean per-column mismatch in [0, 1]."""

    def __init__(self, tp, real: np.ndarray):
        self.categorical = [f.role == "categorical" for f in tp.features]
        self.sizes = [tp.bins[f.name].size if f.role == "categorical" else 0 for f in tp.features]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NULL columns: no range
            self.lo = np.nan_to_num(np.nanmin(real, axis=0)) if len(real) else np.zeros(real.shape[1])
            span = np.nanmax(real, axis=0) - np.nanmin(real, axis=0) if len(real) else np.ones(real.shape[1])
        self.span = np.where(np.isfinite(span) & (span > 0), span, 1.0)
        self.width = len(self.sizes)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        parts = []
        for j, cat in enumerate(self.categorical):
            col = x[:, j]
            if cat:  # one-hot at 0.5: two different categories are 1 apart
                codes = np.nan_to_num(col).astype(int).clip(0, self.sizes[j] - 1)
                parts.append(np.eye(self.sizes[j])[codes] * 0.5)
            else:  # scaled value, NULL as 0 plus an indicator: NULL vs value is 1 apart or more
                missing = np.isnan(col)
                parts.append(np.c_[np.where(missing, 0.0, (col - self.lo[j]) / self.span[j]), missing.astype(float)])
        return np.hstack(parts) / max(self.width, 1)


def _nearest(reference: np.ndarray, queries: np.ndarray) -> np.ndarray:
    nn = NearestNeighbors(n_neighbors=1, metric="manhattan", algorithm="brute").fit(reference)
    with threadpool_limits(1):  # see detection: oversubscribed OpenMP threads crawl
        return nn.kneighbors(queries)[0][:, 0]
