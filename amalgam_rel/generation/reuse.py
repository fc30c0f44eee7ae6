"""The generation budget: which rows the language model writes, and which reuse a drawn value.

A six-million-row comment column cannot cost six million model calls on a laptop.
:func:`reuse_plan` keeps at most ``per_context`` draws per distinct context and at most ``most``
draws in all — a uniform sample of the rows, so each context keeps its frequency — and gives
every other row the value of a drawn row with the same context or, failing that, the longest
shared prefix of it (prompt columns come strongest-first, so the first ones matter most).
Everything is numpy: the plan for six million rows takes seconds.

>>> codes = np.array([[0, 0], [0, 1], [1, 0], [0, 0]])
>>> draw, source = reuse_plan(codes, np.ones(4, bool), per_context=1, most=None, rng=np.random.default_rng(0))
>>> draw.tolist(), source.tolist()
([0, 1, 2], [0, 1, 2, 0])
>>> draw, source = reuse_plan(codes, np.array([True, True, False, True]), None, 2, np.random.default_rng(1))
>>> len(draw), int(source[2]), bool(np.isin(source[[0, 1, 3]], draw).all())
(2, -1, True)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Language-model values per column and table: the budget that keeps a 6M-row comment column at
# minutes, not days. Rows past it reuse a value drawn for a context like theirs.
DEFAULT_MAX_VALUES = 4000


def reuse_plan(codes: np.ndarray, wanted: np.ndarray, per_context: int | None, most: int | None,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(rows to draw, source row per row: itself when drawn, the drawn row it reuses, -1 when unwanted).

    ``codes`` holds one integer per row and prompt column (equal codes, equal formatted values).
    """
    n = len(wanted)
    idx = np.flatnonzero(wanted)
    source = np.full(n, -1, dtype=np.int64)
    draw = idx
    if per_context and len(idx):
        groups = group_ids(codes[idx])
        order = np.argsort(groups, kind="stable")
        sorted_groups = groups[order]
        first = np.searchsorted(sorted_groups, sorted_groups, "left")
        rank = np.arange(len(order)) - first
        draw = np.sort(idx[order[rank < per_context]])
    if most and len(draw) > most:
        draw = np.sort(rng.choice(draw, most, replace=False))
    source[draw] = draw
    pending = idx[source[idx] < 0]
    for width in range(codes.shape[1], -1, -1):
        if not len(pending):
            break
        ids = group_ids(np.concatenate([codes[draw, :width], codes[pending, :width]]))
        drawn_ids, pending_ids = ids[: len(draw)], ids[len(draw):]
        order = np.argsort(drawn_ids, kind="stable")
        lo, hi = _runs(drawn_ids[order], pending_ids)
        found = hi > lo
        pick = lo[found] + (rng.random(int(found.sum())) * (hi[found] - lo[found])).astype(np.int64)
        source[pending[found]] = draw[order[pick]]
        pending = pending[~found]
    return draw, source


def _runs(ranked: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``ids`` starts and ends in the sorted ``ranked`` (equal where it is not in it).

    What two ``np.searchsorted`` give, but looked up in a hash of the few distinct drawn ids:
    binary searches of millions of pending rows took seconds a column (sf 1 lineitem).
    """
    if not len(ranked):
        return np.zeros(len(ids), np.int64), np.zeros(len(ids), np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ranked[1:] != ranked[:-1]]))
    ends = np.append(starts[1:], len(ranked))
    at = pc.fill_null(pc.index_in(pa.array(ids), value_set=pa.array(ranked[starts])), -1).to_numpy()
    found = at >= 0
    lo = np.where(found, starts[at], 0)
    return lo, np.where(found, ends[at], 0)


def group_ids(codes: np.ndarray) -> np.ndarray:
    """One integer per row, equal exactly where the rows' codes are all equal."""
    if codes.ndim == 1:
        codes = codes[:, None]
    if codes.shape[1] == 0:
        return np.zeros(len(codes), dtype=np.int64)
    spans = codes.max(axis=0) + 1 if len(codes) else np.ones(codes.shape[1], dtype=np.int64)
    if np.sum(np.log2(np.maximum(spans, 1).astype(np.float64))) < 62:  # mixed radix fits in int64
        out = np.zeros(len(codes), dtype=np.int64)
        for j in range(codes.shape[1]):
            out = out * int(spans[j]) + codes[:, j]
        return out
    return np.unique(codes, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
