"""Sample a table under a ``--where`` (:mod:`amalgam_rel.relational.conditions`): every row meets it.

1. The condition's terms on modelled columns become evidence: the table's model is conditioned
   on the codes they allow (:meth:`~amalgam_rel.models.table_model.TableModel.conditioned`), so
   the rows are drawn as the model would draw rows that hold them (German customers' cities and
   invoice counts, not everyone's), and a condition the model cannot meet is refused at once.
2. Each attempt samples the whole table (all its stages: keys, repairs, text) with more rows
   than asked, and the exact condition filters it; a child table keeps, per parent row, at most
   the number of rows its cardinality model gave that parent, so children still follow their
   parents. An attempt that falls short is redrawn larger (at most :data:`MAX_ATTEMPTS`, each
   with its own stream of the table's seed, so the result is the same at every run); the last
   one keeps what matched and the report says how many rows that was.
3. Rows are only ever dropped from a finished table before any child of it is drawn, so every
   key, UNIQUE set and CHECK that held for the attempt holds for the rows kept.

A ``count(CHILD)`` bound conditions the count column of the table's model; the children's
degrees are then clipped to it when CHILD is drawn (:func:`~.sampling.driver_rows`) and checked after
(:func:`check_child_counts`).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.errors import DataError, InputError
from amalgam_rel.pipeline.draft import Draft
from amalgam_rel.pipeline.sampling import driver_rows, planned_rows
from amalgam_rel.relational.conditions import ChildCount, SampleCondition, evidence_values, matching_rows, parse_sample_condition
from amalgam_rel.relational.plan import DatabasePlan

MAX_ATTEMPTS = 6  # attempts per conditioned table, each drawing up to 4 times more rows than the last
_FIRST_MARGIN = 1.25  # the first attempt draws this many times the rows asked (over the evidence's odds)


@dataclass(frozen=True)
class ConditionReport:
    """What a ``--where`` cost: rows asked and kept, rows drawn in all attempts, the model's
    probability of its evidence, seconds."""

    table: str
    condition: str
    asked: int
    produced: int
    drawn: int
    attempts: int
    evidence_probability: float
    seconds: float

    def line(self) -> str:
        return (f"--where {self.condition!r}: {self.table} {self.produced:,} of {self.asked:,} rows asked match "
                f"({self.drawn:,} drawn in {self.attempts} attempt{'s' if self.attempts > 1 else ''}, "
                f"evidence probability {self.evidence_probability:.3g}, {self.seconds:.2f} s)")


def sample_matching(draft: Draft, condition: SampleCondition, sample_table) -> tuple[pa.Table, Draft, ConditionReport]:
    """The table's rows meeting ``condition`` and the draft they came from (its arrays cut to them)."""
    clock = time.perf_counter()
    ft = draft.ft
    held = evidence_values(ft.model, condition, draft.con)
    model, probability = ft.model.conditioned(held) if held else (ft.model, 1.0)
    if probability <= 0:
        raise InputError(f"--where {condition.text!r}: matches nothing the model of {condition.table} can draw "
                         f"(no value it learned meets {', '.join(sorted(held))})")
    quota = _quota(draft)
    asked, drawn, best = int(quota.sum()), 0, None
    size = max(1, math.ceil(asked * _FIRST_MARGIN))
    for attempt, rng in enumerate(draft.rng.spawn(MAX_ATTEMPTS), start=1):
        trial = replace(draft, ft=replace(ft, model=model, keys=copy.deepcopy(ft.keys)), rng=rng, target_rows=size,
                        rows=None, parent_of={}, values={}, text_reports={}, semantic_reports={})
        table = sample_table(trial)
        drawn += trial.n
        hits = matching_rows(draft.con, _with_counts(table, trial, condition), condition)
        keep = _within_quota(hits, _groups(trial), quota)
        if best is not None and len(best[2]) and len(keep) <= len(best[2]):
            break  # more rows drawn, no more kept: the rows missing belong to parents none of whose children match
        best = (table, trial, keep)
        if len(keep) == asked:
            break
        rate = max(len(hits), 1) / max(trial.n, 1)
        size = min(size * 4, max(size + 1, math.ceil(asked / rate * _FIRST_MARGIN)))
    table, trial, keep = best
    if asked and not len(keep):
        raise InputError(f"--where {condition.text!r}: no {condition.table} row met it in {drawn:,} rows drawn "
                         f"({attempt} attempts); the model rarely draws such rows")
    report = ConditionReport(condition.table, condition.text, asked, len(keep), drawn, attempt, probability,
                             round(time.perf_counter() - clock, 3))
    return table.take(pa.array(keep)), _cut(trial, keep), report


def _quota(draft: Draft) -> np.ndarray:
    """Rows wanted per group: one group for a root; else per driving-parent row (-1, no parent, first)."""
    if draft.ft.plan.driver is None:
        return np.array([planned_rows(draft)], dtype=np.int64)
    parents = draft.parents[draft.ft.plan.driver.ref_table].num_rows
    return np.bincount(driver_rows(draft) + 1, minlength=parents + 1)


def _groups(trial: Draft) -> np.ndarray:
    """Each drawn row's group of :func:`_quota`."""
    if trial.ft.plan.driver is None:
        return np.zeros(trial.n, dtype=np.int64)
    return trial.parent_of[trial.fk_index[trial.ft.plan.driver]] + 1


def _within_quota(hits: np.ndarray, groups: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """The ``hits`` (ascending positions) kept: the first ``quota[g]`` of each group ``g``.

    >>> _within_quota(np.array([0, 1, 2, 4, 5]), np.array([0, 0, 0, 1, 1, 1]), np.array([2, 5]))
    array([0, 1, 4, 5])
    """
    g = groups[hits]
    order = np.argsort(g, kind="stable")
    first = np.searchsorted(g[order], g[order], side="left")
    rank = np.empty(len(hits), dtype=np.int64)
    rank[order] = np.arange(len(hits)) - first
    return hits[rank < quota[g]]


def _with_counts(table: pa.Table, trial: Draft, condition: SampleCondition) -> pa.Table:
    """The finished rows plus the model's child counts the condition names (``#i``)."""
    for count in condition.counts:
        table = table.append_column(count.column, trial.rows.column(count.column))
    return table


def _cut(trial: Draft, keep: np.ndarray) -> Draft:
    taken = pa.array(keep)
    trial.rows = trial.rows.take(taken)
    trial.parent_of = {i: p[keep] for i, p in trial.parent_of.items()}
    trial.values = {c: v.take(taken) for c, v in trial.values.items()}
    return trial


@dataclass(frozen=True)
class Conditions:
    """The ``--where`` conditions of one ``sample``: per conditioned table, and the ``count()``
    bounds per child table."""

    tables: dict[str, SampleCondition]
    children: dict[str, tuple[ChildCount, str]]  # child table -> its bounds, the condition's text

    @classmethod
    def parse(cls, plan: DatabasePlan, where, kept, totals=()) -> Conditions:
        """Every condition checked before a row is drawn; several on one table are joined with AND.
        ``kept``: the tables copied verbatim; ``totals``: the columns summed from children later."""
        tables: dict[str, SampleCondition] = {}
        summed = {(plan.db.foreign_keys[t.fk].ref_table, t.column): plan.db.foreign_keys[t.fk].table for t in totals}
        texts: dict[str, list[str]] = {}
        for text in list(where) if isinstance(where, (list, tuple)) else [where] if where is not None else []:
            if not isinstance(text, str):
                raise InputError(f"where must be a SQL condition or a list of them, not {type(text).__name__}")
            texts.setdefault(parse_sample_condition(plan, text).table, []).append(text)
        for table, said in texts.items():  # several conditions on one table: all of them hold
            condition = parse_sample_condition(plan, said[0] if len(said) == 1 else " AND ".join(f"({t})" for t in said))
            ft_plan = plan.tables[condition.table]
            on_cycle = any(condition.table in (fk.table, fk.ref_table) for fk in plan.graph.broken)
            why = ("it is copied verbatim from the source (a reference table)" if condition.table in kept else
                   "its rows reference each other (dropping one would orphan another)" if ft_plan.self_references else
                   "it sits on a foreign-key cycle" if on_cycle or ft_plan.deferred else None)
            if why:
                raise InputError(f"--where {condition.text!r}: cannot condition {condition.table}: {why}")
            for column in sorted({c.name for c in condition.expression.find_all(exp.Column)}):
                if (condition.table, column) in summed:
                    child = summed[condition.table, column]
                    raise InputError(f"--where {condition.text!r}: {condition.table}.{column} is the total of its "
                                     f"{child} rows, written once they exist: a condition on it is not supported")
            tables[condition.table] = condition
        children = {c.child: (c, t.text) for t in tables.values() for c in t.counts}
        return cls(tables, children)

    def degree_bounds(self, table: str) -> tuple[int, int | None] | None:
        bounds = self.children.get(table)
        return None if bounds is None else (bounds[0].low or 0, bounds[0].high)

    def sampled_whole(self, table: str) -> bool:
        """A conditioned table, or one whose degrees are checked, is not sampled in parts."""
        return table in self.tables or table in self.children

    def check_child_counts(self, table: str, parent_of: dict[int, np.ndarray], parent_rows: int) -> None:
        """A one-line error if a parent row ended with a number of ``table`` rows outside its bounds."""
        if table not in self.children:
            return
        bounds, text = self.children[table]
        rows = parent_of[bounds.fk]
        degrees = np.bincount(rows[rows >= 0], minlength=parent_rows)
        low, high = bounds.low or 0, bounds.high if bounds.high is not None else np.inf
        bad = int(((degrees < low) | (degrees > high)).sum())
        if bad:
            raise DataError(f"--where {text!r}: {bad} rows ended with a number of {table} rows outside "
                            f"[{low}, {high}] (rows a unique-key repair had to drop)")
