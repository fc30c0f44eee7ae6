"""A table being sampled: the :class:`Draft` the sample stages pass along, and the parts
(:class:`Chunk`, :class:`Slots`) of a table sampled in parts (:mod:`amalgam_rel.pipeline.streaming`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from amalgam_rel.pipeline.fitting import FittedTable
from amalgam_rel.schema.internal_names import count_column
from amalgam_rel.schema.model import ForeignKey


@dataclass
class Slots:
    """Parent rows for a non-driving FK, matched once for a whole table sampled in parts.

    Matching each part on its own would round every parent's degree per part (a parent of one
    child would get 0 or 1 per part, and 0–3 in all); taking consecutive runs of one shuffled
    degree-exact match keeps the table's degrees as if it were sampled whole.
    """

    total: int  # rows of the whole table
    queue: np.ndarray | None = None
    used: int = 0

    def take(self, need: int, rows: int, match) -> np.ndarray:
        """``need`` parent rows for a part of ``rows`` rows; ``match(k)`` matches k rows afresh."""
        if need == 0:
            return np.zeros(0, dtype=np.int64)
        if self.queue is None:  # the first part with parents: its share of such rows sizes the match
            self.queue = match(max(round(need / max(rows, 1) * self.total), need))
        out = self.queue[self.used:self.used + need]
        self.used += len(out)
        if len(out) < need:  # later parts wanted more parents than the first one foretold
            out = np.concatenate([out, match(need - len(out))])
        return out


@dataclass(frozen=True)
class Chunk:
    """One part of a table sampled in parts (see :mod:`amalgam_rel.pipeline.streaming`)."""

    index: int
    rows: int
    parent_rows: np.ndarray | None  # driving parent's row per row to create (-1: none); None for a root
    share: float  # the part's share of the table's rows, and so of its language-model budget
    slots: dict[int, Slots]  # fk index -> parent rows shared by every part


@dataclass
class Draft:
    ft: FittedTable
    fk_index: dict[ForeignKey, int]
    parents: dict[str, pa.Table]  # sampled rows of every table generated so far
    rng: np.random.Generator
    target_rows: int | None  # rows asked for this table (roots: always; children: --rows)
    scale: float
    rows: pa.Table | None = None  # model columns
    parent_of: dict[int, np.ndarray] = field(default_factory=dict)  # fk index -> parent row (-1: NULL)
    values: dict[str, pa.Array] = field(default_factory=dict)  # finished table columns
    text: object | None = None  # the fitted TextFieldModel, when the table has text columns
    con: duckdb.DuckDBPyConnection | None = None
    text_reports: dict[str, dict] = field(default_factory=dict)  # text column -> what generating it took
    chunk: Chunk | None = None  # the part of the table this draft makes, when sampled in parts
    semantic_reports: dict = field(default_factory=dict)  # generated column -> SemanticReport
    degree_bounds: tuple[int, int | None] | None = None  # children per driving-parent row a --where count() allows

    @property
    def n(self) -> int:
        return self.rows.num_rows if self.rows is not None else 0

    def counts(self, parent: str, fk: ForeignKey) -> np.ndarray:
        """The sampled number of children of every parent row for ``fk`` (1 when unmodelled)."""
        rows = self.parents[parent]
        name = count_column(self.fk_index[fk])
        if name in rows.column_names:
            return np.nan_to_num(rows.column(name).to_numpy(zero_copy_only=False).astype(np.float64))
        return np.ones(rows.num_rows)

    def expected_children(self, parent: str, fk: ForeignKey) -> float | None:
        """Children the parent rows have on average for ``fk``, at the real mean degree."""
        mean = self.ft.mean_degrees.get(self.fk_index[fk])
        return None if mean is None else mean * self.parents[parent].num_rows
