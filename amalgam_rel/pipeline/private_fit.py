"""The private fit of a whole database: bound, split, then the private stages per table.

:func:`fit_private` replaces :func:`amalgam_rel.pipeline.fitting.fit_tables` under
``--epsilon``. Its stages (:data:`PRIVATE_FIT_STAGES`) mirror ``FIT_STAGES``; every step that
read real data outside a table model is either gone (temporal orders, cycle-edge shares) or
replaced by a public rule (:mod:`.public`), and each table model gets its share of rho and its
sensitivity. Everything spent is in the returned :class:`~amalgam_rel.models.ledger.Ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
from sqlglot import exp

from amalgam_rel.dp.accounting import database_rho, split_rho
from amalgam_rel.dp.bounding import clip_counts, drop_bounded, fk_caps
from amalgam_rel.dp.caps import CAP_SHARE, CapChooser
from amalgam_rel.dp.options import PrivacyOptions
from amalgam_rel.dp.public import public_context, public_filler, public_key_generator, public_sequences
from amalgam_rel.dp.public_parents import label_checks, public_key_labels, with_public_keys
from amalgam_rel.dp import private_derived, private_offsets
from amalgam_rel.dp.private_copies import TEST_SHARE, candidates, private_copies
from amalgam_rel.dp.private_forms import form_columns, unlike_columns
from amalgam_rel.dp.rule_reach import rule_parts, within_reach
from amalgam_rel.dp.sensitivity import Contributions, private_fks, unit_contributions
from amalgam_rel.dp.sizes import combined, combined_variance, count_sum_variance, nonnegative_mean, total_variance
from amalgam_rel.dp.unit import PrivacyUnit
from amalgam_rel.dp.unit_bounding import below_children, bound_units
from amalgam_rel.errors import InputError
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import RELEASE_SHARE, gaussian_sigma
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.pipeline.fitting import LANGUAGE_MODEL, FitOptions, FittedTable
from amalgam_rel.pipeline.private_ledger import note_public_steps, unit_ledger
from amalgam_rel.pipeline.private_text import fit_private_words, model_columns, text_candidates, text_part
from amalgam_rel.relational.plan import DatabasePlan, plan_database
from amalgam_rel.relational.rules import computed_columns, copies as copies_rule, derived as derived_rule, offsets as offsets_rule
from amalgam_rel.relational.kept_contacts import contact_columns
from amalgam_rel.relational.semantic_columns import Semantics, private_semantics, with_presence
from amalgam_rel.relational.text_features import without_text_features
from amalgam_rel.relational.training import TrainingFrames, frame_name
from amalgam_rel.schema import sql
from amalgam_rel.schema.internal_names import context_column, context_parent, is_context_column
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.types import Kind


@dataclass
class PrivateContext:
    """What every private stage needs besides the table: options, shares, sensitivities, ledger."""

    fit: FitOptions
    privacy: PrivacyOptions
    contributions: Contributions
    shares: dict[str, float]
    release_delta: dict[str, float]
    ledger: Ledger
    rng: np.random.Generator
    labels: dict[int, tuple[str, ...]]  # FK into a public table -> its keys (public labels)
    text: dict[str, tuple[str, ...]] = field(default_factory=dict)  # words mode: table -> its text candidates
    words: dict[str, dict[str, dict]] = field(default_factory=dict)  # table -> column -> released words
    tests_part: dict[str, float] = field(default_factory=dict)  # table -> share of its rho the rule tests took
    forms_part: dict[str, float] = field(default_factory=dict)  # table -> share of its rho the forms test took
    not_generated: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> columns unlike their type


def private_plan(db: Database, options: PrivacyOptions, unit: PrivacyUnit) -> DatabasePlan:
    """The private plan; refuses what the guarantee cannot cover yet, before reading data."""
    options.check_tables(db)
    # the schema travels with the fitted model: its true row counts must not
    db = db.without_row_counts()
    plan = plan_database(db, private=True, public=frozenset(unit.public))
    private = set(unit.private)
    for key, tp in plan.tables.items():
        if key in unit.public:
            continue  # kept as it is: its self-references keep their real values
        if (key == unit.table and tp.driver is not None) or (key != unit.table and not private_fks(plan, key, private)):
            raise InputError(f"table {key}: it reaches the privacy unit {unit.table} only through a foreign-key cycle, "
                             "which a private fit cannot follow yet; choose another --privacy-unit")
        for fk in tp.self_references:
            if not fk.nullable:
                raise InputError(f"{fk.label}: a NOT NULL self-reference is not covered by --epsilon yet (a row's "
                                 "place in the hierarchy depends on every ancestor: no bounded sensitivity)")
    return plan


def fit_private(con: duckdb.DuckDBPyConnection, db: Database, fit: FitOptions, privacy: PrivacyOptions,
                unit: PrivacyUnit, progress=None) -> tuple[DatabasePlan, dict[str, FittedTable], Ledger, dict]:
    plan = private_plan(db, privacy, unit)
    db = plan.db
    private = set(unit.private)
    caps = {i: c for i, c in fk_caps(plan, privacy.cap_of).items() if db.foreign_keys[i].table in private}
    rho = database_rho(privacy.epsilon, privacy.delta)
    rng = np.random.default_rng(fit.seed)
    # every cap not declared, and (when one is not) the rows kept per unit of each private table but the unit's
    automatic = sum(c is None for c in caps.values())
    deep = sum(below_children(plan, k, unit.table, private) for k in private)
    chooser = CapChooser(rho * CAP_SHARE, automatic + (deep if automatic else 0), rng)
    limits: dict[str, int] = {}
    sources = bound_units(con, plan, unit.table, private, caps, chooser.pick,
                          chooser.pick_rows if automatic else None, limits)
    contributions = unit_contributions(plan, unit.table, private, caps, limits)
    empty = empty_tables(con, sources)
    shares = split_rho(rho - chooser.spent, {k: model_columns(plan, k, fit.context_size)
                                            for k in unit.private if k not in empty}) | dict.fromkeys(empty, 0.0)
    release = {k: privacy.delta * RELEASE_SHARE * s / rho for k, s in shares.items()}
    ledger = unit_ledger(privacy, rho, plan, unit, shares, contributions)
    chooser.record(ledger, plan)
    labels = {plan.fk_index(fk): public_key_labels(con, plan, fk) for k in unit.private for fk in plan.tables[k].attributes}
    labels = {i: keys for i, keys in labels.items() if keys is not None}
    ctx = PrivateContext(fit, privacy, contributions, shares, release, ledger, rng, labels)
    if privacy.text == "words":  # each text candidate's column share goes to its words, not the model
        ctx.text = {k: text_candidates(plan, k, fit.semantic_overrides) for k in unit.private}
    frames = TrainingFrames(con, plan, sources)
    fitted: dict[str, FittedTable] = {}
    try:
        for key in plan.graph.order:
            ft = FittedTable(key, db.table(key), plan.tables[key])
            if key in private:
                for stage in PRIVATE_FIT_STAGES:
                    stage(ft, frames, fitted, ctx)
            else:  # kept as it is (private_database): a public count, nothing modelled
                ft.real_rows = sql.count_rows(con, ft.table.name, ft.table.schema)
                ft.semantic = public_contacts(ft, fit.semantic_overrides)
            fitted[key] = ft
            if progress is not None:
                progress(key)
    finally:
        drop_bounded(con, sources)
    for ft in fitted.values():
        ft.frame = None
    note_public_steps(plan, {k: fitted[k] for k in unit.private}, ledger, labels)
    return plan, fitted, ledger, ctx.words


def empty_tables(con: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> set[str]:
    """Private tables without a bounded row. Such a table is written empty, which the output shows
    (docs/privacy.md), so a share of rho for it would buy nothing: it gets none (northwind's empty
    customer_customer_demo held 10 % of rho at epsilon = 8, unspent)."""
    empty = set()
    for key, name in sources.items():
        query = exp.select(exp.Literal.number(1)).from_(exp.Table(this=sql.ident(name))).limit(1)
        if con.execute(sql.render(query)).fetchone() is None:
            empty.add(key)
    return empty


# -- the stages ------------------------------------------------------------------------------

def build_bounded_frame(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], ctx: PrivateContext) -> None:
    """The frame of the bounded rows; matched child counts clipped at their caps."""
    driver = ft.plan.driver
    candidates = without_text_features(fitted[driver.ref_table].modelled) if driver is not None else ()
    frame = frames.build(ft.key, tuple(candidates))
    clips = {name: ctx.contributions.caps[i] for i, name in ft.plan.count_columns.items()}
    frame = with_public_keys(clip_counts(frame, clips), frames.plan, ft.plan, ctx.labels)
    frames.frames[ft.key] = frame
    frames.con.register(frame_name(ft.key), frame)
    ft.frame = frame
    # sizes come from the private fit (fit_private_model); nothing reads the true count
    ft.real_rows, ft.null_driver_rows = 0, 0


def public_choices(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], ctx: PrivateContext) -> None:
    """Context, per-parent sequences and key generators from the schema (:mod:`.public`)."""
    driver = ft.plan.driver
    candidates = [c for c in ft.frame.column_names if is_context_column(c)]
    chosen: tuple[str, ...] = ()
    if driver is not None:
        chosen = public_context(frames.plan, ft.table, driver.ref_table, tuple(map(context_parent, candidates)),
                                ctx.fit.context_size)
    ft.frame = ft.frame.drop_columns([c for c in candidates if c not in chosen])
    frames.frames[ft.key] = ft.frame
    ft.context = tuple(c[1:] for c in chosen)
    ft.sequences = public_sequences(ft.table, ft.plan)
    ft.keys = {c: public_key_generator(ft.table, c, ft.frame.schema.field(c).type) for c in ft.plan.generated_keys}


def fit_private_model(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], ctx: PrivateContext) -> None:
    """The table model at the table's share and sensitivity; the row count comes from it."""
    key = ft.key
    kept = 1 - text_part(ctx, frames.plan, key) - ctx.tests_part.get(key, 0.0) - ctx.forms_part.get(key, 0.0)
    share, s = ctx.shares[key] * kept, ctx.contributions.sensitivity[key]
    release = ctx.release_delta[key] * kept
    copied = computed_columns(ft)
    # Faker fills them, no data; a column unlike its type (check_private_forms) is modelled instead
    ft.semantic = without_columns(private_semantics(ft, ctx.fit.semantic_overrides), copied + ctx.not_generated.get(key, ()))
    generated = ft.semantic.names + ((ft.semantic.locale,) if ft.semantic.drawn_locale else ())
    exclude = tuple(ft.plan.fk_columns) + tuple(ft.plan.generated_keys) + tuple(ft.sequences) + generated + copied
    offsets = ft.rules.get(offsets_rule.NAME, ())
    ft.frame, gap_checks = private_offsets.encoded_gaps(with_presence(ft.frame, ft), offsets)  # gaps, not dates
    own = [c for c in ft.frame.column_names if c not in exclude]
    if ft.frame.num_rows == 0:
        # Empty (in the source, or after contribution bounding): written empty, with no share of
        # rho (empty_tables). No model can fit on zero rows, and a noisy count would ask for rows
        # nothing can fill; which tables are empty is revealed (docs/privacy.md).
        ctx.ledger.note(key, "rows", "empty: written empty (that it is empty is not protected)")
        ft.real_rows, ft.model, left_out = 0, None, {}
    elif not own:
        # Nothing to model (keys only): the table's whole share buys one noisy row count.
        sigma = gaussian_sigma(share, s)
        noisy = ft.frame.num_rows + float(ctx.rng.normal(0, sigma))
        ctx.ledger.spend("rows", "gaussian", share, detail="noisy row count (no table model)", table=key,
                         sensitivity=float(s), sigma=sigma)
        ft.real_rows = max(0, int(round(noisy)))
        ft.model = None
        left_out = {}
    else:
        # the caps are public bounds of the child-count columns: no private range search for them
        bounds = tuple(exp.Between(this=exp.column(sql.ident(name)), low=exp.Literal.number(0),
                                   high=exp.Literal.number(ctx.contributions.caps[i]))
                       for i, name in ft.plan.count_columns.items())
        table = replace(ft.table, checks=ft.table.checks + bounds + gap_checks + label_checks(frames.plan, ft.plan, ctx.labels))
        seed = int(ctx.rng.integers(2**31))
        model = TableModel(rho=share, sensitivity=float(s), release_delta=release, iters=ctx.fit.iters,
                           n_bins=ctx.fit.n_bins, max_categories=ctx.fit.max_categories, seed=seed)
        model.fit(ft.frame, table, exclude=exclude)
        ctx.ledger.add_table_model(key, model.ledger_, s, release)
        ft.model = model
        ft.real_rows = max(0, int(model.n_rows_))
        left_out = model.left_out_
    driver = ft.plan.driver
    if driver is not None:  # children per parent: the parent model's count column, else two private counts
        parent, i = fitted[driver.ref_table], frames.plan.fk_index(driver)
        column = parent.plan.count_columns.get(i)
        mean = modelled_mean(parent, column, ctx.rng)
        if mean is not None and ft.model is not None:  # weighed against the table's own count (dp/sizes.py)
            own_variance = total_variance(ft.model.ledger_)
            parent_variance = count_sum_variance(parent.model.ledger_, column, ctx.contributions.caps[i])
            estimate = combined(ft.real_rows, own_variance, parent.real_rows * mean, parent_variance)
            ft.real_rows = round(nonnegative_mean(estimate, combined_variance(own_variance, parent_variance)))
        if parent.real_rows > 0:
            ft.mean_degrees[frames.plan.fk_index(driver)] = ft.real_rows / parent.real_rows
    ft.text_columns = tuple(c for c, why in left_out.items() if why.startswith(LANGUAGE_MODEL) and ft.table.has_column(c))
    nulls = ft.model.text_nulls_ if ft.model is not None else {}
    ft.text_nulls = {c: nulls[c] for c in ft.text_columns if c in nulls}
    ft.context = tuple(c for c in ft.context if context_column(c) in ft.modelled)
    others = [c for c, why in left_out.items() if ft.table.has_column(c) and c not in exclude and c not in ft.text_columns]
    ft.fillers = {c: public_filler(ft.table, c) for c in others}


MEAN_DRAWS = 20_000  # rows drawn from a parent model to read its mean count of children


def modelled_mean(parent: FittedTable, column: str | None, rng: np.random.Generator) -> float | None:
    """The mean of a parent model's child-count column (post-processing: rows drawn from the
    fitted model), or None when the parent does not model it. The parent measured that column at
    its own sensitivity (a unit's parents, not its children: ``cap`` times fewer rows): one of the
    two estimates of the child's size (:mod:`amalgam_rel.dp.sizes`)."""
    if column is None or parent.model is None or column not in parent.model.columns_ or parent.real_rows <= 0:
        return None
    drawn = parent.model.sample(MEAN_DRAWS, seed=int(rng.integers(2**31))).column(column)
    values = drawn.to_numpy(zero_copy_only=False).astype(np.float64)
    return float(np.nanmean(values)) if len(values) else None


def released_rows(ft: FittedTable, fitted: dict[str, FittedTable], plan: DatabasePlan, ctx: PrivateContext) -> float | None:
    """The table's rows as the released parent model tells them (:func:`modelled_mean`), or None
    (no driving parent, or no count column in its model). Drawn from a spawned generator: the fit's
    own stream, and so every table whose tests all run, stays as it was (on chinook, drawing
    it from the fit's stream changed no decision but moved seed 0 from 0.870 to 0.822)."""
    driver = ft.plan.driver
    if driver is None:
        return None
    parent = fitted[driver.ref_table]
    mean = modelled_mean(parent, parent.plan.count_columns.get(plan.fk_index(driver)), ctx.rng.spawn(1)[0])
    return None if mean is None else parent.real_rows * mean


def find_private_rules(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], ctx: PrivateContext) -> None:
    """Columns repeating a parent row's column (:mod:`amalgam_rel.dp.private_copies`), dates told
    as a gap to another date (:mod:`amalgam_rel.dp.private_offsets`) and numbers computed from
    two others of the row (:mod:`amalgam_rel.dp.private_derived`), candidates from the schema,
    each tested under the table's budget (:mod:`amalgam_rel.dp.rule_reach`: the copies one column's
    share per candidate, the date pairs and identities theirs beside it, so the copies' noise stays
    where it was). A family that cannot pass on the rows the parent model releases is not run."""
    plan = frames.plan
    if ft.frame.num_rows == 0:
        return
    pairs = candidates(ft, fitted, plan, lambda key: semantic_types(plan, key, ctx.fit.semantic_overrides))
    copied = {p[0] for p in pairs}  # written from the parent after the rows are drawn: no other rule's
    dates = [(c, a) for c, a in private_offsets.candidates(ft, plan) if c not in copied and a not in copied]
    sums = private_derived.candidates(ft, copied)
    if not (pairs or dates or sums):
        return
    d, left = model_columns(plan, ft.key, ctx.fit.context_size) + 1, 1 - text_part(ctx, plan, ft.key)
    s, rho = float(ctx.contributions.sensitivity[ft.key]), ctx.shares[ft.key]
    rows, tested = released_rows(ft, fitted, plan, ctx), (pairs, dates, sums)
    pairs, dates, sums = within_reach(rows, s, rho, rule_parts(d, left, *tested), *tested)
    left_out = [n for n, a, b in zip(("copies", "date gaps", "identities"), tested, (pairs, dates, sums)) if a and not b]
    if left_out:
        ctx.ledger.note(ft.key, "rule tests", f"not run, no candidate could pass on the {rows:,.0f} rows the "
                        "parent model releases: " + ", ".join(left_out))
    if not (pairs or dates or sums):
        return
    copies_part, rules_part, others = rule_parts(d, left, pairs, dates, sums)
    ctx.tests_part[ft.key] = copies_part + rules_part
    if pairs:
        ft.rules[copies_rule.NAME] = private_copies(frames, plan, ft.key, pairs, rho=rho * copies_part,
                                                    sensitivity=s, rng=ctx.rng, ledger=ctx.ledger)
    if dates:
        ft.rules[offsets_rule.NAME] = private_offsets.private_offsets(
            ft.frame, ft.key, dates, rho=rho * rules_part * len(dates) / others, sensitivity=s, rng=ctx.rng, ledger=ctx.ledger)
    if sums:
        ft.rules[derived_rule.NAME] = private_derived.private_derived(ft, sums, rho=rho * rules_part / others,
                                                                      sensitivity=s, rng=ctx.rng, ledger=ctx.ledger)


def check_private_forms(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], ctx: PrivateContext) -> None:
    """Generated columns whose values lack their type's form (:mod:`amalgam_rel.dp.private_forms`) go back to
    the model, and under ``--epsilon-text words`` join the text candidates. The test takes one column's
    share for all (at most a quarter) of what the text candidates leave even if a tested column joins
    them: it only tells values mostly of the form from values mostly not (one share each took a quarter
    of chinook's customers' budget, eight columns all kept)."""
    tested = form_columns(private_semantics(ft, ctx.fit.semantic_overrides).columns)
    tested = [(c, t) for c, t in tested if c in ft.frame.column_names]
    if not tested or ft.frame.num_rows == 0:
        return
    plan, words = frames.plan, ctx.privacy.text == "words"
    joining = tuple(c for c, _ in tested if words and ft.table.column(c).type.kind is Kind.STRING)
    d = model_columns(plan, ft.key, ctx.fit.context_size)
    part = min(TEST_SHARE, 1 / (d + 1)) * (1 - (1 / (d + 1) if ctx.text.get(ft.key) or joining else 0.0))
    ctx.forms_part[ft.key] = part
    found = unlike_columns(ft.frame, tested, sensitivity=float(ctx.contributions.sensitivity[ft.key]),
                           rho=ctx.shares[ft.key] * part, rng=ctx.rng, ledger=ctx.ledger, table=ft.key)
    ctx.not_generated[ft.key] = found
    if words:
        ctx.text[ft.key] = ctx.text.get(ft.key, ()) + tuple(c for c in joining if c in found)


def semantic_types(plan: DatabasePlan, key: str, overrides) -> dict[str, str]:
    """A table's generated columns -> semantic type, from the schema alone (the locale column too)."""
    tp, table = plan.tables[key], plan.db.table(key)
    found = private_semantics(FittedTable(key, table, tp, sequences=public_sequences(table, tp)), overrides)
    types = {c.column: c.type for c in found.columns}
    return types | ({found.locale: found.locale_type} if found.locale else {})


def without_columns(found: Semantics, copied: tuple[str, ...]) -> Semantics:
    """``found`` less the columns a copy fills; a copied locale column is read, not drawn."""
    if not copied:
        return found
    drawn = found.drawn_locale and found.locale not in copied
    return replace(found, columns=tuple(c for c in found.columns if c.column not in copied), drawn_locale=drawn)


PRIVATE_FIT_STAGES = (build_bounded_frame, public_choices, check_private_forms, find_private_rules, fit_private_model,
                      fit_private_words)


def public_contacts(ft: FittedTable, overrides) -> Semantics:
    """A public table's contacts (phone, e-mail, street address) are blank in its kept rows and
    generated, as a kept reference table's are (:mod:`amalgam_rel.relational.kept_contacts`)."""
    found = private_semantics(ft, overrides)
    contacts = set(contact_columns(ft.table))
    return replace(found, columns=tuple(c for c in found.columns if c.column in contacts), drawn_locale=False)
