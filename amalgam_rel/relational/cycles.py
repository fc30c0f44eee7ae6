"""Close a broken FK cycle once both of its tables exist.

The broken edge ``child(cols) -> parent`` was written empty, because its parents were sampled
later. When the parent table points back at the child (a two-table cycle such as
``country.capital -> city`` and ``city.country -> country``), each child row picks one of *its
own* parent rows (a country's capital is one of its cities) as often as the real edges did
(:func:`own_parent_share`), else any parent; otherwise parents are matched in proportion to
their rows. Among its own parent rows, a child picks the one that leads on some column (the
largest city by population) as often as real edges did (:func:`own_parent_top`: 79 % of world's
capitals are their country's largest city), else one at random. The child's ``?i`` flag keeps
the real share of empty edges.

A kept reference table on the child side (:mod:`.repoint`) has real keys, not a model's flags:
its row stays empty only where its real key is NULL, takes one of its own parent rows where it
has any (the leading one as above), and any parent row otherwise (one no other row took, where
the real keys never repeat).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.relational.matching import match_to_degrees
from amalgam_rel.relational.repoint import fill_the_rest, never_repeats, real_nulls
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey
from amalgam_rel.schema.types import NUMERIC_KINDS, TEMPORAL_KINDS

MIN_TOP_SHARE = 0.5  # below this, "the leading own parent" is no rule worth keeping


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


def own_parent_top(con: duckdb.DuckDBPyConnection, db: Database, fk: ForeignKey,
                   back: ForeignKey) -> tuple[str, int, float] | None:
    """(column, direction, share): of the real edges pointing at one of the child's own parent
    rows (among children with two or more), the share pointing at the own row with the largest (direction 1) or smallest (-1)
    value of ``column`` - the column and direction where that share is highest; None when no
    column beats :data:`MIN_TOP_SHARE` and twice what a random own row would give."""
    child, parent = db.table(fk.table), db.table(fk.ref_table)
    keys = {c for u in parent.unique_sets() for c in u} | set(back.columns)
    numeric = [c.name for c in parent.columns if c.name not in keys
               and (c.type.kind in NUMERIC_KINDS or c.type.kind in TEMPORAL_KINDS)]
    if not numeric:
        return None
    p = con.execute(sql.render(sql.select_columns(parent.name, list(fk.ref_columns) + list(back.columns) + numeric,
                                                  parent.schema))).to_arrow_table()
    k = con.execute(sql.render(sql.select_columns(child.name, list(fk.columns) + list(back.ref_columns),
                                                  child.schema))).to_arrow_table()
    target = _row_of(k, list(fk.columns), p, list(fk.ref_columns))  # parent row each child points at
    owner = _row_of(p, list(back.columns), k, list(back.ref_columns))  # child row each parent row belongs to
    own = target >= 0
    own[own] = owner[target[own]] == np.flatnonzero(own)
    sizes = np.bincount(owner[owner >= 0], minlength=k.num_rows)
    own &= sizes >= 2  # a child with one own parent row has no choice to learn from
    if own.sum() < 10:
        return None
    chance = float(np.mean(1.0 / sizes[own]))
    best = None
    for column in numeric:
        x = pc.cast(p.column(column), pa.float64()).to_numpy(zero_copy_only=False)
        for direction in (1, -1):
            lead = _leading_row(direction * np.nan_to_num(x, nan=-np.inf), owner, k.num_rows)
            share = float(np.mean(lead[own] == target[own]))
            if best is None or share > best[2]:
                best = (column, direction, share)
    return best if best[2] >= max(MIN_TOP_SHARE, 2 * chance) else None


def _row_of(left: pa.Table, left_cols: list[str], right: pa.Table, right_cols: list[str]) -> np.ndarray:
    """For each row of ``left``, the row of ``right`` its ``left_cols`` equal (-1: none)."""
    names = [f"k{j}" for j in range(len(left_cols))]
    a = left.select(left_cols).rename_columns(names).append_column("__l", pa.array(np.arange(left.num_rows)))
    b = right.select(right_cols).rename_columns(names).append_column("__r", pa.array(np.arange(right.num_rows)))
    joined = a.join(b, keys=names, join_type="inner")
    out = np.full(left.num_rows, -1, dtype=np.int64)
    out[joined.column("__l").to_numpy()] = joined.column("__r").to_numpy()
    return out


def _leading_row(score: np.ndarray, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Per owner, its row with the highest ``score`` (-1 for an owner without rows)."""
    rows = np.flatnonzero(owner >= 0)
    order = rows[np.lexsort((-score[rows], owner[rows]))]
    lead = np.full(n_owners, -1, dtype=np.int64)
    first = np.r_[True, owner[order][1:] != owner[order][:-1]] if len(order) else np.zeros(0, dtype=bool)
    lead[owner[order][first]] = order[first]
    return lead


def choose_cycle_parents(child_rows: int, empty: np.ndarray, back_link: np.ndarray | None, n_parents: int,
                         rng: np.random.Generator, own_share: float = 1.0,
                         lead: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """Parent row per child row (-1: left empty).

    ``back_link`` gives, for each parent row, the child row it belongs to (or None when the
    parent table does not point back). A filled edge points at one of the child's own parent
    rows with probability ``own_share`` (the real share), else at any parent; a child without
    own parent rows gets another's only as often as real edges pointed outside, and stays empty
    otherwise (a country without cities names no capital when real capitals are always its own).
    ``lead`` = (a score per parent row, share): an own pick is the child's highest-scoring parent
    row with that probability, else a random one of its own.

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
        if lead is not None:
            top = _leading_row(lead[0], back_link, child_rows)
            pick = np.where((top >= 0) & (rng.random(child_rows) < lead[1]), top, pick)
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
    kept = getattr(model, "reference_", {}).get(fk.table)
    if kept is not None:  # a kept row names a parent where its real one did, its own first (:mod:`.repoint`)
        empty, own_share = real_nulls(kept, fk), 1.0
    top = model.tables_[fk.table].own_parent_tops.get(i)
    lead = None
    if top is not None and owners is not None and top[0] in parent.column_names:
        x = pc.cast(parent.column(top[0]), pa.float64()).to_numpy(zero_copy_only=False)
        lead = (top[1] * np.nan_to_num(x, nan=-np.inf), top[2])
    chosen = choose_cycle_parents(child.num_rows, empty, owners, parent.num_rows, rng, own_share, lead)
    if kept is not None:
        chosen = fill_the_rest(chosen, empty, parent.num_rows, rng, db.table(fk.table).is_unique(fk.columns),
                               never_repeats(kept, fk))
    key = db.table(fk.table).unique_sets()[0]
    columns = {k: child.column(k) for k in key}
    take = pa.array(np.where(chosen < 0, 0, chosen))
    mask = pa.array(chosen < 0)
    for col, ref in zip(fk.columns, fk.ref_columns):
        values = parent.column(ref).combine_chunks().take(take)
        columns[col] = pc.if_else(mask, pa.scalar(None, values.type), values)
    writer.update(fk.table, key, pa.table(columns))
