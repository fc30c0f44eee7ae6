"""Foreign keys that a row's driving parent already decides.

A payment names its customer and its rental, and the rental names the same customer; an order
line may repeat its order's customer, or name its customer twice (by id and by code). Matched
on its own, a synthetic row's second key would point at another entity in nearly every row, and
a join through one path would disagree with a join through the other. When the real rows agree
(at least :data:`AGREEMENT` of the rows with both keys filled), the key follows its row's
driving parent instead of being matched:

* ``same``: the key points into the driving parent's table: it takes the driving parent's own
  row (``order.cust_code -> people.code`` beside ``order.customer -> people.id``);
* ``through``: the driving parent has a key to the same rows: the row takes its parent's
  (``order_line.customer = orders.customer``);
* ``within``: the key's own parent has a key to the driving parent: the row is matched among
  its driving parent's children of that table, by their sampled degrees (``payment.rental``
  among the rentals of the payment's customer);
* ``sibling``: both parents have a key to one grandparent: the row is matched among the key's
  parents under the same grandparent (a rental's staff member works at its copy's store).

Which rows are empty still comes from the row's model (the ``?i`` flag).

>>> import pyarrow as pa
>>> child = pa.table({"customer": [1, 1, 2, None], "code": ["a", "a", "b", "b"]})
>>> people = pa.table({"id": [1, 2], "code": ["a", "b"]})
>>> agreement(child, ("code",), ("customer",), people, ("id",), ("code",))
(1.0, 3, 0.5555555555555556)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.schema.model import ForeignKey

AGREEMENT = 0.995  # share of real rows (both keys filled) that must agree
MIN_ROWS = 20  # fewer such rows prove nothing
MAX_CHANCE = 0.9  # nor does agreement that independent sides would nearly always reach (one grandparent)


@dataclass(frozen=True)
class Implied:
    """FK ``fk`` follows the parent row of FK ``source`` (the driver, or a key filled before it);
    ``via`` indexes the third FK of a ``through``, ``within`` or ``sibling`` path."""

    fk: int
    how: str  # "same", "through", "within" or "sibling"
    source: int
    via: int | None = None
    via2: int | None = None  # "sibling": the source parent's FK to the grandparent ``via`` also points to


Keys = list[tuple[int, ForeignKey]]


def find_implied(frame: pa.Table, driver: tuple[int, ForeignKey], matched: Keys, frames: dict[str, pa.Table],
                 filled_first: dict[str, Keys]) -> tuple[dict[int, Implied], tuple[int, ...]]:
    """Which ``matched`` (index, FK) of a child follow another of its keys, and the order to fill them in.

    ``frame``: the child's real rows; ``frames``: real rows by table key; ``filled_first``: per
    table, the FKs its rows carry by the time its children are sampled. A key follows a key
    placed before it (the driver first); when every remaining key waits for another (a payment's
    customer for its rental, its rental for its customer), the first one is matched freely and
    the others can follow it.
    """
    keys = [driver] + list(matched)
    rules: dict[int, list[Implied]] = {i: [] for i, _ in matched}
    for i, fk in matched:
        for j, source in keys:
            if j != i:
                rules[i] += _rules(frame, i, fk, j, source, frames, filled_first)
    placed, order, chosen = {driver[0]}, [], {}
    pending = [i for i, _ in matched]
    while pending:
        ready = next(((i, r) for i in pending for r in rules[i] if r.source in placed), None)
        i = ready[0] if ready else pending[0]
        if ready:
            chosen[i] = ready[1]
        placed.add(i)
        order.append(i)
        pending.remove(i)
    return chosen, tuple(order)


def _rules(frame, i, fk, j, source, frames, filled_first) -> list[Implied]:
    """The ways FK ``fk`` (index i) follows FK ``source`` (index j) that the real rows hold."""
    paths = []
    if fk.ref_table == source.ref_table and source.ref_table in frames:
        paths.append((Implied(i, "same", j), frames[source.ref_table], fk.columns, source.columns,
                      source.ref_columns, fk.ref_columns))
    for k, g in filled_first.get(source.ref_table, []):
        if g.ref_table == fk.ref_table and g.ref_columns == fk.ref_columns and source.ref_table in frames:
            paths.append((Implied(i, "through", j, k), frames[source.ref_table], fk.columns, source.columns,
                          source.ref_columns, g.columns))
    for k, h in filled_first.get(fk.ref_table, []):
        if h.ref_table == source.ref_table and h.ref_columns == source.ref_columns and fk.ref_table in frames:
            paths.append((Implied(i, "within", j, k), frames[fk.ref_table], source.columns, fk.columns,
                          fk.ref_columns, h.columns))
    paths = [(rule, frame, mine, key, table, their_key, theirs) for rule, table, mine, key, their_key, theirs in paths]
    for k, h in filled_first.get(fk.ref_table, []):
        for m, g in filled_first.get(source.ref_table, []):
            # (a composite key here stays with the matcher)
            if h.ref_table == g.ref_table and h.ref_columns == g.ref_columns and len(fk.columns) == 1 \
                    and h.ref_table not in (fk.ref_table, source.ref_table) and {fk.ref_table, source.ref_table} <= set(frames):
                # the row's grandparent through its source parent, beside the row's own key
                sides = _through_parent(frame, source, frames[source.ref_table], g.columns).append_column("k", frame.column(fk.columns[0]))
                paths.append((Implied(i, "sibling", j, k, m), sides, tuple(f"g{n}" for n in range(len(g.columns))), ("k",),
                              frames[fk.ref_table], fk.ref_columns, h.columns))
    out = []
    for rule, child, mine, key, table, their_key, theirs in paths:
        share, rows, chance = agreement(child, mine, key, table, their_key, theirs)
        if rows >= MIN_ROWS and share >= AGREEMENT and chance <= MAX_CHANCE:
            out.append(rule)
    return out


def _through_parent(frame: pa.Table, fk: ForeignKey, parent: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """``columns`` of each row's ``fk`` parent (NULL where there is none), named g0, g1, ..."""
    rows = rows_of(frame, parent, fk.columns, fk.ref_columns)
    missing = pa.array(rows < 0)
    take = pa.array(np.maximum(rows, 0))
    return pa.table({f"g{n}": pc.if_else(missing, pa.scalar(None, parent.column(c).type), parent.column(c).take(take))
                     if parent.num_rows else pa.nulls(frame.num_rows, parent.column(c).type) for n, c in enumerate(columns)})


def agreement(child: pa.Table, columns: tuple[str, ...], key: tuple[str, ...], parent: pa.Table,
              parent_key: tuple[str, ...], parent_columns: tuple[str, ...]) -> tuple[float, int, float]:
    """Share of child rows (``key`` and ``columns`` filled) whose ``columns`` equal the
    ``parent_columns`` of the parent row with ``parent_key = key``; how many rows that is; and
    the share that would agree by chance were the two sides independent (a grandparent with
    one row agrees with everything, and says nothing)."""
    left = pa.table({f"k{j}": child.column(c).cast(parent.column(p).type, safe=False) for j, (c, p) in enumerate(zip(key, parent_key))}
                    | {f"a{j}": child.column(c).cast(parent.column(p).type, safe=False)
                       for j, (c, p) in enumerate(zip(columns, parent_columns))}).drop_null()
    if left.num_rows == 0:
        return 0.0, 0, 1.0
    right = pa.table({f"k{j}": parent.column(p) for j, p in enumerate(parent_key)}
                     | {f"b{j}": parent.column(c) for j, c in enumerate(parent_columns)})
    joined = left.join(right, keys=[f"k{j}" for j in range(len(key))], join_type="left outer")
    same = np.ones(joined.num_rows, dtype=bool)
    for j in range(len(columns)):
        same &= pc.fill_null(pc.equal(joined.column(f"a{j}"), joined.column(f"b{j}")), False).to_numpy(zero_copy_only=False)
    names = [f"v{j}" for j in range(len(columns))]
    counts = [joined.select([f"{side}{j}" for j in range(len(columns))]).rename_columns(names)
              .group_by(names).aggregate([([], "count_all")]).rename_columns(names + [side]) for side in "ab"]
    both = counts[0].join(counts[1], keys=names, join_type="inner")
    n = joined.num_rows
    chance = float(np.dot(both.column("a").to_numpy().astype(float), both.column("b").to_numpy().astype(float))) / n / n
    return float(same.mean()), n, chance


def rows_of(values: pa.Table, target: pa.Table, columns: tuple[str, ...], target_columns: tuple[str, ...]) -> np.ndarray:
    """For each row of ``values``, the row of ``target`` whose ``target_columns`` equal its
    ``columns`` (-1 where a value is NULL or has no such row). ``target_columns`` are unique."""
    n = values.num_rows
    left = pa.table({"__pos": pa.array(np.arange(n, dtype=np.int64))}
                    | {f"k{j}": values.column(c).cast(target.column(t).type, safe=False)
                       for j, (c, t) in enumerate(zip(columns, target_columns))})
    right = pa.table({"__row": pa.array(np.arange(target.num_rows, dtype=np.int64))}
                     | {f"k{j}": target.column(t) for j, t in enumerate(target_columns)})
    joined = left.join(right, keys=[f"k{j}" for j in range(len(columns))], join_type="inner")
    out = np.full(n, -1, dtype=np.int64)
    out[joined.column("__pos").to_numpy()] = joined.column("__row").to_numpy()
    return out


def once_each(rows: np.ndarray) -> np.ndarray:
    """``rows`` with each parent row kept for its first child only, -1 for the others: a UNIQUE
    key that follows another names each parent once (more rows than parents, ``--rows``, would
    repeat it).

    >>> once_each(np.array([3, 1, 3, -1, 1, 0])).tolist()
    [3, 1, -1, -1, -1, 0]
    """
    out = np.full(len(rows), -1, dtype=np.int64)
    present = np.flatnonzero(rows >= 0)
    _, first = np.unique(rows[present], return_index=True)
    out[present[first]] = rows[present[first]]
    return out


def match_within(groups: np.ndarray, candidate_groups: np.ndarray, weights: np.ndarray,
                 rng: np.random.Generator, cap: int | None = None) -> np.ndarray:
    """For each row of group ``groups[r]`` (-1: none), a candidate of the same group, taking
    candidates as often as their ``weights`` (sampled degrees) say, then at random by weight.
    -1 where its group has no candidate (or, with ``cap`` 1, none left).

    >>> rng = np.random.default_rng(0)
    >>> match_within(np.array([0, 0, 1, 2]), np.array([0, 1, 1]), np.array([2.0, 1.0, 0.0]), rng).tolist()
    [0, 0, 1, -1]
    """
    out = np.full(len(groups), -1, dtype=np.int64)
    order = np.argsort(candidate_groups, kind="stable")
    sorted_candidates = candidate_groups[order]
    by_group = np.argsort(groups, kind="stable")
    present, starts, sizes = np.unique(groups[by_group], return_index=True, return_counts=True)
    for g, start, size in zip(present, starts, sizes):  # one pass per parent, not per row
        if g < 0:
            continue
        rows = by_group[start : start + size]
        lo, hi = np.searchsorted(sorted_candidates, [g, g + 1])
        members = order[lo:hi]
        if not len(members):
            continue
        w = np.maximum(np.nan_to_num(weights[members]), 0)
        if cap == 1:
            slots = rng.permutation(members)
        else:
            taken = np.round(w).astype(np.int64)
            slots = rng.permutation(np.repeat(members, taken))
            if len(slots) < len(rows):  # more rows than sampled degrees: the group's unused candidates
                spare = rng.permutation(members[taken == 0])  # first, then repeats by weight
                p = (w + 1e-9) / (w + 1e-9).sum()
                slots = np.concatenate([slots, spare, rng.choice(members, max(0, len(rows) - len(slots) - len(spare)), p=p)])
        take = min(len(rows), len(slots))
        out[rows[:take]] = slots[:take]
    return out
