"""The write side of sampling: what one run carries from table to table, and how a sampled
table is written and kept for the tables after it.

A *run* is one pass over some of a fitted model's tables in generation order: the whole
database (``DatabaseModel.sample``), or the shared tables and then each block of a sample in
shards (:mod:`.shards`). Every path samples and writes a table through :meth:`SampleRun.write_table`,
so a table's rows, its time zones, its totals and what later tables read of it are the same
whichever path drew it.

``model`` below is a fitted :class:`~amalgam_rel.pipeline.database_model.DatabaseModel`
(``db``, ``plan_``, ``tables_``, ``reference_``, ``rules_``, ``text_``).
"""

from __future__ import annotations

import copy
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa

from amalgam_rel.pipeline.draft import Draft
from amalgam_rel.pipeline.fitting import FittedTable
from amalgam_rel.pipeline.held_writes import HeldWrites
from amalgam_rel.pipeline.sample_report import SampleReport
from amalgam_rel.pipeline.sampling import finish_table, sample_table, sample_until_text
from amalgam_rel.pipeline.text_stage import text_request
from amalgam_rel.relational.cycles import close_cycle
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.relational.reference import sample_kept
from amalgam_rel.relational import rules as registry
from amalgam_rel.relational.rules import copies, derived, implied, totals
from amalgam_rel.relational.time_zones import with_time_zones
from amalgam_rel.relational.totals import TotalsWriter
from amalgam_rel.schema.model import Database
from amalgam_rel.writing.writer import DatabaseWriter

if TYPE_CHECKING:
    from amalgam_rel.generation.text_jobs import TextJobs


@dataclass
class SampleRun:
    """What one run carries from table to table (see the module docstring)."""

    model: object
    report: SampleReport
    totals: TotalsWriter  # the database rule (:mod:`~amalgam_rel.relational.rules.totals`)
    copied: dict[str, set[str]]  # parent table -> its columns a child repeats (kept while it is read)
    sampled: dict[str, pa.Table] = field(default_factory=dict)  # what later tables read of earlier ones
    links: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)  # table -> fk index -> parent row per row

    @classmethod
    def start(cls, model) -> SampleRun:
        return cls(model, SampleReport(), TotalsWriter(model.db, model.rules_.get(totals.NAME, ())), copied_columns(model))

    def write_table(self, draft: Draft, pieces, writer: DatabaseWriter, table: pa.Table | None = None) -> None:
        """Sample one table's rows and write them: whole, when later tables read them back, else
        part by part (``pieces``, :func:`.streaming.parts`), each gone once written; ``table``:
        rows already sampled (under a condition) from ``draft``."""
        model, ft, key = self.model, draft.ft, draft.ft.key
        if pieces is None:  # a kept table's rows are written as they are (:mod:`.reference`)
            kept = key in model.reference_
            if table is None:
                table = sample_kept(draft, model.reference_[key], model.reference_) if kept else sample_table(draft)
            writer.append(key, table if kept else with_time_zones(table, ft.time_zones, draft.rng))
            self.sampled[key] = kept_columns(model.db, ft, draft, table, self.copied.get(key, set()))
            self.links[key] = draft.parent_of
            _in_order(writer, lambda: self.report.add(key, table.num_rows, draft.text_reports, draft.semantic_reports))
            self.totals.add(key, draft.parent_of, table, self.sampled)
            return
        for piece in pieces:
            table = sample_table(piece)
            writer.append(key, with_time_zones(table, ft.time_zones, piece.rng))
            self.report.add(key, table.num_rows, piece.text_reports, piece.semantic_reports)
            self.report.parts[key] = self.report.parts.get(key, 0) + 1
            self.totals.add(key, piece.parent_of, table, self.sampled)

    def sample_before_text(self, draft: Draft) -> None:
        """Every value of a table whose text no later table reads (:func:`text_read_later` is False)
        but its text: what later tables read of it is kept now, :meth:`finish_text` writes it."""
        sample_until_text(draft)
        ft, key = draft.ft, draft.ft.key
        values = pa.table({c: draft.values[c] for c in ft.table.column_names if c in draft.values})
        self.sampled[key] = kept_columns(self.model.db, ft, draft, values, self.copied.get(key, set()))
        self.links[key] = draft.parent_of

    def finish_text(self, draft: Draft, writer: DatabaseWriter, text: dict[str, pa.Array] | None = None) -> None:
        """The text of a table :meth:`sample_before_text` drew (``text``: its values, drawn
        elsewhere), and the table written."""
        ft, key = draft.ft, draft.ft.key
        table = finish_table(draft, text)
        writer.append(key, with_time_zones(table, ft.time_zones, draft.rng))
        _in_order(writer, lambda: self.report.add(key, table.num_rows, draft.text_reports, draft.semantic_reports))

    def write_or_defer(self, draft: Draft, pieces, writer: HeldWrites, jobs: TextJobs | None) -> None:
        """:meth:`write_table`, or, for a table sampled whole whose text no later table reads
        (:func:`text_read_later`), every value but the text now and the text submitted to
        ``jobs``: another process may draw it while later tables are sampled, and ``writer``
        holds the writes after it until it is in."""
        key = draft.ft.key
        if jobs is None or pieces is not None or text_read_later(self.model, key):
            if pieces is not None:
                writer.run(wait=True)  # parts are written as they come: nothing may wait before them
            self.write_table(draft, pieces, writer)
            return
        self.sample_before_text(draft)
        request = text_request(draft)
        if request is None:  # no row, or no text to draw
            self.finish_text(draft, writer)
            return
        context, options = request
        jobs.submit(key, key, context, **options)
        writer.hold(key, lambda: self.finish_text(draft, writer.writer, jobs.take(key)))

    def write_totals(self, key: str, writer: DatabaseWriter) -> None:
        """``key``'s totals over its children (:mod:`~amalgam_rel.relational.totals`), once every child exists."""
        self.totals.write(key, self.sampled, writer)

    def forget(self, tables) -> None:
        """Free the rows of ``tables``: no table sampled later reads them (:func:`last_readers`)."""
        for done in tables:
            self.sampled.pop(done, None)
            self.links.pop(done, None)

    def fill_cycle_edges(self, writer: DatabaseWriter, rng: np.random.Generator) -> None:
        """Broken cycle edges were written empty; the parent rows now exist, so point at them."""
        for fk in self.model.plan_.graph.broken:
            close_cycle(self.model, fk, self.sampled, self.links, writer, rng)


def _in_order(writer, call) -> None:
    """``call`` (what is counted of a write) after the writes :class:`.HeldWrites` holds before it."""
    writer.then(call) if isinstance(writer, HeldWrites) else call()


def text_read_later(model, key: str) -> bool:
    """Whether what a later table reads of ``key``'s rows may depend on its text, or on what is
    drawn after it: False only when ``key`` has text, no key or copy reads a text column, and
    after the text nothing but text is written - no rule past it writes another column, no unique
    set holds a text column (a repeat is nudged apart), no time zone is drawn, no total or cycle
    edge involves the table and it is no kept reference table. Its text can then be generated
    last, while later tables are sampled (:mod:`.shards`: the blocks run meanwhile)."""
    ft, db = model.tables_[key], model.db
    text = set(ft.text_columns)
    if not text or key in model.reference_ or ft.time_zones:
        return True
    read = {c for fk in db.referencing(key) for c in fk.ref_columns} | copied_columns(model).get(key, set())
    if text & read or any(text & set(u) for u in ft.table.unique_sets()):
        return True
    for rule in registry.RULES:
        late = tuple(r for r in ft.rules.get(rule.NAME, ()) if rule.apply_at(r, ft) in ("text", "finished"))
        if late and not set(rule.claims(late)) <= text:
            return True
    for t in model.rules_.get(totals.NAME, ()):
        fk = db.foreign_keys[t.fk]
        if key in (fk.table, fk.ref_table):
            return True
    return any(key in (fk.table, fk.ref_table) for fk in model.plan_.graph.broken)


def fresh_table(model, key: str) -> FittedTable:
    """``key``'s fitted table with key generators of its own: they count what they issued, so
    each sample starts them afresh and never changes the fitted model's."""
    ft = model.tables_[key]
    return replace(ft, keys=copy.deepcopy(ft.keys))


def table_scale(model, ft: FittedTable, sampled: dict[str, pa.Table], scale: float) -> float:
    """Roots grow by ``scale``; a child table grows as its driving parent did, so that
    ``--rows`` on a parent carries its children along."""
    driver = ft.plan.driver
    if driver is None or driver.ref_table in model.reference_:  # a kept table keeps its size; its children scale
        return scale
    parent_real = model.tables_[driver.ref_table].real_rows
    return sampled[driver.ref_table].num_rows / parent_real if parent_real else scale


def text_model(model, text_values: int | None | Literal["fitted"]):
    """The fitted text model, or a copy of it with another generation budget: sampling never
    changes the fitted model, so the next sample starts from the fitted budget again."""
    if model.text_ is None or text_values == "fitted":
        return model.text_
    text = copy.copy(model.text_)  # shallow: the trained weights and plans are shared, read-only
    text.max_values_per_column = text_values
    return text


def side_text_jobs(model, text) -> TextJobs | nullcontext:
    """Jobs for the text of the tables whose text no later table reads, drawn beside the run by
    a worker process (:mod:`amalgam_rel.generation.text_jobs`), where one can take ``text`` (the
    run's text model) and such a table exists; else a context of None: the text is drawn in turn."""
    from amalgam_rel.generation.text_jobs import TextJobs, can_share  # torch: only once a sample has text

    if text is None or not can_share(text) or all(text_read_later(model, k) for k in model.plan_.graph.order):
        return nullcontext()
    return TextJobs(text)


def copied_columns(model) -> dict[str, set[str]]:
    """Parent table -> its columns a child repeats (:mod:`~amalgam_rel.relational.rules.copies`),
    kept while the child is sampled."""
    copied: dict[str, set[str]] = {}
    for t in model.tables_.values():
        for c in t.rules.get(copies.NAME, ()):
            copied.setdefault(model.db.foreign_keys[c.fk].ref_table, set()).add(c.source)
    return copied


def kept_columns(db: Database, ft: FittedTable, draft: Draft, table: pa.Table, copied: set[str]) -> pa.Table:
    """What children need of a sampled table: its keys and model columns, not its text
    (unless a foreign key references a text column or a child repeats it, ``copied``)."""
    referenced = {c for fk in db.referencing(ft.key) for c in fk.ref_columns} | copied
    keep = {c: table.column(c) for c in table.column_names if c not in ft.text_columns or c in referenced}
    for c in draft.rows.column_names:
        if c not in keep:
            keep[c] = draft.rows.column(c)
    return pa.table(keep)


def last_readers(plan: DatabasePlan, tables: dict[str, FittedTable]) -> dict[str, list[str]]:
    """Table -> the tables nothing sampled after it reads (their rows can be freed then).

    Tables on a broken FK cycle are read again once every table exists, so they stay; a
    grandparent that a row's two parents share (:mod:`.implied`, ``sibling``) is read too, and
    so is one a column is computed from (:mod:`.derived`).
    """
    position = {t: i for i, t in enumerate(plan.graph.order)}
    on_cycles = {t for fk in plan.graph.broken for t in (fk.table, fk.ref_table)}
    shared: dict[str, list[str]] = {}
    for key, ft in tables.items():
        for rule in implied.followed(ft).values():
            if rule.how == "sibling":
                shared.setdefault(plan.db.foreign_keys[rule.via].ref_table, []).append(key)
        for d in ft.rules.get(derived.NAME, ()):  # a value read from a grandparent's row (:mod:`.derived`)
            for index in d.path[1:]:
                shared.setdefault(plan.db.foreign_keys[index].ref_table, []).append(key)
    out: dict[str, list[str]] = {}
    for t in plan.graph.order:
        if t in on_cycles:
            continue
        readers = [fk.table for fk in plan.db.referencing(t) if fk.table != t] + shared.get(t, [])
        last = max((position[r] for r in readers), default=position[t])
        out.setdefault(plan.graph.order[last], []).append(t)
    return out
