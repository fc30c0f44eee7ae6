"""Columns computed from two others of the same row: ``amount = price * quantity``, ``net = gross - tax``.

Accounting tables are full of them (TPC-DS sales rows carry a dozen), and a model that draws each
column from its own bins breaks the arithmetic in every row: a classifier spots it at once. Fitting
finds them (:func:`find_derived`): the column equals the sum, difference or product of two other
numeric columns of its row in at least :data:`HOLDS` of the rows, to the column's resolution
(half a step of its DECIMAL scale; exactly for integers; a relative 1e-9 for floats). Such a column
leaves the table model, and sampling computes it from the sampled operands (:func:`compute`), in
dependency order, so chains (``ext = price * qty``, ``net = ext - coupon``) hold too.

Only columns without NULLs, without a CHECK or UNIQUE of their own and whose computed values the
type holds are taken: a computed value is never repaired afterwards.

>>> import pyarrow as pa
>>> t = pa.table({"price": [1.5, 2.0, 3.25] * 20, "qty": [2, 3, 4] * 20, "total": [3.0, 6.0, 13.0] * 20})
>>> find_derived(t, ["price", "qty", "total"], {"price": 0.01, "qty": 1.0, "total": 0.01})
(Derived(column='total', op='*', left='price', right='qty', step=0.01),)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HOLDS = 0.995  # share of rows the identity must hold in
MIN_ROWS = 30  # fewer rows say too little to tell an identity from chance
MAX_COLUMNS = 40  # numeric columns searched per table (triples grow with the cube)
SCREEN_ROWS = 2000  # rows a candidate must pass before all rows are checked
_OPS = {"+": np.add, "-": np.subtract, "*": np.multiply}


@dataclass(frozen=True)
class Derived:
    column: str
    op: str  # "+", "-" or "*"
    left: str
    right: str
    step: float | None  # the column's resolution (DECIMAL step, 1 for integers), None for floats


def find_derived(frame: pa.Table, columns: list[str], steps: dict[str, float | None],
                 bounds: dict[str, tuple[float, float]] | None = None) -> tuple[Derived, ...]:
    """The identities among ``columns`` of ``frame`` (numeric, non-NULL), targets in dependency order.

    ``steps`` gives each column's resolution; ``bounds`` (optional) the range its type holds: a
    target whose values, computed from operands anywhere in their real ranges, could leave it is
    not taken.
    """
    names = [c for c in columns if frame.column(c).null_count == 0][:MAX_COLUMNS]
    if frame.num_rows < MIN_ROWS or len(names) < 3:
        return ()
    x = {c: pc.cast(frame.column(c), pa.float64()).to_numpy(zero_copy_only=False) for c in names}
    names = [c for c in names if np.ptp(x[c]) > 0]  # a constant operand or target says nothing
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
            if bounds and target in bounds and not _fits(x, op, a, b, bounds[target]):
                continue
            graph.add_edges_from([(a, target), (b, target)])
            if not nx.is_directed_acyclic_graph(graph):  # net = gross - tax after gross = net + tax
                graph.remove_edges_from([(a, target), (b, target)])
                continue
            found.append(Derived(target, op, a, b, steps.get(target)))
            break
    order = {c: i for i, c in enumerate(nx.topological_sort(graph))}
    return tuple(sorted(found, key=lambda d: order[d.column]))


def _holds(x: dict, target: str, op: str, a: str, b: str, step: float | None, rows) -> bool:
    value = _OPS[op](x[a][rows], x[b][rows])
    real = x[target][rows]
    if step is not None:
        ok = np.abs(real - np.round(value / step) * step) <= 0.5 * step + 1e-9 * np.abs(real)
    else:
        ok = np.abs(real - value) <= 1e-9 * np.maximum(1.0, np.abs(real))
    return bool(ok.mean() >= HOLDS)


def _fits(x: dict, op: str, a: str, b: str, bounds: tuple[float, float]) -> bool:
    """Whether every value the operands' real ranges can produce stays inside ``bounds``."""
    corners = [_OPS[op](p, q) for p in (x[a].min(), x[a].max()) for q in (x[b].min(), x[b].max())]
    return bounds[0] <= min(corners) and max(corners) <= bounds[1]


def compute(derived: Derived, left: pa.Array, right: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """The target's values for sampled operands, at its resolution and in its type."""
    value = _OPS[derived.op](pc.cast(left, pa.float64()).to_numpy(zero_copy_only=False),
                             pc.cast(right, pa.float64()).to_numpy(zero_copy_only=False))
    if derived.step is not None:
        value = np.round(value / derived.step) * derived.step
    if pa.types.is_decimal(arrow_type):
        scale = arrow_type.scale  # through text: a float like 13.000000000000002 would not rescale
        return pa.array([Decimal(f"{v:.{scale}f}") for v in value], arrow_type)
    if pa.types.is_integer(arrow_type):
        value = np.round(value)
    return pa.array(value).cast(arrow_type)
