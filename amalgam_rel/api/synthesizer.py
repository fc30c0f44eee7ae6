"""``Synthesizer``: learn a real DuckDB database, then write synthetic ones like it.

scikit-learn's conventions: the constructor only stores its parameters; ``fit`` checks them
against the source's schema before a row is read, fits, and returns the synthesizer; what ``fit``
learned is in attributes ending in ``_``. ``sample`` checks its own options before a row is
drawn. A bad value is a one-line :class:`~amalgam_rel.errors.AmalgamError` naming the option as
the command line spells it: ``amalgam-rel synth``, ``fit`` and ``sample`` are shells over this
class, so the same parameters and seed give the same tables either way.

Example (a minute on the example database)::

    synth = Synthesizer(seed=7).fit("examples/chinook.duckdb")
    synth.sample("synthetic.duckdb", scale=0.5)           # a new DuckDB file
    tables = synth.sample(scale=0.1).tables               # in memory: {"Album": pyarrow.Table, ...}
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import duckdb

from amalgam_rel.api.params import check_sample_options, fit_params, sample_rows, source_schema
from amalgam_rel.api.sample import Sample, write_sample
from amalgam_rel.errors import NotFittedError, OutputError
from amalgam_rel.locations import Location
from amalgam_rel.generation.reuse import DEFAULT_MAX_VALUES
from amalgam_rel.locations import Location
from amalgam_rel.pipeline.database_model import DatabaseModel

Source = str | Path | Location | duckdb.DuckDBPyConnection
Progress = Callable[[str, str], None]  # (stage, table), after each table


class Synthesizer:
    """Fits a model of a whole relational database and samples synthetic copies of it.

    Parameters (each also an option of ``amalgam-rel synth`` and ``fit``; the README):

    - ``seed``: seeds every random choice; the same seed gives the same tables.
    - ``epsilon``, ``delta``: differential privacy per privacy unit (None: no privacy;
      docs/privacy.md). ``max_children``: children kept per parent row and foreign key under
      ``epsilon`` (a number, or ``{table: n}`` with ``"*"`` for the other tables; default 8).
      ``epsilon_text``: text columns under ``epsilon``, ``"refuse"``, ``"schema"`` (placeholders)
      or ``"words"`` (privately released words).
    - ``synthesize``: tables to synthesize even if they are small reference tables, kept verbatim
      by default; ``public``: under ``epsilon``, tables whose rows are public and kept as they are.
      ``privacy_unit``: under ``epsilon``, the table whose rows (with every row that reaches them
      through foreign keys) are protected; None chooses it from the schema (docs/privacy.md).
    - ``llm``: a local directory of a causal language model for text columns (default: a word
      model counted on the source's own text); ``text_steps``: its training steps.
    - ``text_values``: at most this many language-model values per text column (None: no limit);
      ``min_word_rows``: free text uses words at least this many real rows hold.
    - ``max_rows``: a table of more rows is fitted from a repeatable sample of about this many and
      counts of all its rows computed inside the source, never read whole (None: every table is).

    Fitted attributes: ``model_``, the whole-database model
    (:class:`~amalgam_rel.pipeline.database_model.DatabaseModel`), and ``privacy_ledger_``.
    """

    def __init__(self, *, seed: int = 0, epsilon: float | None = None, delta: float = 1e-9,
                 max_children: int | Mapping[str, int] | None = None, epsilon_text: str = "refuse",
                 synthesize: Iterable[str] = (), public: Iterable[str] = (), llm: str | None = None,
                 text_steps: int | None = None, text_values: int | None = DEFAULT_MAX_VALUES, min_word_rows: int = 2,
                 privacy_unit: str | None = None, max_rows: int | None = None):
        self.seed = seed
        self.epsilon = epsilon
        self.delta = delta
        self.max_children = max_children
        self.epsilon_text = epsilon_text
        self.synthesize = synthesize
        self.public = public
        self.llm = llm
        self.text_steps = text_steps
        self.text_values = text_values
        self.min_word_rows = min_word_rows
        self.privacy_unit = privacy_unit
        self.max_rows = max_rows

    _PARAMS = ("seed", "epsilon", "delta", "max_children", "epsilon_text", "synthesize", "public", "llm",
               "text_steps", "text_values", "min_word_rows", "privacy_unit", "max_rows")

    def get_params(self) -> dict:
        """The constructor's parameters, as given."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        defaults = Synthesizer().get_params()
        changed = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k])
        return f"Synthesizer({changed})"

    def check(self, source: Source, *, scale: float = 1.0, rows: Mapping[str, int] | None = None) -> Synthesizer:
        """Check every parameter, and the sample options ``scale`` and ``rows``, against
        ``source``'s schema without fitting: what ``fit`` and ``sample`` would refuse, at once."""
        db = self.source_schema_ = source_schema(source)  # kept: the command line sizes its progress bar by it
        spelled = sample_rows(db, scale, rows)
        fit_params(self.get_params(), db, rows=spelled, source=source)
        return self

    def fit(self, source: Source, *, sidecar: str | Path | None = None,
            progress: Progress | None = None) -> Synthesizer:
        """Learn ``source``: a DuckDB file (opened read-only), an open DuckDB connection (its
        current database is read; the connection stays open), or any other source location, as
        text (``"postgresql://app@db/shop"``, ``"sqlite:shop.db"``, ``"csv:exports/"``) or a
        :class:`~amalgam_rel.locations.Location` (``parse_location(url, schema="sales")``), only
        read. ``sidecar``: a TOML file declaring logical foreign keys, CHECKs and semantic column
        types (the README)."""
        from amalgam_rel.schema.sources import open_source

        with open_source(source) as src:  # opened once: a server's catalog and row counts are read once
            params = fit_params(self.get_params(), src.database)
            self.model_ = DatabaseModel(**params).fit(src, sidecar=sidecar, progress=progress)
        # sampling into it is refused, as onto a source file: with force it would replace the real tables
        self._source_connection = weakref.ref(source) if isinstance(source, duckdb.DuckDBPyConnection) else None
        return self

    def sample(self, out: str | Path | Location | duckdb.DuckDBPyConnection | None = None, *, scale: float = 1.0,
               rows: Mapping[str, int] | None = None, seed: int | None = None, force: bool = False,
               text_values: int | None | str = "fitted", part_rows: int | None = None,
               guard_source: Source | None = None, progress: Progress | None = None,
               dialect: str | None = None, where: str | Sequence[str] = ()) -> Sample:
        """Write a synthetic database with the source's DDL to ``out``: a new DuckDB file (an
        existing one is replaced only with ``force``), an open connection's current database, or
        None to keep it in memory (``Sample.tables``, Arrow tables). ``out`` may also name any
        other target as ``-o`` does: ``"sqlite:PATH"``, ``"postgresql://…"`` (a schema other than
        ``public``: ``parse_location(url, schema=…)``), ``"mysql://HOST/DB"``, ``"parquet:DIR"``,
        ``"csv:DIR"``, or ``"PATH.sql"``, a SQL script in ``dialect`` (postgres, mysql, sqlite,
        duckdb; default duckdb). What the target cannot enforce is in ``Sample.report.notes``.

        ``scale`` multiplies the rows of every root table (0.01 to 100), and children grow with
        their parents; ``rows`` fixes chosen tables' row counts (``{"Customer": 500}``).
        ``seed``: default, the fitting seed. ``text_values`` overrides the fitted budget of
        language-model values (None: no limit). ``part_rows``: tables nothing references are
        written this many rows at a time. ``guard_source``: the database a loaded model was fitted
        on, to redraw text that repeats a real value (a saved model holds no real values).

        ``where``: a condition (or several, one per table) every synthetic row of its table meets,
        DuckDB SQL as ``subset``'s: ``"Customer.Country = 'Germany'"``, ``"count(Invoice) >= 3"``
        (a customer's invoices). It conditions the table's model, and rows that still miss it
        are drawn again; children follow the rows kept. ``Sample.report.conditions`` says what
        each cost (rows asked and matched, rows drawn, seconds). A condition the model cannot
        meet, or a table whose rows cannot be dropped, is refused with one line.
        """
        model = self._fitted()
        fitted_on = getattr(self, "_source_connection", None)  # None after load, or a fit on a file
        if out is not None and fitted_on is not None and out is fitted_on():
            raise OutputError("refusing to write into the source database: out is the connection it was fitted on")
        spelled = sample_rows(model.db, scale, rows)
        check_sample_options(text_values, part_rows)
        if guard_source is not None:
            model.screen_text(guard_source)
        options = {"scale": scale, "rows": spelled, "seed": seed, "text_values": text_values, "progress": progress,
                   **({"dialect": dialect} if dialect is not None else {}), **({"where": where} if where else {})}
        return write_sample(model, out, force=force, **options, **({"part_rows": part_rows} if part_rows else {}))

    def sample_shards(self, out: str | Path | Location, *, shards: int = 1, block_rows: int | None = None,
                      shard_by: str | None = None, seed: int | None = None, scale: float = 1.0,
                      text_values: int | None | str = "fitted", force: bool = False, client=None,
                      progress: Progress | None = None) -> Sample:
        """Write a Parquet dataset (one folder per table) to the new folder ``out``, sampled in
        blocks of ``block_rows`` entities of ``shard_by`` on ``shards`` Dask workers (a Dask
        ``client``: its cluster). The same rows for any number of shards; docs/sharding.md."""
        from amalgam_rel.api.shards import DEFAULT_BLOCK_ROWS, sample_shards

        check_sample_options(text_values, None)
        return sample_shards(self._fitted(), out, shards=shards, block_rows=block_rows or DEFAULT_BLOCK_ROWS,
                             shard_by=shard_by, seed=seed, scale=scale, text_values=text_values, force=force,
                             client=client, progress=progress)

    def save(self, path: str | Path, *, force: bool = False) -> Path:
        """Save the fitted model in the new directory ``path`` (replaced only with ``force``); no real
        rows are saved, but a reference table kept verbatim is (docs/privacy.md)."""
        return self._fitted().save(path, force=force)

    @classmethod
    def load(cls, path: str | Path) -> Synthesizer:
        """A synthesizer fitted before and saved in ``path``, ready to sample."""
        model = DatabaseModel.load(path)
        saved = model.get_params()
        synth = cls(**{name: saved[name] for name in cls._PARAMS if name in saved})
        synth.model_ = model
        return synth

    @property
    def privacy_ledger_(self):
        """Under ``epsilon``, every privacy spend of the fit (``.write(path)`` saves it as JSON); else None."""
        return self._fitted().privacy_

    def _fitted(self) -> DatabaseModel:
        model = getattr(self, "model_", None)
        if model is None:
            raise NotFittedError("this Synthesizer is not fitted yet: call fit(source) first, "
                                 "or Synthesizer.load(path)")
        return model
