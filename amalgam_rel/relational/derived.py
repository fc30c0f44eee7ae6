"""Columns computed from two others of the same row: ``amount = price * quantity``, ``net = gross - tax``.

Accounting tables are full of them (TPC-DS sales rows carry a dozen), and a model that draws each
column from its own bins breaks the arithmetic in every row: a classifier spots it at once. Fitting
finds them (:func:`find_derived`): the column equals the sum, difference or product of two other
numeric columns of its row in at least :data:`HOLDS` of the rows, to the column's resolution
(half a step of its DECIMAL scale; exactly for integers; a relative 1e-9 for floats). Such a column
leaves the table model, and sampling computes it from the sampled operands (:func:`compute`), in
dependency order, so chains (``ext = price * qty``, ``net = ext - coupon``) hold too.

The identity is judged on the rows holding all three values; where an operand is NULL the target
must be NULL too (as SQL would compute it), and the target's own extra NULLs (rows whose operands
are there) are kept at their real share, on random rows. Only columns without a CHECK or UNIQUE
of their own and whose computed values the type holds are taken: a computed value is never
repaired afterwards.

>>> import pyarrow as pa
>>> from decimal import Decimal
>>> cents = pa.decimal128(8, 2)
>>> t = pa.table({"price": pa.array([Decimal("1.50"), Decimal("2.00"), Decimal("3.25")] * 20, cents),
...               "qty": [2, 3, 4] * 20, "total": pa.array([Decimal("3.00"), Decimal("6.00"), Decimal("13.00")] * 20, cents)})
>>> find_derived(t, ["price", "qty", "total"])
(Derived(column='total', op='*', left='price', right='qty', step=0.01, null_share=0.0),)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pyarrow as pa

from amalgam_rel.models.codecs.scale import from_numeric, natural_step, to_numeric, type_bounds

HOLDS = 0.995  # share of rows the identity must hold in
MIN_ROWS = 30  # fewer rows say too little to tell an identity from chance
MAX_COLUMNS = 40  # numeric columns searched per table (triples grow with the cube)
SCREEN_ROWS = 2000  # rows a candidate must pass before all rows are checked
_EXACT = 2.0**53  # doubles hold every integer below this
_OPS = {"+": np.add, "-": np.subtract, "*": np.multiply}


@dataclass(frozen=True)
class Derived:
    column: str
    op: str  # "+", "-" or "*"
    left: str
    right: str
    step: float | None  # the column's resolution (DECIMAL step, 1 for integers), None for floats
    null_share: float = 0.0  # of the rows with both operands, the share whose value is NULL anyway


def find_derived(frame: pa.Table, columns: list[str]) -> tuple[Derived, ...]:
    """The identities among the numeric ``columns`` of ``frame``, targets in dependency order.

    Each column's resolution and range come from its arrow type: a target whose values, computed
    from operands anywhere in their real ranges, could leave its type's range is not taken.
    """
    names = list(columns)[:MAX_COLUMNS]
    if frame.num_rows < MIN_ROWS or len(names) < 3:
        return ()
    types = {c: frame.schema.field(c).type for c in names}
    steps = {c: natural_step(t) or None for c, t in types.items()}
    x = {c: _floats(frame.column(c)) for c in names}
    # a constant (or empty) operand or target says nothing; beyond 2**53 a double is not exact
    names = [c for c in names if np.isfinite(x[c]).sum() >= MIN_ROWS and np.nanmax(x[c]) > np.nanmin(x[c])
             and np.nanmax(np.abs(x[c])) < _EXACT]
    screen = np.random.default_rng(0).permutation(frame.num_rows)[:SCREEN_ROWS]
    graph, found = nx.DiGraph(), []
    for target in reversed(names):  # computed columns tend to come after what they are computed from
        others = [c for c in names if c != target]
        pairs = [(op, a, b) for op in ("+", "*") for a, b in itertools.combinations(others, 2)]
        pairs += [("-", a, b) for a, b in itertools.permutations(others, 2)]
        for op, a, b in pairs:
            if not _holds(x, target, op, a, b, steps.get(target), screen):
                continue
            if not _holds(x, target, op, a, b, steps.get(target), slice(None)):
                continue
            if not _fits(x, op, a, b, type_bounds(types[target])):
                continue
            share = _null_share(x, target, a, b)
            if share is None:
                continue
            graph.add_edges_from([(a, target), (b, target)])
            if not nx.is_directed_acyclic_graph(graph):  # net = gross - tax after gross = net + tax
                graph.remove_edges_from([(a, target), (b, target)])
                continue
            found.append(Derived(target, op, a, b, steps.get(target), share))
            break
    order = {c: i for i, c in enumerate(nx.topological_sort(graph))}
    return tuple(sorted(found, key=lambda d: order[d.column]))


def _floats(values) -> np.ndarray:
    """As doubles, NULL as NaN (integers past 2**53 are dropped by the caller)."""
    numbers, valid = to_numeric(values)
    return np.where(valid, numbers, np.nan)


def _holds(x: dict, target: str, op: str, a: str, b: str, step: float | None, rows) -> bool:
    value = _OPS[op](x[a][rows], x[b][rows])
    real = x[target][rows]
    present = np.isfinite(value) & np.isfinite(real)
    if present.sum() < MIN_ROWS:
        return False
    value, real = value[present], real[present]
    if step is not None:
        ok = np.abs(real - np.round(value / step) * step) <= 0.5 * step + 1e-9 * np.abs(real)
    else:
        ok = np.abs(real - value) <= 1e-9 * np.maximum(1.0, np.abs(real))
    return bool(ok.mean() >= HOLDS)


def _null_share(x: dict, target: str, a: str, b: str) -> float | None:
    """Of the rows holding both operands, the share whose target is NULL; None when the target is
    not NULL wherever an operand is (it is then not what SQL would compute)."""
    both = np.isfinite(x[a]) & np.isfinite(x[b])
    missing = np.isnan(x[target])
    if (~both).any() and missing[~both].mean() < HOLDS:
        return None
    return float(missing[both].mean()) if both.any() else 0.0


def _fits(x: dict, op: str, a: str, b: str, bounds: tuple[float, float]) -> bool:
    """Whether every value the operands' real ranges can produce stays inside ``bounds``."""
    corners = [_OPS[op](p, q) for p in (np.nanmin(x[a]), np.nanmax(x[a])) for q in (np.nanmin(x[b]), np.nanmax(x[b]))]
    return bounds[0] <= min(corners) and max(corners) <= bounds[1]


def compute(derived: Derived, left: pa.Array, right: pa.Array, arrow_type: pa.DataType,
            rng: np.random.Generator) -> pa.Array:
    """The target's values for sampled operands, at its resolution and in its type (NULL where an
    operand is, and on the target's real share of the other rows)."""
    value = _OPS[derived.op](_floats(left), _floats(right))
    if derived.null_share > 0:
        both = np.flatnonzero(np.isfinite(value))
        value[rng.permutation(both)[: int(round(derived.null_share * len(both)))]] = np.nan
    if derived.step is not None:
        value = np.round(value / derived.step) * derived.step
    valid = np.isfinite(value)
    return from_numeric(np.where(valid, value, 0.0), valid, arrow_type)
