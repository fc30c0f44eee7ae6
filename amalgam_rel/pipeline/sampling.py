"""Sample one table, given its already sampled parents: the stages, in order, each with one job.

A :class:`Draft` carries the table's rows while :data:`SAMPLE_STAGES` turn them from model
output into rows DuckDB accepts: rows are created per parent (or per root), foreign keys are
matched, self-references become forests, keys are invented, unique sets and CHECKs are
repaired by resampling, and the language model and fillers complete the remaining columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.schema.internal_names import count_column
from amalgam_rel.errors import DataError
from amalgam_rel.relational import date_offsets, implied, parent_copies
from amalgam_rel.pipeline.fitting import FittedTable
from amalgam_rel.relational.implied import Implied
from amalgam_rel.relational.rules import apply_rules, implied as implied_rule, offsets as offsets_rule
from amalgam_rel.relational.rules.rows import fk_of, model_rows, parent_column, row_column
from amalgam_rel.relational.keys import number_within
from amalgam_rel.relational.matching import align_to_values, fit_degrees, match_to_degrees, repair_duplicate_pairs
from amalgam_rel.relational.semantic_columns import fill_semantic
from amalgam_rel.relational.plan import context_column, is_matched_column, matched_column, parse_matched_column
from amalgam_rel.relational.trees import build_forests
from amalgam_rel.relational.text_features import is_text_feature
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import ForeignKey

_MAX_ROUNDS = 30


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


def create_rows(d: Draft) -> None:
    """Rows per driving-parent row (its sampled child count), plus rows without a parent."""
    ft, fk = d.ft, d.ft.plan.driver
    seed = int(d.rng.integers(2**31))
    if fk is None:
        # the model's draws are stratified (models/stratified.py): a small root table keeps its
        # spread of child counts, and every other column's, without any pool
        n = d.chunk.rows if d.chunk else planned_rows(d)
        d.rows = model_rows(ft, n, _calendar(d, n) or None, seed)
        return
    parent = d.parents[fk.ref_table]
    parent_rows = d.chunk.parent_rows if d.chunk else driver_rows(d)
    has = parent_rows >= 0  # rows with a parent come first, the orphans last
    days = _calendar(d, len(parent_rows))
    evidence = {context_column(c): parent.column(c).take(pa.array(parent_rows[has])) for c in ft.context}
    rows = model_rows(ft, int(has.sum()), {**evidence, **{c: v.filter(pa.array(has)) for c, v in days.items()}}, seed)
    orphans = int((~has).sum())
    if orphans:
        empty = {context_column(c): pa.nulls(orphans, parent.schema.field(c).type) for c in ft.context}
        without = model_rows(ft, orphans, {**empty, **{c: v.filter(pa.array(~has)) for c, v in days.items()}}, seed + 1)
        rows = pa.concat_tables([rows, without.cast(rows.schema)])
    d.rows = rows
    d.parent_of[d.fk_index[fk]] = parent_rows


def _calendar(d: Draft, n: int) -> dict[str, pa.Array]:
    """A calendar's days, issued as a run (like a key) before the model draws the rest of each row given its day."""
    owned = set(d.ft.model.columns_) if d.ft.model is not None else set()
    return {c: d.ft.keys[c].generate(n, d.rng) for c in d.ft.calendar if c in owned}


def planned_rows(d: Draft) -> int:
    """Rows the table gets: ``--rows``, else the source's count times the scale.

    A root the source has rows in keeps at least one (a one-row settings table survives
    ``--scale 0.4``); a child table's count is only approximate (capped by unique FKs).
    """
    if d.target_rows is not None:
        return d.target_rows
    ft = d.ft
    if ft.plan.driver is None:
        return max(round(ft.real_rows * d.scale), int(ft.real_rows >= 1 and d.scale > 0))
    return round((ft.real_rows - ft.null_driver_rows) * d.scale) + round(ft.null_driver_rows * d.scale)


def driver_rows(d: Draft) -> np.ndarray:
    """The driving parent's row for every row to create, in parent order; -1 (no parent) last."""
    ft, fk = d.ft, d.ft.plan.driver
    parent = d.parents[fk.ref_table]
    wanted = d.counts(fk.ref_table, fk)
    cap = 1 if ft.table.is_unique(fk.columns) else None
    orphans = round(ft.null_driver_rows * d.scale)
    # The table's size follows the source (times scale); the sampled counts say how it divides
    # among parents. Summing noisy per-parent counts instead would let small parent tables
    # swing a child table's size by a third.
    if d.target_rows is not None:
        orphans = min(orphans, d.target_rows)
        total = d.target_rows - orphans
    else:
        total = round((ft.real_rows - ft.null_driver_rows) * d.scale)
    if cap is not None:
        total = min(total, parent.num_rows)
    counts = fit_degrees(wanted, max(total, 0), d.rng, cap, d.expected_children(fk.ref_table, fk)) \
        if parent.num_rows else np.zeros(0, dtype=np.int64)
    return np.concatenate([np.repeat(np.arange(parent.num_rows, dtype=np.int64), counts),
                           np.full(orphans, -1, dtype=np.int64)])


def match_foreign_keys(d: Draft) -> None:
    """Every non-driving FK: empty where the row's flag says so, else a degree-preserving match."""
    ft = d.ft
    order = {i: n for n, i in enumerate(implied_rule.match_order(ft))}
    followed = implied_rule.followed(ft)
    for fk in sorted(ft.plan.matched, key=lambda f: order.get(d.fk_index[f], 0)):  # a followed key after the one it follows
        i = d.fk_index[fk]
        parent = d.parents[fk.ref_table]
        empty = _flag(d, ft.plan.null_columns.get(i))
        idx = np.full(d.n, -1, dtype=np.int64)
        need = np.flatnonzero(~empty)
        if parent.num_rows == 0:
            if len(need) and not fk.nullable:
                raise DataError(f"{fk.label}: {len(need)} rows need a parent but {fk.ref_table!r} is empty")
            d.parent_of[i] = idx
            continue
        cap = 1 if ft.table.is_unique(fk.columns) else None
        counts, expected = d.counts(fk.ref_table, fk), d.expected_children(fk.ref_table, fk)
        def match(k: int) -> np.ndarray:
            return match_to_degrees(counts, k, d.rng, cap, expected)
        if i in followed:
            idx[need] = _follow(d, followed[i], fk, cap)[need]
            if cap == 1:  # a UNIQUE key names each parent once, whatever the key it follows repeats
                idx[need] = implied.once_each(idx[need])
            # a parent with no such row to follow: a required key is matched as usual
            lost = need[idx[need] < 0] if not fk.nullable else need[:0]
            idx[lost] = match(len(lost)) if len(lost) else idx[lost]
            d.parent_of[i] = idx
            continue
        slots = d.chunk.slots.get(i) if d.chunk else None
        idx[need] = _aligned(d, fk, need, slots.take(len(need), d.n, match) if slots is not None else match(len(need)))
        d.parent_of[i] = idx
    _repair_pairs(d)


def _follow(d: Draft, rule: Implied, fk: ForeignKey, cap: int | None) -> np.ndarray:
    """The parent row of ``fk`` that each row's ``rule.source`` parent decides (see :mod:`.implied`)."""
    source = fk_of(d, rule.source)
    own = d.parent_of[rule.source]
    if rule.how == "same":
        return own.copy()
    via = fk_of(d, rule.via)
    parent, target = d.parents[source.ref_table], d.parents[fk.ref_table]
    if rule.how == "through":
        theirs = implied.rows_of(parent, target, via.columns, via.ref_columns)
        return np.where(own >= 0, theirs[np.maximum(own, 0)] if len(theirs) else -1, -1)
    if rule.how == "sibling":  # grouped by the grandparent both parents point to
        up = fk_of(d, rule.via2)
        top = d.parents[via.ref_table]
        group_of = implied.rows_of(parent, top, up.columns, up.ref_columns)
        groups = np.where(own >= 0, group_of[np.maximum(own, 0)], -1) if len(group_of) else np.full(len(own), -1)
        owner = implied.rows_of(target, top, via.columns, via.ref_columns)
        return implied.match_within(groups, owner, d.counts(fk.ref_table, fk), d.rng, cap)
    owner = implied.rows_of(target, parent, via.columns, via.ref_columns)
    return implied.match_within(own, owner, d.counts(fk.ref_table, fk), d.rng, cap)


def _aligned(d: Draft, fk: ForeignKey, need: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The matched parents ``chosen`` for rows ``need``, handed to the rows by the parent value
    each row was drawn with (see :func:`.fitting.select_match_columns`)."""
    i = d.fk_index[fk]
    column = d.ft.matched.get(i)
    parent = d.parents[fk.ref_table]
    name = matched_column(i, column) if column is not None else None
    if name is None or name not in d.rows.column_names or column not in parent.column_names:
        return chosen
    wanted = d.rows.column(name).combine_chunks().take(pa.array(need))
    return align_to_values(chosen, wanted, parent.column(column).combine_chunks(), d.rng)


def _repair_pairs(d: Draft) -> None:
    """A key over two foreign keys (a bridge) must not repeat a pair: re-match the duplicates."""
    ft = d.ft
    fks = [fk for fk in ft.plan.foreign_keys if d.fk_index[fk] in d.parent_of and not fk.is_self_reference]
    for unique in ft.table.unique_sets():
        covering = [fk for fk in fks if set(fk.columns) <= set(unique)]
        if len(covering) < 2 or set(unique) != {c for fk in covering for c in fk.columns}:
            continue
        first, second = covering[0], covering[1]
        if d.fk_index[second] in implied_rule.followed(ft):  # re-matching it would break the path it follows
            continue
        a, b = d.parent_of[d.fk_index[first]], d.parent_of[d.fk_index[second]]
        rows = np.flatnonzero((a >= 0) & (b >= 0))
        b = b.copy()
        b[rows] = repair_duplicate_pairs(a[rows], b[rows], d.rng, d.parents[second.ref_table].num_rows)
        d.parent_of[d.fk_index[second]] = b
        orphans = rows[b[rows] < 0]
        if len(orphans) and not second.nullable:  # more pairs asked of a parent than partners
            # exist (a parent table sampled very small): no unique pair can hold those rows
            keep = np.ones(d.n, dtype=bool)
            keep[orphans] = False
            d.rows = d.rows.filter(pa.array(keep))
            d.parent_of = {i: p[keep] for i, p in d.parent_of.items()}


def build_self_references(d: Draft) -> None:
    fks = d.ft.plan.self_references
    depths = [_column_or(d, d.ft.plan.depth_columns.get(d.fk_index[fk]), 0) for fk in fks]
    fanouts = [_column_or(d, count_column(d.fk_index[fk]), 1) for fk in fks]
    for fk, parent in zip(fks, build_forests(depths, fanouts, d.rng)):
        d.parent_of[d.fk_index[fk]] = parent


def generate_keys(d: Draft) -> None:
    for name, generator in d.ft.keys.items():
        if name in d.ft.calendar and name in d.rows.column_names:
            continue  # issued before the model drew its rows (create_rows)
        d.values[name] = generator.generate(d.n, d.rng)
    if d.ft.sequences:
        parents = d.parent_of[d.fk_index[d.ft.plan.driver]]
        for name, start in d.ft.sequences.items():
            d.values[name] = pa.array(number_within(parents, start))


def resolve_foreign_keys(d: Draft) -> None:
    """FK column values from the parent rows' key values (self-references from this table's).

    Broken cycle edges stay empty here: their parents do not exist yet (see :mod:`.cycles`).
    """
    ft = d.ft
    for fk in ft.plan.deferred:
        for col in fk.columns:
            d.values.setdefault(col, pa.nulls(d.n))
    for fk in ft.plan.foreign_keys:
        i = d.fk_index[fk]
        if i not in d.parent_of:
            continue
        if fk.is_self_reference and not set(fk.ref_columns) <= d.values.keys():
            continue  # a key the model draws (TIME, BOOLEAN...): it exists after assemble, see below
        idx = d.parent_of[i]
        source = d.values if fk.is_self_reference else None
        for col, ref in zip(fk.columns, fk.ref_columns):
            ref_values = source[ref] if source is not None and ref in source else parent_column(d, fk, ref)
            d.values[col] = parent_copies.per_row(ref_values, idx)


def resolve_drawn_self_references(d: Draft) -> None:
    """Self-references to a key the model draws rather than a generator issues take its values
    once they exist and are unique; run again after CHECK repairs, which may redraw the key."""
    for fk in d.ft.plan.foreign_keys:
        i = d.fk_index[fk]
        if not fk.is_self_reference or i not in d.parent_of or set(fk.ref_columns) & d.ft.keys.keys():
            continue
        if not set(fk.ref_columns) <= d.values.keys():
            continue
        for col, ref in zip(fk.columns, fk.ref_columns):
            d.values[col] = parent_copies.per_row(d.values[ref], d.parent_of[i])


def keep_temporal_orders(d: Draft) -> None:
    """Where a child date followed its parent's in real data, move violators after the parent
    (after a followed parent, every row: see :func:`_temporal_parent`)."""
    for order in d.ft.temporal:
        parent = _temporal_parent(d, order.parent_column)
        if order.column not in d.rows.column_names or parent is None:
            continue
        child = d.rows.column(order.column)
        storage = pa.int32() if pa.types.is_date32(child.type) else pa.int64()
        c = child.cast(storage).to_numpy(zero_copy_only=False)
        p = parent.cast(storage).to_numpy(zero_copy_only=False)
        valid = ~(np.isnan(c.astype(float)) | np.isnan(p.astype(float)))
        # a followed parent's date was never the model's evidence: every row takes a real gap
        bad = valid & ((c.astype(float) < p.astype(float)) | is_matched_column(order.parent_column))
        if not bad.any():
            continue
        gaps = np.interp(d.rng.random(bad.sum()), np.linspace(0, 1, len(order.gaps)), order.gaps)
        fixed = c.astype(np.float64)
        after = p[bad].astype(np.float64) + gaps
        moved = np.round(after / order.step) * order.step
        fixed[bad] = np.where(moved < p[bad], moved + order.step, moved)  # on the column's grid, never before the parent
        arr = pa.array(fixed.astype(np.int64), mask=~child.is_valid().to_numpy(zero_copy_only=False)).cast(storage).cast(child.type)
        d.rows = d.rows.set_column(d.rows.column_names.index(order.column), order.column, arr)


def _temporal_parent(d: Draft, name: str) -> pa.Array | None:
    """A parent date for every row: a context column, or the value of a followed parent's row."""
    if name in d.rows.column_names:
        return d.rows.column(name)
    if not is_matched_column(name):
        return None
    i, column = parse_matched_column(name)
    fk = fk_of(d, i)
    if fk is None or i not in d.parent_of or column not in d.parents[fk.ref_table].column_names:
        return None
    return parent_copies.per_row(parent_column(d, fk, column), d.parent_of[i])


def assemble(d: Draft) -> None:
    """Model columns that are table columns join the finished values."""
    for name in d.rows.column_names:
        if d.ft.table.has_column(name) and name not in d.values:
            d.values[name] = d.rows.column(name).combine_chunks()


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


def fill_text(d: Draft) -> None:
    if not d.ft.text_columns or d.n == 0:
        return
    # the model's lengths (``~name``), frequent values (``=name``) and shapes (``{name``) go with the rows
    features = {c: d.rows.column(c) for c in d.rows.column_names if is_text_feature(c)}
    context = pa.table(dict(d.values) | features)
    part = {"share": d.chunk.share, "part": d.chunk.index + 1} if d.chunk else {}
    # the text's random streams come from this table's (so from the sample's seed), not the fit's
    generated = d.text.generate_arrays(d.ft.key, context, seed=int(d.rng.integers(2**63)), **part)
    for name in d.ft.text_columns:
        d.values[name] = generated[name]
        d.text_reports[name] = d.text.generation_report_[(d.ft.key, name)].to_dict()


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


def fill_others(d: Draft) -> None:
    for name, filler in d.ft.fillers.items():
        d.values[name] = filler.generate(d.n, d.rng, unique=d.ft.table.is_unique((name,)))


def rules_at(point: str):
    """A sample stage applying the rules' records due at ``point`` (:data:`.rules.APPLY_POINTS`).

    The points after the text ("text", "finished") write over values an empty draft never got.
    """
    def stage(d: Draft) -> None:
        if point in ("text", "finished") and d.n == 0:
            return
        apply_rules(point, d)
    stage.__name__ = stage.__qualname__ = f"apply_rules_at_{point}"
    return stage


SAMPLE_STAGES = (create_rows, rules_at("drawn"), match_foreign_keys, build_self_references, generate_keys, resolve_foreign_keys,
                 keep_temporal_orders, assemble, repair_unique_sets, resolve_drawn_self_references, enforce_checks,
                 resolve_drawn_self_references, rules_at("parents"), rules_at("dates"), rules_at("values"), fill_others,
                 rules_at("filled"), fill_semantic, fill_text, rules_at("text"), rules_at("finished"),
                 repair_text_unique_sets)


def sample_table(d: Draft) -> pa.Table:
    for stage in SAMPLE_STAGES:
        stage(d)
    table = d.ft.table
    missing = [c for c in table.column_names if c not in d.values]
    if d.n == 0:  # an empty table (empty in the source, or scaled to nothing) needs no generator
        for c in missing:
            d.values[c] = pa.nulls(0)
        missing = []
    if missing:
        raise DataError(f"table {d.ft.key!r}: nothing generated the columns {missing}")
    return pa.table({c: d.values[c] for c in table.column_names})


# -- helpers -------------------------------------------------------------------------------

def _flag(d: Draft, name: str | None) -> np.ndarray:
    if name is None or name not in d.rows.column_names:
        return np.zeros(d.n, dtype=bool)
    return d.rows.column(name).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _column_or(d: Draft, name: str | None, default: float) -> np.ndarray:
    if name is None or name not in d.rows.column_names:
        return np.full(d.n, default, dtype=np.float64)
    return np.nan_to_num(d.rows.column(name).to_numpy(zero_copy_only=False).astype(np.float64), nan=default)


def _with_row_numbers(d: Draft) -> pa.Table:
    cols = {c: d.values[c] for c in d.values if d.ft.table.has_column(c)}
    cols[row_column(d.ft)] = pa.array(np.arange(d.n, dtype=np.int64))
    return pa.table(cols)


def _duplicate_rows(d: Draft, unique: tuple[str, ...]) -> np.ndarray:
    """Rows (beyond the first) repeating a unique set's values; rows with a NULL in it never clash."""
    if any(c not in d.values for c in unique):
        return np.array([], dtype=np.int64)
    frame = _with_row_numbers(d)
    cols = [sql.column(c) for c in unique]
    row = row_column(d.ft)
    ranked = exp.select(sql.column(row)).from_(
        exp.select(sql.column(row), exp.Window(this=exp.RowNumber(), partition_by=cols).as_("k"))
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
        return con.execute(sql.render(query)).fetchnumpy()[row_column(d.ft)].astype(np.int64)
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
