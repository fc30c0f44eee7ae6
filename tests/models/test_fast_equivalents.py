"""Faster forms of counts that grew with rows (issue 22, sf 1 in five minutes) give exactly what
the plain numpy/Python forms gave: the output of a fit must not move."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.generation.reuse import _runs
from amalgam_rel.models import columns
from amalgam_rel.models.codecs import CodecOptions
from amalgam_rel.models.codecs.numeric import _distinct_sorted
from amalgam_rel.models.sampler import _distinct_rows


def test_one_sort_gives_np_unique_and_the_sorted_finite_values():
    rng = np.random.default_rng(0)
    pool = np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, 3.0, 1e300, 5e-324])
    for case in range(400):
        v = rng.choice(pool[rng.random(len(pool)) < 0.6], rng.integers(0, 300)) if case % 2 \
            else np.abs(np.round(rng.normal(0, 3, rng.integers(0, 300)), 1))
        distinct, ordered = _distinct_sorted(v)
        assert distinct.tobytes() == np.unique(v).tobytes()
        if ordered is not None:
            assert ordered[np.isfinite(ordered)].tobytes() == np.sort(v[np.isfinite(v)]).tobytes()


def test_distinct_evidence_rows_are_np_uniques():
    rng = np.random.default_rng(1)
    for case in range(300):
        width = int(rng.integers(1, 5))
        rows = rng.integers(0, rng.integers(1, 40, width), (int(rng.integers(0, 300)), width)).astype(np.int64)
        rows = rows * 2**30 if case % 25 == 0 else rows  # too wide for one int64: np.unique itself
        groups, inverse = _distinct_rows(rows)
        expected, expected_inverse = np.unique(rows, axis=0, return_inverse=True)
        assert np.array_equal(groups, expected) and np.array_equal(inverse, expected_inverse.reshape(-1))


def test_runs_found_by_hash_are_the_binary_searches():
    rng = np.random.default_rng(2)
    for _ in range(300):
        ranked = np.sort(rng.integers(0, rng.integers(1, 50), rng.integers(0, 40)))
        ids = rng.integers(-2, 60, rng.integers(0, 100))
        lo, hi = _runs(ranked, ids)
        left, right = np.searchsorted(ranked, ids, "left"), np.searchsorted(ranked, ids, "right")
        found = right > left
        assert np.array_equal(hi > lo, found)
        assert np.array_equal(lo[found], left[found]) and np.array_equal(hi[found], right[found])


def test_a_column_is_counted_once_inside_a_fit(monkeypatch):
    counted = []
    real = columns._count_free_text
    monkeypatch.setattr(columns, "_count_free_text", lambda values, options: counted.append(1) or real(values, options))
    notes = pa.chunked_array([pa.array([f"note {i}" for i in range(100)])])
    same_values_elsewhere = pa.chunked_array([pa.array([f"note {i}" for i in range(100)])])
    table = pa.table({"notes": notes, "n": pa.array(range(100))})
    with columns.remembered_free_text():
        first = columns.plan_columns(table)[1]
        assert columns.plan_columns(table.select(["notes"]))[1] == {"notes": first["notes"]}  # same buffers
        assert len(counted) == 1
        columns.plan_columns(pa.table({"notes": same_values_elsewhere}))  # other buffers: counted again
        assert len(counted) == 2
        columns._free_text_reason(notes, CodecOptions(max_categories=500))  # another limit: counted again
        assert len(counted) == 3
    columns.plan_columns(table)  # outside a fit nothing is remembered
    assert len(counted) == 4
