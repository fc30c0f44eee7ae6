"""Foreign keys from private rows into public tables, modelled as ordinary attributes.

Under a privacy unit a public table is kept as it is, so its keys are public: a private row's
reference into it (a customer's nation, a line item's part and supplier) is one categorical
attribute of the row, ``&i.<referenced columns>``, whose labels are the public table's keys
(given to the table model as a CHECK ... IN list: public labels, so no threshold hides a rare
key and no budget is spent finding them). A key of several columns is one attribute (the
values joined by ``|``), so only pairs the public table holds are drawn. At sampling the drawn
key names the parent row (:func:`resolve_public_parents`), whose key columns the row copies.
A public table of more than :data:`MAX_KEYS` keys (TPC-H's partsupp at scale 1: 800,000) is too
many categories for a table model: its rows are drawn uniformly instead, without data, and the
ledger says so.

>>> key_strings([pa.array([1, None, 3]), pa.array(["a", "b", None])]).to_pylist()
['1|a', None, None]
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.relational.parent_copies import parent_rows
from amalgam_rel.relational.plan import DatabasePlan, TablePlan
from amalgam_rel.schema import sql
from amalgam_rel.schema.internal_names import matched_column
from amalgam_rel.schema.model import ForeignKey

SEPARATOR = "|"
MAX_KEYS = 20_000


def key_column(fk_index: int, fk: ForeignKey) -> str:
    """The frame column holding the referenced row's key: ``&i.col`` (``&i.a,b`` for two columns)."""
    return matched_column(fk_index, ",".join(fk.ref_columns))


def key_strings(arrays: list[pa.Array]) -> pa.Array:
    """One string per row naming a key of one or more columns; NULL where any part is."""
    parts = [pc.cast(a, pa.string()) for a in arrays]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, SEPARATOR)


def with_public_keys(frame: pa.Table, plan: DatabasePlan, tp: TablePlan,
                     labels: dict[int, tuple[str, ...]]) -> pa.Table:
    """``frame`` with one key attribute per FK of ``tp`` into a public table with ``labels``."""
    for fk in tp.attributes:
        if plan.fk_index(fk) not in labels:
            continue
        column = key_strings([frame.column(c).combine_chunks() for c in fk.columns])
        frame = frame.append_column(key_column(plan.fk_index(fk), fk), column)
    return frame


def public_key_labels(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, fk: ForeignKey) -> tuple[str, ...] | None:
    """The public table's keys (read from it: it is public), as the attribute's labels; None
    beyond :data:`MAX_KEYS`."""
    parent = plan.db.table(fk.ref_table)
    if sql.count_rows(con, parent.name, parent.schema) > MAX_KEYS:
        return None
    query = exp.select(*(sql.column(c) for c in fk.ref_columns)).from_(sql.table_ref(parent.name, parent.schema)) \
        .where(exp.and_(*(sql.column(c).is_(exp.null()).not_() for c in fk.ref_columns))).distinct()
    rows = con.execute(sql.render(query)).to_arrow_table()
    keys = key_strings([rows.column(c).combine_chunks() for c in fk.ref_columns]).to_pylist()
    return tuple(sorted(keys))


def label_checks(plan: DatabasePlan, tp: TablePlan, labels: dict[int, tuple[str, ...]]) -> tuple[exp.Expression, ...]:
    """``"&i.col" IN ('k1', 'k2', ...)`` per key attribute: the public labels the model reads."""
    checks = []
    for fk in tp.attributes:
        i = plan.fk_index(fk)
        if labels.get(i):
            checks.append(exp.In(this=exp.column(sql.ident(key_column(i, fk))),
                                 expressions=[exp.Literal.string(k) for k in labels[i]]))
    return tuple(checks)


def resolve_public_parents(d) -> None:
    """A sampling stage: each key attribute the model drew names its public parent row
    (``d`` is a :class:`~amalgam_rel.pipeline.draft.Draft`). It runs before the matched keys, so a
    key made of another parent and a public one (an order line's order and product) has its repeated
    pairs re-drawn with the others'. A key the model left out (an
    empty table's, or one it could not model) is drawn uniformly from the public rows."""
    for fk in d.ft.plan.attributes:
        i = d.fk_index[fk]
        parent = d.parents[fk.ref_table]
        name = key_column(i, fk)
        if d.rows is not None and name in d.rows.column_names:
            keys = key_strings([parent.column(c).combine_chunks() for c in fk.ref_columns])
            drawn = pc.cast(d.rows.column(name).combine_chunks(), pa.string())
            d.parent_of[i] = parent_rows([drawn], [keys])
        elif parent.num_rows:
            d.parent_of[i] = d.rng.integers(parent.num_rows, size=d.n).astype(np.int64)
        else:
            d.parent_of[i] = np.full(d.n, -1, dtype=np.int64)
