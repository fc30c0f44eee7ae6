"""The differentially private fit of a :class:`~amalgam_rel.models.table_model.TableModel`.

Every data-dependent step spends a share of one zCDP budget and is recorded in the ledger: a
noisy row count first (every size below is then a function of public facts and that count), a
noisy test that routes free text to the language model, the codecs' private domains and 1-way
marginals, a private Chow-Liu tree, noisy pair marginals, and whatever is left re-measures the
1-way marginals. mbi's MirrorDescent then fits the potentials to the noisy measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from amalgam_rel.models import structure
from amalgam_rel.models.budget import (ROWS_SHARE, TEXT_SHARE, BudgetPlan, noise_tv, noisy_rows, one_way_shares,
                                       plan_budget)
from amalgam_rel.models.codecs import Codec, CodecOptions, ColumnSpec, PrivateFit, make_codec
from amalgam_rel.models.columns import private_text_test, public_states
from amalgam_rel.models.estimation import Measurement, Potentials, estimate
from amalgam_rel.models.exact_fit import FittedParts, Laps, encode_columns
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import gaussian_sigma, release_threshold
from amalgam_rel.schema.internal_names import is_context_column
from amalgam_rel.schema.types import Kind


MANY_LABELS = 64  # labelled columns past this many labels may be left out as noise (_leave_out_noise)
INDEPENDENT = (1.0, 0.0, 0.0)  # budget split of a model that measures no pair


@dataclass(frozen=True)
class GroupBudget:
    """A caller's budget in one-row units (see ``rho``/``sensitivity`` of the table model)."""

    rho: float
    release_delta: float


def group_release_delta(delta: float, group: float, rho: float, columns: int) -> float:
    """The one-row release delta that keeps a whole group's threshold releases below ``delta``.

    A value present only because of the group has a count c <= ``group``; with noise
    sigma = group / sqrt(2 rho_column) it clears the one-row threshold ``1 + sigma z`` with
    probability at most Q(z - sqrt(2 rho)), and at most ``group`` such values exist. So each of
    the model's (at most ``columns``) releases needs z = Q^-1(delta / (columns * group)) +
    sqrt(2 rho). The model splits its release delta evenly over the columns it keeps, and
    Q(Q^-1(x) + c) / x grows with x, so ``columns`` times the per-column answer is safe for any
    smaller number of kept columns.
    """
    from scipy.stats import norm

    per_column = delta / columns
    z = float(norm.isf(per_column / group)) + (2 * rho) ** 0.5
    return columns * float(norm.sf(z))


@dataclass
class _Run:
    """What every step of one private fit shares: the budget, its ledger and the noise."""

    data: pa.Table
    options: CodecOptions
    privacy: GroupBudget  # or PrivacyParams: anything with ``rho`` and ``release_delta``
    rng: np.random.Generator
    ledger: Ledger
    left_out: dict[str, str]  # grows as columns turn out to be text
    text_nulls: dict[str, float] = field(default_factory=dict)  # nullable text column -> its noisy NULL share


def fit_private(data: pa.Table, specs: list[ColumnSpec], left_out: dict[str, str], options: CodecOptions, privacy,
                rng: np.random.Generator, *, budget_split, iters: int, laps: Laps) -> FittedParts:
    """Fit the planned ``specs`` of ``data`` spending ``privacy.rho`` (see the module doc)."""
    run = _Run(data, options, privacy, rng, Ledger(privacy.rho), dict(left_out))
    # A noisy row count first. With nothing to model, the count is all the model releases, so it
    # takes all of rho.
    n_hat = noisy_rows(data.num_rows, privacy.rho * (ROWS_SHARE if specs else 1.0), rng, run.ledger)
    specs = _route_text(run, specs, n_hat, budget_split)
    kept = _leave_out_context(run, specs, n_hat, budget_split)
    if len(kept) < len(specs):  # stays independent: the freed share is for the 1-ways, not for new pairs
        budget_split = INDEPENDENT
    specs = _leave_out_noise(run, kept, n_hat, budget_split)
    plan = plan_budget(run.ledger.remaining, len(specs), n_hat, budget_split, options.n_bins) if specs else None
    codecs, one_way, one_way_sd = _fit_codecs(run, specs, n_hat, plan)
    laps.lap("codecs")

    names, sizes = [c.spec.name for c in codecs], [c.size for c in codecs]
    codes = encode_columns(codecs, data)
    laps.lap("encode")

    # plan.pairs == 0: too few rows for any pair to rise above the noise -> independent columns
    edges = (structure.private_tree(codes, sizes, one_way, plan.structure, run.ledger, rng, names)
             if plan is not None and plan.pairs > 0 else [])
    laps.lap("structure")

    measurements = [Measurement((names[i],), one_way[i], one_way_sd[i]) for i in range(len(names))]
    measurements += _measure_pairs(run, codes, sizes, names, edges)
    measurements += _measure_what_is_left(run, codes, sizes, names)
    if names:
        potentials = estimate(names, sizes, measurements, iters=iters, known_total=None)
    else:  # nothing to model (keys and text only): the model just counts rows
        potentials = Potentials([], [], [], n_hat)
    laps.lap("estimate")
    return FittedParts([c.spec for c in codecs], codecs, run.left_out, run.ledger, int(potentials.total), names, sizes,
                       list(edges), potentials, laps.seconds, text_nulls=run.text_nulls)


def null_share(n_hat: float, nulls: float) -> float:
    """A NULL share from two released noisy counts (post-processing), within [0, 1].

    >>> null_share(1000.0, 780.4), null_share(1000.0, -20.0), null_share(0.0, 5.0)
    (0.7804, 0.0, 0.0)
    """
    return float(np.clip(nulls / n_hat, 0.0, 1.0)) if n_hat > 0 else 0.0


def _route_text(run: _Run, specs: list[ColumnSpec], n_hat: float, budget_split) -> list[ColumnSpec]:
    """Send unlabelled string columns that test as free text to the language model, before the
    budget is shared, so it goes to the modelled columns; the specs left."""
    strings = [s for s in specs if s.kind is Kind.STRING and not s.labels]
    if not strings:
        return specs
    ledger, options = run.ledger, run.options
    rho_test = (run.privacy.rho - ledger.spent) * TEXT_SHARE / len(specs)
    # The count a value will need to be released if every planned column stays: a function of
    # public facts and n_hat only.
    draft = plan_budget(ledger.remaining - rho_test * len(strings), len(specs), n_hat, budget_split, options.n_bins)
    # (every unlabelled string has the same share: see one_way_shares)
    share = one_way_shares([public_states(s, options) for s in specs])[specs.index(strings[0])]
    release_at = release_threshold(gaussian_sigma(draft.one_way * share), run.privacy.release_delta / len(specs))
    for spec in strings:
        released: dict[str, float] = {}
        why = private_text_test(run.data.column(spec.name), options, rho_test, n_hat, run.rng, ledger, spec.name, release_at,
                                nullable=spec.nullable, released=released)
        if why:
            run.left_out[spec.name] = f"language_model: {why}"
            if spec.nullable:  # n_hat less the test's noisy non-NULL count: both released already
                run.text_nulls[spec.name] = null_share(n_hat, n_hat - released["present"])
    return [s for s in specs if s.name not in run.left_out]


def _leave_out_context(run: _Run, specs: list[ColumnSpec], n_hat: float, budget_split) -> list[ColumnSpec]:
    """Leave out a parent's context columns when the plan measures no pair (too few rows for a
    2 x 2 marginal to rise above the noise: the columns are fitted independently). A context
    column is in the model only to tie the row to its parent through pair marginals; fitted
    independently it ties nothing, and its 1-way measurement took an open column's share (3 of
    5 columns of chinook's invoice lines at epsilon = 1). A function of public facts and
    ``n_hat`` only: costs nothing. The freed share goes to the table's own 1-way marginals: the
    model stays independent (with fewer columns a re-plan may afford pairs: at epsilon = 8 it
    moved half of chinook's Invoice budget from its 1-ways to two pairs, and its count column
    lost its exact states; docs/benchmarks.md, dp27e)."""
    context = [s for s in specs if is_context_column(s.name)]
    if not context:
        return specs
    plan = plan_budget(run.ledger.remaining, len(specs), n_hat, budget_split, run.options.n_bins)
    if plan.pairs > 0:
        return specs
    for spec in context:
        run.left_out[spec.name] = "independent: no pair measured, so a parent's column ties nothing"
    return [s for s in specs if not is_context_column(s.name)]


def _leave_out_noise(run: _Run, specs: list[ColumnSpec], n_hat: float, budget_split) -> list[ColumnSpec]:
    """Leave out the labelled columns of more than :data:`MANY_LABELS` labels whose noisy 1-way
    counts would be noise alone (expected total-variation error ``noise_tv`` of at least 1 at the
    share the plan would give them): fitted, such a measurement piles the rows onto the labels
    the noise lifted (chinook's 2,240 invoice lines onto a few of 3,503 public tracks), where
    leaving the column out lets the caller draw it uniformly. A function of public facts and
    ``n_hat`` only: costs nothing. The freed share goes to the other columns."""
    for _ in range(len(specs)):
        plan = plan_budget(run.ledger.remaining, len(specs), n_hat, budget_split, run.options.n_bins) if specs else None
        if plan is None:
            return specs
        states = [public_states(s, run.options) for s in specs]
        shares = one_way_shares(states)
        hopeless = [s for s, k, share in zip(specs, states, shares) if len(s.labels) > MANY_LABELS
                    and noise_tv(k, gaussian_sigma(plan.one_way * share), n_hat) >= 1.0]
        if not hopeless:
            return specs
        worst = max(hopeless, key=lambda s: len(s.labels))
        run.left_out[worst.name] = f"uniform: {len(worst.labels):,} labels, too many for the noise"
        specs = [s for s in specs if s is not worst]
    return specs


def _fit_codecs(run: _Run, specs: list[ColumnSpec], n_hat: float,
                plan: BudgetPlan | None) -> tuple[list[Codec], list[np.ndarray], list[float]]:
    """Each codec's private domain and noisy 1-way counts (with their noise scale). Columns that
    must find their range first take more of the 1-way budget."""
    shares = dict(zip([s.name for s in specs], one_way_shares([public_states(s, run.options) for s in specs])))
    codecs, one_way, one_way_sd = [], [], []
    for spec in specs:
        codec = make_codec(spec, run.options)
        ctx = PrivateFit(run.ledger, plan.one_way * shares[spec.name], run.rng, run.privacy.release_delta / len(specs),
                         n_hat=n_hat, max_bins=plan.max_bins)
        codec.fit(run.data.column(spec.name), private=ctx)
        if ctx.free_text:
            run.left_out[spec.name] = f"language_model: {ctx.free_text}"
            if ctx.null_count is not None:  # the codec's noisy NULL count, released with the values
                run.text_nulls[spec.name] = null_share(n_hat, ctx.null_count)
            continue
        one_way.append(ctx.counts)
        one_way_sd.append(ctx.stddev)
        codecs.append(codec)
    return codecs, one_way, one_way_sd


def _measure_pairs(run: _Run, codes: np.ndarray, sizes: list[int], names: list[str],
                   edges: list[tuple[int, int]]) -> list[Measurement]:
    """Noisy pair marginals: they take what the structure left (columns routed to the language
    model free some)."""
    if not edges:
        return []
    rho_pair = run.ledger.remaining / len(edges)
    sd = gaussian_sigma(rho_pair)
    out = []
    for i, j in edges:
        counts = structure.pair_counts(codes, sizes, i, j)
        counts = counts + run.rng.normal(0, sd, counts.shape)
        run.ledger.spend(f"measure:{names[i]},{names[j]}", "gaussian", rho_pair, detail=f"{counts.size} cells, sigma={sd:.3g}")
        out.append(Measurement((names[i], names[j]), counts, sd))
    return out


def _measure_what_is_left(run: _Run, codes: np.ndarray, sizes: list[int], names: list[str]) -> list[Measurement]:
    """Whatever budget is left (no pairs, or planned columns that became text) re-measures the
    1-way marginals; mbi combines both measurements of each column."""
    ledger = run.ledger
    if not names or ledger.remaining <= 1e-9 * ledger.total_rho:
        return []
    rho_one = ledger.remaining / len(names)
    sd = gaussian_sigma(rho_one)
    out = []
    for i, name in enumerate(names):
        counts = np.bincount(codes[:, i], minlength=sizes[i]) + run.rng.normal(0, sd, sizes[i])
        ledger.spend(f"measure:{name}", "gaussian", rho_one, detail=f"{sizes[i]} cells, sigma={sd:.3g}")
        out.append(Measurement((name,), counts, sd))
    return out
