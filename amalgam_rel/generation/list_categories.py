"""A list column's frequent values as one category of the table's model (``=name``).

A movie's genres, a route's aircraft types: lists the language model writes, so without a
model column of their own nothing could depend on them - a rating on its movie's genres, a
route's equipment on its airline's country (openflights' child x parent lift error was no
better than drawing independently). A list column therefore gets ``=name``, as a text column
gets its frequent values (:mod:`.frequent`): the list as a whole, spelled as its JSON text,
where at least :data:`~.frequent.MIN_COUNT` real rows hold that very list, NULL elsewhere.
The whole list, not its first element: a query tests the list as a whole (``genres =
['Comedy']``), and a drawn category is then the row's value itself, nothing left to the
language model to get wrong; the frequent lists hold about four rows in five of both lists
above. The model draws ``=name`` with the row's other columns (and a child's model sees a
parent's as context, ``^=name``); the language model writes the rows drawn NULL, never one of
the frequent lists there.

The JSON text must give back the very list, so only lists of strings, integers of at most 64
bits and booleans get one: a DECIMAL or HUGEINT element is not a JSON number, a date not a JSON
value, and a STRUCT's keys and types would need a schema to read back.

>>> import pyarrow as pa
>>> v = pa.chunked_array([[["a"]] * 5 + [["a", "b"]] * 5 + [["c"]] + [None]])
>>> list_categories(v).to_pylist()[4:]
['["a"]', '["a","b"]', '["a","b"]', '["a","b"]', '["a","b"]', '["a","b"]', None, None]
>>> decode(pa.array(['["a","b"]', None]), pa.list_(pa.string())).to_pylist()
[['a', 'b'], None]
>>> encodable(pa.list_(pa.decimal128(38, 0))), encodable(pa.list_(pa.int64()))
(False, True)
"""

from __future__ import annotations

import json

import pyarrow as pa

from amalgam_rel.generation.frequent import frequent_values


def encodable(arrow_type: pa.DataType) -> bool:
    """Whether a list of this type is given back exactly by its JSON text."""
    if not (pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)):
        return False
    element = arrow_type.value_type
    return (pa.types.is_string(element) or pa.types.is_large_string(element) or pa.types.is_boolean(element)
            or pa.types.is_integer(element))


def key_of(value: list) -> str:
    """The JSON text of one list (compact, in its own order: a list's order is part of its value)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def list_keys(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Every row's list as its JSON text, NULL where NULL."""
    return pa.array([None if v is None else key_of(v) for v in values.to_pylist()], pa.string())


def list_categories(values: pa.ChunkedArray | pa.Array) -> pa.Array | None:
    """The list's JSON text where it is one of the column's frequent lists, else NULL; None when
    the type cannot be spelled exactly or too few rows share a list."""
    if not encodable(values.type):
        return None
    return frequent_values(list_keys(values))


def decode(keys: pa.Array | pa.ChunkedArray, arrow_type: pa.DataType) -> pa.Array:
    """The lists the JSON texts spell, in the column's Arrow type."""
    return pa.array([None if k is None else json.loads(k) for k in keys.to_pylist()], arrow_type)
