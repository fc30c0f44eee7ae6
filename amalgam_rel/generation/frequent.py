"""Frequent values of a text column: categories the graphical model owns, the rest is the language model's.

A composer credited on 80 tracks, a city with 30 customers: values that many real rows share are
vocabulary, and their frequencies are statistics the PGM reproduces exactly, where a language
model would invent a new name for every row. So a text column's frequent values (at least
:data:`MIN_COUNT` real rows each) become a categorical column ``=name`` of the table's model,
NULL for every other row; the language model writes only the rows whose ``=name`` is NULL, and
never one of the frequent values there (that would inflate their counts).

>>> frequent_column("composer"), is_frequent_column("=composer")
('=composer', True)
>>> import pyarrow as pa
>>> frequent_values(pa.chunked_array([["a"] * 6 + ["b"] * 2 + ["c"] * 5 + [None] * 3])).to_pylist()
['a', 'a', 'a', 'a', 'a', 'a', None, None, 'c', 'c', 'c', 'c', 'c', None, None, None]
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.schema.internal_names import FREQUENT

MIN_COUNT = 5  # real rows sharing a value before it is vocabulary rather than a record
MOST = 100  # frequent values kept per column, most frequent first
MIN_SHARE = 0.05  # of non-NULL rows the frequent values must cover to be worth a model column


def frequent_column(name: str) -> str:
    return FREQUENT + name


def is_frequent_column(name: str) -> bool:
    return name.startswith(FREQUENT)


def frequent_values(values: pa.ChunkedArray | pa.Array) -> pa.Array | None:
    """The value where it is one of the column's frequent values, else NULL; None when too few."""
    present = values.drop_null()
    if len(present) == 0:
        return None
    counts = pc.value_counts(present)
    keep = pc.greater_equal(counts.field("counts"), MIN_COUNT)
    head = counts.filter(keep)
    if len(head) == 0:
        return None
    head = head.take(pc.array_sort_indices(head.field("counts"), order="descending"))[:MOST]
    if pc.sum(head.field("counts")).as_py() < MIN_SHARE * len(present):
        return None
    chosen = head.field("values")
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    member = pc.fill_null(pc.is_in(values, value_set=chosen), False)
    return pc.if_else(member, values, pa.scalar(None, values.type))
