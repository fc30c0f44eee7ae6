"""Close a broken FK cycle once both of its tables exist.

The broken edge ``child(cols) -> parent`` was written empty, because its parents were sampled
later. When the parent table points back at the child (a two-table cycle such as
``country.capital -> city`` and ``city.country -> country``), each child row picks one of *its
own* parent rows (a country's capital is one of its cities); otherwise parents are matched in
proportion to their rows. The child's ``?i`` flag keeps the real share of empty edges.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.relational.matching import match_to_degrees
from amalgam_rel.schema.model import ForeignKey


def choose_cycle_parents(child_rows: int, empty: np.ndarray, back_link: np.ndarray | None, n_parents: int,
                         rng: np.random.Generator) -> np.ndarray:
    """Parent row per child row (-1: left empty).

    ``back_link`` gives, for each parent row, the child row it belongs to (or None when the
    parent table does not point back).

    >>> rng = np.random.default_rng(0)
    >>> int(choose_cycle_parents(2, np.array([False, True]), np.array([0, 0, 1]), 3, rng)[1])
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
        chosen[need] = pick[need]
        need = need & (chosen < 0)  # children with no parent of their own fall through
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
    back = next((j for j, f in enumerate(db.foreign_keys)
                 if f.table == fk.ref_table and f.ref_table == fk.table and j in links.get(fk.ref_table, {})), None)
    back_link = links[fk.ref_table][back] if back is not None else None
    chosen = choose_cycle_parents(child.num_rows, empty, back_link, parent.num_rows, rng)
    key = db.table(fk.table).unique_sets()[0]
    columns = {k: child.column(k) for k in key}
    take = pa.array(np.where(chosen < 0, 0, chosen))
    mask = pa.array(chosen < 0)
    for col, ref in zip(fk.columns, fk.ref_columns):
        values = parent.column(ref).combine_chunks().take(take)
        columns[col] = pc.if_else(mask, pa.scalar(None, values.type), values)
    writer.update(fk.table, key, pa.table(columns))
