"""Columns computed from two others of their row, decided under the budget: ``amount = duration *
payments`` (berka's loans).

Without a budget :func:`amalgam_rel.relational.derived.find_derived` checks every triple of a
table's numbers on its rows. Here the candidates come from the schema alone: every ``target =
a op b`` over the table's own numeric columns (not keys, not CHECKed or UNIQUE: a computed value
is never repaired; ``+`` and ``*`` once per unordered pair, ``-`` both ways), and only where a
table has at most :data:`MAX_COLUMNS` of them (the candidates grow with the cube and share one
budget). Then one Gaussian measurement of ``(agreeing rows, other rows)`` per candidate, where a
row agrees when the target equals ``a op b`` to the target's resolution, or is NULL where an
operand is (as SQL computes it). Each row is in exactly one entry of each candidate, so the L2
sensitivity is ``s * sqrt(k)`` for ``k`` candidates (as the copies test's,
:mod:`amalgam_rel.dp.private_copies`).

A candidate holds when its noisy agreeing rows reach :data:`HOLDS` of its noisy rows and exceed
the others by :data:`MAJORITY_Z` deviations (post-processing); one identity per target, the
largest noisy share first, none that would compute a column from itself. The column then leaves
the table model and sampling computes it from the drawn operands (clipped to its type), as
without a budget. A target or operand the schema lets be NULL keeps its model for the rows
lacking an operand (``only_where_set``): no NULL share is read off the data.

>>> import pyarrow as pa
>>> t = pa.table({"duration": [12, 24, 36] * 10, "payments": [100.0, 50.5, 20.25] * 10,
...               "amount": [1200, 1212, 729] * 10})
>>> pairs = [("amount", "*", "duration", "payments"), ("amount", "+", "duration", "payments")]
>>> agreeing(t, pairs, {"amount": 1.0}).tolist()
[30.0, 0.0, 0.0, 30.0]
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pyarrow as pa

from amalgam_rel.dp.private_copies import holds
from amalgam_rel.models.codecs.scale import natural_step
from amalgam_rel.models.privacy import gaussian_sigma
from amalgam_rel.relational.derived import _OPS, Derived, _agreeing, _floats
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns

MAX_COLUMNS = 4  # a table's numbers searched (4 give 48 candidates)


def candidates(ft, skip: set[str]) -> list[tuple[str, str, str, str]]:
    """``(target, op, a, b)`` from the schema (see the module doc); ``skip``: columns other rules test."""
    table = ft.table
    structural = set(ft.plan.fk_columns) | set(table.primary_key) | set(ft.sequences) | set(ft.plan.generated_keys)
    numbers = [c.name for c in table.columns if c.type.reads_as_number and c.name not in structural | skip
               and c.name in ft.frame.column_names]
    if not 3 <= len(numbers) <= MAX_COLUMNS:
        return []
    fixed = checked_columns(table) | unique_columns(table)
    out = []
    for target in numbers:
        if target in fixed:
            continue
        others = [c for c in numbers if c != target]
        out += [(target, op, a, b) for op in ("+", "*") for a, b in itertools.combinations(others, 2)]
        out += [(target, "-", a, b) for a, b in itertools.permutations(others, 2)]
    return out


def agreeing(frame: pa.Table, pairs: list[tuple[str, str, str, str]], steps: dict[str, float | None]) -> np.ndarray:
    """``[agreeing rows of each candidate, other rows of each]``: each row in exactly one of a candidate's two."""
    x = {c: _floats(frame.column(c)) for c in {c for _, _, a, b in pairs for c in (a, b)} | {t for t, *_ in pairs}}
    agree = np.zeros(len(pairs))
    for i, (target, op, a, b) in enumerate(pairs):
        with np.errstate(invalid="ignore", over="ignore"):
            value = _OPS[op](x[a], x[b])
        present, ok = _agreeing(value, x[target], np.array(steps.get(target) or 0.0))
        sql_null = ~np.isfinite(value) & np.isnan(x[target])  # NULL where an operand is, as SQL computes it
        agree[i] = ok[0] + sql_null.sum()
    return np.concatenate([agree, frame.num_rows - agree])


def choose(ft, pairs, noisy: np.ndarray, sigma: float, steps: dict[str, float | None]) -> tuple[Derived, ...]:
    """The holding identities, one per target, none computing a column from itself, operands first."""
    k = len(pairs)
    held = sorted((-agree / max(agree + other, 1.0), i) for i, (agree, other) in enumerate(zip(noisy[:k], noisy[k:]))
                  if holds(agree, other, sigma))
    graph, found = nx.DiGraph(), {}
    for _, i in held:
        target, op, a, b = pairs[i]
        if target in found:
            continue
        graph.add_edges_from([(a, target), (b, target)])
        if not nx.is_directed_acyclic_graph(graph):
            graph.remove_edges_from([(a, target), (b, target)])
            continue
        nullable = any(ft.table.column(c).nullable for c in (target, a, b))
        found[target] = Derived(target, op, a, b, steps.get(target), 0.0, only_where_set=nullable)
    order = {c: i for i, c in enumerate(nx.topological_sort(graph))}
    return tuple(sorted(found.values(), key=lambda d: order[d.column]))


def private_derived(ft, pairs: list[tuple[str, str, str, str]], *, sensitivity: float, rho: float,
                    rng: np.random.Generator, ledger) -> tuple[Derived, ...]:
    """The identities whose noisy agreement holds; spends ``rho`` in ``ledger`` (step ``derived``)."""
    if not pairs:
        return ()
    steps = {t: natural_step(ft.frame.schema.field(t).type) or None for t, *_ in pairs}
    l2 = sensitivity * math.sqrt(len(pairs))
    sigma = gaussian_sigma(rho, l2)
    noisy = agreeing(ft.frame, pairs, steps) + rng.normal(0, sigma, 2 * len(pairs))
    found = choose(ft, pairs, noisy, sigma, steps)
    ledger.spend("derived", "gaussian", rho, table=ft.key, sensitivity=l2, sigma=sigma,
                 detail=f"rows agreeing and disagreeing with an identity of the row, {len(pairs)} from the schema: "
                        + (", ".join(f"{d.column} = {d.left} {d.op} {d.right}" for d in found) or "none"))
    return found
