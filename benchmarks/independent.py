"""The independent-columns baseline: every column drawn from its own marginal, keys valid.

"Fitting" reads the real columns (the empirical marginals); sampling draws n values from each
column's marginal on its own (with replacement), which destroys every dependence between
columns and across tables, including the number of children per parent. Key columns move in
groups so keys stay valid:

- a primary key or UNIQUE set with no FK column keeps its real values in place (they are
  identities, which no metric scores);
- the columns of a composite FK, and of every unique set containing an FK column, are drawn
  together as one block (so a bridge table's composite PK holds real parent pairs);
- a group holding a unique set is permuted (drawn without replacement) so it stays unique;
  every other group, single FK columns included, is drawn with replacement. Either way each
  FK value is one of the real values, and the real parent keys are kept, so no FK is orphaned.

Only the sizes stay real: each table keeps its real row count. CHECKs spanning several
columns and self-references can still be broken; the runner then
writes into a constraint-free copy and counts the violations (see :mod:`benchmarks.writeback`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.schema.model import Database, Table


def column_groups(db: Database, table: Table) -> tuple[set[str], list[list[str]]]:
    """(columns kept in place, groups drawn together) for ``table``."""
    fk_cols = {c for fk in db.foreign_keys_of(table.key) for c in fk.columns}
    parent = {c: c for c in table.column_names}

    def find(c: str) -> str:
        while parent[c] != c:
            c = parent[c]
        return c

    def union(cols) -> None:
        cols = list(cols)
        for c in cols[1:]:
            parent[find(c)] = find(cols[0])

    for fk in db.foreign_keys_of(table.key):
        union(fk.columns)
    fixed = set()
    for key in table.unique_sets():
        if fk_cols & set(key):
            union(key)
        else:
            fixed |= set(key)
    groups: dict[str, list[str]] = {}
    for c in table.column_names:
        if c not in fixed:
            groups.setdefault(find(c), []).append(c)
    return fixed, list(groups.values())


def draw_table(db: Database, table: Table, data: pa.Table, rng: np.random.Generator) -> pa.Table:
    """``data`` with every column group drawn independently of the others."""
    fixed, groups = column_groups(db, table)
    unique = {c for key in table.unique_sets() for c in key}
    out = {c: data.column(c) for c in fixed}
    n = data.num_rows
    for group in groups:
        draw = rng.permutation(n) if unique & set(group) else rng.integers(0, max(n, 1), n)
        order = pa.array(draw)
        for c in group:
            out[c] = data.column(c).take(order)
    return pa.table({c: out[c] for c in table.column_names})
