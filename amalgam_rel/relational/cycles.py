"""Close a broken FK cycle once both of its tables exist.

The broken edge ``child(cols) -> parent`` was written empty, because its parents were sampled
later. When the parent table points back at the child (a two-table cycle such as
``country.capital -> city`` and ``city.country -> country``), each child row picks one of *its
own* parent rows (a country's capital is one of its cities) as often as the real edges did
(:func:`own_parent_share`), else any parent; otherwise parents are matched in proportion to
their rows. The child's ``?i`` flag keeps the real share of empty edges.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.relational.matching import match_to_degrees
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey


def back_link(db: Database, fk: ForeignKey) -> ForeignKey | None:
    """The FK of ``fk``'s parent table pointing back at ``fk``'s table (a two-table cycle)."""
    return next((f for f in db.foreign_keys if f.table == fk.ref_table and f.ref_table == fk.table
                 and not f.is_self_reference), None)


def own_parent_share(con: duckdb.DuckDBPyConnection, db: Database, fk: ForeignKey, back: ForeignKey) -> float | None:
    """Of the real rows whose edge ``fk`` is filled, the share pointing at a parent row that
    ``back`` links to the same row (a capital that is one of the country's own cities)."""
    child, parent = db.table(fk.table), db.table(fk.ref_table)
    edge = exp.and_(*(exp.EQ(this=sql.column(c, "k"), expression=sql.column(r, "p")) for c, r in zip(fk.columns, fk.ref_columns)))
    own = exp.and_(*(exp.EQ(this=sql.column(c, "p"), expression=sql.column(r, "k")) for c, r in zip(back.columns, back.ref_columns)))
    query = (
        exp.select(exp.Avg(this=exp.cast(exp.Coalesce(this=own, expressions=[exp.false()]), "INTEGER")))
        .from_(sql.table_ref(child.name, child.schema, "k"))
        .join(sql.table_ref(parent.name, parent.schema, "p"), on=edge)
    )
    share = con.execute(sql.render(query)).fetchone()[0]
    return None if share is None else float(share)


def choose_cycle_parents(child_rows: int, empty: np.ndarray, back_link: np.ndarray | None, n_parents: int,
                         rng: np.random.Generator, own_share: float = 1.0) -> np.ndarray:
    """Parent row per child row (-1: left empty).

    ``back_link`` gives, for each parent row, the child row it belongs to (or None when the
    parent table does not point back). A filled edge points at one of the child's own parent
    rows with probability ``own_share`` (the real share), else at any parent; a child without
    own parent rows gets another's only as often as real edges pointed outside, and stays empty
    otherwise (a country without cities names no capital when real capitals are always its own).

    >>> rng = np.random.default_rng(0)
    >>> int(choose_cycle_parents(2, np.array([False, True]), np.array([0, 0, 1]), 3, rng)[1])
    -1
    >>> choose_cycle_parents(2, np.array([False, False]), np.array([0, 0, -1]), 3, rng).tolist()[1]
    -1
    """
    chosen = np.full(child_rows, -1, dtype=np.int64)
    need = ~empty
    if n_parents == 0:
        return chosen
    if back_link is not None:
        order = rng.permutation(n_parents)
        owners = back_link[order]
        valid = owners >= 0
        first_owner, first_at = np.unique(owners[valid], return_index=True)
        pick = np.full(child_rows, -1, dtype=np.int64)
        pick[first_owner] = order[valid][first_at]
        own = need & (rng.random(child_rows) < own_share)
        chosen[own] = pick[own]
        # children with no parent of their own take any parent only as often as real edges did
        need = need & ~own & ((pick >= 0) | (rng.random(child_rows) >= own_share))
    idx = np.flatnonzero(need)
    if len(idx):
        chosen[idx] = match_to_degrees(np.ones(n_parents), len(idx), rng)
    return chosen


def close_cycle(model, fk: ForeignKey, sampled: dict[str, pa.Table], links: dict[str, dict[int, np.ndarray]],
                writer, rng: np.random.Generator) -> None:
    db = model.db
    i = db.foreign_keys.index(fk)
    child, parent = sampled[fk.table], sampled[fk.ref_table]
    flag = model.plan_.tables[fk.table].null_columns.get(i)
    empty = np.zeros(child.num_rows, dtype=bool)
    if flag is not None and flag in child.column_names:
        empty = child.column(flag).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    back = back_link(db, fk)
    j = db.foreign_keys.index(back) if back is not None else None
    owners = links[fk.ref_table][j] if j is not None and j in links.get(fk.ref_table, {}) else None
    own_share = model.tables_[fk.table].own_parent_shares.get(i, 1.0)
    chosen = choose_cycle_parents(child.num_rows, empty, owners, parent.num_rows, rng, own_share)
    key = db.table(fk.table).unique_sets()[0]
    columns = {k: child.column(k) for k in key}
    take = pa.array(np.where(chosen < 0, 0, chosen))
    mask = pa.array(chosen < 0)
    for col, ref in zip(fk.columns, fk.ref_columns):
        values = parent.column(ref).combine_chunks().take(take)
        columns[col] = pc.if_else(mask, pa.scalar(None, values.type), values)
    writer.update(fk.table, key, pa.table(columns))
