"""Repairs of a sampled table: what the model's draws break, mended before the rows are written.

Unique sets are kept unique (duplicates drawn again, then nudged apart), CHECKs are kept true
(their rows drawn again, first only the CHECK's columns, then every free column), and unique
sets holding a text column get their repeats' text generated again. Each repair is a sample
stage of :data:`amalgam_rel.pipeline.sampling.SAMPLE_STAGES`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.errors import DataError
from amalgam_rel.pipeline.draft import Draft
from amalgam_rel.relational import date_offsets
from amalgam_rel.relational.rules import offsets as offsets_rule
from amalgam_rel.relational.rules.rows import row_column
from amalgam_rel.relational.text_features import is_text_feature
from amalgam_rel.schema import sql

_MAX_ROUNDS = 30


def _repaired_unique_sets(d: Draft) -> list[tuple[str, ...]]:
    """The unique sets :func:`repair_unique_sets` keeps (a generated key alone is unique already)."""
    return [u for u in d.ft.table.unique_sets() if not (len(u) == 1 and u[0] in d.ft.keys)]


def repair_unique_sets(d: Draft) -> None:
    """Unique sets that include model columns: duplicates are resampled, then nudged apart."""
    for unique in _repaired_unique_sets(d):
        for _ in range(_MAX_ROUNDS):
            dup = _duplicate_rows(d, unique)
            if len(dup) == 0:
                break
            _resample_rows(d, dup, [c for c in unique if c in d.rows.column_names])
        dup = _duplicate_rows(d, unique)
        if len(dup):
            _nudge_apart(d, dup, unique)


def enforce_checks(d: Draft) -> None:
    """Every CHECK holds and the unique sets stay unique: a row redrawn for a CHECK may land on
    another row's unique values (a TIMESTAMP of a UNIQUE pair, drawn again into its range, took
    the other row's value: fuzz run of issue #21), so the two repairs alternate until both hold."""
    for _ in range(_MAX_ROUNDS):
        _enforce_checks_once(d)
        clashing = [u for u in _repaired_unique_sets(d) if len(_duplicate_rows(d, u))]
        if not clashing:
            return
        repair_unique_sets(d)
        if not any(len(_violations(d, check)) for check in _checks_to_enforce(d)):
            return
    raise DataError(f"table {d.ft.key!r}: cannot keep {list(clashing[0])} unique and every CHECK for {d.n} "
                    f"sampled rows")


def _checks_to_enforce(d: Draft) -> list[exp.Expression]:
    # a CHECK reading a column the language model fills later: its draws are checked against it
    return [c for c in d.ft.table.checks if all(col in d.values for col in _columns_of(c))]


def _enforce_checks_once(d: Draft) -> None:
    """Rows that break a CHECK are resampled; a constraint that keeps failing is an error.

    First only the CHECK's columns are drawn again, conditioned on the rest of the row. Rows the
    model cannot fix that way (its conditional puts ``check_in`` after ``check_out`` whatever the
    draw, given the row's other values) then get every attribute drawn again, conditioned only on
    what ties them to other rows (parent context, child counts, depths) and on their unique sets.
    """
    checks = _checks_to_enforce(d)
    if not checks or d.n == 0:
        return
    for round_ in range(2 * _MAX_ROUNDS + 1):
        failing = [(check, bad) for check in checks if len(bad := _violations(d, check))]
        if not failing:
            return
        if round_ == 2 * _MAX_ROUNDS:
            break
        for check, bad in failing:
            columns = [c for c in _columns_of(check) if c in d.rows.column_names]
            _resample_rows(d, bad, columns if round_ < _MAX_ROUNDS else _free_columns(d) or columns)
    check, bad = failing[0]
    raise DataError(f"table {d.ft.key!r}: {len(bad)} sampled rows keep violating CHECK ({sql.render(check)})")


def _free_columns(d: Draft) -> list[str]:
    """Model columns a row can draw again without breaking what is already built: not the
    structural ones (``^`` parent context, ``#`` child counts, ``?`` empty FKs, ``@`` depths,
    ``&`` the value a matched parent was chosen for),
    nor members of a unique set (already de-duplicated)."""
    unique = {c for s in d.ft.table.unique_sets() for c in s}
    model = d.ft.model.columns_ if d.ft.model is not None else ()
    return [c for c in model if c in d.rows.column_names and c[:1] not in "^#?@&" and c not in unique]


def repair_text_unique_sets(d: Draft) -> None:
    """Unique sets with a text column (``(country, language)``): regenerate the repeats' text."""
    text = set(d.ft.text_columns)
    for unique in d.ft.table.unique_sets():
        mine = [c for c in unique if c in text]
        if not mine:
            continue
        for _ in range(_MAX_ROUNDS // 3):
            dup = _duplicate_rows(d, unique)
            if len(dup) == 0:
                break
            take = pa.array(dup)
            context = pa.table({k: v.take(take) for k, v in d.values.items() if k not in mine}
                               | {c: d.rows.column(c).take(take) for c in d.rows.column_names
                                  if is_text_feature(c)})
            again = d.text.generate(d.ft.key, context, seed=int(d.rng.integers(2**63)))  # fresh draws each round
            for c in mine:
                replacement = np.zeros(d.n, dtype=np.int64)
                replacement[dup] = np.arange(len(dup))
                mask = np.zeros(d.n, dtype=bool)
                mask[dup] = True
                fresh = _as_array(again[c], len(dup)).cast(d.values[c].type).take(pa.array(replacement))
                d.values[c] = pc.if_else(pa.array(mask), fresh, d.values[c])
        dup = _duplicate_rows(d, unique)
        if len(dup):
            _nudge_apart(d, dup, unique)


def _as_array(values: list, n: int) -> pa.Array:
    """Generated values as Arrow; DuckDB casts them (STRUCT, LIST, MAP, JSON) on insert."""
    if not values or all(v is None for v in values):
        return pa.nulls(n)
    return pa.array(values)


def _with_row_numbers(d: Draft) -> pa.Table:
    cols = {c: d.values[c] for c in d.values if d.ft.table.has_column(c)}
    cols[row_column(d.ft)] = pa.array(np.arange(d.n, dtype=np.int64))
    return pa.table(cols)


def _duplicate_rows(d: Draft, unique: tuple[str, ...]) -> np.ndarray:
    """Rows (beyond the first, by row number) repeating a unique set's values; rows with a NULL in it never clash."""
    if any(c not in d.values for c in unique):
        return np.array([], dtype=np.int64)
    frame = _with_row_numbers(d)
    cols = [sql.column(c) for c in unique]
    row = row_column(d.ft)
    ranked = exp.select(sql.column(row)).from_(
        exp.select(sql.column(row), exp.Window(this=exp.RowNumber(), partition_by=cols,
                                                   order=exp.Order(expressions=[exp.Ordered(this=sql.column(row))])).as_("k"))
        .from_(sql.ident("__draft")).where(exp.and_(*(exp.not_(c.is_(exp.null())) for c in cols))).subquery("r")
    ).where(exp.GT(this=exp.column("k"), expression=exp.Literal.number(1)))
    return _query_rows(d, frame, ranked)


def _violations(d: Draft, check: exp.Expression) -> np.ndarray:
    frame = _with_row_numbers(d)
    query = exp.select(sql.column(row_column(d.ft))).from_(sql.ident("__draft")).where(exp.not_(exp.paren(check.copy())))
    return _query_rows(d, frame, query)


def _query_rows(d: Draft, frame: pa.Table, query: exp.Expression) -> np.ndarray:
    con = d.con
    con.register("__draft", frame)
    try:
        # sorted: DuckDB hands the rows of a registered table in the order its threads finish,
        # and the rows are redrawn in this order (one model draw per row, in turn)
        return np.sort(con.execute(sql.render(query)).fetchnumpy()[row_column(d.ft)].astype(np.int64))
    finally:
        con.unregister("__draft")


def _columns_of(check: exp.Expression) -> list[str]:
    return list(dict.fromkeys(c.name for c in check.find_all(exp.Column)))


def _resample_rows(d: Draft, rows: np.ndarray, columns: list[str]) -> None:
    """Draw ``columns`` again for ``rows``, conditioned on every other model column of the row."""
    model = d.ft.model
    if model is None or not columns:
        return
    offsets = d.ft.rules.get(offsets_rule.NAME, ())
    gaps = {o.column: date_offsets.offset_column(o.column) for o in offsets}
    columns = list(dict.fromkeys(gaps.get(c, c) for c in columns))  # an offset date is redrawn as its gap
    keep = [c for c in model.columns_ if c not in columns]
    take = pa.array(rows)
    evidence = {c: d.rows.column(c).take(take) for c in keep}
    redrawn = model.sample(len(rows), evidence=evidence or None, seed=int(d.rng.integers(2**31))) if evidence \
        else model.sample(len(rows), seed=int(d.rng.integers(2**31)))
    for c in columns:
        current = d.rows.column(c).combine_chunks()
        mask = np.zeros(d.n, dtype=bool)
        mask[rows] = True
        replacement = np.zeros(d.n, dtype=np.int64)
        replacement[rows] = np.arange(len(rows))
        merged = pc.if_else(pa.array(mask), redrawn.column(c).combine_chunks().take(pa.array(replacement)), current)
        d.rows = d.rows.set_column(d.rows.column_names.index(c), c, merged)
        if c in d.values:
            d.values[c] = merged
    if offsets:  # a redrawn anchor or gap moves its dates with it
        offsets_rule.apply(d, offsets)
        for o in offsets:
            if o.column in d.values:
                d.values[o.column] = d.rows.column(o.column).combine_chunks()


def _is_instant(t: pa.DataType) -> bool:
    """A date, time, timestamp or duration: an integer count of its unit underneath."""
    return pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_timestamp(t) or pa.types.is_duration(t)


def _nudge_instants(d: Draft, c: str, rows: np.ndarray) -> None:
    """Each of ``rows`` moved on by whole units (a day, a microsecond, ...) to a value no row holds."""
    array = d.values[c]
    storage = pa.int32() if array.type in (pa.date32(), pa.time32("s"), pa.time32("ms")) else pa.int64()
    values = array.cast(storage).to_pylist()
    taken = set(values)
    for r in rows.tolist():
        if values[r] is None:
            continue
        while values[r] in taken:
            values[r] += 1
        taken.add(values[r])
    d.values[c] = pa.array(values, storage).cast(array.type)


def _nudge_apart(d: Draft, rows: np.ndarray, unique: tuple[str, ...]) -> None:
    """Last resort for duplicates the model keeps producing: make one member column distinct."""
    for c in unique:
        if c in d.values and c not in d.ft.plan.fk_columns and _is_instant(d.values[c].type):
            _nudge_instants(d, c, rows)
            if not len(_duplicate_rows(d, unique)):
                return
        elif c in d.values and c not in d.ft.plan.fk_columns and not pa.types.is_dictionary(d.values[c].type):
            # (an ENUM nudged to 'label 2' would hold a label its type does not have)
            values = d.values[c].to_pylist()
            taken = set(values)
            for r in rows.tolist():
                base = values[r]
                if isinstance(base, str):
                    k = 2
                    while f"{base} {k}" in taken:
                        k += 1
                    values[r] = f"{base} {k}"
                elif isinstance(base, (int, float)) and not isinstance(base, bool):
                    candidate = base
                    while candidate in taken:
                        candidate += 1
                    values[r] = candidate
                else:
                    continue
                taken.add(values[r])
            d.values[c] = pa.array(values, d.values[c].type)
            if not len(_duplicate_rows(d, unique)):
                return
    raise DataError(f"table {d.ft.key!r}: cannot make {list(unique)} unique for {len(rows)} sampled rows")
