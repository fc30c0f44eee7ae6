"""Self-references as forests: every row gets a parent one level above it, never a cycle.

Each row of a self-referencing table carries two sampled attributes: its depth in the tree
(0 for a root) and how many rows point at it. Rows of depth ``d`` are matched to rows of depth
``d - 1`` in proportion to those counts, so depth and fan-out distributions both follow the
model, and since a parent is always strictly shallower, no cycle can form.

>>> import numpy as np
>>> parents = build_forest(np.array([0, 1, 1, 2]), np.array([2, 1, 0, 0]), np.random.default_rng(0))
>>> parents.tolist()[0], sorted(parents.tolist()[1:3]), parents.tolist()[3] in (1, 2)
(-1, [0, 0], True)
"""

from __future__ import annotations

import numpy as np

from amalgam_rel.relational.matching import match_to_degrees


def build_forest(depth: np.ndarray, fanout: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Parent row index per row (-1 for roots) from sampled ``depth`` and ``fanout``."""
    depth = np.asarray(depth, dtype=np.int64).clip(0)
    fanout = np.asarray(fanout, dtype=np.float64).clip(0)
    parent = np.full(len(depth), -1, dtype=np.int64)
    if len(depth) == 0:
        return parent
    depth = _close_gaps(depth)
    for level in range(1, int(depth.max()) + 1):
        children = np.flatnonzero(depth == level)
        candidates = np.flatnonzero(depth == level - 1)
        wanted = fanout[candidates]
        if wanted.sum() == 0:  # the model gave these parents no children: spread evenly
            wanted = np.ones(len(candidates))
        parent[children] = candidates[match_to_degrees(wanted, len(children), rng)]
    return parent


def build_forests(depths: list[np.ndarray], fanouts: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Parent row index per row for each of a table's self-references (``manager_id`` and
    ``mentor_id``), whose union never forms a cycle: each forest alone cannot, and every edge also
    goes from a lower to a higher rank in one shared order (rows by their summed depth, ties at
    random), so rows can always be inserted. A row whose drawn parent ranks above it takes
    another parent of that level ranked below it, by fan-out, or becomes a root where none is.

    >>> rng = np.random.default_rng(0)
    >>> a, b = build_forests([np.array([0, 1, 1, 2])] * 2, [np.array([2, 1, 0, 0])] * 2, rng)
    >>> rows = np.arange(4)
    >>> bool(((a < 0) | (b < 0) | (b[np.maximum(a, 0)] != rows)).all())  # no two rows point at each other
    True
    """
    if len(depths) < 2:
        return [build_forest(d, f, rng) for d, f in zip(depths, fanouts)]
    closed = [_close_gaps(np.asarray(d, dtype=np.int64).clip(0)) if len(d) else np.zeros(0, np.int64) for d in depths]
    n = len(closed[0])
    order = np.lexsort((rng.random(n), np.sum(closed, axis=0)))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    out = []
    for depth, fanout in zip(closed, fanouts):
        parent = build_forest(depth, fanout, rng)
        weight = np.asarray(fanout, dtype=np.float64).clip(0) + 1e-9
        for level in np.unique(depth[parent >= 0]):
            bad = np.flatnonzero((depth == level) & (parent >= 0))
            bad = bad[rank[parent[bad]] >= rank[bad]]
            if not len(bad):
                continue
            candidates = np.flatnonzero(depth == level - 1)
            candidates = candidates[np.argsort(rank[candidates])]
            cum = np.cumsum(weight[candidates])
            allowed = np.searchsorted(rank[candidates], rank[bad])  # candidates ranked below each row
            pick = np.searchsorted(cum, rng.random(len(bad)) * np.where(allowed > 0, cum[np.maximum(allowed - 1, 0)], 0),
                                   side="right")
            parent[bad] = np.where(allowed > 0, candidates[np.minimum(pick, np.maximum(allowed - 1, 0))], -1)
        out.append(parent)
    return out


def _close_gaps(depth: np.ndarray) -> np.ndarray:
    """Renumber depths so every level below the deepest has rows (a row needs a parent level)."""
    if not (depth == 0).any():
        depth = depth - depth.min()
    levels = np.unique(depth)
    return np.searchsorted(levels, depth).astype(np.int64)
