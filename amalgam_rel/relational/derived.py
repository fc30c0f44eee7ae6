"""Columns computed from two others of the same row: ``amount = price * quantity``, ``net = gross - tax``.

Accounting tables are full of them (TPC-DS sales rows carry a dozen), and a model that draws each
column from its own bins breaks the arithmetic in every row: a classifier spots it at once. Fitting
finds them (:func:`find_derived`): the column equals the sum, difference or product of two other
numeric columns of its row in at least :data:`HOLDS` of the rows, to the column's resolution
(half a step of its DECIMAL scale; exactly for integers; a relative 1e-9 for floats). Such a column
leaves the table model, and sampling computes it from the sampled operands (:func:`compute`), in
dependency order, so chains (``ext = price * qty``, ``net = ext - coupon``) hold too.

The identity is judged on the rows holding all three values; where an operand is NULL the target
is NULL too (as SQL would compute it), and the target's own extra NULLs (rows whose operands
are there) are kept at their real share, on random rows. Where rows lacking an operand hold
values of their own (a flat fee where there is no surcharge), the rule is ``only_where_set``:
the column keeps its model, which draws it for every row given the rest of the row, and the
identity overwrites the rows holding both operands (so does a NOT NULL column whose operand may
be missing in the synthetic rows alone: written NULL, it broke the constraint). Only columns
without a CHECK or UNIQUE of their own and whose computed values the type holds are taken: a
computed value is never repaired afterwards.

>>> import pyarrow as pa
>>> from decimal import Decimal
>>> cents = pa.decimal128(8, 2)
>>> t = pa.table({"price": pa.array([Decimal("1.50"), Decimal("2.00"), Decimal("3.25")] * 20, cents),
...               "qty": [2, 3, 4] * 20, "total": pa.array([Decimal("3.00"), Decimal("6.00"), Decimal("13.00")] * 20, cents)})
>>> find_derived(t, ["price", "qty", "total"])
(Derived(column='total', op='*', left='price', right='qty', step=0.01, null_share=0.0, path=(), only_where_set=False),)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.relational.undetermined import own_where_undetermined
from amalgam_rel.models.codecs.scale import from_numeric, natural_step, to_numeric, type_bounds
from amalgam_rel.schema import sql

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
    # ``right`` is a column of the row these foreign keys (database indexes) lead to, one hop
    # each: the child's key, then that parent's (``l_partkey, l_suppkey`` -> partsupp -> part)
    path: tuple[int, ...] = ()
    # rows lacking an operand hold values of their own: the column keeps its model (for those
    # rows) and the identity overwrites only the rows holding both operands
    only_where_set: bool = False

    def __post_init__(self):  # a loaded manifest gives lists
        object.__setattr__(self, "path", tuple(self.path))


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
            share, own = _null_share(x, target, a, b)
            graph.add_edges_from([(a, target), (b, target)])
            if not nx.is_directed_acyclic_graph(graph):  # net = gross - tax after gross = net + tax
                graph.remove_edges_from([(a, target), (b, target)])
                continue
            found.append(Derived(target, op, a, b, steps.get(target), share, only_where_set=own))
            break
    order = {c: i for i, c in enumerate(nx.topological_sort(graph))}
    return tuple(sorted(found, key=lambda d: order[d.column]))


Hop = tuple[exp.Table, tuple[str, ...], tuple[str, ...]]  # (table, key columns of the row before, its columns they match)


def find_parent_derived(con: duckdb.DuckDBPyConnection, child: exp.Table, hops: list[Hop], targets: list[str],
                        operands: list[str], sources: list[str], path: tuple[int, ...]) -> tuple[Derived, ...]:
    """Child ``targets`` equal to a child operand ``+``, ``-`` or ``*`` a column of the row its
    foreign keys lead to (``hops``, one per key of ``path``): ``total = qty * product.price``, or
    TPC-H's ``l_extendedprice = l_quantity * p_retailprice`` two hops away, through partsupp.
    The same rule as :func:`find_derived`, with the right operand read through the keys.
    Operands are never targets, so the identities can be computed in any order, before the
    same-row ones.

    A sample of :data:`SCREEN_ROWS` joined rows screens every (operand, parent column, op)
    against every target at once; a survivor is then checked on every row.
    """
    targets, operands, sources = targets[:MAX_COLUMNS], operands[:MAX_COLUMNS], sources[:MAX_COLUMNS]
    if not targets or not operands or not sources:
        return ()
    screen = _joined(con, child, hops, targets + operands, sources, sample=True)
    if screen.num_rows < MIN_ROWS:
        return ()
    x = {name: _floats(screen.column(name)) for name in screen.column_names}
    usable = {c for c, v in x.items() if np.isfinite(v).sum() >= MIN_ROWS and np.nanmax(v) > np.nanmin(v)
              and np.nanmax(np.abs(v)) < _EXACT}
    t_names = [c for c in targets if f"c:{c}" in usable]
    if not t_names:
        return ()
    real = np.stack([x[f"c:{c}"] for c in t_names], axis=1)
    types = {c: screen.schema.field(f"c:{c}").type for c in targets + operands}
    steps = np.array([natural_step(types[c]) for c in t_names])
    found: dict[str, Derived] = {}
    for a in operands:
        for source in sources:
            if f"c:{a}" not in usable or f"p:{source}" not in usable or a in found:
                continue
            for op in ("*", "+", "-"):
                value = _OPS[op](x[f"c:{a}"], x[f"p:{source}"])
                for j in np.flatnonzero(_holding(value, real, steps)):
                    target = t_names[j]
                    # (qty = shipped - markup is shipped = qty + markup read backwards: the first stands)
                    if target == a or target in found or target in {f.left for f in found.values()}:
                        continue
                    rule = _confirm(con, child, hops, target, op, a, source, types, path)
                    if rule is not None:
                        found[target] = rule
    return tuple(found.values())


CONFIRM_BATCH = 100_000  # joined rows held at once while a rule is checked on every row


def _confirm(con, child, hops, target, op, a, source, types, path) -> Derived | None:
    """The rule checked on every joined row, or None: read in record batches of
    :data:`CONFIRM_BATCH` rows, whose counts and ranges add up to what one read of every row
    would give (at TPC-H sf 10, the 60 M rows of ``lineitem`` read at once took 8 GB)."""
    t, left, right = f"c:{target}", f"c:{a}", f"p:{source}"
    step = natural_step(types[target]) or None
    seen = np.zeros(6, dtype=np.int64)  # rows, present, agreeing, both operands, NULL target of those, of the others
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)  # operands' ranges
    for batch in _joined(con, child, hops, [target, a], [source], sample=False):
        x = {name: _floats(batch.column(name)) for name in (t, left, right)}
        present, ok = _agreeing(_OPS[op](x[left], x[right]), x[t], np.array(step or 0.0))
        both = np.isfinite(x[left]) & np.isfinite(x[right])
        missing = np.isnan(x[t])
        seen += [batch.num_rows, present[0], ok[0], both.sum(), missing[both].sum(), missing[~both].sum()]
        for i, v in enumerate((x[left], x[right])):
            if np.isfinite(v).any():
                lo[i], hi[i] = min(lo[i], np.nanmin(v)), max(hi[i], np.nanmax(v))
    rows, present, ok, both, missing_both, missing_other = (int(v) for v in seen)
    if not (present >= MIN_ROWS and ok >= HOLDS * max(present, 1)):
        return None
    ranges = {left: np.array([lo[0], hi[0]]), right: np.array([lo[1], hi[1]])}
    if not _fits(ranges, op, left, right, type_bounds(types[target])):
        return None
    others = rows - both
    # as _null_share, from the counts: the rows lacking an operand hold values of their own
    # where fewer than HOLDS of them are NULL
    own = others > 0 and missing_other / others < HOLDS
    share = missing_both / both if both else 0.0
    return Derived(target, op, a, source, step, float(share), path, bool(own))


def _joined(con, child: exp.Table, hops: list[Hop], columns, sources, *, sample: bool):
    """Child ``columns`` (as ``c:name``) beside the last hop's ``sources`` (``p:name``), one row per
    child row: a table of :data:`SCREEN_ROWS` child rows with ``sample``, else a reader of record
    batches over every row."""
    child = child.copy()
    child.set("alias", exp.TableAlias(this=sql.ident("c")))
    if sample:  # of the child's own rows, before the joins: a join hands its rows in thread order,
        # and a reservoir of them held other rows from one run to the next
        child.set("sample", exp.TableSample(method=exp.var("RESERVOIR"), size=exp.Literal.number(SCREEN_ROWS),
                                            seed=exp.Literal.number(0)))
    query = exp.select(*[exp.alias_(sql.column(c, "c"), f"c:{c}", quoted=True) for c in dict.fromkeys(columns)]).from_(child)
    before = "c"
    for depth, (table, fk_columns, ref_columns) in enumerate(hops):
        alias = f"p{depth}"
        table = table.copy()
        table.set("alias", exp.TableAlias(this=sql.ident(alias)))
        on = exp.and_(*(exp.EQ(this=sql.column(a, before), expression=sql.column(b, alias)) for a, b in zip(fk_columns, ref_columns)))
        query = query.join(table, on=on, join_type="left")
        before = alias
    query = query.select(*[exp.alias_(sql.column(s, before), f"p:{s}", quoted=True) for s in dict.fromkeys(sources)])
    result = con.sql(query.sql(sql.DIALECT))
    return result.to_arrow_table() if sample else result.to_arrow_reader(CONFIRM_BATCH)


def _floats(values) -> np.ndarray:
    """As doubles, NULL as NaN (integers past 2**53 are dropped by the caller)."""
    numbers, valid = to_numeric(values)
    return np.where(valid, numbers, np.nan)


def _holds(x: dict, target: str, op: str, a: str, b: str, step: float | None, rows) -> bool:
    value = _OPS[op](x[a][rows], x[b][rows])
    return bool(_holding(value, x[target][rows], np.array(step or 0.0))[0])


def _holding(value: np.ndarray, real: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Whether ``real`` equals ``value`` on :data:`HOLDS` of the (at least MIN_ROWS) rows holding
    both, to the resolution ``steps`` (half a step; relative 1e-9 where the step is 0: floats).
    ``real`` may be rows x targets (one step each) against one column of ``value``."""
    rows, ok = _agreeing(value, real, steps)
    return (rows >= MIN_ROWS) & (ok >= HOLDS * np.maximum(rows, 1))


def _agreeing(value: np.ndarray, real: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per target column: the rows holding both ``value`` and ``real``, and of those the rows
    where they agree to the resolution ``steps`` (see :func:`_holding`)."""
    value = value.reshape(len(value), -1)
    real = real.reshape(len(real), -1)
    snapped = np.where(steps > 0, np.round(value / np.where(steps > 0, steps, 1)) * steps, value)
    tolerance = np.where(steps > 0, 0.5 * steps + 1e-9 * np.abs(real), 1e-9 * np.maximum(1.0, np.abs(real)))
    present = np.isfinite(value) & np.isfinite(real)
    with np.errstate(invalid="ignore"):
        ok = (np.abs(real - snapped) <= tolerance) & present
    return present.sum(axis=0), ok.sum(axis=0)


def _null_share(x: dict, target: str, a: str, b: str) -> tuple[float, bool]:
    """Of the rows holding both operands, the share whose target is NULL; and whether the rows
    lacking an operand hold values of their own (the target is then not what SQL would compute
    there: its model gives those rows)."""
    both = np.isfinite(x[a]) & np.isfinite(x[b])
    missing = np.isnan(x[target])
    own = bool((~both).any() and missing[~both].mean() < HOLDS)
    return (float(missing[both].mean()) if both.any() else 0.0), own


def _fits(x: dict, op: str, a: str, b: str, bounds: tuple[float, float]) -> bool:
    """Whether every value the operands' real ranges can produce stays inside ``bounds``."""
    corners = [_OPS[op](p, q) for p in (np.nanmin(x[a]), np.nanmax(x[a])) for q in (np.nanmin(x[b]), np.nanmax(x[b]))]
    return bounds[0] <= min(corners) and max(corners) <= bounds[1]


def compute(derived: Derived, left: pa.Array, right: pa.Array, arrow_type: pa.DataType,
            rng: np.random.Generator, own: pa.Array | None = None, bounds: tuple[float, float] | None = None) -> pa.Array:
    """The target's values for sampled operands, at its resolution and in its type (NULL where an
    operand is, and on the target's real share of the other rows). An ``only_where_set`` rule
    takes the rows lacking an operand from ``own``, the column's values drawn by its model."""
    value = _OPS[derived.op](_floats(left), _floats(right))
    determined = np.isfinite(value)
    if derived.null_share > 0:
        both = np.flatnonzero(np.isfinite(value))
        value[rng.permutation(both)[: int(round(derived.null_share * len(both)))]] = np.nan
    if bounds is not None:  # what the column's type holds (a private rule's operands may reach past it)
        value = np.clip(value, *bounds)
    if derived.step is not None:
        value = np.round(value / derived.step) * derived.step
    valid = np.isfinite(value)
    out = from_numeric(np.where(valid, value, 0.0), valid, arrow_type)
    if derived.only_where_set:
        out = own_where_undetermined(out, pa.array(determined), own, arrow_type, derived.column,
                                     "lacking an operand")
    return out
