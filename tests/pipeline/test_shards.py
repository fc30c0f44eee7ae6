"""Sampling in shards (issue 28): blocks of root entities on Dask workers, a Parquet dataset.

The shop (region -> customer -> orders, orders -> product) sharded by customer: customer is
cut into blocks, orders follow their customers, region and product are shared. One shard in
this process and four on a local Dask cluster must write the same rows; loading the dataset
with the source's DDL checks every key and foreign key across the blocks.
"""

from __future__ import annotations


import duckdb
import pytest

from amalgam_rel.api.shards import load_dataset, sample_shards
from amalgam_rel.errors import InputError
from amalgam_rel.pipeline.shard_layout import plan_layout

BLOCK = 150  # customers per block: the shop's 800 make 6 blocks
TABLES = ("region", "customer", "product", "orders")


@pytest.fixture(scope="module")
def one_shard(shop, tmp_path_factory):
    _, model, _ = shop
    out = tmp_path_factory.mktemp("shards") / "one"
    return model, sample_shards(model, out, shards=1, block_rows=BLOCK, shard_by="customer")


def _rows(folder, table: str) -> list[tuple]:
    return duckdb.sql(f"SELECT * FROM '{folder}/{table}/*.parquet' ORDER BY ALL").fetchall()


def test_the_layout_shares_the_parents_and_blocks_the_root_with_its_children(shop):
    _, model, _ = shop
    layout = plan_layout(model, "customer")
    assert (layout.blocked, layout.follows, layout.shared) == (("customer",), ("orders",), ("product", "region"))
    with pytest.raises(InputError, match="--shard-by names no table"):
        plan_layout(model, "nowhere")


def test_one_shard_is_a_parquet_dataset_whose_keys_and_foreign_keys_hold_across_blocks(one_shard, shop, tmp_path):
    model, sample = one_shard
    _, _, whole = shop
    folder = sample.output
    assert sorted(p.name for p in (folder / "customer").iterdir()) == [f"block-{b:05d}.parquet" for b in range(6)]
    assert [p.name for p in (folder / "region").iterdir()] == ["shared.parquet"]
    loaded = load_dataset(model, folder, tmp_path / "loaded.duckdb")  # DuckDB checks every PK, FK and CHECK
    con = duckdb.connect(str(loaded), read_only=True)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    con.close()
    assert counts == sample.rows
    # the shared tables are the unsharded sample's, drawn from the same streams
    real = duckdb.connect(str(whole), read_only=True)
    for table in ("region", "product"):
        assert _rows(folder, table) == real.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    # the root keeps its size; orders follow their customers to about the unsharded count
    assert counts["customer"] == real.execute("SELECT count(*) FROM customer").fetchone()[0]
    assert abs(counts["orders"] / real.execute("SELECT count(*) FROM orders").fetchone()[0] - 1) < 0.1
    real.close()


def test_four_shards_on_dask_write_the_same_rows_as_one(one_shard, tmp_path):
    """One shard of the fitted model (saved, then loaded here), four of a loaded copy: this
    process samples its own copy, which holds just what the workers load, and lets it go after."""
    import dask
    import dask.distributed  # noqa: F401 - its defaults first: leaving a set made before would drop them

    from amalgam_rel.pipeline import shards
    from amalgam_rel.pipeline.database_model import DatabaseModel

    fitted, one = one_shard
    fitted.save(tmp_path / "model")
    model = DatabaseModel.load(tmp_path / "model")
    assert model.as_saved and not fitted.as_saved
    # workers from a fork server: a plain fork of this process (JAX's threads running) may
    # deadlock, and spawned workers import everything anew; the blocks still run in other processes
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        four = sample_shards(model, tmp_path / "four", shards=4, block_rows=BLOCK, shard_by="customer")
    assert four.rows == one.rows
    assert len(four.report.workers) >= 2  # the blocks ran in other processes
    assert not shards._LOADED
    for table in TABLES:
        assert _rows(four.output, table) == _rows(one.output, table), table
    again = sample_shards(model, tmp_path / "again", shards=1, block_rows=BLOCK, shard_by="customer")
    for table in TABLES:  # in this process, from the same model object that sampled before
        assert _rows(again.output, table) == _rows(one.output, table), table


def _worker_settings(dask_worker):
    import os

    return ("profile" in dask_worker.periodic_callbacks, os.environ.get("MALLOC_TRIM_THRESHOLD_"),
            dask_worker.periodic_callbacks["tick"].callback_time, dask_worker.periodic_callbacks["monitor"].callback_time)


def test_the_local_clusters_workers_run_no_profiler_keep_glibcs_trim_threshold_and_tick_slowly():
    """Dask's defaults cost a block CPU that one process does not spend (docs/benchmarks.md,
    shard28b, shard28d and shard28e): a trim threshold of 64 KiB, a profiler walking its stack
    every 10 ms, an event-loop check every 20 ms in each server, and work stealing every 100 ms."""
    import dask
    from dask.distributed import Client

    from amalgam_rel.api.shards import local_cluster

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        with local_cluster(1) as cluster, Client(cluster) as client:
            assert list(client.run(_worker_settings).values()) == [(False, None, 1000, 5000)]  # ms
            scheduler = cluster.scheduler
            assert [scheduler.periodic_callbacks[c].callback_time for c in ("tick", "monitor")] == [1000, 5000]
            assert "stealing" not in scheduler.extensions


def test_two_shards_of_a_model_directory_start_the_worker_before_the_load_and_copy_no_model(one_shard, tmp_path,
                                                                                             monkeypatch):
    """Given the model's directory (as `amalgam-rel sample --shards` gives it), the worker starts
    and loads the model while this process loads it: no copy is saved, the rows are the same."""
    import dask

    from amalgam_rel.api import shards as api_shards
    from amalgam_rel.pipeline.database_model import DatabaseModel

    fitted, one = one_shard
    fitted.save(tmp_path / "model")
    events, start_engine, load = [], api_shards._dask, DatabaseModel.load.__func__
    monkeypatch.setattr(api_shards, "_dask", lambda *a: (events.append(("engine", a[2])), start_engine(*a))[1])
    monkeypatch.setattr(DatabaseModel, "load", classmethod(lambda cls, path: (events.append(("load", str(path))),
                                                                               load(cls, path))[1]))
    monkeypatch.setattr(DatabaseModel, "save", lambda *a, **k: pytest.fail("a model directory is never copied"))
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        two = sample_shards(tmp_path / "model", tmp_path / "two", shards=2, block_rows=BLOCK, shard_by="customer")
    assert events == [("engine", str(tmp_path / "model")), ("load", str(tmp_path / "model"))]
    assert two.rows == one.rows and len(two.report.workers) == 2
    for table in TABLES:
        assert _rows(two.output, table) == _rows(one.output, table), table


def test_a_sample_in_shards_refuses_a_database_file_and_a_bad_count(one_shard, tmp_path):
    model, _ = one_shard
    with pytest.raises(InputError, match="Parquet dataset"):
        sample_shards(model, tmp_path / "out.duckdb")
    with pytest.raises(InputError, match="--shards must be a whole number"):
        sample_shards(model, tmp_path / "x", shards=0)


def test_a_shared_tables_text_comes_while_the_blocks_run_and_is_the_unsharded_samples(tmp_path):
    """The blocks are handed out before a shared table's text is generated (nothing they read
    depends on it); its rows, text included, are still those of the unsharded sample."""
    import numpy as np

    from amalgam_rel.generation.sample_db import WORDS
    from amalgam_rel.pipeline.database_model import DatabaseModel
    from amalgam_rel.pipeline.sample_run import text_read_later
    from amalgam_rel.pipeline.shards import SampleSettings, in_process, sample_in_shards

    from ..relational.conftest import create

    rng = np.random.default_rng(5)
    kinds = rng.choice(list(WORDS), 120)
    motto = [" ".join(rng.choice(WORDS[k], rng.integers(3, 7))) for k in kinds]
    real = create(tmp_path / "real.duckdb",
                  "CREATE TABLE maker (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, motto VARCHAR NOT NULL);"
                  "CREATE TABLE item (id INTEGER PRIMARY KEY, maker_id INTEGER NOT NULL REFERENCES maker (id), weight DOUBLE);",
                  {"maker": {"id": np.arange(120), "kind": kinds, "motto": np.array(motto)},
                   "item": {"id": np.arange(400), "maker_id": rng.integers(0, 120, 400), "weight": rng.gamma(2, 3, 400)}})
    model = DatabaseModel(seed=0, iters=30, text_steps=20).fit(real)
    layout = plan_layout(model, "item")
    assert layout.shared == ("maker",) and model.tables_["maker"].text_columns == ("motto",)
    assert not text_read_later(model, "maker")
    model.save(tmp_path / "model")
    out = tmp_path / "out"
    out.mkdir()
    written_when_submitted = []

    def engine(run, tasks):
        written_when_submitted.append((out / "maker").exists())
        return in_process(run, tasks)

    sample_in_shards(str(tmp_path / "model"), out, layout, SampleSettings(0, 1.0), 150, engine)
    assert written_when_submitted == [False]
    # the unsharded sample of the saved model (a fitted one also screens its text against the real values)
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "whole.duckdb")
    whole = duckdb.connect(str(tmp_path / "whole.duckdb"), read_only=True)
    assert _rows(out, "maker") == whole.execute("SELECT * FROM maker ORDER BY ALL").fetchall()
    whole.close()


def test_a_local_worker_exits_without_tearing_its_interpreter_down(tmp_path):
    """The exit handlers registered before ``exit_at_once`` (and the interpreter's teardown)
    never run: a worker that had loaded the model spent ~1.3 s there while both cores waited."""
    import subprocess
    import sys

    marker = tmp_path / "torn-down"
    code = ("import atexit, pathlib; atexit.register(pathlib.Path(%r).touch); "
            "from amalgam_rel.api.shards import exit_at_once; exit_at_once(); print('flushed', end='')" % str(marker))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, marker.exists()) == (0, "flushed", False)


def test_each_process_of_a_local_cluster_runs_duckdb_at_its_share_of_the_cores(one_shard, tmp_path, monkeypatch):
    """Two processes on two cores ran 2 DuckDB threads each; one shard and a caller's cluster keep DuckDB's default."""
    import os

    from amalgam_rel.api.shards import duckdb_threads
    from amalgam_rel.pipeline import shards

    assert duckdb_threads(1, None) is None and duckdb_threads(2, client=object()) is None
    assert duckdb_threads(2, None) == max(1, os.cpu_count() // 2) and duckdb_threads(10 ** 6, None) == 1
    seen, copy_out = [], shards.copy_out
    monkeypatch.setattr(shards, "copy_out", lambda con, *a: (seen.append(con.execute(
        "SELECT current_setting('threads')").fetchone()[0]), copy_out(con, *a))[1])
    fitted, one = one_shard
    fitted.save(tmp_path / "model")
    layout = plan_layout(fitted, "customer")
    out = tmp_path / "out"
    out.mkdir()
    shards.sample_in_shards(str(tmp_path / "model"), out, layout, shards.SampleSettings(fitted.seed, 1.0, threads=1),
                            BLOCK, shards.in_process)
    assert seen == [1] * 7  # the shared tables, then each of the 6 blocks
    for table in TABLES:  # the rows do not depend on DuckDB's threads
        assert _rows(out, table) == _rows(one.output, table), table
