"""The synthetic rows a text column is generated for, held column by column.

A table of millions of rows must not become millions of Python dicts: a column is turned into
Python values only when a prompt or a CHECK reads it, and only the rows asked for become records.

>>> rows = RowContext.of({"category": ["fruit", "dairy"], "price": [1.5, None]})
>>> rows.n, sorted(rows.names)
(2, ['category', 'price'])
>>> rows.keys(["category", "price"])
[('fruit', '1.5'), ('dairy', 'null')]
>>> rows.records(["price"], [1])
[{'price': None}]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa

from amalgam_rel.errors import InputError
from amalgam_rel.generation.prompts import format_value


class RowContext:
    def __init__(self, columns: dict[str, pa.ChunkedArray | pa.Array | list], n: int):
        self._raw = dict(columns)
        self._values: dict[str, list] = {}
        self.n = n

    @classmethod
    def of(cls, context: pa.Table | dict[str, list] | None, n_rows: int | None = None) -> RowContext:
        if context is None:
            if n_rows is None:
                raise InputError("generate() needs the rows' context or n_rows")
            return cls({}, n_rows)
        if isinstance(context, pa.Table):
            return cls({name: context.column(name) for name in context.column_names}, context.num_rows)
        names = list(context)
        return cls(context, len(context[names[0]]) if names else (n_rows or 0))

    @property
    def names(self) -> set[str]:
        return set(self._raw)

    def column(self, name: str) -> list:
        """Python values of a column (all None for a column the rows do not have)."""
        if name not in self._values:
            raw = self._raw.get(name)
            if raw is None:
                self._values[name] = [None] * self.n
            else:
                self._values[name] = raw.to_pylist() if hasattr(raw, "to_pylist") else list(raw)
        return self._values[name]

    def put(self, name: str, values: list) -> None:
        """A column just generated: later text columns of the row may read it."""
        self._raw[name] = values
        self._values[name] = values

    def keys(self, names: Sequence[str]) -> list[tuple[str, ...]]:
        """Each row's context as the model reads it (formatted values), for grouping rows."""
        formatted = [[format_value(v) for v in self.column(c)] for c in names]
        return list(zip(*formatted)) if formatted else [()] * self.n

    def records(self, names: Sequence[str], rows: Iterable[int]) -> list[dict]:
        cols = {c: self.column(c) for c in names}
        return [{c: v[i] for c, v in cols.items()} for i in rows]

    def take(self, names: Iterable[str], rows: Sequence[int]) -> dict[str, list]:
        out = {}
        for c in names:
            values = self.column(c)
            out[c] = [values[i] for i in rows]
        return out
