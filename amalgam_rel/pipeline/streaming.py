"""Sample big tables in parts, and forget sampled tables once no table needs them.

A table no other table references (``lineitem``, an event log) is only written, never read
again, so it need not exist whole: it is planned at once (which parent each row belongs to, a
few bytes a row), then sampled and written one part at a time. Parts end on a parent's last
child, so a parent's children (and the line numbers counted within it) are never split; the
other foreign keys take consecutive runs of one match for the whole table (:class:`Slots`), so
every parent keeps its degree. Memory then grows with the tables children are sampled from, not
with the output.

A table is sampled whole when a part could clash with another: it is referenced (its rows are
parents), it references itself or sits on an FK cycle, a unique set has neither a generated key
nor the driving foreign key in it (two parts could repeat a value), or a non-driving foreign key
is unique (one parent per row across all parts).

>>> import numpy as np
>>> part_bounds(np.array([0, 0, 1, 1, 1, 2, -1, -1]), 3)
[(0, 2), (2, 5), (5, 6), (6, 8)]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from amalgam_rel.pipeline.draft import Chunk, Draft, Slots
from amalgam_rel.pipeline.fitting import FittedTable
from amalgam_rel.pipeline.sampling import driver_rows, planned_rows
from amalgam_rel.relational.plan import DatabasePlan

DEFAULT_PART_ROWS = 200_000


def can_stream(ft: FittedTable, plan: DatabasePlan) -> bool:
    """Whether ``ft``'s table can be sampled and written in parts (see the module docstring)."""
    db, key = plan.db, ft.key
    if db.referencing(key) or ft.plan.self_references or ft.plan.deferred:
        return False
    if any(key in (fk.table, fk.ref_table) for fk in plan.graph.broken):
        return False
    if any(ft.table.is_unique(fk.columns) for fk in ft.plan.matched):
        return False
    driver = set(ft.plan.driver.columns) if ft.plan.driver is not None else None
    generated = set(ft.keys)  # sequences restart at every parent: unique only with the driver
    for unique in ft.table.unique_sets():
        holds_driver = driver is not None and driver <= set(unique)
        if not (generated & set(unique) or holds_driver):
            return False
    return True


def part_bounds(parent_rows: np.ndarray, size: int) -> list[tuple[int, int]]:
    """[start, end) of each part: about ``size`` rows, cut only where the parent changes.

    ``parent_rows`` is sorted by parent with the parentless rows (-1) last; those form parts of
    their own, as their sequences are numbered together.
    """
    n = len(parent_rows)
    with_parent = n - int((parent_rows < 0).sum())
    cuts = [0]
    while cuts[-1] < with_parent:
        target = cuts[-1] + size
        if target >= with_parent:
            cuts.append(with_parent)
            break
        # the first row of the next parent at or after the target
        cut = int(np.searchsorted(parent_rows[:with_parent], parent_rows[target], side="left"))
        if cut <= cuts[-1]:
            cut = int(np.searchsorted(parent_rows[:with_parent], parent_rows[target], side="right"))
        cuts.append(cut)
    if with_parent < n:
        cuts.append(n)
    return list(zip(cuts[:-1], cuts[1:]))


def parts(d: Draft, plan: DatabasePlan, size: int = DEFAULT_PART_ROWS) -> Iterator[Draft] | None:
    """Drafts for the parts of ``d``'s table, or None when it is to be sampled whole.

    The decision looks only at the planned size, never at random draws, so a table small
    enough to sample whole consumes its random stream exactly as before.
    """
    if planned_rows(d) <= size or not can_stream(d.ft, plan):
        return None
    if d.ft.plan.driver is None:
        n = planned_rows(d)
        bounds = [(start, min(start + size, n)) for start in range(0, n, size)]
        rows = None
    else:
        rows = driver_rows(d)
        n = len(rows)
        bounds = part_bounds(rows, size)
    slots = {d.fk_index[fk]: Slots(n) for fk in d.ft.plan.matched}
    rngs = d.rng.spawn(len(bounds))

    def drafts() -> Iterator[Draft]:
        for i, ((start, end), rng) in enumerate(zip(bounds, rngs)):
            chunk = Chunk(i, end - start, None if rows is None else rows[start:end], (end - start) / n, slots)
            yield replace(d, rng=rng, chunk=chunk, rows=None, parent_of={}, values={}, text_reports={})

    return drafts()
