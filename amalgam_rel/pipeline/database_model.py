"""The whole-database synthesizer: ``DatabaseModel(...).fit(source)`` then ``.sample(output)``.

Fitting reads the source read-only, plans how every table's rows arise (:mod:`.plan`), fits one
graphical model per table on its training frame (:mod:`.fitting`), and one language model for
the text and nested columns those models leave out. Sampling walks the tables parents first,
runs :data:`~amalgam_rel.pipeline.sampling.SAMPLE_STAGES` on each, and streams the rows into
an atomically written DuckDB database with the source's exact DDL.

Example (trains a language model, so it takes a minute)::

    model = DatabaseModel(seed=7).fit("examples/chinook.duckdb")
    model.sample("synthetic.duckdb", scale=0.5)
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from amalgam_rel.connection import connect, scan_memory
from amalgam_rel.errors import InputError
from amalgam_rel.generation.reuse import DEFAULT_MAX_VALUES
from amalgam_rel.generation.word_units import check_min_rows
from amalgam_rel.locations import Location
from amalgam_rel.pipeline import streaming
from amalgam_rel.pipeline.conditioned import Conditions, sample_matching
from amalgam_rel.pipeline.draft import Draft
from amalgam_rel.pipeline.fitting import FitOptions, fit_tables
from amalgam_rel.pipeline.persistence import load_database_model, save_database_model
from amalgam_rel.pipeline.sample_report import SampleReport
from amalgam_rel.pipeline.held_writes import HeldWrites
from amalgam_rel.pipeline.sample_run import SampleRun, fresh_table, last_readers, side_text_jobs, table_scale, text_model
from amalgam_rel.pipeline.sampling import sample_table
from amalgam_rel.relational.plan import DatabasePlan, plan_database
from amalgam_rel.relational.reference import DEFAULT_MAX_ROWS, check_rows_option, keep_reference_tables
from amalgam_rel.relational import rules as registry
from amalgam_rel.relational.rules import find_database_rules, totals
from amalgam_rel.relational.semantic_columns import real_values, semantic_overrides
from amalgam_rel.relational.sizes import check_sizes
from amalgam_rel.relational.totals import outcomes
from amalgam_rel.schema.duckdb_reader import source_reads
from amalgam_rel.schema.sources import Source, open_source
from amalgam_rel.schema.model import Database
from amalgam_rel.schema.sidecar import apply_sidecar
from amalgam_rel.schema.types import Kind
from amalgam_rel.seeds import checked_seed
from amalgam_rel.writing.writer import DatabaseWriter


class DatabaseModel:
    """Parameters are stored by the constructor and used by ``fit`` (scikit-learn style).

    - ``seed``: seeds every random choice of fitting and the default of sampling.
    - ``context_size``: parent columns each child model sees.
    - ``epsilon``/``delta``: database-level differential privacy, per privacy unit (None: exact;
      :mod:`amalgam_rel.dp`, docs/privacy.md). ``max_children``: children kept per parent row and
      FK (an int, or {table: n} with "*" as the default). ``epsilon_text``: "refuse" (text
      columns are an error) or "schema" (placeholders from the schema alone).
    - ``iters``: estimation iterations per table model.
    - ``llm``: a local directory or hub id of a causal LM for text (None: train a compact one).
    - ``text_steps``: training steps of the language model (None: grows with the data; never a
      wall-clock budget, so a fit does not depend on how busy the machine is).
    - ``text_values``: generation budget, at most this many language-model values per text column
      and table; other rows reuse a value drawn for a similar row (None: no limit). ``sample``
      may override it.
    - ``reference_rows``: the most rows of a reference table kept verbatim (0: none);
      ``synthesize``: tables never kept; ``public``: under ``epsilon``, the tables that may be
      (:mod:`.reference`). ``privacy_unit``: under ``epsilon``, the table whose rows are the people
      protected (None: chosen from the schema, :mod:`amalgam_rel.dp.unit`); tables that do not
      reach it are public and kept verbatim.
    - ``min_word_rows``: a word goes into generated free text only if at least this many real rows
      of its column hold it, or it is a public word (see :mod:`amalgam_rel.generation.word_units`).
    - ``max_rows``: a table of more rows is fitted from a sample of about this many and counts of
      all its rows computed in the source (:mod:`~amalgam_rel.relational.large_tables`; None: read whole).
    """

    def __init__(self, *, seed: int = 0, context_size: int = 3, epsilon: float | None = None, delta: float = 1e-9,
                 iters: int = 1000, llm: str | None = None, text_steps: int | None = None,
                 text_values: int | None = DEFAULT_MAX_VALUES, max_children: int | dict[str, int] | None = None,
                 epsilon_text: str = "refuse", reference_rows: int = DEFAULT_MAX_ROWS, synthesize: tuple[str, ...] = (),
                 public: tuple[str, ...] = (), min_word_rows: int = 2, privacy_unit: str | None = None,
                 max_rows: int | None = None):
        self.seed = seed
        self.context_size = context_size
        self.epsilon = epsilon
        self.delta = delta
        self.iters = iters
        self.llm = llm
        self.text_steps = text_steps
        self.text_values = text_values
        self.max_children = max_children
        self.epsilon_text = epsilon_text
        self.reference_rows, self.synthesize, self.public = reference_rows, tuple(synthesize), tuple(public)
        self.min_word_rows = min_word_rows
        self.privacy_unit = privacy_unit
        self.max_rows = max_rows

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("seed", "context_size", "epsilon", "delta", "iters", "llm", "text_steps", "text_values",
                                              "max_children", "epsilon_text", "reference_rows", "synthesize", "public",
                                              "min_word_rows", "privacy_unit", "max_rows")}

    def save(self, path: str | Path, *, force: bool = False) -> Path:
        return save_database_model(self, path, force=force)

    @classmethod
    def load(cls, path: str | Path) -> DatabaseModel:
        model = load_database_model(cls, path)
        model.as_saved_ = True
        return model

    @property
    def as_saved(self) -> bool:
        """Whether this model holds nothing that saving it would leave out: loaded, and neither
        refitted nor screened since (the copy guard and real values they add are never saved)."""
        return getattr(self, "as_saved_", False)

    def fit(self, source: str | Path | duckdb.DuckDBPyConnection, *, sidecar: str | Path | None = None,
            progress: Callable[[str, str], None] | None = None) -> DatabaseModel:
        """Fit on a source: a DuckDB file or open connection, or any location :func:`~amalgam_rel.schema.sources.open_source` reads."""
        clock = time.perf_counter()
        self.as_saved_ = False
        checked_seed(self.seed)
        check_min_rows(self.min_word_rows)
        if self.llm is not None:  # a bad --llm is refused before minutes of fitting, not after
            from amalgam_rel.generation.local_model import check_local_model

            check_local_model(self.llm)
        src = source if isinstance(source, Source) else open_source(source)  # a Source given stays open
        self.source_ = src.name  # a file output is never written onto source_; a URL's password is masked
        try:
            # a table too large to read is scanned whole for its counts: in a memory of fixed size
            bounded = scan_memory(src.con) if self.max_rows is not None else nullcontext()
            with source_reads(self.source_), bounded:  # a damaged file's catalog may read and its data not
                self._fit_tables(src, sidecar, progress)
        finally:
            if src is not source:
                src.close()
        self.fit_seconds_ = time.perf_counter() - clock
        return self

    def _fit_tables(self, src: Source, sidecar: str | Path | None, progress: Callable[[str, str], None] | None) -> None:
        con, db = src.con, src.database
        if not db.tables:
            raise InputError(f"{src.name} has no tables: nothing to synthesize")
        db = apply_sidecar(db, sidecar, con) if sidecar else db
        self.semantic_overrides_ = semantic_overrides(db, sidecar)  # a wrong one is refused before any fitting
        self.schema_ = db  # what the output's DDL declares; the stages see the stored columns
        db = db.without_generated()
        self.privacy_ = self.privacy_unit_ = None
        self.rules_ = {}  # a private fit never reads the data for database rules (totals)
        if self.epsilon is not None:  # database-level differential privacy
            from amalgam_rel.pipeline.private_database import fit_database_privately

            fitted = fit_database_privately(self, con, db, progress)
            self.plan_, self.tables_, self.privacy_ = fitted.plan, fitted.tables, fitted.privacy
            self.reference_, self.text_, self.privacy_unit_ = fitted.reference, fitted.text, fitted.unit
            # the saved schema must not carry the true row counts either (see pipeline.private_fit.private_plan)
            self.schema_ = self.schema_.without_row_counts()
            return
        self.plan_ = plan_database(db)
        self.reference_ = keep_reference_tables(con, self.plan_, self)
        self.rules_ = find_database_rules(con, db, self.max_rows)
        options = FitOptions(self.context_size, self.epsilon, self.delta, self.iters, None, self.seed,
                             outcomes=outcomes(self.rules_[totals.NAME], self.plan_), kept=frozenset(self.reference_),
                             semantic_overrides=self.semantic_overrides_, max_rows=self.max_rows,
                             engine=src.engine() if self.max_rows is not None else None)
        self.tables_ = fit_tables(con, self.plan_, options,
                                  progress=(lambda t: progress("fit", t)) if progress else None)
        text_columns = {k: list(ft.text_columns) for k, ft in self.tables_.items() if ft.text_columns and k not in self.reference_}
        self.text_ = None
        if text_columns:
            from amalgam_rel.generation.text_model import TextFieldModel

            if progress:
                progress("text", ", ".join(text_columns))
            self.text_ = TextFieldModel(llm=self.llm, train_steps=self.text_steps, seed=self.seed,
                                        max_values_per_column=self.text_values,
                                        min_word_rows=self.min_word_rows).fit(con, db, columns=text_columns)

    @property
    def db(self) -> Database:
        """The schema every stage works on: the stored columns (see :meth:`Database.without_generated`)."""
        return self.plan_.db

    @property
    def output_schema(self) -> Database:
        """The whole schema, generated columns included: the DDL of the output."""
        return self.schema_

    def null_columns(self) -> list[str]:
        """Columns written NULL because nothing synthesizes their type yet (UNION values)."""
        return [f"{t.key}.{c.name}" for t in self.db.tables for c in t.columns
                if any(x.kind is Kind.UNION for x in c.type.walk())]

    def sampled_lines(self) -> list[str]:
        """For each table too large to read (``max_rows``), one line: what its model was fitted from."""
        lines = []
        for key, ft in getattr(self, "tables_", {}).items():
            s = ft.sampled
            if s is None:
                continue
            summary = ft.model.summary_ if ft.model is not None else None
            if s.by_parent:
                how = "its model fitted on the sample (sampled through its parent's sample)"
            elif summary is not None and summary.sample_cliques:
                how = (f"codecs and marginals from GROUP BY over all rows in {s.counted_in}, except "
                       f"{len(summary.sample_cliques)} of {len(summary.cliques)} cliques counted on the sample "
                       "(columns computed in Python)")
            else:
                how = f"codecs and every marginal of its model from GROUP BY over all rows in {s.counted_in}"
            lines.append(f"fitted from aggregates: {key}: {s.rows:,} rows, a sample of {s.sample_rows:,} read "
                         f"(structure, keys, rules, text); {how}")
        return lines

    def single_row_tables(self) -> list[str]:
        """Tables the source holds exactly one row of. Every value their model learns is that row's,
        so their synthetic rows repeat it (as a one-row settings table should stay what it is) and
        the fitted model carries it. A private fit learns them with noise like any other table."""
        if self.epsilon is not None:
            return []
        return [key for key, ft in self.tables_.items() if ft.real_rows == 1]

    def computed_columns(self) -> list[tuple[str, str]]:
        """Columns written from others of their row instead of drawn, with how: (``table.column``, rule)."""
        return [(f"{key}.{column}", how) for key, ft in self.tables_.items() for rule in registry.RULES
                for column, how in rule.describe(ft.rules.get(rule.NAME, ()), self.db)]

    @property
    def text_unscreened(self) -> bool:
        """Whether sampled text would go out without the copy guard: a loaded model's, until
        :meth:`screen_text` (a private fit's schema-only text never saw a real value)."""
        return self.text_ is not None and getattr(self.text_, "guard_", False) is None

    def screen_text(self, source: str | Path) -> DatabaseModel:
        """Screen sampled text against the real values again: rebuild the copy guard from
        ``source`` (read-only), which must be the database this model was fitted on.

        A saved model holds no copy guard (see :mod:`amalgam_rel.generation.copy_guard`), nor the
        real values its generated columns' copies are counted against (:mod:`.semantic_columns`).
        """
        self.as_saved_ = False
        src = open_source(source)
        con = src.con
        try:
            real = src.database
            tables = dict.fromkeys([t for t, _ in self.text_.plans_] if self.text_unscreened else []) \
                | {k: None for k, ft in self.tables_.items() if ft.semantic and ft.semantic.columns}
            for key in tables:
                fitted = self.schema_.table(key).row_count if self.schema_.has_table(key) else None
                seen = real.table(key).row_count if real.has_table(key) else None
                if fitted is not None and seen is not None and fitted != seen:
                    raise InputError(f"guard source {src.name} is not the database the model was fitted on: "
                                     f"table {key} has {seen:,} rows, the model saw {fitted:,}")
            real_values(con, real, self.tables_)
            if self.text_unscreened:
                self.text_.screen_against(con, real)
        finally:
            src.close()
        return self

    def sample(self, output: str | Path | Location | duckdb.DuckDBPyConnection, *, scale: float = 1.0,
               rows: dict[str, int] | None = None, seed: int | None = None, force: bool = False,
               text_values: int | None | Literal["fitted"] = "fitted", part_rows: int = streaming.DEFAULT_PART_ROWS,
               progress: Callable[[str, str], None] | None = None, dialect: str | None = None,
               where: str | tuple[str, ...] | list[str] = ()) -> SampleReport:
        """Write a synthetic database to ``output``: a DuckDB file or a connection
        (:mod:`amalgam_rel.writing.target`), or any other location (:mod:`amalgam_rel.writing.targets`;
        ``dialect``: a ``.sql`` script's).

        ``rows`` fixes chosen tables' sizes; ``text_values`` overrides the fitted generation budget
        (None: no limit). Tables no other table references are sampled and written ``part_rows``
        rows at a time (:mod:`.streaming`). ``where``: conditions every row of their table meets
        (:mod:`.conditioned`); what each cost is in the report's ``conditions``.
        """
        rows = rows or {}
        check_rows_option(self.reference_, rows)
        check_sizes(self, scale, rows)  # before a row is drawn or a byte written
        conditions = Conditions.parse(self.plan_, where, self.reference_, self.rules_.get(totals.NAME, ()))
        text = text_model(self, text_values)
        seed = checked_seed(self.seed if seed is None else seed)
        plan: DatabasePlan = self.plan_
        fk_index = {fk: i for i, fk in enumerate(self.db.foreign_keys)}
        streams = np.random.SeedSequence(seed).spawn(len(plan.graph.order))
        run = SampleRun.start(self)
        finished = last_readers(plan, self.tables_)
        con = connect()
        try:
            with DatabaseWriter(self.output_schema, output, force=force, source=self.source_, dialect=dialect) as out, \
                    side_text_jobs(self, text) as jobs:
                writer = HeldWrites(out, jobs)
                for key, stream in zip(plan.graph.order, streams):
                    clock = time.perf_counter()
                    ft = fresh_table(self, key)
                    draft = Draft(ft, fk_index, run.sampled, np.random.default_rng(stream), rows.get(key),
                                  table_scale(self, ft, run.sampled, scale), text=text, con=con,
                                  degree_bounds=conditions.degree_bounds(key))
                    if key in conditions.tables:
                        table, draft, cost = sample_matching(draft, conditions.tables[key], sample_table)
                        run.report.conditions.append(cost)
                        run.write_table(draft, None, writer, table)
                    else:
                        whole = conditions.sampled_whole(key)
                        run.write_or_defer(draft, None if whole else streaming.parts(draft, plan, part_rows), writer, jobs)
                    if key in conditions.children:
                        driver = ft.plan.driver.ref_table
                        conditions.check_child_counts(key, run.links[key], run.sampled[driver].num_rows)
                    run.write_totals(key, writer)  # the parent's totals, now that every child exists
                    run.forget(finished.get(key, ()))  # no table sampled later reads these
                    run.report.seconds[key] = round(time.perf_counter() - clock, 3)
                    if progress:
                        progress("sample", key)
                writer.run(wait=True)
                run.fill_cycle_edges(out, np.random.default_rng(streams[-1].spawn(1)[0]))
            run.report.notes = out.notes
        finally:
            con.close()
        return run.report
