"""Generated values (nested Python values) as one Arrow array per column, in the column's type."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pyarrow as pa


def spread(values: dict[int, Any], source: np.ndarray, arrow_type: pa.DataType | None = None) -> pa.Array:
    """Every row's value: its own draw or the one it reuses (NULL where ``source`` is -1)."""
    drawn = sorted(values)
    position = np.full(len(source), -1, dtype=np.int64)
    position[drawn] = np.arange(len(drawn))
    at = np.where(source >= 0, position[np.maximum(source, 0)], -1)
    if not drawn or all(values[i] is None for i in drawn):
        return pa.nulls(len(source))
    table = arrow_values([values[i] for i in drawn], arrow_type)
    index = pa.array(np.maximum(at, 0), mask=at < 0)
    if isinstance(table, pa.ExtensionArray):  # UUIDs: Arrow takes from the storage only
        return pa.ExtensionArray.from_storage(table.type, table.storage.take(index))
    return table.take(index)


_ARROW_ERRORS = (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)


def arrow_values(values: list, arrow_type: pa.DataType | None) -> pa.Array:
    """``values`` (nested Python values) as Arrow, in the column's own Arrow type where known.

    Where Arrow cannot hold a value as it is, its leaves become text, which DuckDB casts back
    on writing: a UUID inside a STRUCT or LIST (Arrow has no nested extension values), and an
    integer of a nested HUGEINT or UHUGEINT beyond Arrow's 38 decimal digits (then every
    integer, so that no field mixes numbers and text).
    """
    try:
        return pa.array(values, arrow_type)
    except _ARROW_ERRORS:
        pass
    try:
        return pa.array([_plain(v) for v in values])
    except _ARROW_ERRORS:
        return pa.array([_plain(v, integers_as_text=True) for v in values])


def _plain(value: Any, integers_as_text: bool = False) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v, integers_as_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, integers_as_text) for v in value]
    if integers_as_text and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return str(value) if isinstance(value, uuid.UUID) else value
