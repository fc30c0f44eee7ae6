"""Every name amalgam-rel gives its own columns and query parts, in one place.

A table model sees, besides the table's own attributes, columns named by a first character (or
shape) people rarely give a column; a source column shaped like one is refused
(:func:`looks_internal`, used by :func:`amalgam_rel.relational.plan.check_column_names`):

- ``#<i>``: how many rows of foreign key ``i`` point at this row (its children);
- ``?<i>``: whether this row leaves nullable foreign key ``i`` empty;
- ``@depth<i>``: the row's depth in the forest of self-reference ``i``;
- ``^<name>``: the column ``name`` of the driving parent (``^^<name>``: of the grandparent);
- ``&<i>.<name>``: the column ``name`` of the parent matched through foreign key ``i``;
- ``~<name>``, ``{<name>``, ``=<name>``: a text column's length, document shape and frequent
  values (the language model's features, :mod:`amalgam_rel.generation`);
- ``+<name>``: a date's gap to its anchor date (:mod:`amalgam_rel.relational.date_offsets`);
- ``%<name>``: which ratio of its parent's value a number is, 0 where drawn
  (:mod:`amalgam_rel.relational.parent_ratios`).

The parts of amalgam-rel's own SQL (aliases, subqueries, helper tables) start with ``+`` too
(:func:`amalgam_rel.schema.sql.internal`): no source table or column may, so none is captured.
This module imports nothing of amalgam-rel, so every layer can import it.

>>> count_column(0), null_column(1), depth_column(2), context_column("x"), matched_column(3, "a.b")
('#0', '?1', '@depth2', '^x', '&3.a.b')
>>> parse_matched_column(matched_column(3, "a.b")), context_parent(context_column("x"))
((3, 'a.b'), 'x')
>>> [looks_internal(n) for n in ("#0", "#x", "^x", "a^", "&1.", "&x.", "@depth0", "+n")]
[True, False, True, False, True, False, True, True]
"""

from __future__ import annotations

import re

COUNT = "#"
NULL_FLAG = "?"
DEPTH = "@depth"
CONTEXT = "^"
MATCHED = "&"
LENGTH = "~"
SHAPE = "{"  # a document starts with one; "^" already marks a parent's context column
FREQUENT = "="
DATE_OFFSET = "+"
PARENT_RATIO = "%"
QUERY_PART = "+"  # the first character of every own part of a query (schema.sql.internal)

# a column starting with one of these is ours whatever follows
FIRST_CHARACTERS = (CONTEXT, LENGTH, SHAPE, FREQUENT, DATE_OFFSET, PARENT_RATIO)
_OURS = re.compile("|".join((
    f"[{re.escape(COUNT)}{re.escape(NULL_FLAG)}]\\d+$",
    f"{re.escape(DEPTH)}\\d+$",
    f"{re.escape(MATCHED)}\\d+\\.",
    "[" + "".join(map(re.escape, FIRST_CHARACTERS)) + "]",
)))


def count_column(fk_index: int) -> str:
    return f"{COUNT}{fk_index}"


def null_column(fk_index: int) -> str:
    return f"{NULL_FLAG}{fk_index}"


def depth_column(fk_index: int) -> str:
    return f"{DEPTH}{fk_index}"


def context_column(parent_column: str) -> str:
    return CONTEXT + parent_column


def is_context_column(name: str) -> bool:
    return name.startswith(CONTEXT)


def context_parent(name: str) -> str:
    """The parent's column a :func:`context_column` name holds."""
    return name[len(CONTEXT):]


def is_count_column(name: str) -> bool:
    return name.startswith(COUNT)


def matched_column(fk_index: int, parent_column: str) -> str:
    return f"{MATCHED}{fk_index}.{parent_column}"


def is_matched_column(name: str) -> bool:
    return name.startswith(MATCHED)


def parse_matched_column(name: str) -> tuple[int, str]:
    """(fk index, parent column) of a :func:`matched_column` name."""
    index, column = name[len(MATCHED):].split(".", 1)
    return int(index), column


def looks_internal(name: str) -> bool:
    """Whether a source column named ``name`` could be one of the model columns above."""
    return _OURS.match(name) is not None


def internal_shapes() -> str:
    """The shapes of our names, for an error message: ``#0, ?0, @depth0, &0., or a first ^ ~ { = + %``."""
    return (f"{count_column(0)}, {null_column(0)}, {depth_column(0)}, {matched_column(0, '')}, "
            f"or a first {' '.join(FIRST_CHARACTERS)}")
