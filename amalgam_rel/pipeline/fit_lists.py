"""The fit stage and helpers for list columns' categories (``=name``, :mod:`.text_features`).

A list the language model writes (a route's aircraft types, a movie's genres) is in the table
model only as its category: the whole list where enough real rows hold it. The category joins
the training frame before anything is chosen, so the table's context and its children's may
depend on it; it takes a context place of its own (:func:`~amalgam_rel.relational.context.list_places`),
and the table model keeps it as a category whatever its length. Each ``ft`` here is a
:class:`~amalgam_rel.pipeline.fitting.FittedTable` being filled in.
"""

from __future__ import annotations

from amalgam_rel.relational.context import list_places
from amalgam_rel.relational.text_features import is_list_category, is_parent_list_category, with_list_categories
from amalgam_rel.relational.training import TrainingFrames


def add_list_categories(ft, frames: TrainingFrames, fitted, options) -> None:
    """Each list column's frequent lists as a column of the frame (``=name``), before anything is
    chosen: the table's context and its children's may depend on it (:mod:`.text_features`)."""
    frame = with_list_categories(ft.frame, ft.table, ft.plan.fk_columns)
    if frame is not ft.frame:
        ft.frame = frame
        frames.replace(ft.key, frame)


def list_context(ft, candidates: list[str], own: list[str], chosen: tuple[str, ...],
                 parents: int | None) -> tuple[str, ...]:
    """The context places beyond ``chosen`` that the row's list categories and its parent's take."""
    return list_places(ft.frame, candidates, own, [c for c in own if is_list_category(c, ft.table)],
                       [c for c in candidates if is_parent_list_category(c)], chosen, ft.table, parents)


def list_category_columns(ft, exclude) -> tuple[str, ...]:
    """The frame's list categories, own (``=name``) and its parents' (``^=name``; no other text
    feature reaches a child): categories of the model whatever their length (a list of three
    genres spells ~30 characters, one of many codes more than a string the model keeps)."""
    own = tuple(c for c in ft.frame.column_names if is_list_category(c, ft.table) and c[1:] not in exclude)
    return own + tuple(c for c in ft.frame.column_names if is_parent_list_category(c))


def excluded_lists(ft, exclude) -> tuple[str, ...]:
    """The list categories of columns the model leaves out (a key, a column a rule writes)."""
    return tuple(c for c in ft.frame.column_names if is_list_category(c, ft.table) and c[1:] in exclude)
