"""Rows a computing rule does not determine keep the column's own values.

A rule (spelled codes, date parts, derived columns) whose operand is NULL on a row cannot say
what that row holds: a NOT NULL code that spells a place where there is one and holds a letter
where there is none. Such a rule is ``only_where_set``: the column keeps its own models, and the
rule overwrites only the rows it determines.

>>> import pyarrow as pa
>>> own_where_undetermined(pa.array(["1", "2", None]), pa.array([True, True, False]),
...                        pa.array(["R", "F", "W"]), pa.string(), "code", "without a number").to_pylist()
['1', '2', 'W']
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.errors import DataError


def own_where_undetermined(computed: pa.Array, determined: pa.Array, own: pa.Array | pa.ChunkedArray | None,
                           target: pa.DataType, column: str, rows: str) -> pa.Array:
    """``computed`` where ``determined``, else ``own`` (the column's drawn values) as ``target``."""
    if own is None:
        raise DataError(f"{column}: the rows {rows} need the column's own values")
    own = own.combine_chunks() if isinstance(own, pa.ChunkedArray) else own
    return pc.if_else(determined, computed, own.cast(target))
