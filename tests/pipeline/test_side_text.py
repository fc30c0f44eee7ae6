"""Text drawn by a worker process beside the run (:mod:`amalgam_rel.generation.text_jobs`) gives
the database one process gives, rows and write order alike, and the writer still sees every
parent before its children (:mod:`amalgam_rel.pipeline.held_writes`)."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from amalgam_rel.generation import text_jobs, text_worker
from amalgam_rel.pipeline.database_model import DatabaseModel

from ..relational.conftest import ITERS
from .test_text_reproducible import WORDS, contents


def _source(path):
    # chinook's shape: three tables with text in a chain, and a text-less table below the last
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE artist (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
        CREATE TABLE album (id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL REFERENCES artist (id), title VARCHAR NOT NULL);
        CREATE TABLE track (id INTEGER PRIMARY KEY, album_id INTEGER NOT NULL REFERENCES album (id),
                            name VARCHAR NOT NULL, seconds INTEGER NOT NULL);
        CREATE TABLE line (id INTEGER PRIMARY KEY, track_id INTEGER NOT NULL REFERENCES track (id), quantity INTEGER NOT NULL);
    """)
    con.executemany("INSERT INTO artist VALUES (?, ?)", [(i, f"{WORDS[i % 10]} {WORDS[(i * 3) % 10]} band {i}") for i in range(40)])
    con.executemany("INSERT INTO album VALUES (?, ?, ?)",
                    [(i, i % 40, f"the {WORDS[(i * 7) % 10]} {WORDS[i % 10]} album {i}") for i in range(80)])
    con.executemany("INSERT INTO track VALUES (?, ?, ?, ?)",
                    [(i, i % 80, f"{WORDS[(i * 3) % 10]} song {i} {WORDS[(i * 9) % 10]}", 120 + i % 200) for i in range(240)])
    con.executemany("INSERT INTO line VALUES (?, ?, ?)", [(i, (i * 7) % 240, 1 + i % 3) for i in range(300)])
    con.close()
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    source = _source(tmp_path_factory.mktemp("side_text") / "real.duckdb")
    return DatabaseModel(seed=0, iters=ITERS).fit(source)


def _sample(model, path, cores, monkeypatch):
    monkeypatch.setattr(text_jobs, "cores", lambda: cores)
    model.sample(path, seed=3)
    return contents(path)


@pytest.fixture
def watched(monkeypatch):
    """The tables whose text went to a worker; each run's worker has loaded before the first job
    (a run takes one once it has: on a busy machine a small run may end before)."""
    sent = []
    send, init = text_worker.Worker.send, text_jobs.TextJobs.__init__
    monkeypatch.setattr(text_worker.Worker, "send", lambda self, job, table, *a: (sent.append(table), send(self, job, table, *a)))

    def ready_first(self, *a, **k):
        init(self, *a, **k)
        self.has_worker(wait=True)

    monkeypatch.setattr(text_jobs.TextJobs, "__init__", ready_first)
    return sent


def test_a_worker_process_draws_text_to_the_database_one_process_draws(fitted, tmp_path, monkeypatch, watched):
    assert {t for t, _ in fitted.text_.plans_} == {"artist", "album", "track"}
    alone = _sample(fitted, tmp_path / "one.duckdb", 1, monkeypatch)
    assert not watched  # one core: every table's text here
    beside = _sample(fitted, tmp_path / "two.duckdb", 2, monkeypatch)
    assert watched, "the worker drew no table's text"
    assert beside == alone
    assert len(alone["line"]) and len(alone["track"])  # a child of the last table with text was written


def test_jobs_give_the_values_of_drawing_in_turn_and_raise_what_drawing_raises(fitted, tmp_path):
    text = fitted.text_
    source = _sample_contexts(fitted, tmp_path)
    direct = {t: text.generate_arrays(t, c, seed=5) for t, c in source.items()}
    with text_jobs.TextJobs(text, worker=True) as jobs:
        assert jobs.has_worker(wait=True)
        for t, c in source.items():
            jobs.submit(t, t, c, seed=5)
        assert {t: jobs.take(t) for t in source} == direct
        with pytest.raises(ValueError) as here:
            text.generate_arrays("album", source["album"], seed=-1)
        jobs.submit("first", "artist", source["artist"], seed=5)  # an idle worker takes it at once
        jobs.submit("bad", "album", source["album"], seed=-1)
        jobs.submit("later", "track", source["track"], seed=5)
        with pytest.raises(ValueError) as there:
            jobs.take("bad")
        assert str(there.value) == str(here.value)


def _sample_contexts(model, tmp_path) -> dict:
    path = tmp_path / "contexts.duckdb"
    model.sample(path, seed=4)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.sql(f"SELECT * EXCLUDE ({c}) FROM {t}").to_arrow_table()
                for t, c in (("artist", "name"), ("album", "title"), ("track", "name"))}
    finally:
        con.close()


def test_a_prestarted_interpreter_becomes_the_next_worker(fitted):
    text_worker.prestart()
    spare = text_worker._spare
    with text_jobs.TextJobs(fitted.text_, worker=True) as jobs:
        assert text_worker._spare is None and jobs._worker._proc is spare
        assert jobs.has_worker(wait=True)
    assert spare.wait(timeout=30) == 0  # it ends once the jobs close


def test_a_one_core_machine_starts_no_worker(fitted, monkeypatch):
    monkeypatch.setattr(text_jobs, "cores", lambda: 1)
    assert not text_jobs.can_share(fitted.text_)
    monkeypatch.setattr(text_jobs, "cores", lambda: 2)
    assert text_jobs.can_share(fitted.text_)


def test_a_worker_that_never_loads_leaves_every_job_here(fitted, tmp_path, monkeypatch):
    # an interpreter that exits at once (as one that cannot import amalgam_rel would)
    monkeypatch.setattr(text_worker, "_spare", None)
    monkeypatch.setattr(text_worker, "_spawn", lambda: subprocess.Popen([sys.executable, "-c", "pass"],
                                                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    source = _sample_contexts(fitted, tmp_path)
    with text_jobs.TextJobs(fitted.text_, worker=True) as jobs:
        assert not jobs.has_worker(wait=True)
        jobs.submit("artist", "artist", source["artist"], seed=5)
        assert jobs.take("artist") == fitted.text_.generate_arrays("artist", source["artist"], seed=5)
