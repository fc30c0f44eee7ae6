"""Same model + same seed = the same database, wherever and however busy the machine.

The language model used to train against a wall-clock budget (fewer steps on a busy machine),
chose its torch threads by the load average (another float summation order), and sampled from
torch's global generator (the second sample of a process continued the first one's stream).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel

from ..relational.conftest import ITERS

WORDS = ["river", "stone", "maple", "quiet", "amber", "north", "field", "cloud", "ember", "brook"]


def _source(path):
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE customer (id INTEGER PRIMARY KEY, city VARCHAR NOT NULL, note VARCHAR);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                             amount DOUBLE NOT NULL, comment VARCHAR NOT NULL);
    """)
    con.executemany("INSERT INTO customer VALUES (?, ?, ?)",
                    [(i, ["Oslo", "Lyon", "Graz"][i % 3], f"{WORDS[i % 10]} {WORDS[(i * 7) % 10]} customer {i}")
                     for i in range(60)])
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                    [(i, i % 60, 10.0 + (i * 37) % 90, f"order {i}: {WORDS[(i * 3) % 10]} {WORDS[i % 10]}")
                     for i in range(150)])
    con.close()
    return path


def contents(path) -> dict[str, list[tuple]]:
    """Every row of every table, in the order stored."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return _source(tmp_path_factory.mktemp("reproducible") / "real.duckdb")


@pytest.fixture(scope="module")
def fitted(source):
    return DatabaseModel(seed=0, iters=ITERS).fit(source)


def test_sampling_a_fitted_model_twice_with_one_seed_gives_the_same_database(fitted, tmp_path):
    for name in ("a", "b", "other"):
        fitted.sample(tmp_path / f"{name}.duckdb", seed=1 if name != "other" else 2)
    first, second, other = (contents(tmp_path / f"{n}.duckdb") for n in ("a", "b", "other"))
    assert fitted.text_ is not None and {"note", "comment"} <= {c for t in ("customer", "orders")
                                                                 for c in fitted.text_.columns_of(t)}
    assert first == second
    assert [r[-1] for r in first["orders"]] != [r[-1] for r in other["orders"]]  # another seed, other text


def test_a_fit_on_a_busy_machine_gives_the_same_database(fitted, source, tmp_path, monkeypatch):
    # every clock reading 30 s after the last, and a load average far above the cores
    now = [time.perf_counter()]

    def slow_clock():
        now[0] += 30.0
        return now[0]

    monkeypatch.setattr(time, "perf_counter", slow_clock)
    monkeypatch.setattr(time, "monotonic", slow_clock)
    monkeypatch.setattr(os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    busy = DatabaseModel(seed=0, iters=ITERS).fit(source)
    monkeypatch.undo()
    assert busy.text_.train_report_.steps == fitted.text_.train_report_.steps
    busy.sample(tmp_path / "busy.duckdb", seed=1)
    fitted.sample(tmp_path / "idle.duckdb", seed=1)
    assert contents(tmp_path / "busy.duckdb") == contents(tmp_path / "idle.duckdb")


def test_synth_twice_with_one_seed_gives_the_same_database(source, tmp_path):
    # two processes, with different string hashing: nothing may depend on a set's order either
    outputs = []
    for run, hash_seed in enumerate(("1", "2")):
        out = tmp_path / f"run{run}.duckdb"
        proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "synth", str(source), "-o", str(out),
                               "--seed", "5", "--text-steps", "40"],
                              capture_output=True, text=True, env=os.environ | {"PYTHONHASHSEED": hash_seed})
        assert proc.returncode == 0, proc.stderr
        outputs.append(contents(out))
    assert outputs[0] == outputs[1]


def test_sampling_with_another_text_budget_leaves_the_fitted_model_as_it_was(fitted, source, tmp_path):
    """``sample(text_values=...)`` once set the budget on the fitted text model, so every later
    ``sample`` of that model (and a saved copy) used the last budget instead of the fitted one."""
    text_params = {k: v for k, v in vars(fitted.text_).items() if not k.endswith("_")}
    fitted.sample(tmp_path / "two.duckdb", seed=1, text_values=2)
    fitted.sample(tmp_path / "five.duckdb", seed=1, text_values=5)
    assert {k: v for k, v in vars(fitted.text_).items() if not k.endswith("_")} == text_params
    assert fitted.text_.max_values_per_column == fitted.text_values
    fitted.sample(tmp_path / "fitted.duckdb", seed=1)
    fresh = DatabaseModel(seed=0, iters=ITERS).fit(source)
    fresh.sample(tmp_path / "fresh.duckdb", seed=1)
    assert contents(tmp_path / "fitted.duckdb") == contents(tmp_path / "fresh.duckdb")
    fresh_two = DatabaseModel(seed=0, iters=ITERS, text_values=2).fit(source)
    fresh_two.sample(tmp_path / "fresh_two.duckdb", seed=1)
    assert contents(tmp_path / "two.duckdb") == contents(tmp_path / "fresh_two.duckdb")
    assert contents(tmp_path / "two.duckdb") != contents(tmp_path / "fitted.duckdb")  # the budget mattered
