"""Dates modelled as an offset from another date: ``receiptdate = shipdate + 1..30 days``.

A table's dates often follow another date closely: an order is required 28 days after it is
placed and shipped within a few weeks, a line is received 1-30 days after it ships. Binned on its
own years-wide range (quantile bins of ~80 days over TPC-H's seven years), each date keeps its
marginal but the gap is lost: 69 % of synthetic TPC-H lines were received before they shipped or
more than 30 days after. Fitting finds such pairs (:func:`find_date_offsets`): a date whose gap to
another date of its row, or to its driving parent's (``^`` context), spreads over at most
:data:`MAX_SPREAD` of the date's own spread (1st to 99th percentile). The table model then owns
the gap (``+column``, in whole steps of the gap's resolution) instead of the date, and sampling
adds it back to the sampled anchor (:func:`decode`): the gaps keep their real distribution and
their dependence on the other columns.

A gap gives no date where its anchor is NULL. A nullable date may lose the few rows (at most
:data:`_LOST`) that held it without its anchor; a NOT NULL one (``required``) may not: it is
told as a gap only when no anchor along its chain can be NULL, neither in the real rows nor
(``nullable``) in the synthetic ones. Otherwise it keeps its own model.

>>> import datetime as dt
>>> days = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in range(0, 730, 2)]
>>> t = pa.table({"placed": days, "required": [d + dt.timedelta(days=28) for d in days]})
>>> find_date_offsets(t, ["placed", "required"], [])
(DateOffset(column='required', anchor='placed', step=1.0),)
>>> encode(t, find_date_offsets(t, ["placed", "required"], [])).column("+required").unique().to_pylist()
[28]
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pyarrow as pa

from amalgam_rel.models.codecs.scale import from_numeric, to_numeric
from amalgam_rel.schema.internal_names import DATE_OFFSET

MAX_SPREAD = 0.25  # of the date's own 1st-99th percentile range
MIN_ROWS = 30
_LOST = 0.01  # most rows that hold a date but not its anchor (the gap cannot carry them)


@dataclass(frozen=True)
class DateOffset:
    column: str
    anchor: str  # a date of the row, or ``^name``: the driving parent's
    step: float = 1.0  # the gap's resolution in the date's unit (days for DATE): the model owns gap / step


def offset_column(name: str) -> str:
    """The model column holding ``name``'s gap to its anchor."""
    return DATE_OFFSET + name


def is_offset_column(name: str) -> bool:
    return name.startswith(DATE_OFFSET)


def find_date_offsets(frame: pa.Table, columns: list[str], anchors: list[str], required=frozenset(),
                      nullable=frozenset()) -> tuple[DateOffset, ...]:
    """Dates among ``columns`` that are best told as a gap to another of ``columns`` or to one of
    ``anchors`` (parent dates), in the order they can be computed (anchors first).

    The tightest pairs are taken first, and a pair that would make a date its own anchor
    (through others) is skipped: shipdate anchors receiptdate, so receiptdate cannot anchor it.
    A ``required`` (NOT NULL) date keeps its gap only when its anchors cannot be NULL; an anchor
    in ``nullable`` may be, whatever ``frame`` shows.
    """
    if frame.num_rows < MIN_ROWS:
        return ()
    values = {c: _numbers(frame.column(c)) for c in dict.fromkeys(columns + anchors)}
    candidates = []
    for column in columns:
        own = _spread(values[column])
        if not own > 0:
            continue
        for anchor in columns + anchors:
            if anchor == column or frame.schema.field(anchor).type != frame.schema.field(column).type:
                continue
            held, base = np.isfinite(values[column]), np.isfinite(values[anchor])
            if (held & base).sum() < MIN_ROWS or (held & ~base).sum() > _LOST * held.sum():
                continue
            gap = values[column][held & base] - values[anchor][held & base]
            spread = _spread(gap)
            if spread <= MAX_SPREAD * own:
                # near-equal spreads (a pair read both ways) go to the date that comes after the other
                key = (round(spread / own, 2), bool((gap < 0).mean() > _LOST), -columns.index(column))
                candidates.append((key, column, anchor, resolution(gap, frame.schema.field(column).type)))
    ranked = [(column, anchor, step) for _, column, anchor, step in sorted(candidates, key=lambda c: c[0])]
    return tuple(_never_null(list(acyclic_offsets(ranked)), values, set(required), set(nullable)))


def acyclic_offsets(ranked) -> tuple[DateOffset, ...]:
    """The first ``(column, anchor, step)`` of each column in ``ranked`` (best first) that makes
    no date its own anchor through others, in the order they can be computed (anchors first).

    >>> [o.column for o in acyclic_offsets([("b", "a", 1.0), ("a", "b", 1.0), ("c", "b", 1.0)])]
    ['b', 'c']
    """
    graph, found = nx.DiGraph(), {}
    for column, anchor, step in ranked:
        if column in found:
            continue
        graph.add_edge(anchor, column)
        if not nx.is_directed_acyclic_graph(graph):
            graph.remove_edge(anchor, column)
            continue
        found[column] = DateOffset(column, anchor, step)
    order = {c: i for i, c in enumerate(nx.topological_sort(graph))}
    return tuple(sorted(found.values(), key=lambda o: order[o.column]))


def _never_null(offsets: list[DateOffset], values: dict[str, np.ndarray], required: set, nullable: set) -> list[DateOffset]:
    """``offsets`` (anchors first) less those of ``required`` dates whose anchor may be NULL: one
    NULL in the real rows or in ``nullable``, or a date a gap leaves NULL where its own anchor is.
    A date left out keeps its model, never NULL where the real one never was."""
    kept: dict[str, DateOffset] = {}
    unsafe = set(nullable) | {c for c, v in values.items() if np.isnan(v).any()}
    for o in offsets:
        if o.anchor in unsafe and o.column in required:
            continue
        kept[o.column] = o
        if o.anchor in unsafe:
            unsafe.add(o.column)
    return list(kept.values())


def encode(frame: pa.Table, offsets: tuple[DateOffset, ...]) -> pa.Table:
    """``frame`` with each offset date replaced by its gap (``+column``, whole steps, NULL where
    the date or its anchor is)."""
    for o in offsets:
        gap = (_numbers(frame.column(o.column)) - _numbers(frame.column(o.anchor))) / o.step
        valid = np.isfinite(gap)
        frame = frame.append_column(offset_column(o.column), pa.array(np.where(valid, np.round(gap), 0).astype(np.int64), mask=~valid))
    return frame.drop_columns([o.column for o in offsets])


def decode(rows: pa.Table, offsets: tuple[DateOffset, ...]) -> pa.Table:
    """``rows`` (model columns) with each offset date added back: its anchor plus the sampled gap,
    in the anchor's type (a pair always has one type), anchors first."""
    for o in offsets:
        anchor = _numbers(rows.column(o.anchor))
        gap = _numbers(rows.column(offset_column(o.column)))
        value = anchor + gap * o.step
        valid = np.isfinite(value)
        date = from_numeric(np.where(valid, value, 0.0), valid, rows.schema.field(o.anchor).type)
        if o.column in rows.column_names:
            rows = rows.set_column(rows.column_names.index(o.column), o.column, date)
        else:
            rows = rows.append_column(o.column, date)
    return rows


def _numbers(values) -> np.ndarray:
    """Dates and timestamps (or gaps) as numbers in their own unit (days, microseconds...), NULL as NaN."""
    numbers, valid = to_numeric(values)
    return np.where(valid, numbers, np.nan)


def _spread(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if not len(x):
        return 0.0
    low, high = np.quantile(x, [0.01, 0.99])
    return float(high - low)


def resolution(values: np.ndarray, t: pa.DataType) -> float:
    """The coarsest of day, hour, minute, second and millisecond that divides every value (in
    the type's own unit), else 1: a timestamp column's (or gap's) real resolution. Dates: one day.

    >>> resolution(np.array([0.0, 60e6, 180e6]), pa.timestamp("us")), resolution(np.array([60.0, 7.0]), pa.timestamp("s"))
    (60000000.0, 1.0)
    """
    if not pa.types.is_timestamp(t):
        return 1.0
    per_unit = {"s": 1e6, "ms": 1e3, "us": 1.0, "ns": 1e-3}[t.unit]  # microseconds in one unit
    for step_us in (86_400e6, 3_600e6, 60e6, 1e6, 1e3):
        step = step_us / per_unit
        if step > 1 and len(values) and not np.any(np.mod(values, step)):
            return step
    return 1.0
