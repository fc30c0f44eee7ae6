"""The rows each table will get, bounded before anything is sampled or written.

A table's size is the user's ``rows`` for it, or its fitted row count grown as its driving
parent grew (a root grows by ``scale``), as ``planned_rows`` and ``driver_rows`` of
:mod:`amalgam_rel.pipeline.sampling` will compute it. Every table, even one written in parts,
holds an 8-byte parent index a row while it is planned, so a size from a damaged model file
(``real_rows`` of 10**12) or a slip of the keyboard used to end in an allocation of terabytes.

:data:`MAX_TABLE_ROWS` is ten billion rows: a hundred times (``--scale``'s largest) a
hundred-million-row source table, about the largest one machine fits a model on; its parent
indexes alone take 80 GB. Sizes past it are refused with one line naming the table.
"""

from __future__ import annotations

import math

from amalgam_rel.errors import InputError

MAX_TABLE_ROWS = 10**10


def check_sizes(model, scale: float, rows: dict[str, int]) -> dict[str, int]:
    """Each table's planned rows, in sampling order; an :class:`InputError` for one past the limit."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale < 0:
        raise InputError(f"scale must be a finite number >= 0, got {scale!r}")
    planned: dict[str, int] = {}
    for key in model.plan_.graph.order:
        ft = model.tables_[key]
        if key in rows:
            n, how = rows[key], "asked for"
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise InputError(f"the rows asked for table {key!r} must be a whole number >= 0, got {n!r}")
        elif key in model.reference_:  # kept verbatim (:mod:`.reference`)
            n, how = model.reference_[key].num_rows, "kept"
        else:
            growth = _growth(model, ft, planned, scale)
            n, how = _grown(ft, planned, growth), f"{ft.real_rows:,} in the model times {growth:.4g}"
        if n > MAX_TABLE_ROWS:
            raise InputError(f"table {key!r} would get {n:,} rows ({how}): more than the {MAX_TABLE_ROWS:,} "
                             "rows a table may have")
        planned[key] = n
    return planned


def _growth(model, ft, planned: dict[str, int], scale: float) -> float:
    """How much the table grows: ``scale`` for a root, its driving parent's growth for a child."""
    driver = ft.plan.driver
    if driver is None or driver.ref_table in model.reference_:  # a kept table keeps its size; its children scale
        return scale
    parent_real = model.tables_[driver.ref_table].real_rows
    return planned[driver.ref_table] / parent_real if parent_real else scale


def _grown(ft, planned: dict[str, int], growth: float) -> int:
    if ft.plan.driver is None:  # a root the source has rows in keeps at least one
        return max(round(ft.real_rows * growth), int(ft.real_rows >= 1 and growth > 0))
    with_parent = round((ft.real_rows - ft.null_driver_rows) * growth)
    if ft.table.is_unique(ft.plan.driver.columns):  # one child a parent at most
        with_parent = min(with_parent, planned[ft.plan.driver.ref_table])
    return with_parent + round(ft.null_driver_rows * growth)
