"""The per-table graphical model: ``TableModel(...).fit(arrow_table, table)`` then ``.sample``.

Fitting encodes every structured column with its codec, measures all 1-way marginals plus a
Chow-Liu tree of pairs (and a few extra high-information pairs), estimates clique potentials
with mbi, and keeps a numpy junction-tree sampler. With ``epsilon`` set, every data-dependent
step is differentially private and recorded in :attr:`TableModel.ledger_`.

>>> import numpy as np, pyarrow as pa
>>> rng = np.random.default_rng(0)
>>> kind = rng.choice(["basic", "premium"], 2000, p=[0.7, 0.3])
>>> price = np.where(kind == "premium", 100.0, 10.0) + rng.random(2000).round(2)
>>> model = TableModel().fit(pa.table({"kind": kind, "price": price}))
>>> out = model.sample(1000, seed=1)
>>> out.schema.names, out.schema.field("price").type
(['kind', 'price'], DataType(double))
>>> given = model.sample(evidence={"kind": ["premium"] * 500}, seed=2)
>>> float(np.min(given.column("price").to_numpy())) >= 100.0
True
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from amalgam_rel.errors import DataError, SchemaError
from amalgam_rel.models.aggregates import Aggregates
from amalgam_rel.models.codecs import CodecOptions, ColumnSpec
from amalgam_rel.models.columns import plan_columns
from amalgam_rel.models.exact_fit import FittedParts, Laps, fit_exact
from amalgam_rel.models.privacy import PrivacyParams
from amalgam_rel.models.private_fit import GroupBudget, fit_private, group_release_delta
from amalgam_rel.models.sampler import JunctionTreeSampler
from amalgam_rel.schema.model import Table
from amalgam_rel.seeds import checked_seed


@dataclass(frozen=True)
class FitSummary:
    """What ``fit`` found and how long each stage took (seconds)."""

    n_rows: int
    columns: tuple[str, ...]
    domain_sizes: tuple[int, ...]
    pairs: tuple[tuple[str, str], ...]
    cliques: tuple[tuple[str, ...], ...]
    seconds: dict = field(default_factory=dict)
    sample_rows: int | None = None  # fitted from aggregates of all ``n_rows``: the rows sampled (None: all read)
    sample_cliques: tuple[tuple[str, ...], ...] = ()  # cliques whose counts came from the sample, not all rows


class TableModel:
    """A graphical model of one table's structured columns.

    Parameters (stored, not validated, until ``fit``, as in scikit-learn):

    - ``epsilon``/``delta``: differential privacy; ``None`` fits exact marginals.
    - ``n_bins``: quantile bins per continuous column (default 32, or at most 16 when private -
      fewer when the noisy row count says pair marginals cannot resolve more).
    - ``max_categories``/``rare_min_count``: string domains; rarer values share a rare state.
    - ``extra_edges``: pairs measured beyond the Chow-Liu tree (``None``: half the columns
      when not private, 0 when private); ``max_clique_cells`` caps the cliques they create.
    - ``estimator``: ``"auto"`` fits exact marginals in closed form (the maximum-likelihood
      point every mbi estimator converges to) and noisy ones with mbi's MirrorDescent;
      ``"mirror_descent"`` always uses mbi. ``iters``: MirrorDescent iterations.
    - ``seed``: the generator of all privacy noise.
    - ``budget_split``: shares of rho for (domains and 1-way marginals, structure, pairs), after
      2 % for a noisy row count; ``None`` (default) chooses them from the column count and the
      noisy row count (:func:`amalgam_rel.models.budget.plan_budget`).
    - ``rho``/``sensitivity``/``release_delta``: a budget handed down by a caller with its own
      neighbouring relation (database-level privacy, :mod:`amalgam_rel.dp`), instead of
      ``epsilon``/``delta``. One neighbour changes at most ``sensitivity`` rows of ``data``
      (a changed row counts twice: removed, then added). The fit is then rho-zCDP for that
      relation by zCDP group privacy: every mechanism runs at ``rho / sensitivity**2`` for one
      row, so each Gaussian sigma is ``sensitivity / sqrt(2 rho_step)``, the formula for L2
      sensitivity ``sensitivity``. ``release_delta`` (the delta of the threshold releases) is
      converted so that a group of that many rows is released with probability at most it.
      :attr:`ledger_` stays in one-row units (multiply its rho by ``sensitivity**2``).
    """

    def __init__(self, *, epsilon: float | None = None, delta: float = 1e-9, n_bins: int | None = None,
                 max_categories: int = 64, rare_min_count: int = 2, extra_edges: int | None = None,
                 max_clique_cells: int = 32_768, estimator: str = "auto", iters: int = 1000, seed: int = 0,
                 budget_split: tuple[float, float, float] | None = None, rho: float | None = None,
                 sensitivity: float = 1.0, release_delta: float | None = None):
        self.epsilon = epsilon
        self.delta = delta
        self.n_bins = n_bins
        self.max_categories = max_categories
        self.rare_min_count = rare_min_count
        self.extra_edges = extra_edges
        self.max_clique_cells = max_clique_cells
        self.estimator = estimator
        self.iters = iters
        self.seed = seed
        self.budget_split = budget_split
        self.rho = rho
        self.sensitivity = sensitivity
        self.release_delta = release_delta

    # -- parameters --------------------------------------------------------------------------
    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("epsilon", "delta", "n_bins", "max_categories", "rare_min_count",
                                              "extra_edges", "max_clique_cells", "estimator", "iters", "seed", "budget_split",
                                              "rho", "sensitivity", "release_delta")}

    @property
    def private(self) -> bool:
        return self.epsilon is not None or self.rho is not None

    def _options(self) -> CodecOptions:
        bins = self.n_bins if self.n_bins is not None else (16 if self.private else 32)
        if self.estimator not in ("auto", "mirror_descent"):
            raise DataError(f"unknown estimator {self.estimator!r} (use 'auto' or 'mirror_descent')")
        if bins < 2 or self.max_categories < 1:
            raise DataError("n_bins must be at least 2 and max_categories at least 1")
        return CodecOptions(n_bins=bins, max_categories=self.max_categories, rare_min_count=self.rare_min_count)

    def _privacy(self, columns: int):
        """What one row of ``data`` may cost: ``epsilon``/``delta``, or a caller's budget for groups."""
        if self.rho is None:
            return PrivacyParams(self.epsilon, self.delta)
        if not self.rho > 0 or not self.sensitivity >= 1 or self.release_delta is None or not 0 < self.release_delta < 1:
            raise DataError("a given budget needs rho > 0, sensitivity >= 1 and 0 < release_delta < 1")
        unit = self.rho / self.sensitivity**2
        return GroupBudget(unit, group_release_delta(self.release_delta, self.sensitivity, self.rho, max(columns, 1)))

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, data: pa.Table, table: Table | None = None, *, exclude: tuple[str, ...] = (),
            closed: tuple[str, ...] = (), aggregates: Aggregates | None = None) -> TableModel:
        """Fit on ``data`` (one table's columns plus any context columns); returns self.

        ``table`` supplies types, nullability and CHECK bounds; ``exclude`` names columns the
        caller handles itself (keys); ``closed`` string columns are categories whatever their
        cardinality (see :func:`plan_columns`). Columns the model will not own are listed, with the
        reason, in :attr:`left_out_` (``language_model: ...`` ones go to the language model).
        A table with no column to model still fits (it samples rows with no columns).
        With ``aggregates`` (counts over all rows of a table too large to read, computed where it
        lives), ``data`` is a bounded sample of it (:mod:`~.aggregated_fit` says what comes from which).
        The exact fit is :func:`~.exact_fit.fit_exact`, the private one :func:`~.private_fit.fit_private`.
        """
        laps = Laps()
        if not isinstance(data, pa.Table):
            raise DataError("TableModel.fit expects a pyarrow Table")
        if data.num_rows == 0:
            raise DataError(f"cannot fit a model of {table.key if table else 'a table'} on zero rows")
        options = self._options()
        kept = data.drop_columns([c for c in exclude if c in data.column_names])
        specs, left_out = plan_columns(kept, table, options, private=self.private, closed=closed)
        left_out = {**{c: "excluded by caller" for c in exclude if c in data.column_names}, **left_out}
        privacy = self._privacy(len(kept.column_names)) if self.private else None
        if privacy is not None and aggregates is not None:
            raise DataError("a private fit reads its rows itself: it cannot be fitted from aggregates")
        seed = checked_seed(self.seed)  # checked even where the fit draws no noise
        if privacy is None:
            parts = fit_exact(kept, specs, left_out, options, extra_edges=self.extra_edges,
                              max_clique_cells=self.max_clique_cells, estimator=self.estimator, iters=self.iters, laps=laps,
                              aggregates=aggregates)
        else:
            parts = fit_private(kept, specs, left_out, options, privacy, np.random.default_rng(seed),
                                budget_split=self.budget_split, iters=self.iters, laps=laps)
        self._keep(parts)
        return self

    def _keep(self, parts: FittedParts) -> None:
        """Set the fitted attributes from what a fit learned."""
        self.specs_ = parts.specs
        self.codecs_ = parts.codecs
        self.left_out_ = parts.left_out
        self.text_nulls_ = parts.text_nulls or {}  # read by a private database fit, not saved
        self.ledger_ = parts.ledger
        self.n_rows_ = parts.n_rows
        potentials, names = parts.potentials, parts.names
        self._set_sampler(JunctionTreeSampler(names, parts.sizes, potentials.cliques, potentials.log_potentials,
                                              potentials.edges))
        self.summary_ = FitSummary(parts.n_rows, tuple(names), tuple(parts.sizes),
                                   tuple((names[i], names[j]) for i, j in parts.edges), tuple(potentials.cliques),
                                   parts.seconds, parts.sample_rows, parts.sample_cliques)

    def _set_sampler(self, sampler: JunctionTreeSampler) -> None:
        self.sampler_ = sampler
        self._codec_by_name = {c.name: c for c in self.codecs_}

    # -- results -----------------------------------------------------------------------------
    @property
    def columns_(self) -> tuple[str, ...]:
        """Modelled columns, in input order."""
        return tuple(s.name for s in self.specs_)

    @property
    def language_model_columns_(self) -> dict[str, str]:
        """Columns left for the language-model component, with the reason."""
        return {k: v for k, v in self.left_out_.items() if v.startswith("language_model")}

    # -- conditioning ------------------------------------------------------------------------
    def code_values(self, column: str) -> tuple[np.ndarray, pa.Array]:
        """The values each code of a modelled ``column`` decodes to, with their codes (see the codecs)."""
        return self._codec_by_name[column].code_values()

    def conditioned(self, held: dict[str, np.ndarray]) -> tuple[TableModel, float]:
        """A copy that draws, in each column named, only values ``held`` marks (a bool per entry of
        :meth:`code_values`): the codes of those values (a rare code weighed by the share of its
        values held), the other columns given them. Also the probability the model gives that
        evidence (0: none of its rows can hold it)."""
        unknown = [c for c in held if c not in self._codec_by_name]
        if unknown:
            raise SchemaError(f"evidence names columns the model does not own: {', '.join(unknown)}")
        weights = {}
        out = copy.copy(self)
        out.codecs_ = list(self.codecs_)
        for i, codec in enumerate(self.codecs_):
            if codec.name in held:
                out.codecs_[i], weights[codec.name] = codec.restricted(held[codec.name])
        out._set_sampler(self.sampler_.restricted(weights))
        return out, float(np.exp(out.sampler_.log_mass() - self.sampler_.log_mass()))

    # -- sampling ----------------------------------------------------------------------------
    def sample(self, n: int | None = None, *, evidence: pa.Table | dict | None = None, seed: int | None = None) -> pa.Table:
        """``n`` rows of the modelled columns, decoded to their original types.

        ``evidence`` (a pyarrow Table or a dict of equal-length arrays, values in the original
        domain) fixes some modelled columns per row; its length sets ``n``. Those columns are
        returned exactly as given, and the others are drawn from the model conditioned on them.
        Put the most informative evidence column first: a row whose evidence the model has never
        seen together is drawn without the last columns until it has (see the sampler).
        """
        if not hasattr(self, "sampler_"):
            raise DataError("this TableModel is not fitted yet")
        rng = np.random.default_rng(None if seed is None else checked_seed(seed))
        given = _as_columns(evidence)
        unknown = [c for c in given if c not in self._codec_by_name]
        if unknown:
            raise SchemaError(f"evidence names columns the model does not own: {', '.join(unknown)}")
        lengths = {len(v) for v in given.values()}
        if len(lengths) > 1:
            raise DataError("evidence columns differ in length")
        if given:
            m = lengths.pop()
            if n is not None and n != m:
                raise DataError(f"asked for {n} rows with {m} rows of evidence")
            n = m
        if n is None or n < 0:
            raise DataError("sample needs a row count n >= 0 or evidence")
        codes = self.sampler_.sample(n, rng, {c: self._codec_by_name[c].encode(v) for c, v in given.items()})
        columns = []
        for spec, codec in zip(self.specs_, self.codecs_):
            if spec.name in given:
                columns.append(_typed(given[spec.name], spec))
            else:
                columns.append(codec.decode(codes[spec.name], rng))
        if not columns:  # a model with no columns still yields n (empty) rows
            return pa.table({"_": pa.nulls(n)}).drop_columns(["_"])
        return pa.table(columns, names=[s.name for s in self.specs_])


def _as_columns(evidence) -> dict[str, pa.Array]:
    if evidence is None:
        return {}
    if isinstance(evidence, pa.Table):
        return {name: evidence.column(name).combine_chunks() for name in evidence.column_names}
    if isinstance(evidence, dict):
        return {k: v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v if isinstance(v, pa.Array) else pa.array(v)
                for k, v in evidence.items()}
    raise DataError("evidence must be a pyarrow Table or a dict of arrays")


def _typed(values: pa.Array, spec: ColumnSpec) -> pa.Array:
    if values.type == spec.arrow_type:
        return values
    try:
        return values.cast(spec.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise DataError(f"evidence for {spec.name!r} cannot be read as {spec.arrow_type}") from None
