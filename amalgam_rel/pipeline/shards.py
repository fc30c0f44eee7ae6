"""Sample a fitted model in shards: blocks of root entities, each drawn on its own, written as
a Parquet dataset (one folder per table, one file per block).

The coordinator (:func:`plan_blocks`) samples the shared tables once, whole, with the
unsharded sample's random streams, plans every blocked table whole (:mod:`.shard_layout`)
and cuts it into blocks, and decides each block's key ranges before any block runs. A block
(:func:`sample_block`) then needs nothing from another: its random streams come from
``(seed, table, block)``, never from its position in one stream, so it draws the same rows
whichever worker runs it and however many workers there are. The number of shards is only how
many workers share the blocks: 1 shard and 4 shards write the same files with the same rows.
They differ from the unsharded sample of the same seed (blocks are drawn from other streams,
and a foreign key into a shared table is matched per block): the shared tables are equal.

Key ranges: a blocked table's block holds rows ``[start, end)`` of its whole plan, so its keys
are issued from ``start``. A following table's rows per block are bounded before sampling: a
child's row count follows its parent's (:func:`.sampling.planned_rows`), so the bound is the
count the block's planned parent rows give, and its keys start after the bounds of the blocks
before it (dense unless a repair dropped rows). UUID keys come from the block's own stream.
"""

from __future__ import annotations

import copy
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.pipeline import streaming
from amalgam_rel.pipeline.draft import Chunk, Draft
from amalgam_rel.pipeline.sample_run import SampleRun, fresh_table, table_scale, text_model, text_read_later
from amalgam_rel.pipeline.sampling import driver_rows, planned_rows
from amalgam_rel.pipeline.shard_layout import ShardLayout
from amalgam_rel.relational.keys import start_at
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database
from amalgam_rel.writing.export import stored_columns
from amalgam_rel.writing.spelling import target_table_name
from amalgam_rel.writing.writer import DatabaseWriter

BLOCK_STREAMS = 28  # first word of a block's spawn key: (28, table, block) is no child of SeedSequence(seed).spawn
SHARED_FILE = "shared.parquet"


@dataclass(frozen=True)
class TableBlock:
    """What one block samples of one blocked table: rows [start, end) of its whole plan."""

    start: int
    end: int
    parent_rows: np.ndarray | None  # driving parent's row (in the shared table) per row; None for a root
    share: float  # of the table's rows


@dataclass(frozen=True)
class BlockTask:
    """Everything a block needs besides the model and the shared tables: small, sent to a worker."""

    index: int
    blocked: dict[str, TableBlock]  # blocked tables that have rows in this block
    key_starts: dict[str, int]  # table -> keys issued before this block's
    follow_shares: dict[str, float]  # following table -> this block's share of its rows (the text budget)


@dataclass
class SampleSettings:
    seed: int
    scale: float
    text_values: int | None | str = "fitted"
    part_rows: int = streaming.DEFAULT_PART_ROWS
    threads: int | None = None  # DuckDB's threads per process (None: its default, the machine's cores); never the rows


@dataclass(frozen=True)
class BlockResult:
    index: int
    report: object  # the block's SampleReport
    seconds: float


def block_rng(seed: int, table_index: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(BLOCK_STREAMS, table_index, block)))


def cut(rows: np.ndarray | None, n: int, size: int | None, count: int | None) -> list[tuple[int, int]]:
    """[start, end) of the blocks of a table of ``n`` planned rows: ``size`` rows each, or
    ``count`` blocks of about equal size; never splitting a driving parent's children.

    >>> cut(None, 5, 2, None), cut(np.array([0, 0, 1, 1, 2, 3]), 6, None, 2)
    ([(0, 2), (2, 4), (4, 5)], [(0, 4), (4, 6)])
    """
    if count is None:
        count = max(1, -(-n // size))
        targets = [i * size for i in range(1, count)]
    else:
        targets = [round(i * n / count) for i in range(1, count)]
    if rows is not None:  # move each cut forward to the first row of a new parent
        with_parent = n - int((rows < 0).sum())
        targets = [t if t >= with_parent or t == 0 or rows[t] != rows[t - 1]
                   else int(np.searchsorted(rows[:with_parent], rows[t], side="right")) for t in targets]
    edges = [0, *targets, n]
    return [(edges[i], max(edges[i], edges[i + 1])) for i in range(count)]


def plan_blocks(model, layout: ShardLayout, sampled: dict[str, pa.Table], streams, settings: SampleSettings,
                block_rows: int) -> list[BlockTask]:
    """Cut every blocked table into blocks and decide every block's key ranges (see the module docstring)."""
    fk_index = {fk: i for i, fk in enumerate(model.db.foreign_keys)}
    plans: dict[str, list[TableBlock]] = {}
    root_blocks = None
    for key in [layout.root] + [t for t in layout.blocked if t != layout.root]:  # the root's count cuts with_root
        ft = model.tables_[key]
        draft = Draft(ft, fk_index, sampled, np.random.default_rng(streams[layout.order.index(key)]), None,
                      table_scale(model, ft, sampled, settings.scale))
        rows = driver_rows(draft) if ft.plan.driver is not None else None
        n = len(rows) if rows is not None else planned_rows(draft)
        count = root_blocks if key in layout.with_root else None
        bounds = cut(rows, n, block_rows, count)
        plans[key] = [TableBlock(s, e, rows[s:e] if rows is not None else None, (e - s) / n if n else 0.0)
                      for s, e in bounds]
        if key == layout.root:
            root_blocks = len(bounds)
    follow = _follow_bounds(model, layout, plans, settings.scale)
    count = max(len(p) for p in plans.values())
    tasks = []
    for b in range(count):
        blocked = {t: p[b] for t, p in plans.items() if b < len(p)}
        starts = {t: blocked[t].start for t in blocked}
        starts |= {t: int(sum(bounds[:b])) for t, bounds in follow.items() if b < len(bounds)}
        shares = {t: bounds[b] / max(sum(bounds), 1) for t, bounds in follow.items() if b < len(bounds)}
        tasks.append(BlockTask(b, blocked, starts, shares))
    return tasks


def _follow_bounds(model, layout: ShardLayout, plans: dict[str, list[TableBlock]], scale: float) -> dict[str, list[int]]:
    """Per following table, the most rows each block can give it: what the block's planned
    parent rows give (a child's count follows its parent's; repairs only ever drop rows)."""
    bounds = {t: [p.end - p.start for p in plan] for t, plan in plans.items()}
    for key in layout.follows:
        ft = model.tables_[key]
        parent = ft.plan.driver.ref_table
        real = model.tables_[parent].real_rows
        bounds[key] = [planned_rows(Draft(ft, {}, {}, None, None, n / real if real else scale)) for n in bounds[parent]]
    return {t: bounds[t] for t in layout.follows}


def block_schema(model, tables) -> Database:
    """The output's DDL for ``tables`` alone, without foreign keys (their parents may be in
    other files): DuckDB still checks each block's keys, NOT NULLs and CHECKs on insert."""
    keep = set(tables)
    return replace(model.output_schema, tables=tuple(t for t in model.output_schema.tables if t.key in keep),
                   foreign_keys=(), indexes=(), views=())


def sample_shared(model, layout: ShardLayout, streams, settings: SampleSettings, folder, start_blocks) -> object:
    """Sample the shared tables whole (the unsharded sample's streams) and write them to
    ``folder``; returns the sample report.

    ``start_blocks(sampled)`` is called once what the blocks read of the shared tables exists
    (``sampled``): the text of a shared table no later table reads (:func:`.sample_run.text_read_later`)
    is generated after that call, so that an engine's workers sample the blocks meanwhile. Each
    table's draft keeps its own random stream, so its rows are those of drawing it in one go."""
    fk_index = {fk: i for i, fk in enumerate(model.db.foreign_keys)}
    text = text_model(model, settings.text_values)
    run = SampleRun.start(model)
    con = _connect(settings)
    try:
        with DatabaseWriter(block_schema(model, layout.shared), con) as writer:
            later = []  # drafts whose text comes after start_blocks
            for i, key in enumerate(layout.order):
                if key not in layout.shared:
                    continue
                clock = time.perf_counter()
                ft = fresh_table(model, key)
                draft = Draft(ft, fk_index, run.sampled, np.random.default_rng(streams[i]), None,
                              table_scale(model, ft, run.sampled, settings.scale), text=text, con=con)
                if text_read_later(model, key):
                    run.write_table(draft, streaming.parts(draft, model.plan_, settings.part_rows), writer)
                    run.write_totals(key, writer)
                else:
                    run.sample_before_text(draft)
                    later.append(draft)
                run.report.seconds[key] = round(time.perf_counter() - clock, 3)
            run.fill_cycle_edges(writer, np.random.default_rng(streams[-1].spawn(1)[0]))
            start_blocks(run.sampled)
            for draft in later:
                clock = time.perf_counter()
                run.finish_text(draft, writer)
                run.report.seconds[draft.ft.key] += round(time.perf_counter() - clock, 3)
        copy_out(con, model.output_schema, layout.shared, folder, SHARED_FILE)
    finally:
        con.close()
    return run.report


def _connect(settings: SampleSettings) -> duckdb.DuckDBPyConnection:
    con = connect()
    if settings.threads is not None:
        con.execute(f"SET threads = {int(settings.threads)}")
    return con


def copy_out(con: duckdb.DuckDBPyConnection, schema: Database, tables, folder, name: str) -> None:
    """Each of ``tables`` in ``con`` to ``folder/TABLE/name`` as Parquet: its stored columns, as
    the ``parquet:`` target writes them (a reader computes generated columns)."""
    for key in tables:
        table = schema.table(key)
        columns = [sql.column(c.name) for c in stored_columns(table)]
        if not columns:
            continue
        place = folder / target_table_name(table)
        place.mkdir(exist_ok=True)
        query = sql.render(exp.select(*columns).from_(sql.table_ref(table.name, table.schema)))
        con.execute(f"COPY ({query}) TO {exp.Literal.string(str(place / name)).sql('duckdb')} (FORMAT parquet)")


def sample_block(model, layout: ShardLayout, shared: dict[str, pa.Table], task: BlockTask, settings: SampleSettings,
                 folder) -> BlockResult:
    """Sample block ``task.index`` of every sharded table and write its files to ``folder``."""
    clock = time.perf_counter()
    fk_index = {fk: i for i, fk in enumerate(model.db.foreign_keys)}
    text = text_model(model, settings.text_values)
    run = SampleRun.start(model)
    run.sampled.update(shared)
    tables = [t for t in layout.sharded if t in task.blocked or t in task.follow_shares]
    con = _connect(settings)
    try:
        with DatabaseWriter(block_schema(model, tables), con) as writer:
            for key in tables:
                draft = _block_draft(model, key, task, run.sampled, fk_index, settings, text, con)
                if draft.chunk is None:  # a follower: its rows per parent first, then the block's share of the text budget
                    rows = driver_rows(draft)
                    draft.chunk = Chunk(task.index, len(rows), rows, task.follow_shares[key], {})
                run.write_table(draft, None, writer)
                run.write_totals(key, writer)
        copy_out(con, model.output_schema, tables, folder, f"block-{task.index:05d}.parquet")
    finally:
        con.close()
    return BlockResult(task.index, run.report, round(time.perf_counter() - clock, 3))


def _block_draft(model, key: str, task: BlockTask, sampled, fk_index, settings: SampleSettings, text, con) -> Draft:
    """A draft of ``key``'s rows in block ``task``: its own stream, keys issued from the block's start."""
    ft = model.tables_[key]
    keys = {name: start_at(copy.deepcopy(g), task.key_starts[key]) for name, g in ft.keys.items()}
    ft = replace(ft, keys=keys)
    rng = block_rng(settings.seed, model.plan_.graph.order.index(key), task.index)
    part = task.blocked.get(key)
    chunk = Chunk(task.index, part.end - part.start, part.parent_rows, part.share, {}) if part is not None else None
    return Draft(ft, fk_index, sampled, rng, None, table_scale(model, ft, sampled, settings.scale), text=text, con=con,
                 chunk=chunk)


def sample_in_shards(model_dir: str, folder, layout: ShardLayout, settings: SampleSettings, block_rows: int,
                     submit_blocks, progress=None) -> tuple[object, list[BlockTask]]:
    """Write the Parquet dataset into the empty ``folder`` from the model saved in ``model_dir``:
    the shared tables here, then every block through ``submit_blocks(run, tasks)`` (any engine: it
    has ``run(task)`` called once per task, anywhere, in any order, and returns a function that
    waits for and returns the results). The blocks are submitted as soon as what they read of the
    shared tables exists; the shared tables' own text is generated here meanwhile. Every block,
    here or on a worker, samples the model saved in ``model_dir``: loaded once per process, or
    the one this process holds already (:func:`held`). Returns the merged report and the tasks."""
    model = loaded(model_dir)
    streams = np.random.SeedSequence(settings.seed).spawn(len(layout.order))
    submitted = {}

    def start_blocks(shared: dict[str, pa.Table]) -> None:
        tasks = plan_blocks(model, layout, shared, streams, settings, block_rows)
        needed = {k: v for k, v in shared.items() if k in layout.shared}
        submitted.update(tasks=tasks, results=submit_blocks(BlockRun(str(model_dir), layout, needed, settings, str(folder)), tasks))

    report = sample_shared(model, layout, streams, settings, folder, start_blocks)
    if progress:
        progress("sample", ", ".join(layout.shared) + " (shared)")
    results, tasks = submitted["results"](), submitted["tasks"]
    for result in sorted(results, key=lambda r: r.index):
        report.merge(result.report)
        if progress:
            progress("sample", f"block {result.index + 1} of {len(tasks)}")
    report.seconds["blocks"] = round(sum(r.seconds for r in results), 3)
    return report, tasks


@dataclass(frozen=True)
class BlockRun:
    """``sample_block`` with everything but the task bound: what an engine sends to its workers.

    The model travels as the directory it is saved in, loaded once per worker process: a model
    that has sampled holds open files and connections that do not pickle."""

    model_dir: str
    layout: ShardLayout
    shared: dict[str, pa.Table]
    settings: SampleSettings
    folder: str

    def __call__(self, task: BlockTask) -> BlockResult:
        from pathlib import Path

        return sample_block(loaded(self.model_dir), self.layout, self.shared, task, self.settings, Path(self.folder))


_LOADED: dict[str, object] = {}  # model directory -> the model this process loaded from it (or held, see held)


@contextmanager
def held(model_dir: str, model=None):
    """Within, :func:`loaded` gives this process's ``model`` for ``model_dir`` where one is given
    (it must hold just what its copy saved there does: ``DatabaseModel.as_saved``), sparing the
    load of a model it has in memory already; else the copy, loaded once. After, this process
    lets go of that entry, so a large model is not kept until the next sample."""
    _LOADED.clear()
    if model is not None:
        _LOADED[model_dir] = model
    try:
        yield
    finally:
        _LOADED.pop(model_dir, None)


def loaded(model_dir: str):
    """The model saved in ``model_dir``, loaded once per process (a worker runs many blocks)."""
    if model_dir not in _LOADED:
        from amalgam_rel.pipeline.database_model import DatabaseModel

        _LOADED.clear()  # one sample at a time: an earlier sample's model is not needed again
        _LOADED[model_dir] = DatabaseModel.load(model_dir)
    return _LOADED[model_dir]


def in_process(run, tasks):
    """The engine of one process: every block in turn, once the results are asked for (after
    the shared tables' text, which this process generates first)."""
    return lambda: [run(task) for task in tasks]
