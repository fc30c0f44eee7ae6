"""Sample a fitted model in shards, on Dask: a Parquet dataset, one folder per table.

``sample_shards(model, "out/", shards=4)`` draws blocks of root entities
(:mod:`amalgam_rel.pipeline.shards`) on ``shards`` worker processes of a local Dask cluster, or
on the cluster of a Dask ``client`` given (any number of machines that can read the model's
classes and write to ``out``). One shard needs no Dask: the blocks run in this process. The
rows are the same for any number of shards; see docs/sharding.md.

Why Dask (``pip install amalgam-rel[dask]``): the blocks are plain Python functions over numpy
and Arrow, which Dask's futures run as they are, and its local cluster is a few pure-Python
wheels (Ray's runtime is a ~70 MB binary wheel; PySpark needs a Java runtime and would move rows
through the JVM for nothing, as every block writes its own files).
"""

from __future__ import annotations

import logging
import numbers
import os
import resource
import shutil
import sys
from pathlib import Path

from amalgam_rel.errors import InputError
from amalgam_rel.locations import Location, parse_location
from amalgam_rel.outputs import check_output_path, mark_written, sweep_stale_temps, temp_path
from amalgam_rel.pipeline.persistence import MANIFEST
from amalgam_rel.pipeline.shard_layout import plan_layout
from amalgam_rel.pipeline.shards import SampleSettings, held, in_process, loaded, sample_in_shards
from amalgam_rel.seeds import checked_seed
from amalgam_rel.api.sample import Sample

DEFAULT_BLOCK_ROWS = 10_000  # root entities per block: TPC-H sf 1 gives 15 blocks of customers


def sample_shards(model, out: str | Path | Location, *, shards: int = 1, block_rows: int = DEFAULT_BLOCK_ROWS,
                  shard_by: str | None = None, seed: int | None = None, scale: float = 1.0,
                  text_values: int | None | str = "fitted", force: bool = False, client=None, progress=None) -> Sample:
    """Write ``model``'s synthetic database to the new folder ``out`` (``DIR`` or ``parquet:DIR``)
    as Parquet files, sampled in blocks of ``block_rows`` entities of the table ``shard_by``
    (default: see :func:`~amalgam_rel.pipeline.shard_layout.default_root`) on ``shards`` workers.
    ``model`` is a fitted model or the directory one is saved in: given the directory, a local
    cluster's workers start, and load the model from it, while this process loads it too.
    ``Sample.report.workers`` says per worker process its blocks, CPU seconds and peak memory."""
    path = _folder(out)
    _check_count(shards, "--shards")
    _check_count(block_rows, "--block-rows")
    model_dir = str(model) if isinstance(model, (str, Path)) else None
    if model_dir is not None:  # what needs no model is refused before any worker starts
        check_output_path(path, option="-o", force=force, directory=True)
    # the workers' interpreter start and model load (~4.5 CPU s) on the core this process's own
    # load leaves idle: the model directory is the one the workers read, nothing is copied
    early = None
    if model_dir is not None and client is None and shards > 1 and (Path(model_dir) / MANIFEST).is_file():
        early = _dask(None, shards, model_dir)
    try:
        if model_dir is not None:
            from amalgam_rel.pipeline.database_model import DatabaseModel

            model = DatabaseModel.load(model_dir)
        settings = SampleSettings(checked_seed(model.seed if seed is None else seed), scale, text_values,
                                  threads=duckdb_threads(shards, client))
        return _sample(model, path, settings, shards, block_rows, shard_by, force, client, progress,
                       (model_dir, early) if early is not None else None)
    finally:
        if early is not None:
            early[1]()


def _sample(model, path: Path, settings: SampleSettings, shards: int, block_rows: int, shard_by, force: bool, client,
            progress, started) -> Sample:
    """:func:`sample_shards` once the model is loaded; ``started``: the model's directory and the
    engine already started on it, or None (the engine starts here, on a copy of the model)."""
    from amalgam_rel.relational.sizes import check_sizes

    check_sizes(model, settings.scale, {})
    layout = plan_layout(model, shard_by)
    check_output_path(path, option="-o", force=force, directory=True)
    sweep_stale_temps(path)
    tmp = temp_path(path)
    saved = tmp.with_name(tmp.name + "-model")  # what every worker loads: beside the output, which they all reach
    for old in (tmp, saved):
        shutil.rmtree(old, ignore_errors=True)
    tmp.mkdir()
    close, here_only = None, client is None and shards == 1
    # this process samples ``model`` itself where it holds just what its saved copy would (a
    # loaded model), and saves it only for the workers; a fitted or screened model holds a copy
    # guard that no worker could have, so it is saved and every process loads the same copy
    own = model if getattr(model, "as_saved", False) else None
    model_dir = started[0] if started is not None else str(saved)
    try:
        if started is None and (own is None or not here_only):
            model.save(saved)
        if started is not None:
            engine = started[1][0]
        else:
            engine, close = (in_process, None) if here_only else _dask(client, shards, model_dir)
        with held(model_dir, own):
            report, tasks = sample_in_shards(model_dir, tmp, layout, settings, block_rows, engine, progress)
        if engine is in_process:
            report.workers = {str(os.getpid()): {"blocks": len(tasks), **process_usage()}}
        from amalgam_rel.writing.files import replace_folder

        replace_folder(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(saved, ignore_errors=True)
        if close is not None:
            close()
    mark_written(path)
    return Sample(path, report)


def duckdb_threads(shards: int, client) -> int | None:
    """DuckDB's threads in each process of a local cluster: its share of this machine's cores.
    Left to DuckDB, each of 2 processes on 2 cores ran 2 threads; 1 each spent less CPU on the
    same blocks (docs/benchmarks.md, shard28e). One shard, or a cluster of the caller's: DuckDB's default."""
    if client is not None or shards == 1:
        return None
    return max(1, (os.cpu_count() or 1) // shards)


def _folder(out) -> Path:
    location = out if isinstance(out, Location) else parse_location(str(out)) if str(out).startswith("parquet:") else None
    if location is not None:
        if location.kind != "parquet":
            raise InputError(f"a sample in shards is a Parquet dataset: -o must be a folder or parquet:DIR, not {location.shown()}")
        return Path(location.path)
    if not isinstance(out, (str, Path)) or str(out).endswith((".duckdb", ".db", ".sql")):
        raise InputError(f"a sample in shards is a Parquet dataset: -o must be a folder or parquet:DIR, not {out!r}")
    return Path(out)


def _check_count(value, option: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(f"{option} must be a whole number >= 1, got {value!r}")


def _dask(client, shards: int, model_dir: str):
    """The engine running the blocks as Dask futures: on ``client``'s cluster, or on ``shards``
    processes of this machine - this one and a local cluster of ``shards - 1`` single-threaded
    workers started here (and closed after). This process holds the model already: a worker
    more would cost an interpreter start and a model load, and leave this one idle. Every
    worker loads the model from ``model_dir`` at once, while this process samples the shared tables."""
    try:
        from dask.distributed import Client, wait
    except ImportError:
        raise InputError(f"--shards {shards} runs on Dask, which is not installed: pip install 'amalgam-rel[dask]'") from None
    from concurrent.futures import ThreadPoolExecutor

    def start():
        """The client, and each worker loading the model in a task of its own (not in its first block)."""
        cluster = local_cluster(shards - 1) if client is None else None
        started = client if client is not None else Client(cluster)
        warm = [started.submit(_load_model, model_dir, workers=[w], pure=False) for w in started.scheduler_info()["workers"]]
        if cluster is not None:
            started.run(exit_at_once)
        return started, cluster, warm

    # the workers start and load the model while this process samples the shared tables
    pool = ThreadPoolExecutor(1)
    starting = pool.submit(start)

    def close():
        pool.shutdown()
        if starting.exception() is not None:  # raised already, by submit
            return
        started, cluster, warm = starting.result()
        if cluster is not None:
            wait(warm)  # a worker closed while it loads the model logs the scheduler's loss (an error before a block)
            started.close()
            cluster.close()

    def submit(run, tasks):
        started, cluster, warm = starting.result()
        [remote] = started.scatter([run], broadcast=True)  # the model and shared tables, once per worker
        if cluster is None:  # a cluster of the caller's: every block on it
            futures = started.map(_run_block, tasks, run=remote, pure=False)
            return lambda: (started.gather(warm), started.gather(futures))[1]
        blocks = _SharedBlocks(started, remote, tasks, len(warm))
        return lambda: (blocks.run_here(run), started.gather(warm))[0]

    return submit, close


QUIET_CLUSTER = {
    "distributed.admin.tick.interval": "1s",  # 20 ms: a check that the event loop is not blocked, in every server
    "distributed.admin.system-monitor.interval": "5s",  # 0.5 s: CPU, memory and network counters, for a dashboard
    "distributed.scheduler.work-stealing": False,  # each worker holds one block at a time: nothing to steal
}


def local_cluster(workers: int):
    """A Dask cluster of ``workers`` single-threaded worker processes on this machine, set up for
    blocks that keep a core busy for seconds each (TPC-H sf 0.1 and sf 1, docs/benchmarks.md).

    No memory limit: Dask would otherwise pause or kill a worker at a share of this machine's
    memory. glibc's default trim threshold: Dask's 64 KiB hands freed memory back to the system
    at once, and a block that allocates and frees large arrays then spent a third of its CPU in
    the kernel. No statistical profiler: every 10 ms a worker's event loop walked the running
    block's stack twice (Python's lock taken from the block, and enough allocated to run the
    garbage collector over the loaded model). Dask's periodic chores at a pace for blocks of
    seconds (:data:`QUIET_CLUSTER`): they took the lock of Python from the running block 50 times
    a second per process, and 3.6 % of a core on an idle cluster, 0.6 % after (docs/benchmarks.md, shard28e)."""
    import dask
    from dask.distributed import LocalCluster

    settings = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                "distributed.worker.profile.enabled": False, **QUIET_CLUSTER}
    with dask.config.set(settings):  # read by each nanny and worker as it starts
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=0,
                            dashboard_address=None, silence_logs=logging.ERROR)


class _SharedBlocks:
    """Blocks taken in order by whichever process is free: each worker is handed its next block
    when its last one ends (a future's callback), and this process takes one whenever it has
    finished its own (the shared tables' text first). No process waits while blocks remain."""

    def __init__(self, client, remote, tasks, workers: int):
        import threading
        from collections import deque

        self.client, self.remote, self.lock = client, remote, threading.Lock()
        self.queue, self.futures = deque(tasks), []
        for _ in range(workers):
            self._hand_out()

    def _hand_out(self, _done=None) -> None:
        with self.lock:  # submitted under the lock: run_here never misses a future
            if not self.queue:
                return
            future = self.client.submit(_run_block, self.queue.popleft(), run=self.remote, pure=False)
            self.futures.append(future)
        future.add_done_callback(self._hand_out)  # in a thread of the client's

    def _take(self):
        with self.lock:
            return self.queue.popleft() if self.queue else None

    def run_here(self, run) -> list:
        results = []
        while (task := self._take()) is not None:
            results.append(_run_block(task, run))
        with self.lock:
            futures = list(self.futures)
        return results + self.client.gather(futures)


def exit_at_once() -> None:
    """At its exit, this process leaves without tearing its interpreter down: a local worker
    that had loaded the model spent ~1.3 s freeing its objects and torch's state after its
    last block, while both cores waited for it (docs/benchmarks.md, shard28e). Registered last,
    it runs first of the exit handlers; a worker has nothing else to flush but its two streams."""
    import atexit

    def leave():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    atexit.register(leave)


def _load_model(model_dir: str) -> None:
    loaded(model_dir)  # kept in the worker process for its blocks; nothing comes back


def _run_block(task, run):
    result = run(task)
    result.report.workers = {str(os.getpid()): process_usage()}
    return result


def process_usage() -> dict[str, float]:
    """This process's CPU seconds and peak resident memory so far: ``VmHWM`` where Linux has it
    (``ru_maxrss`` would carry the forking parent's size across ``exec``), else ``ru_maxrss``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss if sys.platform.startswith("linux") else usage.ru_maxrss / 1024  # macOS: bytes
    status = Path("/proc/self/status")
    if status.exists():
        peak_kb = next((int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmHWM:")), peak_kb)
    return {"cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}


def load_dataset(model, folder: str | Path, out: str | Path | Location, *, force: bool = False) -> Path | Location:
    """Load a dataset :func:`sample_shards` wrote into a DuckDB file or any other ``-o`` target,
    with the source's DDL: every key, foreign key and CHECK is checked across all the shards."""
    import pyarrow.parquet as pq

    from amalgam_rel.schema.graph import fk_graph
    from amalgam_rel.writing.spelling import target_table_name
    from amalgam_rel.writing.writer import DatabaseWriter

    folder, schema = Path(folder), model.output_schema
    if not folder.is_dir():
        raise InputError(f"no sharded sample in {folder}: not a folder")
    target = out if isinstance(out, Location) else parse_location(out)
    output = target.path if target.kind == "duckdb" else target
    with DatabaseWriter(schema, output, force=force, source=model.source_) as writer:
        for key in fk_graph(schema).order:  # parents first; within a table, the files in block order
            for file in sorted((folder / target_table_name(schema.table(key))).glob("*.parquet")):
                writer.append(key, pq.read_table(file))
    return output
