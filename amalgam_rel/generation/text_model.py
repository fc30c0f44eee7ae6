"""TextFieldModel: fills the columns a PGM cannot model, one constrained LM per database.

``fit`` reads the real database once: for every chosen column it learns an output spec (see
:mod:`.output_types`), the prompt columns, the NULL rate and the copy guard, then trains
(or loads) one causal LM on all (prompt, value) pairs. ``generate`` fills a table's columns for
synthetic rows: prompts come from the row's synthetic values only, every candidate is cast and
CHECKed by DuckDB, and failures (or verbatim copies, or duplicates in a unique column) are
regenerated a bounded number of times.

Fitting and generating never read the clock: the default model is counted (:mod:`.word_ngram`),
a fine-tuned ``--llm`` trains a number of steps computed from the data (or ``train_steps``), and
every draw comes from a random stream derived from the seed, the table and the column, so the
same model and seed give the same values on any load.

The work is split by job: :mod:`.text_plan` plans each column, :mod:`.text_training` trains
the language model, :mod:`.text_drawing` and :mod:`.draw_attempts` draw the values through a
sampler (:mod:`.text_sampler`; ``sampler=`` injects another), :mod:`.arrow_values` turns them
into Arrow, and :mod:`.text_persistence` saves and loads the fitted model.

Example (a real run trains for a few seconds)::

    model = TextFieldModel(train_steps=300).fit("shop.duckdb", columns={"products": ["description"]})
    values = model.generate("products", {"category": ["fruit", "dairy"]})
    values["description"]  # two strings, each accepted by DuckDB
    model.save("fitted/text")
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pyarrow as pa

from amalgam_rel.errors import InputError
from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.checks import Validator
from amalgam_rel.generation.copy_guard import CopyGuard
from amalgam_rel.generation.draw_attempts import ColumnReport, DrawSettings
from amalgam_rel.generation.local_model import check_local_model
from amalgam_rel.generation.reuse import DEFAULT_MAX_VALUES
from amalgam_rel.generation.row_context import RowContext
from amalgam_rel.generation.selection import default_columns
from amalgam_rel.generation.text_drawing import generate_column
from amalgam_rel.generation.text_persistence import load_text_model, save_text_model
from amalgam_rel.generation.text_plan import ColumnPlan, learn_table, sample_rows, with_token_budget
from amalgam_rel.generation.text_sampler import WORD_BATCH, ConstrainedSampler, Sampler, batch_rows
from amalgam_rel.generation.text_training import auto_steps, train_language_model
from amalgam_rel.generation.word_units import DEFAULT_MIN_ROWS, check_min_rows
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.types import parse_type
from amalgam_rel.seeds import checked_seed

# the names callers import from here
__all__ = ["ColumnPlan", "ColumnReport", "Sampler", "TextFieldModel", "WORD_BATCH", "auto_steps"]


class TextFieldModel:
    """The language-model half of amalgam-rel (scikit-learn style: ``fit`` returns self).

    Parameters: ``llm`` a local directory of a causal LM, never downloaded (None: train the default
    compact model); ``fine_tune`` train a given ``llm`` on the database text too; ``train_steps``
    optimizer steps of training (None: grows with the data, see :func:`auto_steps`); ``copy_guard``
    regenerate free text identical to a real value that at most ``guard_max_count`` real rows hold
    (None: any real value; a phrase many rows share is vocabulary, not a record);
    ``max_distinct_per_context`` (K) generate at
    most K distinct values per prompt and reuse them; ``max_values_per_column`` (M) the generation
    budget: at most M language-model values per column and call of ``generate``, every other row
    reusing a value drawn for the most similar context (see :func:`reuse_plan`; None: no cap);
    ``max_attempts`` draws per value before giving up; ``batch_size`` rows per model call (None:
    :data:`WORD_BATCH` for the default word model, :data:`CPU_BATCH` for a user's model);
    ``min_word_rows`` (k) free text holds only words that k real rows of its column hold, or
    public words (see :mod:`.word_units`); ``sampler`` draws the text (None: the fitted model's
    own constrained sampler, ``sampler_``; any :class:`~.text_sampler.Sampler` may stand in, and
    is not saved with the model).
    """

    def __init__(self, *, llm: str | None = None, fine_tune: bool = False, train_steps: int | None = None,
                 max_rows_per_column: int = 20_000, copy_guard: bool = True, guard_max_count: int | None = 1,
                 max_distinct_per_context: int | None = None, max_values_per_column: int | None = DEFAULT_MAX_VALUES,
                 batch_size: int | None = None, max_attempts: int = 12,
                 temperature: float = 1.0, seed: int = 0, device: str | None = None,
                 num_threads: int | None = None, min_word_rows: int = DEFAULT_MIN_ROWS,
                 sampler: Sampler | None = None):
        self.llm = llm
        self.fine_tune = fine_tune
        self.train_steps = train_steps
        self.max_rows_per_column = max_rows_per_column
        self.copy_guard = copy_guard
        self.guard_max_count = guard_max_count
        self.max_distinct_per_context = max_distinct_per_context
        self.max_values_per_column = max_values_per_column
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.temperature = temperature
        self.seed = seed
        self.device = device
        self.num_threads = num_threads
        self.min_word_rows = min_word_rows
        self.sampler = sampler

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, source, db: Database | None = None, columns: dict[str, list[str]] | None = None) -> TextFieldModel:
        """Learn from a DuckDB file or connection; ``columns`` picks table -> columns (else automatic)."""
        start = time.perf_counter()
        self._check_params()
        con = source if isinstance(source, duckdb.DuckDBPyConnection) else open_duckdb(source)
        try:
            db = db or read_duckdb(con)
            columns = columns if columns is not None else default_columns(db, con)
            tables = {key: db.table(key) for key in columns}
            plans, pairs, guard = [], [], CopyGuard()
            for table_key, names in columns.items():
                learned = learn_table(con, db, db.table(table_key), list(names), llm=self.llm,
                                      max_rows=self.max_rows_per_column, seed=self.seed,
                                      min_word_rows=self.min_word_rows)
                plans += learned.plans
                pairs += learned.pairs
                for values in learned.guarded_values:
                    guard.add_rare(values, self.guard_max_count)
        finally:
            if con is not source:
                con.close()
        if not pairs:
            raise InputError("no column to learn text from: the chosen columns hold no values")
        device = lm_mod.select_device(self.device)
        steps = self.train_steps if self.train_steps is not None else auto_steps(len(pairs))
        with lm_mod.torch_threads(self.num_threads):
            lm, tokenizer, report = train_language_model(pairs, plans, llm=self.llm, fine_tune=self.fine_tune,
                                                         steps=steps, seed=self.seed, device=device,
                                                         min_word_rows=self.min_word_rows)
        self.set_fitted(tables=tables, device=device, lm=lm, tokenizer=tokenizer,
                        plans={(p.table, p.column): with_token_budget(p, tokenizer, pairs) for p in plans},
                        guard=guard, train_report=report, fit_seconds=round(time.perf_counter() - start, 2))
        return self

    def _check_params(self) -> None:
        checked_seed(self.seed)
        check_min_rows(self.min_word_rows)
        if self.train_steps is not None and self.train_steps < 1:
            raise InputError(f"train_steps must be at least 1, not {self.train_steps}")
        if self.llm is not None:
            check_local_model(self.llm)

    def set_fitted(self, *, tables: dict, device, lm, tokenizer, plans: dict[tuple[str, str], ColumnPlan],
                   guard: CopyGuard | None, train_report, fit_seconds: float) -> None:
        """Hold what fitting (or loading) found; the sampler and the caches start afresh."""
        self.tables_ = tables
        self.device_ = device
        self.model_, self.tokenizer_ = lm, tokenizer
        self.plans_ = plans
        self.guard_ = guard
        self.train_report_ = train_report
        self.fit_seconds_ = fit_seconds
        self.generation_report_: dict[tuple[str, str], ColumnReport] = {}
        self._validators: dict = {}
        self.sampler_ = ConstrainedSampler(lm, tokenizer, plans, llm=self.llm, device=device, batch=self._batch(),
                                           seed=self.seed)

    # -- generation ---------------------------------------------------------------------------

    def columns_of(self, table: str) -> list[str]:
        """The columns this model fills in ``table``, in generation order."""
        return [c for (t, c) in self.plans_ if t == table]

    def generate(self, table: str, context: pa.Table | dict[str, list] | None = None, *,
                 n_rows: int | None = None, context_types: dict[str, str] | None = None,
                 seed: int | None = None) -> dict[str, list]:
        """Values for every fitted column of ``table``, one per synthetic row of ``context``.

        ``context`` holds the row's already generated (synthetic) columns; ``context_types``
        (column -> DuckDB type) is needed only for context columns outside the fitted table.
        ``seed`` picks the random streams (None: the fit's seed); the same call with the same
        seed gives the same values.
        """
        arrays = self.generate_arrays(table, context, n_rows=n_rows, context_types=context_types, seed=seed)
        return {name: values.to_pylist(maps_as_pydicts="strict") for name, values in arrays.items()}

    def generate_arrays(self, table: str, context: pa.Table | dict[str, list] | None = None, *,
                        n_rows: int | None = None, context_types: dict[str, str] | None = None,
                        share: float = 1.0, part: int = 0, seed: int | None = None) -> dict[str, pa.Array]:
        """:meth:`generate`, as Arrow arrays: no Python object per row for tables of millions.

        A table sampled in parts calls this once per part: ``share`` (the part's share of the
        table's rows) scales the generation budget so the parts together draw what the whole
        table would, and ``part`` gives each part its own random stream.
        """
        self._check_fitted()
        rows = RowContext.of(context, n_rows)
        out: dict[str, pa.Array] = {}
        for name in self.columns_of(table):
            plan = self.plans_[(table, name)]
            with lm_mod.torch_threads(self.num_threads):
                values = self._generate_column(plan, rows, context_types or {}, share, part, seed)
            out[name] = values
            rows.put(name, values)
        return out

    def _generate_column(self, plan: ColumnPlan, rows: RowContext, extra_types: dict[str, str],
                         share: float = 1.0, part: int = 0, seed: int | None = None) -> pa.Array:
        settings = DrawSettings(seed=self.seed, max_attempts=self.max_attempts, temperature=self.temperature,
                                copy_guard=self.copy_guard, guard=self.guard_, named=self.llm is not None,
                                batch=self._batch(), max_distinct_per_context=self.max_distinct_per_context,
                                max_values_per_column=self.max_values_per_column)
        sampler = self.sampler if self.sampler is not None else self.sampler_
        values, report = generate_column(plan, rows, settings, sampler,
                                         lambda ready: self._validator(plan, ready, extra_types), share, part, seed)
        self.generation_report_[(plan.table, plan.column)] = report
        return values

    def _batch(self) -> int:
        return batch_rows(self.batch_size, getattr(self, "model_", None), self.device_, self.llm)

    def _validator(self, plan: ColumnPlan, rows: RowContext, extra_types: dict[str, str]) -> Validator:
        table = self.tables_[plan.table]
        present = rows.names
        types = {c.name: c.type for c in table.columns if c.name in present and c.name != plan.column}
        types |= {n: parse_type(t) for n, t in extra_types.items() if n in present}
        key = (plan.table, plan.column, tuple(sorted(types)))
        if key not in self._validators:
            self._validators[key] = Validator(table, plan.spec, types)
        return self._validators[key]

    def _check_fitted(self) -> None:
        if not hasattr(self, "plans_"):
            raise InputError("the text model is not fitted: call fit() or load() first")

    # -- persistence --------------------------------------------------------------------------

    def save(self, path) -> Path:
        """A directory: ``lm/`` (safetensors + tokenizer JSON) and ``text_model.json``; no pickle.

        The copy guard is not saved (see :mod:`.copy_guard`): :meth:`screen_against` rebuilds it.
        """
        self._check_fitted()
        return save_text_model(self, path)

    @classmethod
    def load(cls, path, *, device: str | None = None) -> TextFieldModel:
        """A model :meth:`save` wrote; ``text_model.json`` is checked before the weights load."""
        return load_text_model(cls, path, device)

    def screen_against(self, source, db: Database | None = None) -> TextFieldModel:
        """Rebuild the copy guard from the real database this model was fitted on (read-only).

        A loaded model holds no guard, so its text is not screened against the real values
        until this is called. Only the guarded columns are read, from the rows ``fit`` read.
        """
        self._check_fitted()
        con = source if isinstance(source, duckdb.DuckDBPyConnection) else open_duckdb(source)
        try:
            db = db or read_duckdb(con)  # a server source's tables are views: its schema comes with it
            guard = CopyGuard()
            for key in dict.fromkeys(t for t, _ in self.plans_):
                names = [c for (t, c), p in self.plans_.items() if t == key and p.guarded]
                if not names:
                    continue
                if not db.has_table(key):
                    raise InputError(f"the guard source has no table {key}: it is not the database the model was fitted on")
                missing = [c for c in names if not db.table(key).has_column(c)]
                if missing:
                    raise InputError(f"the guard source has no column {key}.{missing[0]}: "
                                     "it is not the database the model was fitted on")
                rows = sample_rows(con, db.table(key), names, self.max_rows_per_column, self.seed)
                for name in names:
                    guard.add_rare([r[name] for r in rows], self.guard_max_count)
        finally:
            if con is not source:
                con.close()
        self.guard_ = guard
        return self

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("llm", "fine_tune", "train_steps", "max_rows_per_column", "copy_guard", "guard_max_count",
                                              "max_distinct_per_context", "max_values_per_column", "batch_size", "max_attempts",
                                              "temperature", "seed", "device", "num_threads", "min_word_rows")}
