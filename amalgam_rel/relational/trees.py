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


def _close_gaps(depth: np.ndarray) -> np.ndarray:
    """Renumber depths so every level below the deepest has rows (a row needs a parent level)."""
    if not (depth == 0).any():
        depth = depth - depth.min()
    levels = np.unique(depth)
    return np.searchsorted(levels, depth).astype(np.int64)
