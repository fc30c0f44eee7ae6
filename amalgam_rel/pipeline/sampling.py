"""Sample one table, given its already sampled parents: the stages, in order, each with one job.

A :class:`~.draft.Draft` carries the table's rows while :data:`SAMPLE_STAGES` turn them from
model output into rows DuckDB accepts: rows are created per parent (or per root), foreign keys
are matched, self-references become forests, keys are invented, unique sets and CHECKs are
repaired by resampling (:mod:`.repairs`), and the language model and fillers complete the
remaining columns.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.dp.public_parents import resolve_public_parents
from amalgam_rel.errors import DataError
from amalgam_rel.pipeline.draft import Draft
from amalgam_rel.pipeline.repairs import enforce_checks, repair_text_unique_sets, repair_unique_sets
from amalgam_rel.pipeline.text_stage import fill_text, put_text
from amalgam_rel.relational import implied, parent_copies
from amalgam_rel.relational.implied import Implied
from amalgam_rel.relational.keys import number_within
from amalgam_rel.relational.matching import align_to_values, fit_degrees, match_to_degrees, repair_duplicate_pairs
from amalgam_rel.relational.plan import context_column, is_matched_column, matched_column, parse_matched_column
from amalgam_rel.relational.rules import apply_rules, implied as implied_rule, shared as shared_rule
from amalgam_rel.relational.rules.rows import fk_of, model_rows, parent_column
from amalgam_rel.relational.semantic_fill import fill_semantic
from amalgam_rel.relational.shared_values import as_text, draw_targets, share_slots
from amalgam_rel.relational.trees import build_forests
from amalgam_rel.schema.internal_names import count_column
from amalgam_rel.schema.model import ForeignKey


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
    if d.degree_bounds is not None:  # the parents were drawn with such counts; rescaling may have moved some
        counts = np.clip(counts, *d.degree_bounds)
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
    """The matched parents ``chosen`` for rows ``need``, handed to the rows so that they share
    a value with another parent of the row as often as the real rows do (:mod:`.shared_values`)
    and, within that, by the parent value each row was drawn with (see
    :func:`.fitting.select_match_columns`)."""
    i = d.fk_index[fk]
    column = d.ft.matched.get(i)
    parent = d.parents[fk.ref_table]
    chosen, groups = _shared(d, i, parent, need, chosen)
    name = matched_column(i, column) if column is not None else None
    if name is None or name not in d.rows.column_names or column not in parent.column_names:
        return chosen
    # and the columns matched on after it (a route's airline: active, then of which country)
    columns = [column] + [c for c in d.ft.matched_also.get(i, ()) if matched_column(i, c) in d.rows.column_names
                          and c in parent.column_names]
    rows = pa.array(need)
    wanted = [d.rows.column(matched_column(i, c)).combine_chunks().take(rows) for c in columns]
    values = [parent.column(c).combine_chunks() for c in columns]
    return align_to_values(chosen, wanted if len(columns) > 1 else wanted[0],
                           values if len(columns) > 1 else values[0], d.rng, groups)


def _shared(d: Draft, i: int, parent: pa.Table, need: np.ndarray, chosen: np.ndarray):
    """``chosen`` handed out again so the rows' parents share values with their other parents
    as the real rows' do (and each row's group for the alignment that follows), or unchanged
    (and no groups) without such a rule."""
    rule = shared_rule.records_of(d.ft).get(i)
    if rule is None or len(need) == 0 or rule.column not in parent.column_names:
        return chosen, None
    partners = []
    for j in rule.partners:
        table = d.parents[fk_of(d, j).ref_table]
        if j not in d.parent_of or rule.column not in table.column_names:
            return chosen, None
        partners.append(shared_rule.partner_values(as_text(table.column(rule.column)), d.parent_of[j][need]))
    slot_values = as_text(parent.column(rule.column))[chosen]
    out, groups = share_slots(slot_values, draw_targets(rule, partners, slot_values, d.rng), d.rng)
    return chosen[out], groups


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


SAMPLE_STAGES = (create_rows, rules_at("drawn"), resolve_public_parents, match_foreign_keys, build_self_references, generate_keys, resolve_foreign_keys,
                 keep_temporal_orders, assemble, repair_unique_sets, resolve_drawn_self_references, enforce_checks,
                 resolve_drawn_self_references, rules_at("parents"), rules_at("dates"), rules_at("values"), fill_others,
                 rules_at("filled"), fill_semantic, fill_text, rules_at("text"), rules_at("finished"),
                 repair_text_unique_sets)


_TEXT_STAGE = SAMPLE_STAGES.index(fill_text)


def sample_table(d: Draft) -> pa.Table:
    sample_until_text(d)
    return finish_table(d)


def sample_until_text(d: Draft) -> None:
    """The stages before the language model's: every value but the text (and what is written after it)."""
    for stage in SAMPLE_STAGES[:_TEXT_STAGE]:
        stage(d)


def finish_table(d: Draft, text: dict[str, pa.Array] | None = None) -> pa.Table:
    """The text and the stages after it, on a draft :func:`sample_until_text` ran: the table's
    rows; ``text``: the values drawn elsewhere for :func:`text_request`'s question."""
    put_text(d, text) if text is not None else fill_text(d)
    for stage in SAMPLE_STAGES[_TEXT_STAGE + 1:]:
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


def _flag(d: Draft, name: str | None) -> np.ndarray:
    if name is None or name not in d.rows.column_names:
        return np.zeros(d.n, dtype=bool)
    return d.rows.column(name).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _column_or(d: Draft, name: str | None, default: float) -> np.ndarray:
    if name is None or name not in d.rows.column_names:
        return np.full(d.n, default, dtype=np.float64)
    return np.nan_to_num(d.rows.column(name).to_numpy(zero_copy_only=False).astype(np.float64), nan=default)


