"""A kept table's foreign keys into synthesized tables: pointed at synthetic parent rows.

A reference table kept verbatim (:mod:`.reference`) may point at a table that is synthesized:
world's ``country.Capital -> city``. Its real key values name real rows that do not exist in
the output, so each one is *re-pointed* at a synthetic parent row, and only there: a row whose
real key is NULL stays NULL, every other row gets a parent (a NOT NULL key stays filled).

- A key whose parents are sampled before the kept table is matched to the parents' sampled
  number of children (``#i``, as :func:`.sampling.match_foreign_keys` matches any key), drawn
  from the kept table's own random stream, so the same seed re-points the same way.
- A key on a broken cycle (its parents are sampled later) is filled once they exist
  (:func:`.cycles.close_cycle`): a row takes a parent row that points back at it where one
  exists (a country's capital is one of its own synthetic cities, the leading one as often as
  real capitals were), else one drawn among all parent rows (:func:`fill_the_rest`), one no
  other row names first where the real keys never repeat (no city is two countries' capital).

A key that is UNIQUE alone takes each parent row at most once; a UNIQUE set of the key and other
columns is repaired so that no two rows share the set (:func:`repoint_rows`).

>>> out = fill_the_rest(np.array([2, -1, -1]), np.array([False, False, True]), 4, np.random.default_rng(0), unique=True)
>>> int(out[0]), int(out[1]) in (0, 1, 3), int(out[2])
(2, True, -1)
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pyarrow as pa

from amalgam_rel.errors import DataError
from amalgam_rel.relational.matching import match_to_degrees, repair_duplicate_pairs
from amalgam_rel.schema.model import Database, ForeignKey


def repointed_keys(db: Database, kept: Iterable[str]) -> tuple[ForeignKey, ...]:
    """The foreign keys of kept tables whose parent table is synthesized (not a self-reference)."""
    kept = set(kept)
    return tuple(fk for fk in db.foreign_keys if fk.table in kept and fk.ref_table not in kept
                 and not fk.is_self_reference)


def repointed_line(db: Database, kept: Iterable[str]) -> str | None:
    """One line naming the re-pointed keys, for ``synth`` and ``fit`` (None when there are none).

    >>> from amalgam_rel.schema.model import Column, Table
    >>> from amalgam_rel.schema.types import parse_type
    >>> i = parse_type("INTEGER")
    >>> db = Database((Table("country", (Column("id", i), Column("capital", i))), Table("city", (Column("id", i),))),
    ...               (ForeignKey("country", ("capital",), "city", ("id",), True),))
    >>> repointed_line(db, ["country"])
    'kept keys re-pointed at synthetic rows (the real rows they named are not written): country.capital -> city'
    """
    keys = repointed_keys(db, kept)
    if not keys:
        return None
    return "kept keys re-pointed at synthetic rows (the real rows they named are not written): " + \
        ", ".join(f"{fk.table}.{', '.join(fk.columns)} -> {fk.ref_table}" for fk in keys)


def never_repeats(rows: pa.Table, fk: ForeignKey) -> bool:
    """Whether no two real rows with a key name the same parent (world's capitals)."""
    named = rows.select(list(fk.columns)).filter(pa.array(~real_nulls(rows, fk)))
    return named.num_rows == named.group_by(list(fk.columns)).aggregate([]).num_rows


def real_nulls(rows: pa.Table, fk: ForeignKey) -> np.ndarray:
    """Rows whose real key is NULL in some column (such a key names no parent: it stays as it is)."""
    empty = np.zeros(rows.num_rows, dtype=bool)
    for c in fk.columns:
        empty |= rows.column(c).is_null().to_numpy(zero_copy_only=False)
    return empty


def repoint_rows(d, fk: ForeignKey, rows: pa.Table) -> np.ndarray:
    """A synthetic parent row (-1: none) for each kept row of draft ``d`` (a
    :class:`amalgam_rel.pipeline.draft.Draft`), matched to the parents' sampled children counts."""
    i, table = d.fk_index[fk], d.ft.table
    parent = d.parents[fk.ref_table]
    empty = real_nulls(rows, fk)
    need = np.flatnonzero(~empty)
    chosen = np.full(rows.num_rows, -1, dtype=np.int64)
    if len(need) == 0:
        return chosen
    if parent.num_rows == 0:
        raise DataError(f"{fk.label}: {len(need)} kept rows of {fk.table!r} need a parent but the synthetic "
                        f"{fk.ref_table!r} is empty")
    cap = 1 if table.is_unique(fk.columns) else None
    chosen[need] = match_to_degrees(d.counts(fk.ref_table, fk), len(need), d.rng, cap,
                                    d.expected_children(fk.ref_table, fk))
    for unique in table.unique_sets():
        others = [c for c in unique if c not in fk.columns]
        if set(fk.columns) <= set(unique) and others:
            chosen[need] = apart_in_unique_sets(rows.select(others).take(pa.array(need)), chosen[need], d.rng,
                                                parent.num_rows, fk)
    d.parent_of[i] = chosen
    return chosen


def apart_in_unique_sets(others: pa.Table, chosen: np.ndarray, rng: np.random.Generator, n_parents: int,
                         fk: ForeignKey) -> np.ndarray:
    """Parents re-matched so that no two rows with the same ``others`` values share one (a row
    with a NULL among them clashes with none: it is a group of its own)."""
    index: dict[tuple, int] = {}
    values = list(zip(*(others.column(c).to_pylist() for c in others.column_names)))
    codes = np.array([index.setdefault(v if None not in v else (object(),), len(index)) for v in values], dtype=np.int64)
    repaired = repair_duplicate_pairs(codes, chosen, rng, n_parents)
    if (repaired < 0).any():
        raise DataError(f"{fk.label}: too few synthetic {fk.ref_table!r} rows to keep the kept rows' unique sets")
    return repaired


def fill_the_rest(chosen: np.ndarray, empty: np.ndarray, n_parents: int, rng: np.random.Generator,
                  unique: bool = False, spread: bool = False) -> np.ndarray:
    """``chosen`` (a parent row per kept row, -1: none yet) with every row that is not ``empty``
    given a parent drawn at random. ``spread`` (the real keys never repeat, as world's capitals):
    parents no row holds yet come first, then any; ``unique`` (a UNIQUE key): only those, as far
    as they go (the rest stay -1: there are fewer synthetic parents than kept rows naming one)."""
    out = chosen.copy()
    rest = np.flatnonzero((out < 0) & ~empty)
    if len(rest) == 0 or n_parents == 0:
        return out
    if unique or spread:
        free = rng.permutation(np.setdiff1d(np.arange(n_parents), out[out >= 0]))[:len(rest)]
        out[rest[:len(free)]] = free
        rest = rest[len(free):]
    if len(rest) and not unique:
        out[rest] = rng.integers(0, n_parents, len(rest))
    return out
