"""Reading a draft's rows and its parents' rows: shared by the sampling stages and the rules' ``apply``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.relational import parent_copies
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import ForeignKey


def model_rows(ft, n: int, evidence: dict | None, seed: int) -> pa.Table:
    """Model rows plus a row-number column (so a table without a model still has ``n`` rows)."""
    if ft.model is None:
        return pa.table({row_column(ft): pa.array(np.arange(n, dtype=np.int64))})
    if evidence:
        rows = ft.model.sample(evidence=evidence, seed=seed)
    else:
        rows = ft.model.sample(n, seed=seed)
    return rows.append_column(row_column(ft), pa.array(np.arange(n, dtype=np.int64)))


def row_column(ft) -> str:
    """The row-number column of a draft: a name none of the table's columns has."""
    return sql.fresh_name("__row", ft.table.column_names)


def fk_of(d, index: int) -> ForeignKey | None:
    return next((f for f, j in d.fk_index.items() if j == index), None)


def parent_column(d, fk: ForeignKey, column: str) -> pa.Array:
    parent = d.parents[fk.ref_table]
    return parent.column(column).combine_chunks()


def parent_rows(d, index: int) -> np.ndarray:
    """Each row's parent row through foreign key ``index`` (-1: none)."""
    if index in d.parent_of:
        return d.parent_of[index]
    # a key filled another way (followed, implied): find each row's parent by value
    fk = fk_of(d, index)
    parent = d.parents[fk.ref_table]
    return parent_copies.parent_rows([d.values[c] for c in fk.columns], [parent.column(c).combine_chunks() for c in fk.ref_columns])
