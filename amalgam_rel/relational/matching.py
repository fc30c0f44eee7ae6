"""Assign child rows to parent rows while keeping each parent's number of children.

A parent's model samples how many children it should have (its in-degree). The driving foreign
key of a child table creates exactly that many rows per parent; every other foreign key is
filled here, by a configuration-model match: each parent contributes as many *slots* as its
sampled degree, the slots are shuffled, and child rows take them in turn. Degree distributions
on both sides survive, and no Python loop runs per row.

>>> from collections.abc import Sequence

import numpy as np
>>> rng = np.random.default_rng(0)
>>> slots = match_to_degrees(np.array([2, 0, 1]), 3, rng)
>>> sorted(slots.tolist())
[0, 0, 2]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.errors import DataError


def fit_degrees(degrees: np.ndarray, total: int, rng: np.random.Generator, cap: int | None = None,
                expected: float | None = None) -> np.ndarray:
    """Adjust non-negative ``degrees`` so they sum to ``total``, each ≤ ``cap``.

    ``expected`` is the sum the degrees would have on average (parents times the real mean
    degree). The ratio ``total / expected`` is a deliberate resize (another scale, a fixed row
    count) and stretches every degree alike; what remains is the sampling noise of the sum,
    which comes from the largest degrees (one popular product more or less moves it by
    hundreds), so it is added to or taken from parents in proportion to their squared degree.
    Stretching everyone for noise would turn the many 1s into 2s and bend the whole
    distribution. Without ``expected`` the sampled sum is taken as the expected one.

    >>> rng = np.random.default_rng(0)
    >>> out = fit_degrees(np.array([1, 1, 1, 1, 2, 2, 3, 300]), 211, rng, expected=211)
    >>> int(out.sum()), out[:7].tolist() == [1, 1, 1, 1, 2, 2, 3]
    (211, True)
    """
    degrees = np.asarray(degrees, dtype=np.float64).clip(0)
    if cap is not None:
        degrees = degrees.clip(max=cap)
        if total > cap * len(degrees):
            raise DataError(f"cannot place {total} children on {len(degrees)} parents with at most {cap} each")
    if total == 0 or len(degrees) == 0:
        if total:
            raise DataError(f"{total} child rows need a parent, but the parent table has no rows")
        return np.zeros(len(degrees), dtype=np.int64)
    current = degrees.sum()
    base = expected if expected is not None and expected > 0 and current > 0 else current
    scaled = degrees * (total / base) if base > 0 else np.full(len(degrees), total / len(degrees))
    if cap is not None:
        scaled = scaled.clip(max=cap)
    out = np.floor(scaled).astype(np.int64)
    out += rng.random(len(out)) < (scaled - out)
    weights = scaled**2 + 1e-9
    diff = int(total - out.sum())
    while diff != 0:
        # units go to (or come from) parents drawn by weight, several to one parent if drawn so
        room = out < cap if cap is not None and diff > 0 else (out > 0 if diff < 0 else np.ones(len(out), bool))
        idx = np.flatnonzero(room)
        units = rng.multinomial(abs(diff), weights[idx] / weights[idx].sum())
        limit = (cap - out[idx]) if (cap is not None and diff > 0) else (out[idx] if diff < 0 else units)
        units = np.minimum(units, limit)
        out[idx] += units if diff > 0 else -units
        diff += -int(units.sum()) if diff > 0 else int(units.sum())
    return out


def match_to_degrees(degrees: np.ndarray, n_children: int, rng: np.random.Generator, cap: int | None = None,
                     expected: float | None = None) -> np.ndarray:
    """Parent index (0-based) for each of ``n_children`` rows, honouring ``degrees`` as closely as the total allows."""
    exact = fit_degrees(degrees, n_children, rng, cap, expected)
    slots = np.repeat(np.arange(len(exact), dtype=np.int64), exact)
    rng.shuffle(slots)
    return slots


def align_to_values(slots: np.ndarray, wanted: pa.Array | Sequence[pa.Array], values: pa.Array | Sequence[pa.Array],
                    rng: np.random.Generator, groups: np.ndarray | None = None) -> np.ndarray:
    """``slots`` (a parent row per child row) handed out again so that the child whose ``wanted``
    value ranks k-th gets the slot whose parent value (``values[slot]``) ranks k-th.

    The slots stay the same multiset, so every parent keeps its degree; only who gets which
    changes. Equal values are matched at random, and where the children want more of a value
    than the parents hold, the nearest values in rank take the rest. With ``groups`` (one per
    child row), slots move only within a group: the rows of a group keep their group's slots.
    With several columns (``wanted`` and ``values`` as sequences), the first decides the rank,
    the next ones break its ties (an active airline of the country the route was drawn with).

    >>> rng = np.random.default_rng(0)
    >>> align_to_values(np.array([0, 1, 2]), pa.array([30.0, 10.0, 20.0]), pa.array([10.0, 20.0, 30.0]), rng).tolist()
    [2, 0, 1]
    >>> align_to_values(np.array([0, 1, 2, 3]), [pa.array([1, 1, 2, 2]), pa.array(["b", "a", "b", "a"])],
    ...                 [pa.array([1, 1, 2, 2]), pa.array(["a", "b", "a", "b"])], rng).tolist()
    [1, 0, 3, 2]
    """
    wanted = [wanted] if isinstance(wanted, (pa.Array, pa.ChunkedArray)) else list(wanted)
    values = [values] if isinstance(values, (pa.Array, pa.ChunkedArray)) else list(values)
    n = len(slots)
    first = _ranks(slots, wanted[0], values[0])
    if first is None:
        return slots  # another decoded type, or one Arrow cannot sort: nothing to align on
    keys = [first] + [r for r in (_ranks(slots, w, v) for w, v in zip(wanted[1:], values[1:])) if r is not None]
    groups = np.zeros(n, dtype=np.int64) if groups is None else groups
    # np.lexsort sorts by its last key first: the groups, then the first column's rank
    children = np.lexsort((rng.random(n), *[k[:n] for k in reversed(keys)], groups))
    parents = np.lexsort((rng.random(n), *[k[n:] for k in reversed(keys)], groups))
    out = np.empty(n, dtype=slots.dtype)
    out[children] = slots[parents]
    return out


def _ranks(slots: np.ndarray, wanted: pa.Array, values: pa.Array) -> np.ndarray | None:
    """Dense ranks of the children's ``wanted`` values followed by those of their slots' parents
    (one ranking, so equal values rank alike); None where the two cannot be compared."""
    have = values.take(pa.array(slots))
    try:
        return pc.rank(pa.concat_arrays([wanted.cast(have.type), have]), sort_keys="ascending",
                       tiebreaker="dense").to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def repair_duplicate_pairs(first: np.ndarray, second: np.ndarray, rng: np.random.Generator, n_second: int,
                           max_rounds: int = 50) -> np.ndarray:
    """Change ``second`` so no (first, second) pair repeats, keeping the degrees of ``second``.

    Duplicates swap their second parent with a random other row (a degree-neutral move); the
    few that remain after ``max_rounds`` take the least-used parents their first parent lacks,
    and get -1 when it already has every one (more children than distinct partners exist: the
    caller drops those rows, which no unique pair can hold).
    """
    second = second.copy()
    n = len(first)
    for _ in range(max_rounds):
        dup = _duplicates(first, second)
        if not dup.any():
            return second
        idx = np.flatnonzero(dup)
        partners = rng.integers(0, n, size=len(idx))
        second[idx], second[partners] = second[partners], second[idx].copy()
    dup = np.flatnonzero(_duplicates(first, second))
    if len(dup) == 0:
        return second
    used: dict[int, set[int]] = {}
    for f, s in zip(first.tolist(), second.tolist()):
        used.setdefault(f, set()).add(s)
    load = np.bincount(second, minlength=n_second)
    for i in dup.tolist():
        f = int(first[i])
        free = np.setdiff1d(np.arange(n_second), np.fromiter(used[f], dtype=np.int64), assume_unique=False)
        if len(free) == 0:
            load[second[i]] -= 1
            second[i] = -1
            continue
        choice = int(free[np.argmin(load[free])])
        load[second[i]] -= 1
        load[choice] += 1
        second[i] = choice
        used[f].add(choice)
    return second


def _duplicates(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Mask of rows whose (first, second) pair already appeared earlier."""
    pairs = np.stack([first, second], axis=1)
    _, index = np.unique(pairs, axis=0, return_index=True)
    mask = np.ones(len(first), dtype=bool)
    mask[index] = False
    return mask
