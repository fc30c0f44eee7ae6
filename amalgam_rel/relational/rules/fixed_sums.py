"""Rule: model columns whose values sum to one constant within each driving parent
(:mod:`amalgam_rel.relational.fixed_sums`): a molecule's atom charges sum to 0, an order's shares to 100."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.models.codecs.scale import step_candidates
from amalgam_rel.relational.fixed_sums import (FixedSum, candidates_per_row, choose_rows, detect_step, find_fixed_sum,
                                               spread_residuals)
from amalgam_rel.relational.plan import context_column
from amalgam_rel.relational.rules.protocol import unique_columns
from amalgam_rel.relational.rules.rows import model_rows, row_column
from amalgam_rel.saved import typed

NAME = "fixed_sums"
FIT_AT = "model"  # it reads the columns the table model owns
# candidate rows for keeping a fixed sum: about this many per parent, 1 to 3 per child row (a
# parent of 26 children gets 52, one of 2 children 6), drawn afresh up to 4 times for the
# parents still off. mutagenesis: 85-90 % of molecules exact after the first draw, all but 1-4
# after the fourth (those within 0.025); 1.1M rows in parents of 1-12: the stage takes ~5 s,
# the rest of the table 3.3 s
_SUM_POOL, _SUM_LEAST, _SUM_MOST, _SUM_DRAWS = 32, 1, 3, 4


def find(ctx) -> tuple[FixedSum, ...]:
    """Model columns whose values sum to one constant within each driving parent (see :mod:`.fixed_sums`).

    Not under a privacy budget: the check reads every real parent's exact sum.
    """
    ft = ctx.ft
    driver = ft.plan.driver
    if driver is None or ctx.options.epsilon is not None or ft.frame is None or ft.frame.num_rows == 0:
        return ()
    groups, filled = _parent_groups(ft.frame, driver.columns)
    # (a column another rule writes is overwritten, even where it keeps its model)
    skip = set(ft.plan.fk_columns) | set(ft.plan.generated_keys) | set(ft.sequences) | unique_columns(ft.table) \
        | ctx.claimed
    found = []
    for column in ft.table.columns:
        if not column.type.reads_as_number or column.name in skip or column.name not in ft.modelled:
            continue
        values = ft.frame.column(column.name).cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)[filled]
        step = detect_step(values[~np.isnan(values)], step_candidates(ft.frame.schema.field(column.name).type))
        fixed = find_fixed_sum(column.name, values, groups, step) if step is not None else None
        if fixed is not None:
            found.append(fixed)
    return tuple(found)


def _parent_groups(frame: pa.Table, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of each row's parent key, for the rows whose key is filled (and that mask)."""
    filled = np.ones(frame.num_rows, dtype=bool)
    codes = []
    for c in columns:
        encoded = pc.dictionary_encode(frame.column(c).combine_chunks()).indices
        filled &= encoded.is_valid().to_numpy(zero_copy_only=False)
        codes.append(encoded.fill_null(0).to_numpy(zero_copy_only=False))
    _, groups = np.unique(np.stack(codes, axis=1)[filled], axis=0, return_inverse=True)
    return groups.reshape(-1).astype(np.int64), filled


def apply(d, records) -> None:
    """Children of one parent keep the constant sum real children have (see :mod:`.fixed_sums`).

    Whole rows are swapped for candidate rows drawn with the same parent evidence, so every row
    stays one joint draw of the model (an atom's element, type and charge agree); only the few
    steps left over are added to a row or two. Parents still off after a draw get fresh
    candidates, so most rows cost one extra draw. Parts of a table end on a parent's last child,
    so this holds per part as well.
    """
    fk = d.ft.plan.driver
    fixed = [f for f in records if d.rows is not None and f.column in d.rows.column_names]
    if not fixed or fk is None or d.n == 0:
        return
    rows, groups = _parents_with(d.parent_of[d.fk_index[fk]], max(f.min_children for f in fixed))
    targets = np.array([round(f.total / f.step) for f in fixed], dtype=np.float64)
    off, off_groups = rows, groups
    for _ in range(_SUM_DRAWS):
        if len(off) == 0:
            break
        _swap_in_candidates(d, fixed, off, off_groups, targets)
        off, off_groups = _still_off(d, fixed, off, off_groups, targets)
    for f, target in zip(fixed, targets):
        values = _units(d.rows, f)
        valid = ~np.isnan(values[rows])
        values[rows] = spread_residuals(np.nan_to_num(values[rows]), valid, groups, target,
                                                   round(f.lo / f.step), round(f.hi / f.step), d.rng)
        _set_units(d, f, values)


def _swap_in_candidates(d, fixed: list, rows: np.ndarray, groups: np.ndarray, targets: np.ndarray) -> None:
    """Draw candidates for ``rows`` with their parent evidence and swap them in where sums gain."""
    owner = np.repeat(np.arange(len(rows)), candidates_per_row(groups, _SUM_POOL, _SUM_LEAST, _SUM_MOST))
    take = pa.array(rows[owner])
    evidence = {n: d.rows.column(n).take(take) for n in map(context_column, d.ft.context) if n in d.rows.column_names}
    pool = model_rows(d.ft, len(owner), evidence, int(d.rng.integers(2**31))).cast(d.rows.schema)
    units = np.stack([np.nan_to_num(_units(d.rows, f)[rows]) for f in fixed])
    source, _ = choose_rows(units, groups, np.stack([np.nan_to_num(_units(pool, f)) for f in fixed]),
                                       owner, targets, d.rng)
    picks = np.arange(d.n)
    picks[rows] = np.where(source < len(rows), rows[np.minimum(source, len(rows) - 1)], d.n + source - len(rows))
    d.rows = pa.concat_tables([d.rows, pool]).take(pa.array(picks)).combine_chunks()
    row = row_column(d.ft)
    d.rows = d.rows.set_column(d.rows.column_names.index(row), row, pa.array(np.arange(d.n, dtype=np.int64)))


def _still_off(d, fixed: list, rows: np.ndarray, groups: np.ndarray,
               targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows (and dense group ids) of the groups whose sums still miss a target."""
    off = np.zeros(int(groups.max()) + 1 if len(groups) else 0, dtype=bool)
    for f, target in zip(fixed, targets):
        off |= np.bincount(groups, weights=np.nan_to_num(_units(d.rows, f)[rows]), minlength=len(off)) != target
    keep = off[groups]
    return rows[keep], np.unique(groups[keep], return_inverse=True)[1].reshape(-1)


def _parents_with(parent_of: np.ndarray, least: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose parent has at least ``least`` of them, sorted by parent, and dense parent ids."""
    rows = np.flatnonzero(parent_of >= 0)
    rows = rows[np.argsort(parent_of[rows], kind="stable")]
    _, groups, size = np.unique(parent_of[rows], return_inverse=True, return_counts=True)
    keep = size[groups] >= least
    rows, groups = rows[keep], groups[keep]
    return rows, np.unique(groups, return_inverse=True)[1].reshape(-1)


def _units(rows: pa.Table, f: FixedSum) -> np.ndarray:
    """A fixed-sum column in whole steps (NaN where NULL)."""
    values = rows.column(f.column).cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
    return np.round(values / f.step)


def _set_units(d, f: FixedSum, units: np.ndarray) -> None:
    """Write whole steps back into the column, in its own type and decimals."""
    column = d.rows.column(f.column)
    null = np.isnan(units)
    decimals = max(0, -int(np.floor(np.log10(f.step) + 1e-9)))
    values = np.round(np.nan_to_num(units) * f.step, decimals)
    t = column.type
    if pa.types.is_integer(t):
        array = pa.array(np.round(values).astype(np.int64), mask=null).cast(t)
    elif pa.types.is_decimal(t):
        array = pa.array(values, mask=null).cast(t, safe=False)
    else:
        array = pa.array(values, mask=null).cast(t)
    d.rows = d.rows.set_column(d.rows.column_names.index(f.column), f.column, array)


def claims(records) -> tuple[str, ...]:
    return tuple(f.column for f in records)


def computed(records) -> tuple[str, ...]:
    return ()  # the model draws them; sampling only keeps their sums


def apply_at(record, ft) -> str:
    return "drawn"


def describe(records, db) -> list[tuple[str, str]]:
    return []  # drawn by the model, not computed


def to_json(records) -> dict:
    return {"fixed_sums": [asdict(f) for f in records]}


def from_json(entry: dict, where: str) -> tuple[FixedSum, ...]:
    return typed(tuple[FixedSum, ...], entry.get("fixed_sums", []), f"{where}.fixed_sums")
