"""Dates told as a gap to another date of their row, decided under the budget: ``required_date =
order_date + 28 days``, ``shipped_date = order_date + 1..35 days``.

Without a budget the offsets rule (:mod:`amalgam_rel.relational.rules.offsets`) compares each
gap's spread with the date's own, both read off the data. Here the candidates come from the schema
alone: ordered pairs ``(column, anchor)`` of dates of one type, ``column`` one of the table's own
dates (not a key, not UNIQUE: the same as the rule's), ``anchor`` one of its dates declared before
it (placed, required, shipped; ship, commit, receipt) or a context date of the driving parent
(``^name``, chosen by the public rule). A NOT NULL column is
never anchored on a date the schema lets be NULL (a gap gives no date where its anchor has none).

Then one Gaussian measurement, per candidate, of the three disjoint cells ``(near, within a
year, other)``: *near* holds the rows whose gap is 0 to :data:`NEAR_DAYS` days, *within a year*
those at more than that up to :data:`WINDOW_DAYS` days, *other* every other row (a negative or
longer gap, or an anchor NULL where the date is not). A row whose date is NULL is carried exactly
by a NULL gap, so it counts as near. Each row is in exactly one cell of each candidate: a unit
adding ``r <= s`` rows moves a candidate's cells by ``a + b + c = r`` with non-negative parts, so
by at most ``r`` in L2, and the L2 sensitivity of the whole vector is ``s * sqrt(k)`` for ``k``
candidates (as the copies test's, :mod:`amalgam_rel.dp.private_copies`).

A candidate holds when its noisy rows within the year reach :data:`HOLDS` of its noisy rows and
exceed the other rows by :data:`MAJORITY_Z` deviations of that difference (post-processing). Each
date takes the holding anchor with the largest noisy near share, tightest first, skipping one
that would make a date its own anchor; the table model then learns the gap (``+column``, whole
days, or seconds for a timestamp) under its own budget, and sampling adds it back to the anchor,
as without a budget.

>>> import datetime as dt
>>> days = [dt.date(1996, 7, 4) + dt.timedelta(days=int(d)) for d in range(0, 660, 2)]
>>> t = pa.table({"placed": days, "required": [d + dt.timedelta(days=28) for d in days]})
>>> cells(t, [("required", "placed"), ("placed", "required")]).tolist()
[330.0, 0.0, 0.0, 0.0, 0.0, 330.0]
>>> choose([("required", "placed"), ("placed", "required")], np.array([300.0, 20, 5, 1, 4, 320]), sigma=10.0)
(DateOffset(column='required', anchor='placed', step=1.0),)

``shipped`` follows ``placed`` too: ``required`` keeps ``placed`` though its gap to ``shipped`` looks nearer.

>>> pairs = [("required", "placed"), ("required", "shipped"), ("shipped", "placed")]
>>> [(o.column, o.anchor) for o in choose(pairs, np.array([290.0, 30, 0, 310, 10, 0, 300, 20, 0]), sigma=10.0)]
[('shipped', 'placed'), ('required', 'placed')]
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.models.codecs.scale import to_numeric
from amalgam_rel.models.privacy import gaussian_sigma
from amalgam_rel.relational.date_offsets import DateOffset, acyclic_offsets, encode, offset_column
from amalgam_rel.relational.rules.protocol import unique_columns
from amalgam_rel.schema import sql
from amalgam_rel.schema.internal_names import context_parent, is_context_column
from amalgam_rel.schema.types import Kind

NEAR_DAYS = 31  # a gap of at most a month: the tightest anchor wins
WINDOW_DAYS = 366  # a gap within a year makes the pair a candidate offset
HOLDS = 0.9  # noisy share of the rows within the window that makes an offset
MAJORITY_Z = 2.0  # ... when those rows also outnumber the others by this many noise deviations
CELLS = 3  # near, within the window, other
_US_PER_DAY = 86_400e6


def _is_date(t: pa.DataType) -> bool:
    return pa.types.is_date(t) or pa.types.is_timestamp(t)


def candidates(ft, plan) -> list[tuple[str, str]]:
    """(column, anchor) pairs from the schema and the chosen context (see the module doc)."""
    frame, table = ft.frame, ft.table
    structural = set(ft.plan.fk_columns) | set(table.primary_key) | set(ft.sequences) | set(ft.plan.generated_keys)
    own = [c.name for c in table.columns if c.type.kind in (Kind.DATE, Kind.TIMESTAMP)
           and c.name not in structural and c.name in frame.column_names]
    targets = [c for c in own if c not in unique_columns(table)]
    parents = [c for c in frame.column_names if is_context_column(c) and _is_date(frame.schema.field(c).type)]
    out = []
    for column in targets:
        required = not table.column(column).nullable
        earlier = own[:own.index(column)]  # a date follows one declared before it: half the pairs, twice the budget each
        for anchor in earlier + parents:
            if frame.schema.field(anchor).type != frame.schema.field(column).type:
                continue
            if required and _may_be_null(ft, plan, anchor):
                continue
            out.append((column, anchor))
    return out


def _may_be_null(ft, plan, anchor: str) -> bool:
    """Whether the schema lets ``anchor`` be NULL on a row (a context date: its parent column, or
    a row without a driving parent)."""
    if not is_context_column(anchor):
        return ft.table.column(anchor).nullable
    driver = ft.plan.driver
    parent = plan.db.table(driver.ref_table)
    name = context_parent(anchor)
    return driver.nullable or not parent.has_column(name) or parent.column(name).nullable


def _days(t: pa.DataType) -> float:
    """One day in the type's own unit (days for DATE)."""
    if pa.types.is_date(t):
        return 1.0
    return _US_PER_DAY / {"s": 1e6, "ms": 1e3, "us": 1.0, "ns": 1e-3}[t.unit]


def step(t: pa.DataType) -> float:
    """The gap's public resolution: a day for DATE, a second for a timestamp (in its unit)."""
    return 1.0 if pa.types.is_date(t) else _days(t) / 86_400


def cells(frame: pa.Table, pairs: list[tuple[str, str]]) -> np.ndarray:
    """``[near, within the window, other]`` rows of each pair, pair after pair; each row in exactly one."""
    out = np.zeros(CELLS * len(pairs))
    for i, (column, anchor) in enumerate(pairs):
        day = _days(frame.schema.field(column).type)
        value, held = to_numeric(frame.column(column))
        base, based = to_numeric(frame.column(anchor))
        gap = (value - base) / day
        paired = held & based
        near = ~held | (paired & (gap >= 0) & (gap <= NEAR_DAYS))
        within = paired & (gap > NEAR_DAYS) & (gap <= WINDOW_DAYS)
        out[CELLS * i: CELLS * i + CELLS] = (near.sum(), within.sum(), len(gap) - near.sum() - within.sum())
    return out


def holds(near: float, within: float, other: float, sigma: float) -> bool:
    """Noisy rows within the window reach :data:`HOLDS` of all and beat the others by
    :data:`MAJORITY_Z` deviations (the difference of three noisy cells: ``sigma * sqrt(3)``)."""
    agree = near + within
    return agree - other >= MAJORITY_Z * sigma * math.sqrt(3) and agree >= HOLDS * (agree + other)


def choose(pairs: list[tuple[str, str]], noisy: np.ndarray, sigma: float, types=None) -> tuple[DateOffset, ...]:
    """The holding pairs, one anchor per date, no date its own anchor, anchors first. A date no
    holding pair follows comes first as an anchor (a star around it: ``required`` and ``shipped``
    both after ``placed``, not a chain through a date that may be NULL), then the largest noisy
    near share: the shares of two anchors differ by less than the noise on a few hundred rows."""
    held = []
    for i, (column, anchor) in enumerate(pairs):
        near, within, other = noisy[CELLS * i: CELLS * i + CELLS]
        if holds(near, within, other, sigma):
            held.append((-near / max(near + within + other, 1.0), column, anchor))
    following = {column for _, column, _ in held}
    ranked = sorted((anchor in following, share, column, anchor) for share, column, anchor in held)
    return acyclic_offsets((column, anchor, step(types[column]) if types else 1.0) for _, _, column, anchor in ranked)


def encoded_gaps(frame: pa.Table, offsets: tuple[DateOffset, ...]) -> tuple[pa.Table, tuple[exp.Expression, ...]]:
    """``frame`` with each offset date replaced by its gap (:func:`..date_offsets.encode`), clipped
    to ``[0, WINDOW_DAYS]`` (in its steps), and those public bounds as CHECK facts for the table
    model. Without them a gap is an INT64 whose range search starts from the type's whole range
    (northwind's gaps of 28 days drawn as +-2**31). Clipping changes each row on its own, so a
    unit still moves the frame by its rows; an offset holds for most rows inside the window
    (:data:`HOLDS`), the others are drawn at its edges. A date may anchor another one's gap.

    >>> a = pa.array([0, 0, 0], pa.date32())
    >>> t, checks = encoded_gaps(pa.table({"a": a, "d": pa.array([-3, 28, 900], pa.int32()).cast(pa.date32())}),
    ...                          (DateOffset("d", "a"),))
    >>> t.column("+d").to_pylist(), checks[0].sql()
    ([0, 28, 366], '"+d" BETWEEN 0 AND 366')
    >>> chain = pa.table({"a": a, "b": a, "c": a})
    >>> encoded_gaps(chain, (DateOffset("b", "a"), DateOffset("c", "b")))[0].column_names
    ['a', '+b', '+c']
    """
    highs = {o.column: int(round(WINDOW_DAYS * _days(frame.schema.field(o.column).type) / o.step)) for o in offsets}
    frame = encode(frame, offsets)
    checks = []
    for o in offsets:
        name = offset_column(o.column)
        clipped = pc.min_element_wise(pc.max_element_wise(frame.column(name), 0), highs[o.column])
        frame = frame.set_column(frame.column_names.index(name), name, clipped.cast(frame.schema.field(name).type))
        checks.append(exp.Between(this=exp.column(sql.ident(name)), low=exp.Literal.number(0),
                                  high=exp.Literal.number(highs[o.column])))
    return frame, tuple(checks)


def private_offsets(frame: pa.Table, key: str, pairs: list[tuple[str, str]], *, sensitivity: float, rho: float,
                    rng: np.random.Generator, ledger) -> tuple[DateOffset, ...]:
    """The offsets whose noisy cells hold; spends ``rho`` in ``ledger`` (step ``offsets``)."""
    if not pairs:
        return ()
    l2 = sensitivity * math.sqrt(len(pairs))
    sigma = gaussian_sigma(rho, l2)
    noisy = cells(frame, pairs) + rng.normal(0, sigma, CELLS * len(pairs))
    found = choose(pairs, noisy, sigma, {c: frame.schema.field(c).type for c, _ in pairs})
    ledger.spend("offsets", "gaussian", rho, table=key, sensitivity=l2, sigma=sigma,
                 detail=f"rows per gap cell (0-{NEAR_DAYS} days, to {WINDOW_DAYS}, other), {len(pairs)} date pairs "
                        "from the schema: " + (", ".join(f"{o.column} = {o.anchor} + a gap" for o in found) or "no offset"))
    return found
