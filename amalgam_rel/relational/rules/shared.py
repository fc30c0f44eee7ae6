"""Rule: parents of a row that share a value (:mod:`amalgam_rel.relational.shared_values`).

A route's destination airport is in its source airport's country on half of the real routes;
matched independently it would be on 6 %. The records say, per matched key, which keys filled
before it (the driver or keys matched earlier) its parent shares a column's value with, and how
often; they are consulted while keys are matched (``apply_at`` "matching").
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from amalgam_rel.relational.rules import implied
from amalgam_rel.relational.shared_values import SharedValue, as_text, information, measure
from amalgam_rel.saved import typed
from amalgam_rel.schema.internal_names import (context_column, is_matched_column, looks_internal, matched_column,
                                               parse_matched_column)

NAME = "shared_values"
FIT_AT = "keys"


def find(ctx) -> tuple[SharedValue, ...]:
    """Per matched key not following another, the column it shares with the keys filled before it."""
    ft, frames, options = ctx.ft, ctx.frames, ctx.options
    if options.epsilon is not None or not ft.plan.matched or ft.frame.num_rows == 0:
        return ()  # a private fit never reads the data for this
    index = frames.plan.fk_index
    followed = implied.followed(ft)
    order = implied.match_order(ft) or tuple(index(fk) for fk in ft.plan.matched)
    driver = index(ft.plan.driver) if ft.plan.driver is not None else None
    filled = [driver] if driver is not None else []
    found = []
    for i in order:
        if i not in followed:
            best = _best_partner(ft.frame, i, filled, driver, frames.plan.db.foreign_keys)
            if best is not None:
                found.append(best)
        filled.append(i)
    return tuple(found)


def _best_partner(frame, i: int, filled: list[int], driver: int | None, fks) -> SharedValue | None:
    """The column whose value the parent of key ``i`` shares most with the parents of ``filled``."""
    names = frame.column_names
    matched = [(parse_matched_column(c), c) for c in names if is_matched_column(c)]
    own = {column: c for (j, column), c in matched if j == i}
    best, best_score = None, 0.0
    for column in sorted(own):
        if looks_internal(column):
            continue  # a model column of the parent (a count, a flag), not one of its values
        partners = []
        for partner in filled:
            if fks[i].ref_table == fks[partner].ref_table and column in fks[i].ref_columns:
                continue  # the key itself: equal keys name the same parent, not a shared value
            name = context_column(column) if partner == driver else matched_column(partner, column)
            if name in names:
                partners.append((partner, as_text(frame.column(name))))
        record = measure(i, column, as_text(frame.column(own[column])), partners, driver) if partners else None
        if record is not None and information(record.share, record.chance) > best_score:
            best, best_score = record, information(record.share, record.chance)
    return best


def records_of(ft) -> dict[int, SharedValue]:
    """Matched fk index -> its shared value."""
    return {r.fk: r for r in ft.rules.get(NAME, ())}


def claims(records) -> tuple[str, ...]:
    return ()  # foreign key columns: the plan's already


def computed(records) -> tuple[str, ...]:
    return ()


def apply_at(record, ft) -> str:
    return "matching"


def apply(draft, records) -> None:
    """Nothing to write: :func:`amalgam_rel.pipeline.sampling.match_foreign_keys` reads them."""


def describe(records, db) -> list[tuple[str, str]]:
    return []


def to_json(records) -> dict:
    return {NAME: [asdict(r) for r in records]} if records else {}


def from_json(entry: dict, where: str) -> tuple[SharedValue, ...]:
    return typed(tuple[SharedValue, ...], entry.get(NAME, []), f"{where}.{NAME}")


def partner_values(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` as text, None where a row has no parent (-1)."""
    out = np.full(len(rows), None, dtype=object)
    has = rows >= 0
    out[has] = values[rows[has]]
    return out
