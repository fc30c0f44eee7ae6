"""The fit stage choosing, for each matched foreign key, the parent columns its rows are matched on.

A matched parent is assigned after the row is drawn, by degree alone, so without this an order
line's price would ignore its product's price. The parent column the rows depend on most is
drawn by the row's model (``&i.column``, :attr:`FittedTable.matched`), and matching gives the
row a parent holding a value of that rank (:func:`.matching.align_to_values`). Where the rows
also depend on another of that parent's columns given the first (a route's aircraft on its
airline's country, not on whether the airline is active), that column is drawn and matched on
too, after the first (:attr:`FittedTable.matched_also`, :func:`.context.match_extra`). Each
``ft`` here is a :class:`~amalgam_rel.pipeline.fitting.FittedTable` being filled in.
"""

from __future__ import annotations

from amalgam_rel.relational.rules import implied
from amalgam_rel.relational.context import choose_context, match_extra
from amalgam_rel.relational.plan import matched_column


def select_match_columns(ft, frames, fitted, options) -> None:
    """For each matched foreign key, the parent column the rows depend on most, if any, and
    the one they depend on most given it, if they do."""
    own = own_columns(ft)
    for fk in ft.plan.matched:
        i = frames.plan.fk_index(fk)
        prefix = matched_column(i, "")
        candidates = [c for c in ft.frame.column_names if c.startswith(prefix)]
        if i in implied.followed(ft):  # its parent follows the driving parent's: nothing to match on
            ft.frame = ft.frame.drop_columns(candidates)
            continue
        if not candidates:
            continue
        parents = distinct_parents(ft, fk, options.kept)
        chosen = choose_context(ft.frame, candidates, own, 1, ft.table, parents=parents)
        also = match_extra(ft.frame, candidates, own, chosen[0], ft.table, parents) if chosen else ()
        ft.frame = ft.frame.drop_columns([c for c in candidates if c not in chosen + also])
        ft.matched.update({i: c[len(prefix):] for c in chosen})
        if also:
            ft.matched_also[i] = tuple(c[len(prefix):] for c in also)
    frames.frames[ft.key] = ft.frame


def own_columns(ft) -> list[str]:
    """The row's own columns a parent's may tell: not a parent's (``^``, ``&``), not a key."""
    return [c for c in ft.frame.column_names if c[:1] not in "^&" and c not in ft.plan.fk_columns
            and c not in ft.plan.generated_keys and c not in ft.sequences]


def distinct_parents(ft, fk=None, kept: frozenset[str] = frozenset()) -> int | None:
    """How many parent rows the child's rows point at through ``fk`` (the driver by default),
    for :func:`~amalgam_rel.relational.context.choose_context` to leave out a column naming
    each parent; None for a kept reference table (:mod:`~amalgam_rel.relational.reference`):
    its synthetic rows are its real ones, so a column naming each (a genre's name, for a
    track's length) is what the child should depend on."""
    fk = fk or ft.plan.driver
    if fk is None or ft.frame.num_rows == 0 or fk.ref_table in kept:
        return None
    keys = ft.frame.select(list(fk.columns)).drop_null()
    return keys.group_by(list(fk.columns)).aggregate([]).num_rows
