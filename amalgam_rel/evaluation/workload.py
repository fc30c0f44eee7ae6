"""SQL workload: run the same queries on both databases and compare the answers.

Queries come from the schema (:func:`auto_workload`: counts, AVG/SUM of numeric columns,
GROUP BY categorical columns, filters on each categorical column's most frequent value, and
joins along every FK path of one or two hops) and from ``.sql`` files (``--queries DIR``).
Each query's answer is compared by its shape (read from the outermost SELECT with sqlglot):

* scalar (aggregates, no keys): mean relative error ``|s - r| / |r|`` over its numeric columns;
* grouped (keys + aggregates): groups matched by key, weighted relative error
  ``Σ min(|r|, |s - r|) / Σ |r|`` per value column, plus the total variation distance of the
  groups' shares and the overlap of the top-10 groups;
* anything else: the relative error of the number of rows.

Every query's error is capped at 1 (entirely wrong); a query that fails on the synthetic
database but not the real one is a failure with error 1; one that fails on the real database
is skipped. A synthetic answer that is empty (no rows, or only zeros and NULLs) where the real
one is not has error 1 and is counted in ``empty_answers``. The automatic workload ends with
the analyst's queries of :mod:`.analyst_queries` (filters, joins and ``LIKE`` on names). The score is ``1 - mean error``.

Generated identity columns (:mod:`.identity`) are not categories: the automatic workload does
not group or filter by them (``identity_not_grouped`` lists those of few distinct values, which
it did before). An analyst query filtering on one carries its ``identity``: an empty answer
there is by design (the synthesizer never writes real identities), counted in
``empty_on_identity``; the others' in ``empty_other``; ``empty_answers`` is their sum.

Each result also carries its diagnosis: a reason class (:mod:`.reasons`; ``reasons`` counts
them), the first rows of both answers, and the tables, columns and joins the query reads
(:mod:`.touched`), whose fidelity scores the orchestrator attaches once every stage has run.

>>> rel_error(100, 90), rel_error(0, 0), rel_error(0, 5)
(0.1, 0.0, 1.0)
"""

from __future__ import annotations

import math
from collections import Counter
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import sqlglot
from sqlglot import exp

from amalgam_rel.errors import InputError
from amalgam_rel.evaluation.analyst_queries import analyst_queries
from amalgam_rel.evaluation.answers import HEAD_ROWS, groups, head, number, share_column, weights
from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.intertable import paths
from amalgam_rel.evaluation.reasons import grouped_reason, is_top_k, reason
from amalgam_rel.evaluation.touched import SchemaNames, Touched, touched, with_fidelity
from amalgam_rel.schema import sql

TOP_K = 10
MAX_AUTO = 500
TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    identity: str = ""  # the generated identity column (table.column) it filters or groups on
    origin: str = "auto"  # as QueryResult.origin


@dataclass(frozen=True)
class QueryResult:
    name: str
    shape: str  # scalar | grouped | rows | failed | skipped
    error: float | None  # capped at 1; None when skipped
    raw_error: float | None = None  # scalars: uncapped relative error
    share_tv: float | None = None  # grouped: TV distance of group shares
    top_k_overlap: float | None = None
    groups: tuple[int, int] | None = None
    message: str | None = None
    empty: bool = False  # the synthetic answer is empty where the real one is not
    identity: str = ""  # as Query.identity
    origin: str = "auto"  # auto (the automatic workload) or file (``--queries``)
    reason: str = ""  # why it is wrong (ok when it is not): :mod:`.reasons`
    missing_groups: float | None = None  # grouped: share of the real groups the synthetic answer lacks
    extra_groups: float | None = None  # grouped: share of the synthetic groups the real answer lacks
    columns: tuple[str, ...] = ()  # the answer's column names
    real_head: tuple = ()  # its first rows, values shortened (:func:`.answers.head`)
    synth_head: tuple = ()
    touched: Touched | None = None  # tables, columns and joins it reads, with their fidelity


@dataclass(frozen=True)
class Workload:
    results: tuple[QueryResult, ...]
    identity_not_grouped: tuple[str, ...] = ()  # identity columns of few values: no group/filter query

    @property
    def counted(self) -> list[QueryResult]:
        return [r for r in self.results if r.error is not None]

    def _pct(self, q: float) -> float | None:
        errs = [r.error for r in self.counted]
        return float(np.percentile(errs, q)) if errs else None

    def to_dict(self) -> dict:
        counted = self.counted
        grouped = [r for r in counted if r.shape == "grouped"]
        return {
            "queries": len(counted),
            "failed": sum(r.shape == "failed" for r in counted),
            "skipped": sum(r.shape == "skipped" for r in self.results),
            "empty_answers": sum(r.empty for r in self.results),
            "empty_on_identity": sum(r.empty and bool(r.identity) for r in self.results),
            "empty_other": sum(r.empty and not r.identity for r in self.results),
            "identity_not_grouped": list(self.identity_not_grouped),
            "median_rel_error": self._pct(50),
            "p90_rel_error": self._pct(90),
            "score": self.score,
            "grouped_share_tv": float(np.mean([r.share_tv for r in grouped])) if grouped else None,
            "grouped_top_k_overlap": float(np.mean([r.top_k_overlap for r in grouped])) if grouped else None,
            "reasons": dict(sorted(Counter(r.reason for r in self.results).items())),
            "results": [asdict(r) for r in self.results],
        }

    @property
    def score(self) -> float | None:
        errs = [r.error for r in self.counted]
        return 1.0 - float(np.mean(errs)) if errs else None


def rel_error(real, synth) -> float:
    if real is None or synth is None:
        return 0.0 if real is None and synth is None else 1.0
    real, synth = float(real), float(synth)
    if math.isnan(real) or math.isnan(synth):
        return 0.0 if math.isnan(real) and math.isnan(synth) else 1.0
    if real == 0:
        return 0.0 if synth == 0 else 1.0
    return abs(synth - real) / abs(real)


# ---------------------------------------------------------------- queries


def load_queries(directory: str | Path) -> list[Query]:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"query directory not found: {directory}")
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise InputError(f"no .sql files in {directory}")
    return [Query(f.stem, f.read_text(encoding="utf-8").strip().rstrip(";"), origin="file") for f in files]


def _ref(ctx: Context, key: str, alias: str | None = None) -> exp.Table:
    """The table as the query sees it under ``USE side``: no catalog, schema only outside main."""
    t = ctx.table(key)
    return sql.table_ref(t.name, t.schema, alias)


# the group of an automatic query: GROUP BY names it where the table's own columns are in scope
_GROUP = sql.internal("k")


def auto_workload(ctx: Context) -> list[Query]:
    out: list[Query] = []
    count = exp.Count(this=exp.Star()).as_("n")
    for key, tp in ctx.profile.tables.items():
        src = _ref(ctx, key, "t")
        numeric = [f for f in tp.features if f.role == "numeric"]
        out.append(Query(f"count {key}", exp.select(count.copy()).from_(src.copy()).sql(sql.DIALECT)))
        for f in numeric:
            q = exp.select(exp.Avg(this=f.value("t")).as_("avg"), exp.Sum(this=f.value("t")).as_("sum")).from_(src.copy())
            out.append(Query(f"avg/sum {key}.{f.name}", q.sql(sql.DIALECT)))
        extra = [exp.Avg(this=numeric[0].value("t")).as_("avg")] if numeric else []
        for f in tp.of_role("categorical"):
            q = exp.select(f.label("t").as_(_GROUP), count.copy(), *(e.copy() for e in extra)).from_(src.copy())
            q = q.group_by(sql.column(_GROUP))
            out.append(Query(f"group {key} by {f.name}", q.sql(sql.DIALECT)))
            labels = tp.bins[f.name].labels
            if labels:
                where = exp.EQ(this=f.label("t"), expression=exp.Literal.string(labels[0]))
                q = exp.select(count.copy(), *(e.copy() for e in extra)).from_(src.copy()).where(where)
                out.append(Query(f"filter {key}.{f.name} = frequent", q.sql(sql.DIALECT)))
    for path in paths(ctx):
        out += _join_queries(ctx, path)
    analyst = [Query(name, text, identity) for name, text, identity in analyst_queries(ctx)]
    return out[: MAX_AUTO - len(analyst)] + analyst


def _join_queries(ctx: Context, path) -> list[Query]:
    aliases = ["c"] + [f"a{i}" for i in range(len(path))]
    q = exp.select().from_(_ref(ctx, path[0].table, "c"))
    for i, fk in enumerate(path):
        q = q.join(_ref(ctx, fk.ref_table, aliases[i + 1]), on=join_on(fk, aliases[i], aliases[i + 1]))
    label = " -> ".join([path[0].table] + [fk.ref_table for fk in path])
    out = [Query(f"join {label}", q.copy().select(exp.Count(this=exp.Star()).as_("n")).sql(sql.DIALECT))]
    cats = ctx.profile[path[-1].ref_table].of_role("categorical")
    numeric = [f for f in ctx.profile[path[0].table].features if f.role == "numeric"]
    if cats:
        aggs = [exp.Count(this=exp.Star()).as_("n")] + ([exp.Avg(this=numeric[0].value("c")).as_("avg")] if numeric else [])
        grouped = q.copy().select(cats[0].label(aliases[-1]).as_(_GROUP), *aggs).group_by(sql.column(_GROUP))
        out.append(Query(f"join {label} group by {path[-1].ref_table}.{cats[0].name}", grouped.sql(sql.DIALECT)))
    return out


# ---------------------------------------------------------------- running


def workload(ctx: Context, *, auto: bool = True) -> Workload:
    """The automatic workload (unless ``auto`` is False) followed by ``ctx.queries``."""
    todo = (auto_workload(ctx) if auto else []) + list(ctx.queries)
    cursors = {}
    for side in ("real", "synth"):
        cursors[side] = ctx.con.cursor()
        cursors[side].execute(exp.Use(this=exp.Table(this=sql.ident(side))).sql(sql.DIALECT))
    names = SchemaNames(ctx.schema)
    try:
        results = tuple(replace(_compare(cursors, q), identity=q.identity, origin=q.origin,
                                touched=touched(q.sql, ctx.schema, names)) for q in todo)
        return Workload(results, tuple(f"{key}.{c}" for key, tp in ctx.profile.tables.items() for c in tp.identity_categories))
    finally:
        for cur in cursors.values():
            cur.close()


def workload_fidelity(w: Workload, shapes, cards, pairs=None, intertable=None) -> Workload:
    """``w`` with the column-shape, cardinality, pair and inter-table trend scores of what each
    query touches (already computed)."""
    column_scores = {f"{c.table}.{c.column}": c.score for c in shapes.columns} if shapes is not None else {}
    join_scores = {c.fk: c.score for c in cards.fks} if cards is not None else {}
    pair_scores: dict[frozenset, float] = {}
    trends = [(f"{p.table}.{p.a}", f"{p.table}.{p.b}", p.score) for p in (pairs.pairs if pairs is not None else ())]
    trends += [(f"{p.path.split(' -> ')[-1]}.{p.ancestor_column}", f"{p.path.split(' -> ')[0]}.{p.child_column}", p.score)
               for p in (intertable.pairs if intertable is not None else ())]
    for a, b, score in trends:  # a pair reached along two paths (a route's two airports): its weaker score
        key = frozenset((a, b))
        pair_scores[key] = min(score, pair_scores.get(key, score))
    return replace(w, results=tuple(
        replace(r, touched=with_fidelity(r.touched, column_scores, join_scores, pair_scores)) if r.touched else r
        for r in w.results))


def _compare(cursors: dict, query: Query) -> QueryResult:
    shape, keys = classify(query.sql)
    answers = {}
    for side in ("real", "synth"):
        try:
            answers[side] = _run(cursors[side], query.sql, shape)
        except Exception as err:  # noqa: BLE001 - any engine error is an answer: "it failed"
            message = str(err).splitlines()[0][:200]
            if side == "real":
                return QueryResult(query.name, "skipped", None, message=f"fails on the real database: {message}",
                                   reason="skipped")
            return QueryResult(query.name, "failed", 1.0, message=message, reason="failed",
                               columns=answers["real"][2], real_head=answers["real"][1])
    (real, real_head, columns), (synth, synth_head, _) = answers["real"], answers["synth"]
    result = _answer_error(query.name, shape, keys, real, synth)
    if is_empty(synth) and not is_empty(real):  # the analyst gets nothing back: entirely wrong
        result = replace(result, error=1.0, empty=True)
    invented = is_empty(real) and not is_empty(synth)  # rows the real data never gives
    result = replace(result, reason=reason(result.shape, result.error, result.empty, invented), columns=columns,
                     real_head=real_head, synth_head=synth_head)
    if result.shape != "grouped":
        return result
    why, missing, extra = grouped_reason(real, synth, keys or (0,), ordered=is_top_k(query.sql))
    return replace(result, reason=why if result.reason == "magnitude" else result.reason,
                   missing_groups=missing, extra_groups=extra)


def _answer_error(name: str, shape: str, keys: tuple[int, ...], real, synth) -> QueryResult:
    if shape == "rows":
        e = rel_error(real, synth)
        return QueryResult(name, "rows", min(1.0, e), raw_error=e)
    if not keys and len(real) <= 1 and len(synth) <= 1:
        return _scalar(name, real, synth)
    return _grouped(name, real, synth, keys or (0,))


def is_empty(answer) -> bool:
    """No rows, or only zeros and NULLs (``COUNT(*)`` 0, ``SUM`` NULL): nothing found.

    >>> is_empty(0), is_empty([]), is_empty([(0, None)]), is_empty([(3, 1.5)])
    (True, True, True, False)
    """
    if not isinstance(answer, list):
        return answer == 0
    return all(v is None or (number(v) == 0.0) for row in answer for v in row)


def _run(cur, text: str, shape: str) -> tuple[object, tuple, tuple[str, ...]]:
    """(the answer: its rows, or its number of rows for shape "rows"; its first rows; its column names)."""
    timer = threading.Timer(TIMEOUT_S, cur.interrupt)
    timer.start()
    try:
        rel = cur.sql(text)
        # an answer without ORDER BY comes in the order DuckDB's threads finish: its first rows are
        # taken after sorting by every column, so the same databases always show the same rows
        shown = rel if _ordered(text) else rel.order("ALL")
        if shape == "rows":
            return rel.aggregate("count(*)").fetchall()[0][0], head(shown.limit(HEAD_ROWS).fetchall()), tuple(rel.columns)
        rows = rel.fetchall()
        return rows, head(rows if shown is rel else shown.limit(HEAD_ROWS).fetchall()), tuple(rel.columns)
    finally:
        timer.cancel()


def _ordered(text: str) -> bool:
    """Whether the outermost SELECT of ``text`` has an ORDER BY (unparsable SQL: taken as not)."""
    try:
        return bool(sqlglot.parse_one(text, dialect=sql.DIALECT).args.get("order"))
    except Exception:  # noqa: BLE001 - unparsable SQL is still runnable
        return False


def classify(text: str) -> tuple[str, tuple[int, ...]]:
    """("aggregate", positions of the key columns) or ("rows", ()), from the outermost SELECT."""
    try:
        tree = sqlglot.parse_one(text, dialect=sql.DIALECT)
    except Exception:  # noqa: BLE001 - unparsable SQL is still runnable; compare row counts
        return "rows", ()
    if not isinstance(tree, exp.Select) or any(isinstance(p, exp.Star) for p in tree.expressions):
        return "rows", ()
    has_agg = [_has_aggregate(p) for p in tree.expressions]
    if not any(has_agg) and not tree.args.get("group"):
        return "rows", ()
    return "aggregate", tuple(i for i, a in enumerate(has_agg) if not a)


def _has_aggregate(node: exp.Expression) -> bool:
    for sub in node.walk(prune=lambda n: isinstance(n, (exp.Subquery, exp.Select, exp.Window)) and n is not node):
        if isinstance(sub, exp.AggFunc) and not isinstance(sub.parent, exp.Window):
            return True
    return False


# ---------------------------------------------------------------- comparing answers


def _scalar(name: str, real: list[tuple], synth: list[tuple]) -> QueryResult:
    r = real[0] if real else ()
    s = synth[0] if synth else ()
    if len(r) != len(s):
        return QueryResult(name, "scalar", 1.0, raw_error=1.0)
    raw = [_cell_error(a, b) for a, b in zip(r, s)]
    if not raw:
        return QueryResult(name, "scalar", 0.0, raw_error=0.0)
    return QueryResult(name, "scalar", float(np.mean(np.minimum(raw, 1.0))), raw_error=float(np.mean(raw)))


def _cell_error(r, s) -> float:
    """Uncapped relative error of numbers; 0/1 equality of anything else (dates, strings)."""
    if number(r) is None and number(s) is None and r is not None and s is not None:
        return 0.0 if r == s else 1.0
    return rel_error(number(r), number(s))


def _grouped(name: str, real: list[tuple], synth: list[tuple], keys: tuple[int, ...]) -> QueryResult:
    rg, sg = groups(real, keys), groups(synth, keys)
    width = len(next(iter(rg.values()), next(iter(sg.values()), ())))
    errors = []
    for j in range(width):
        num = den = 0.0
        mismatches = []
        for k, vals in rg.items():
            r = vals[j]
            s = sg[k][j] if k in sg else None
            nr = number(r)
            if nr is None:
                mismatches.append(0.0 if (k in sg and r == s) else 1.0)
                continue
            ns = number(s)
            num += abs(nr) if ns is None else min(abs(nr), abs(ns - nr))
            den += abs(nr)
        if mismatches and den == 0:
            errors.append(float(np.mean(mismatches)))
        elif den:
            errors.append(num / den)
        else:  # every real value is zero: right only where the synthetic one is zero too
            errors.append(0.0 if all(number(v[j]) in (0, 0.0, None) for v in sg.values()) else 1.0)
    if not rg:
        errors = [0.0 if not sg else 1.0]
    weight = share_column(rg, sg, width)
    tv, overlap = _shares(rg, sg, weight)
    return QueryResult(name, "grouped", float(min(1.0, np.mean(errors))) if errors else 0.0,
                       share_tv=tv, top_k_overlap=overlap, groups=(len(rg), len(sg)))


def _shares(rg: dict, sg: dict, j: int | None) -> tuple[float, float]:
    wr, ws = weights(rg, j), weights(sg, j)
    tr, ts = sum(wr.values()), sum(ws.values())
    if not tr or not ts:
        return (0.0 if tr == ts else 1.0), (1.0 if tr == ts else 0.0)
    tv = 0.5 * sum(abs(wr.get(k, 0) / tr - ws.get(k, 0) / ts) for k in set(wr) | set(ws))
    k = min(TOP_K, len(wr))
    top = lambda w: set(sorted(w, key=lambda x: (-w[x], repr(x)))[:k])  # noqa: E731
    return float(tv), len(top(wr) & top(ws)) / k if k else 1.0
