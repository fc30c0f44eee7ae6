"""Columns a table's key generators issue instead of its model drawing them (:func:`.fitting.fit_keys`).

A regular run of dates (a calendar) and UNIQUE string codes collide or get refused when drawn
from a model; they are issued like keys, in the real format. Both read a
:class:`~amalgam_rel.pipeline.fitting.FittedTable` (``ft``) whose training frame is built.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.generation.patterns import is_code
from amalgam_rel.relational.rules.protocol import checked_columns
from amalgam_rel.schema.types import Kind

_CODE_SAMPLE = 10_000  # values of a UNIQUE string column read to tell codes from text
_CALENDAR_FILL = 0.9  # share of the steps between a UNIQUE date column's first and last value it must hold


def calendar_columns(ft) -> list[str]:
    """DATE / TIMESTAMP columns, UNIQUE or all distinct and never NULL in the real rows, that hold
    (nearly) every step of a regular run: a date dimension's days, a daily or hourly series.
    Drawn from a model, 1,461 days in 1,461 rows collide (and a declared UNIQUE finds no free
    day inside the range: ``cannot make ['d'] unique``); they are issued as a run instead, from
    the real first day in the real step, like a key. The table model keeps them: the rest of a
    row (a fiscal week, a holiday flag) is drawn given its day."""
    checked = checked_columns(ft.table)
    declared = {u[0] for u in ft.table.unique_sets() if len(u) == 1}
    out = []
    for col in ft.table.columns:
        c = col.name
        if c in ft.plan.generated_keys or c in ft.plan.fk_columns or c in checked or c not in ft.frame.column_names \
                or col.type.kind not in (Kind.DATE, Kind.TIMESTAMP):
            continue
        column = ft.frame.column(c)
        values = column.drop_null()
        if len(values) < 20 or (c not in declared and (column.null_count or pc.count_distinct(values).as_py() < len(values))):
            continue
        ints = np.sort(values.cast(pa.int32() if pa.types.is_date32(values.type) else pa.int64()).to_numpy().astype(np.int64))
        steps = np.diff(ints)
        step = np.bincount(steps[steps > 0]).argmax() if (steps > 0).any() and steps.max() < 10**7 else None
        if step and (ints[-1] - ints[0]) / step + 1 <= len(ints) / _CALENDAR_FILL:
            out.append(c)
    return out


def unique_codes(ft) -> list[str]:
    """UNIQUE string columns holding codes (``sku`` = ``SKU-000123``): fresh codes in the real
    format, as for a key, never a language model's.

    A model that learnt 800 sequential codes writes those codes again: the copy guard refused
    them, uniqueness refused the rest, and the table could not be generated (or, where the column
    is nullable, a fifth of the rows came out NULL). NULLs keep their real share, on random rows.
    Columns with a CHECK of their own (a per-position code may break it) stay with the language
    model.
    """
    checked = checked_columns(ft.table)
    out = []
    for unique in ft.table.unique_sets():
        c = unique[0]
        if len(unique) != 1 or c in ft.plan.generated_keys or c in ft.plan.fk_columns or c in ft.sequences \
                or c in checked or ft.table.column(c).type.kind is not Kind.STRING:
            continue
        values = ft.frame.column(c).drop_null()
        # the shape of codes shows in a sample: the pattern learner reads each value in Python
        sample = values.take(np.random.default_rng(0).permutation(len(values))[:_CODE_SAMPLE]) if len(values) > _CODE_SAMPLE else values
        if len(values) >= 5 and is_code(sample.to_pylist()):
            out.append(c)
    return out
