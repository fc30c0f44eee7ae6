"""Fit every table of a database, parents first: the per-table models of the relational layer.

For each table in generation order the stages in :data:`FIT_STAGES` run on a
:class:`FittedTable` being filled in. Each stage is a plain function with one job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


from amalgam_rel.errors import SchemaError
from amalgam_rel.models.codecs.base import CodecOptions
from amalgam_rel.models.columns import remembered_free_text
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.relational.context import choose_context
from amalgam_rel.relational.cycles import back_link, own_parent_share, own_parent_top
from amalgam_rel.relational.date_offsets import encode as encode_offsets, is_offset_column, resolution as _resolution
from amalgam_rel.relational.parent_ratios import is_ratio_column
from amalgam_rel.relational.fillers import Filler, fit_filler
from amalgam_rel.pipeline.fit_lists import add_list_categories, excluded_lists, list_category_columns, list_context
from amalgam_rel.pipeline.match_columns import distinct_parents, own_columns, select_match_columns
from amalgam_rel.pipeline.issued_columns import calendar_columns, unique_codes
from amalgam_rel.relational.large_tables import SampledRows
from amalgam_rel.relational.keys import WithNulls, find_parent_sequence, fit_key_generator
from amalgam_rel.relational.plan import DatabasePlan, TablePlan, context_column, count_column, matched_column
from amalgam_rel.relational.closed_sets import closed_columns
from amalgam_rel.relational.rules import computed_columns, find_rules, implied, offsets
from amalgam_rel.relational.semantic_columns import Semantics, find_semantic_columns, with_semantic_lengths
from amalgam_rel.relational.text_features import add_text_features, without_text_features
from amalgam_rel.relational.time_zones import fit_offsets, time_tz_columns
from amalgam_rel.relational.training import TrainingFrames
from amalgam_rel.schema.internal_names import context_parent, is_context_column, is_matched_column
from amalgam_rel.schema.engines import Engine
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import TEMPORAL_KINDS, Kind

LANGUAGE_MODEL = "language_model"


@dataclass(frozen=True)
class FitOptions:
    context_size: int = 3  # parent columns a child model sees (plus any a temporal order needs)
    epsilon: float | None = None
    delta: float = 1e-9
    iters: int = 1000
    n_bins: int | None = None
    seed: int = 0
    # Strings with up to this many values are categories of the table model, not free text: a
    # ship-to city or a billing address repeated across orders is a category, and the language
    # model would only lose its exact distribution.
    max_categories: int = 200
    # Pairs measured beyond each table's Chow-Liu tree, per column (the table model's default is
    # one per two columns). A parent's model is judged on more than its own pairs: its children
    # are weighted by its child counts, so every attribute its children are compared with must
    # reach those counts by more than one long path (world: inter-table trends 0.72 -> 0.77).
    extra_edges_per_column: float = 1.0
    # (child table, driving parent's column) where the column totals the child's rows
    # (:mod:`.totals`): an outcome of the children, never context they are drawn from
    outcomes: frozenset[tuple[str, str]] = frozenset()
    kept: frozenset[str] = frozenset()  # reference tables kept verbatim (:mod:`.reference`)
    semantic_overrides: dict[tuple[str, str], str] = field(default_factory=dict)  # sidecar: (table, column) -> type
    # a table of more rows is fitted from a sample of about this many and counts of all of its
    # rows computed where it lives (:mod:`~amalgam_rel.relational.large_tables`); None: read whole
    max_rows: int | None = None
    # where those counts run: inside a server source (:class:`~amalgam_rel.schema.engines.Engine`);
    # None: the DuckDB connection the frames are built in
    engine: Engine | None = None


@dataclass(frozen=True)
class TemporalOrder:
    """``child >= parent`` held for at least 99 % of real rows; gaps are resampled from real gaps."""

    column: str
    parent_column: str  # the context column name (``^...``) carrying the parent's value
    gaps: tuple[float, ...]  # quantiles of (child - parent) where it held, in the arrow unit
    step: float = 1.0  # the child's resolution in that unit (whole seconds, days...): moved dates keep it


@dataclass
class FittedTable:
    key: str
    table: Table
    plan: TablePlan
    frame: pa.Table | None = None  # training frame (dropped after fitting)
    context: tuple[str, ...] = ()  # parent columns the model sees (names in the parent's frame)
    model: TableModel | None = None
    keys: dict = field(default_factory=dict)
    fillers: dict[str, Filler] = field(default_factory=dict)
    text_columns: tuple[str, ...] = ()
    real_rows: int = 0
    null_driver_rows: int = 0
    temporal: tuple[TemporalOrder, ...] = ()
    mean_degrees: dict[int, float] = field(default_factory=dict)  # fk index -> real rows per parent row
    own_parent_shares: dict[int, float] = field(default_factory=dict)  # broken fk index -> see cycles.own_parent_share
    own_parent_tops: dict[int, tuple[str, int, float]] = field(default_factory=dict)  # see cycles.own_parent_top
    sequences: dict[str, int] = field(default_factory=dict)  # column numbering each driving parent's rows -> first number
    matched: dict[int, str] = field(default_factory=dict)  # matched fk index -> the parent column rows are matched on
    matched_also: dict[int, tuple[str, ...]] = field(default_factory=dict)  # -> columns matched on after it (:mod:`.match_columns`)
    calendar: tuple[str, ...] = ()  # keys the model also owns (a calendar's days): issued first, then its evidence
    rules: dict[str, tuple] = field(default_factory=dict)  # rule name -> its records (:mod:`.rules`)
    time_zones: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict)  # TIMETZ column -> offsets
    semantic: Semantics | None = None  # columns Faker fills, and the row's locale column (:mod:`.semantic_columns`)
    semantic_real: dict[str, frozenset] = field(default_factory=dict)  # their real values, to count copies (never saved)
    sampled: SampledRows | None = None  # a table too large to read: how its frame was sampled (never saved)
    text_nulls: dict[str, float] = field(default_factory=dict)  # private: text column -> noisy NULL share (saved with the text model)

    @property
    def modelled(self) -> tuple[str, ...]:
        """Columns the model's rows give (an offset date is given once its gap is added back)."""
        columns = self.model.columns_ if self.model is not None else ()
        return tuple(c[1:] if is_offset_column(c) else c for c in columns)


def build_frame(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], options: FitOptions) -> None:
    """The training frame, with every parent column the child might want as context or match on."""
    driver = ft.plan.driver
    candidates = _parent_columns(fitted[driver.ref_table]) if driver is not None else ()
    # (not a matched parent's count of this very key: the match already follows it)
    matched = {i: tuple(c for c in _parent_columns(fitted[fk.ref_table], matched=True) if c != count_column(i))
               for fk in ft.plan.matched for i in [frames.plan.fk_index(fk)]}
    ft.frame = frames.build(ft.key, candidates, matched)
    ft.real_rows = frames.rows(ft.key)
    ft.null_driver_rows = frames.null_driver_rows(ft.key)
    ft.sampled = frames.sampled.get(ft.key)


def _parent_columns(parent: FittedTable, matched: bool = False) -> tuple[str, ...]:
    """A parent's columns a child may see: its model's, less text features (not its lists'
    categories, unless ``matched``: rows are matched on a value's rank), its own matches and
    which ratio of its own parent's value a number follows (the number itself is there)."""
    return tuple(c for c in without_text_features(parent.modelled, None if matched else parent.table)
                 if not is_matched_column(c) and not is_ratio_column(c))


def measure_degrees(ft: FittedTable, frames, fitted: dict[str, FittedTable], options) -> None:
    """Real children per parent row of each driving or matched FK (rows with the FK filled).

    Sampling compares the sampled degrees' sum with parents times this mean to tell a
    deliberate resize from sampling noise (:func:`.matching.fit_degrees`).
    """
    fks = ((ft.plan.driver,) if ft.plan.driver else ()) + ft.plan.matched
    for fk in fks:
        parent_rows = fitted[fk.ref_table].real_rows
        if parent_rows == 0:
            continue
        i = frames.plan.fk_index(fk)
        filled = frames.filled_rows(ft.key, i)
        if filled is None:
            valid = np.ones(ft.frame.num_rows, dtype=bool)
            for c in fk.columns:
                valid &= ft.frame.column(c).is_valid().to_numpy(zero_copy_only=False)
            filled = int(valid.sum())
        ft.mean_degrees[i] = float(filled) / parent_rows


def measure_cycle_edges(ft: FittedTable, frames: TrainingFrames, fitted, options) -> None:
    """How often a broken cycle edge points at a parent row of the child's own (see :mod:`.cycles`)."""
    db = frames.plan.db
    for fk in ft.plan.deferred:
        back = back_link(db, fk)
        share = own_parent_share(frames.con, db, fk, back) if back is not None else None
        if share is not None:
            ft.own_parent_shares[frames.plan.fk_index(fk)] = share
            top = own_parent_top(frames.con, db, fk, back)
            if top is not None:
                ft.own_parent_tops[frames.plan.fk_index(fk)] = top


def find_temporal_orders(ft: FittedTable, frames, fitted, options) -> None:
    """Child dates that follow a parent date in ≥ 99 % of rows keep following it: the driving
    parent's, or that of a parent the row follows (:mod:`.implied`: a payment after its rental)."""
    orders = []
    followed = tuple(matched_column(i, "") for i in implied.followed(ft))
    parents = [c for c in ft.frame.column_names if is_context_column(c) or (followed and c.startswith(followed))]
    for column in ft.table.columns:
        if column.type.kind not in TEMPORAL_KINDS or column.type.kind is Kind.INTERVAL or column.name in ft.plan.fk_columns:
            continue
        child = ft.frame.column(column.name)
        for p in parents:
            parent = ft.frame.column(p)
            if parent.type != child.type:
                continue
            both = pc.and_(child.is_valid(), parent.is_valid())
            c = _as_numbers(child.filter(both))
            q = _as_numbers(parent.filter(both))
            if len(c) < 20:
                continue
            ok = c >= q
            if ok.mean() >= 0.99:
                gaps = np.quantile((c - q)[ok], np.linspace(0, 1, 33))
                orders.append(TemporalOrder(column.name, p, tuple(float(g) for g in gaps), _resolution(c, child.type)))
                break
    ft.temporal = tuple(orders)


def select_context(ft: FittedTable, frames, fitted, options: FitOptions) -> None:
    candidates = [c for c in ft.frame.column_names if is_context_column(c) and (ft.key, context_parent(c)) not in options.outcomes]
    own = own_columns(ft)
    required = tuple(dict.fromkeys([t.parent_column for t in ft.temporal if t.parent_column in candidates]
                                   + [o.anchor for o in ft.rules.get(offsets.NAME, ()) if o.anchor in candidates]))
    # the children inherit this context: score it against their attributes too
    views = frames.child_views(ft.key, candidates)
    # what a row is matched on may leave a column that follows it to depend on the driving
    # parent only given that value (a line's price: its product's, and the order's date)
    given = [matched_column(i, c) for i, c in ft.matched.items()]
    parents = distinct_parents(ft, kept=options.kept)
    chosen = choose_context(ft.frame, candidates, own, options.context_size, ft.table, required, views,
                            parents=parents, given=given)
    chosen += list_context(ft, candidates, own, chosen, parents)
    drop = [c for c in candidates if c not in chosen]
    ft.frame = ft.frame.drop_columns(drop)
    ft.context = tuple(c[1:] for c in chosen)
    frames.frames[ft.key] = ft.frame


def find_parent_sequences(ft: FittedTable, frames, fitted, options) -> None:
    """Key columns that number each driving parent's rows (``PRIMARY KEY (order_id, line_no)``).

    A model would draw such numbers from their marginal and collide inside every parent;
    they are numbered per sampled parent instead, as the real ones are.
    """
    driver = ft.plan.driver
    if driver is None:
        return
    for unique in ft.table.unique_sets():
        rest = [c for c in unique if c not in driver.columns]
        if len(rest) != 1 or not set(driver.columns) < set(unique) or rest[0] in ft.plan.fk_columns:
            continue
        if ft.table.column(rest[0]).type.kind is not Kind.INTEGER:
            continue
        start = find_parent_sequence(ft.frame, driver.columns, rest[0])
        if start is not None:
            ft.sequences[rest[0]] = start


def fit_keys(ft: FittedTable, frames, fitted, options) -> None:
    ft.keys = {c: fit_key_generator(ft.frame.column(c), ft.table.column(c).type) for c in ft.plan.generated_keys}
    ft.calendar = tuple(calendar_columns(ft))
    for c in unique_codes(ft) + list(ft.calendar):
        values = ft.frame.column(c)
        codes = fit_key_generator(values, ft.table.column(c).type)
        ft.keys[c] = WithNulls(codes, values.null_count / len(values)) if values.null_count else codes


def fit_model(ft: FittedTable, frames, fitted, options: FitOptions) -> None:
    # a column a rule writes on every row is left out (one written only where its operands are set
    # keeps its column in the model, which gives the other rows)
    computed = list(computed_columns(ft))
    exclude = tuple(ft.plan.fk_columns) + tuple(c for c in ft.keys if c not in ft.calendar) + tuple(ft.sequences) + tuple(computed) \
        + (ft.semantic.names if ft.semantic else ())
    exclude += excluded_lists(ft, exclude)
    if ft.frame.num_rows == 0 or all(c in exclude for c in ft.frame.column_names):
        return
    # text lengths, frequent values and JSON shapes join the model (the private fit, which has no
    # language model, leaves them out: pipeline.private_fit)
    closed = closed_columns(ft.table, ft.frame, ft.key in options.kept) + list_category_columns(ft, exclude)
    frame = with_semantic_lengths(add_text_features(ft.frame, ft.table, exclude, closed,
                                                   CodecOptions(max_categories=options.max_categories)), ft)
    frame = encode_offsets(frame, ft.rules.get(offsets.NAME, ()))  # the model owns gaps, not dates
    columns = sum(c not in exclude for c in frame.column_names)
    extra = round(options.extra_edges_per_column * columns)
    model = TableModel(delta=options.delta, iters=options.iters, n_bins=options.n_bins,
                       max_categories=options.max_categories, extra_edges=extra, seed=options.seed)
    try:
        model.fit(frame, ft.table, exclude=exclude, closed=closed, aggregates=frames.aggregates(ft.key, frame.column_names))
    except SchemaError as err:
        if "no column a graphical model can own" not in str(err):
            raise
        model = None
        left_out = _left_out_without_model(ft, exclude)
    else:
        left_out = model.left_out_
    ft.model = model
    # a column without one value (all NULL, or an empty table) gives the language model nothing to
    # learn: its filler writes what it holds
    ft.text_columns = tuple(c for c, why in left_out.items() if why.startswith(LANGUAGE_MODEL) and ft.table.has_column(c)
                            and ft.frame.column(c).null_count < ft.frame.num_rows)
    ft.context = tuple(c for c in ft.context if context_column(c) in ft.modelled)
    ft.matched = {i: c for i, c in ft.matched.items() if matched_column(i, c) in ft.modelled}
    ft.matched_also = {i: kept for i, cs in ft.matched_also.items() if i in ft.matched
                       for kept in [tuple(c for c in cs if matched_column(i, c) in ft.modelled)] if kept}
    others = [c for c, why in left_out.items() if ft.table.has_column(c) and c not in exclude and c not in ft.text_columns]
    ft.fillers = {c: fit_filler(ft.frame.column(c), ft.table.column(c).type, nullable=ft.table.column(c).nullable,
                                name=f"{ft.key}.{c}") for c in others}


def _left_out_without_model(ft: FittedTable, exclude) -> dict[str, str]:
    from amalgam_rel.models.columns import plan_columns

    _, left_out = plan_columns(ft.frame.drop_columns([c for c in exclude if c in ft.frame.column_names]), ft.table)
    return left_out


def fit_time_zones(ft: FittedTable, frames: TrainingFrames, fitted, options: FitOptions) -> None:
    """The offsets of TIME WITH TIME ZONE columns (:mod:`.time_zones`); the private fit keeps none."""
    ft.time_zones = {c: fit_offsets(frames.con, frames.source(ft.table), c) for c in time_tz_columns(ft.table)}


def release_frame(ft: FittedTable, frames, fitted, options) -> None:
    ft.frame = None


def rules_at(point: str):
    """A fit stage running the rules whose ``find`` belongs at ``point`` (:data:`.rules.FIT_POINTS`)."""
    def stage(ft: FittedTable, frames, fitted, options) -> None:
        find_rules(point, ft, frames, fitted, options)
    stage.__name__ = stage.__qualname__ = f"find_rules_at_{point}"
    return stage


FIT_STAGES = (build_frame, add_list_categories, measure_degrees, rules_at("keys"), measure_cycle_edges, find_temporal_orders, find_parent_sequences,
              rules_at("dates"), select_match_columns, select_context, fit_keys, rules_at("columns"), find_semantic_columns,
              fit_model, rules_at("model"), fit_time_zones)


def fit_tables(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, options: FitOptions, progress=None) -> dict[str, FittedTable]:
    """The exact fit. Under a privacy budget :func:`~amalgam_rel.pipeline.private_fit.fit_private`
    runs instead, with stages of its own: none of these stages ever sees an epsilon."""
    if options.epsilon is not None:
        raise ValueError("fit_tables is the exact fit; under epsilon, pipeline.private_fit.fit_private fits the tables")
    frames = TrainingFrames(con, plan, max_rows=options.max_rows, engine=options.engine)
    fitted: dict[str, FittedTable] = {}
    with remembered_free_text():  # the stages plan the same columns again and again
        for key in plan.graph.order:
            ft = FittedTable(key, plan.db.table(key), plan.tables[key])
            for stage in FIT_STAGES:
                stage(ft, frames, fitted, options)
            fitted[key] = ft
            if progress is not None:
                progress(key)
    for ft in fitted.values():
        release_frame(ft, frames, fitted, options)
    return fitted


def _as_numbers(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dates and timestamps as integers in their own unit, for differences."""
    t = values.type
    storage = pa.int32() if pa.types.is_date32(t) else pa.int64()
    return values.cast(storage).to_numpy(zero_copy_only=False).astype(np.float64)
