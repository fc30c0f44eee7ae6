"""Nothing is lost: the sources are only read, every output follows the same rules (checked before
any work, refused onto an input or another output, replaced only with --force, written
atomically), and an interrupted run leaves nothing half-written behind, now or for later runs.

The CLI runs as a user runs it, in a subprocess, on a database of a few rows. To interrupt it in
the middle of writing, a test-side harness wraps one of amalgam-rel's own functions so that it
prints a marker and waits on stdin; the test sends the signal once it has read the marker.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = "amalgam-test: paused mid-write"
HARNESS = textwrap.dedent("""
    import importlib, signal, sys
    # a suite started in the background of a shell without job control inherits SIGINT ignored,
    # and Python then installs no KeyboardInterrupt: the CLI's own handling is what is tested
    signal.signal(signal.SIGINT, signal.default_int_handler)
    module = importlib.import_module(sys.argv[1])
    owner = getattr(module, sys.argv[2]) if sys.argv[2] else module
    original = getattr(owner, sys.argv[3])

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        print({marker!r}, flush=True)
        sys.stdin.readline()  # the signal arrives while we wait here
        return result

    setattr(owner, sys.argv[3], paused)
    from amalgam_rel.cli import app
    app(sys.argv[4:], prog_name="amalgam-rel")
""").format(marker=MARKER)


def cli(*args, check=False):
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def one_line_refusal(proc, expected: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE p (id INTEGER PRIMARY KEY, k INTEGER);
        CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p(id), v INTEGER);
        INSERT INTO p SELECT i, i % 3 FROM range(30) t(i);
        INSERT INTO c SELECT i, i % 30, i % 5 FROM range(90) t(i);
    """)
    con.close()
    return path


@pytest.fixture(scope="module")
def synthesized(pristine, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "synth.duckdb"
    cli("synth", pristine, "-o", out, check=True)
    return out


# each test gets its own copies: a regression that writes onto one must not spoil the next test
@pytest.fixture
def tiny(pristine, tmp_path_factory) -> Path:
    return Path(shutil.copy2(pristine, tmp_path_factory.mktemp("source") / "tiny.duckdb"))


@pytest.fixture
def synthetic(synthesized, tmp_path_factory) -> Path:
    return Path(shutil.copy2(synthesized, tmp_path_factory.mktemp("synthetic") / "synth.duckdb"))


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".amalgam-" in p.name)


# -- the source database is never written ----------------------------------------------------------

def test_commands_leave_the_source_untouched(tiny, tmp_path):
    before = fingerprint(tiny)
    cli("synth", tiny, "-o", tmp_path / "s.duckdb", "--report", tmp_path / "s.html", check=True)
    cli("fit", tiny, "-o", tmp_path / "model", check=True)
    cli("sample", tmp_path / "model", "-o", tmp_path / "t.duckdb", check=True)
    cli("evaluate", tiny, tmp_path / "t.duckdb", "--report", tmp_path / "t.html", check=True)
    cli("clone-schema", tiny, "-o", tmp_path / "empty.duckdb", check=True)
    assert fingerprint(tiny) == before


@pytest.mark.parametrize("args, expected", [
    (["synth", "{src}", "-o", "{tmp}/s.duckdb", "--report", "{src}"], "source database {src}: --report names it"),
    (["synth", "{src}", "-o", "{tmp}/s.duckdb", "--report", "{hard}", "--force"], "source database {src}: --report"),
    (["synth", "{src}", "-o", "{symlink}", "--force"], "source database {src}: -o names it"),
    (["synth", "{src}", "-o", "{hard}", "--force"], "source database {src}: -o names it"),
    (["synth", "{src}", "-o", "{tmp}/s.duckdb", "--epsilon", "1", "--report", "{src}"], "source database {src}"),
    (["fit", "{src}", "-o", "{src}", "--force"], "source database {src}: -o names it"),
    (["evaluate", "{src}", "{synthetic}", "--report", "{src}", "--force"], "real database {src}: --report names it"),
    (["evaluate", "{src}", "{synthetic}", "--report", "{symlink}"], "real database {src}: --report names it"),
    (["evaluate", "{synthetic}", "{src}", "--report", "{hard}", "--force"], "synthetic database {src}"),
    (["clone-schema", "{src}", "-o", "{hard}", "--force"], "source database {src}: -o names it"),
], ids=["synth --report", "synth --report hard link", "synth -o symlink", "synth -o hard link", "synth --epsilon",
        "fit -o", "evaluate --report real", "evaluate --report symlink", "evaluate --report synthetic",
        "clone-schema -o hard link"])
def test_an_output_onto_an_input_is_refused(tiny, synthetic, tmp_path, args, expected):
    (tmp_path / "link.duckdb").symlink_to(tiny)
    os.link(tiny, tmp_path / "hard.duckdb")
    names = {"src": tiny, "tmp": tmp_path, "synthetic": synthetic, "symlink": tmp_path / "link.duckdb",
             "hard": tmp_path / "hard.duckdb"}
    sources = fingerprint(tiny), fingerprint(synthetic)
    proc = cli(*(a.format(**names) for a in args))
    one_line_refusal(proc, expected.format(**names))
    assert (fingerprint(tiny), fingerprint(synthetic)) == sources
    assert not (tmp_path / "s.duckdb").exists()


# -- every output is checked before any work -------------------------------------------------------

def test_report_onto_the_output_is_refused(tiny, tmp_path):
    proc = cli("synth", tiny, "-o", tmp_path / "s.duckdb", "--report", tmp_path / "s.duckdb")
    one_line_refusal(proc, "-o and --report name the same file")
    assert not (tmp_path / "s.duckdb").exists()


def test_unwritable_report_is_refused_before_the_output_is_written(tiny, tmp_path):
    proc = cli("synth", tiny, "-o", tmp_path / "s.duckdb", "--report", tmp_path / "nodir" / "r.html")
    one_line_refusal(proc, "the folder")
    assert not (tmp_path / "s.duckdb").exists()


def test_an_existing_report_or_ledger_needs_force(tiny, synthetic, tmp_path):
    report = tmp_path / "r.html"
    report.write_text("keep me")
    one_line_refusal(cli("synth", tiny, "-o", tmp_path / "s.duckdb", "--report", report), "--report")
    one_line_refusal(cli("evaluate", tiny, synthetic, "--report", report), "already exists (pass --force")
    assert report.read_text() == "keep me"
    ledger = tmp_path / "s.duckdb.privacy.json"
    ledger.write_text("keep me too")
    one_line_refusal(cli("synth", tiny, "-o", tmp_path / "s.duckdb", "--epsilon", "1"), f"{ledger} already exists")
    assert ledger.read_text() == "keep me too" and not (tmp_path / "s.duckdb").exists()
    # replaced, not written through: a hard link's other name keeps its bytes
    report.unlink()
    (tmp_path / "precious.txt").write_text("precious")
    os.link(tmp_path / "precious.txt", report)
    cli("evaluate", tiny, synthetic, "--report", report, "--force", check=True)
    assert report.read_text().startswith("<!doctype html>")
    assert (tmp_path / "precious.txt").read_text() == "precious" and leftovers(tmp_path) == []


def test_fit_checks_its_output_before_reading_the_data(tmp_path):
    # a source fit cannot take: the output is refused first, not after the (here failing) fit
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.txt").write_text("mine")
    one_line_refusal(cli("fit", empty, "-o", tmp_path / "model"), "already exists (pass --force")
    one_line_refusal(cli("fit", empty, "-o", tmp_path / "nodir" / "model"), "does not exist")


# -- fit --force replaces a saved model and nothing else -------------------------------------------

def test_fit_force_replaces_only_a_saved_model(tiny, tmp_path):
    impostor = tmp_path / "impostor"  # holds a model.json, but not one amalgam-rel wrote
    impostor.mkdir()
    (impostor / "model.json").write_text("{}")
    (impostor / "thesis.tex").write_text("years of work")
    one_line_refusal(cli("fit", tiny, "-o", impostor, "--force"), f"refusing to replace {impostor}")
    assert (impostor / "thesis.tex").read_text() == "years of work"

    model = tmp_path / "model"
    cli("fit", tiny, "-o", model, check=True)
    (model / "tables" / "notes.txt").write_text("mine")  # a real model, plus a file of the user's
    one_line_refusal(cli("fit", tiny, "-o", model, "--force"), "it holds tables/notes.txt")
    assert (model / "tables" / "notes.txt").read_text() == "mine"
    (model / "tables" / "notes.txt").unlink()
    first = json.loads((model / "model.json").read_text())
    del first["files"]  # as saved before the manifest listed its files: known by the roles it names
    (model / "model.json").write_text(json.dumps(first))
    cli("fit", tiny, "-o", model, "--seed", "3", "--force", check=True)
    assert json.loads((model / "model.json").read_text())["params"]["seed"] == 3 != first["params"]["seed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["impostor", "model"]  # nothing set aside is left


# -- interruptions ---------------------------------------------------------------------------------

def start_paused(tmp_path: Path, target: tuple[str, str, str], *args) -> subprocess.Popen:
    """The CLI with ``module.owner.function`` pausing after its first call; returns once paused."""
    harness = tmp_path / "harness.py"
    harness.write_text(HARNESS)
    proc = subprocess.Popen([sys.executable, str(harness), *target, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])})
    for line in proc.stdout:
        if line.strip() == MARKER:
            return proc
    proc.wait(timeout=60)
    raise AssertionError(f"the CLI ended before pausing: {proc.stderr.read()[-2000:]}")


WRITER_APPEND = ("amalgam_rel.writing.writer", "DatabaseWriter", "append")


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_synth_removes_its_temporary_files(tiny, tmp_path, signum, code):
    out = tmp_path / "s.duckdb"
    out.write_bytes(b"the old output")
    proc = start_paused(tmp_path, WRITER_APPEND, "synth", tiny, "-o", out, "--force")
    assert leftovers(tmp_path)  # mid-write: the database is being built beside the output
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err.strip() == f"interrupted: nothing was written to {out}"
    assert leftovers(tmp_path) == [] and out.read_bytes() == b"the old output"


def test_a_killed_runs_temporary_files_are_swept_by_the_next(tiny, tmp_path):
    out = tmp_path / "s.duckdb"
    proc = start_paused(tmp_path, WRITER_APPEND, "synth", tiny, "-o", out)
    proc.kill()  # SIGKILL: no cleanup is possible
    proc.communicate(timeout=60)
    stale = leftovers(tmp_path)
    assert f".s.duckdb.amalgam-tmp-{proc.pid}" in stale
    live = tmp_path / f".s.duckdb.amalgam-tmp-{os.getpid()}"  # this test's process is alive: a writer at work
    live.write_bytes(b"")
    other = tmp_path / f".other.duckdb.amalgam-tmp-{proc.pid}"  # beside another output: not this run's business
    other.write_bytes(b"")
    cli("synth", tiny, "-o", out, check=True)
    assert leftovers(tmp_path) == sorted([live.name, other.name])


def test_an_interrupted_fit_removes_its_half_written_model(tiny, tmp_path):
    proc = start_paused(tmp_path, ("amalgam_rel.pipeline.persistence", "", "save_model"), "fit", tiny, "-o", "m")
    assert leftovers(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and err.strip() == "interrupted: nothing was written to m"
    assert leftovers(tmp_path) == [] and not (tmp_path / "m").exists()
