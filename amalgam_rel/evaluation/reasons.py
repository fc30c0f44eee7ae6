"""Why a query's synthetic answer is wrong: one reason class per query, read from the answers.

The classes, checked in this order:

* ``failed``: the query errors on the synthetic database (``skipped``: on the real one);
* ``empty``: the synthetic answer is empty (no rows, or only zeros and NULLs) where the real is not;
* ``invented``: the other way round: the real answer is empty where the synthetic one is not (a
  filter no real row passes, an anti-join every real parent fails: the model drew rows it never saw);
* ``ok``: the error is below :data:`OK_BELOW`;
* ``rows``: a query compared by its number of rows (no aggregate) returns too many or too few;
* ``order``: an ``ORDER BY ... LIMIT`` query whose rows, compared rank by rank, are close while
  its groups matched by key are not: the top-k picked other keys of about the same values;
* ``missing_groups`` / ``extra_groups`` / ``magnitude``: of a grouped answer's error, the part
  due to real groups the synthetic answer lacks, the share of the synthetic answer's weight in
  groups the real one lacks, and the part due to the values of the groups both have; the
  largest names the reason (ties in that order). Scalar answers that are off are ``magnitude``.

Beside the class: ``missing_groups`` and ``extra_groups`` as shares of the real groups absent
from the synthetic answer and of the synthetic groups absent from the real one.

>>> grouped_reason([("a", 10), ("b", 30)], [("a", 10)], (0,), ordered=False)
('missing_groups', 0.5, 0.0)
>>> grouped_reason([("a", 10), ("b", 30)], [("a", 20), ("b", 60)], (0,), ordered=False)
('magnitude', 0.0, 0.0)
>>> grouped_reason([("x", 50), ("y", 40)], [("z", 49), ("x", 41)], (0,), ordered=True)
('order', 0.5, 0.5)
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from amalgam_rel.evaluation.answers import groups, number, share_column, weights
from amalgam_rel.schema import sql

OK_BELOW = 0.1  # an error below this is a right answer


def reason(shape: str, error: float | None, empty: bool, invented: bool = False) -> str:
    """The class that needs nothing but the result: failed, skipped, empty, invented, ok, rows or magnitude."""
    if shape in ("failed", "skipped"):
        return shape
    if empty:
        return "empty"
    if invented:
        return "invented"
    if error is not None and error < OK_BELOW:
        return "ok"
    return "rows" if shape == "rows" else "magnitude"


def is_top_k(text: str) -> bool:
    """Does the outermost SELECT have both ORDER BY and LIMIT?"""
    try:
        tree = sqlglot.parse_one(text, dialect=sql.DIALECT)
    except Exception:  # noqa: BLE001 - unparsable SQL: no order to speak of
        return False
    return isinstance(tree, exp.Select) and bool(tree.args.get("order")) and bool(tree.args.get("limit"))


def grouped_reason(real: list[tuple], synth: list[tuple], keys: tuple[int, ...], *, ordered: bool
                   ) -> tuple[str, float, float]:
    """(reason, share of real groups missing, share of synthetic groups extra) of a wrong grouped answer."""
    rg, sg = groups(real, keys), groups(synth, keys)
    missing = sum(k not in sg for k in rg) / len(rg) if rg else 0.0
    extra = sum(k not in rg for k in sg) / len(sg) if sg else 0.0
    if ordered and _rank_error(real, synth, keys) < OK_BELOW:
        return "order", missing, extra
    width = len(next(iter(rg.values()), next(iter(sg.values()), ())))
    missing_part, matched_part = _error_parts(rg, sg, width)
    ws = weights(sg, share_column(rg, sg, width))
    total = sum(ws.values())
    extra_part = sum(w for k, w in ws.items() if k not in rg) / total if total else 0.0
    parts = {"missing_groups": missing_part, "extra_groups": extra_part, "magnitude": matched_part}
    # max keeps the first of equals: rounded, so that equal shares computed two ways tie (with the
    # same total, the weight invented groups take is exactly what the real groups lose)
    return max(parts, key=lambda name: round(parts[name], 9)), missing, extra


def _error_parts(rg: dict, sg: dict, width: int) -> tuple[float, float]:
    """The grouped error split in two: real weight in missing groups, value error in matched ones."""
    missing, matched = [], []
    for j in range(width):
        lost = off = den = 0.0
        for k, vals in rg.items():
            r = number(vals[j])
            if r is None:
                continue
            den += abs(r)
            s = number(sg[k][j]) if k in sg else None
            if k not in sg:
                lost += abs(r)
            else:
                off += abs(r) if s is None else min(abs(r), abs(s - r))
        if den:
            missing.append(lost / den)
            matched.append(off / den)
    if not missing:  # no numeric value column: a group is right or missing
        share = sum(k not in sg for k in rg) / len(rg) if rg else 0.0
        return share, 0.0
    return sum(missing) / len(missing), sum(matched) / len(matched)


def _rank_error(real: list[tuple], synth: list[tuple], keys: tuple[int, ...]) -> float:
    """Weighted relative error of the value columns compared rank by rank (row i with row i)."""
    if len(real) != len(synth) or not real:
        return 1.0
    num = den = 0.0
    for r_row, s_row in zip(real, synth):
        for i, (r, s) in enumerate(zip(r_row, s_row)):
            nr, ns = number(r), number(s)
            if i in keys or nr is None:
                continue
            den += abs(nr)
            num += abs(nr) if ns is None else min(abs(nr), abs(ns - nr))
    return num / den if den else 1.0
