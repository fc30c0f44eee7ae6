"""A bridge whose key is two foreign keys never repeats a pair, even when a parent is sampled
smaller than the pairs its partners ask for: the rows no unique pair can hold are dropped."""

from __future__ import annotations

import numpy as np

from amalgam_rel.relational.matching import repair_duplicate_pairs


def test_pairs_are_made_unique_and_impossible_ones_marked():
    rng = np.random.default_rng(0)
    first = np.array([0, 0, 0, 1, 1, 2])
    second = np.array([0, 0, 0, 1, 1, 1])  # parent 0 asks for 3 distinct partners, only 2 exist
    out = repair_duplicate_pairs(first, second, rng, n_second=2)
    kept = out >= 0
    pairs = set(zip(first[kept].tolist(), out[kept].tolist()))
    assert len(pairs) == kept.sum()  # no pair repeats
    assert (~kept).sum() == 1 and first[~kept].tolist() == [0]  # only the impossible row goes
