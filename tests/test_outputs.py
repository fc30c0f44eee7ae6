"""The shared output rules at function level (the CLI's use of them: tests/test_output_safety.py)."""

import os
import subprocess
import sys

import pytest

from amalgam_rel.errors import OutputError
from amalgam_rel.cli.interrupts import interrupted_line
from amalgam_rel.outputs import check_output_path, sweep_stale_temps, write_atomically


def test_an_output_inside_an_input_folder_is_refused(tmp_path):
    (tmp_path / "queries").mkdir()
    with pytest.raises(OutputError, match="refusing to write into the --queries folder"):
        check_output_path(tmp_path / "queries" / "q.sql", option="--report", force=True,
                          sources={"--queries folder": tmp_path / "queries"})


def test_sweep_needs_a_dead_process_and_the_outputs_own_name(tmp_path):
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its PID now names no process (PIDs are not reused this soon)
    dead, alive = finished.pid, os.getppid()  # our parent is alive and not us
    names = [f".out.duckdb.amalgam-tmp-{dead}", f".out.duckdb.amalgam-tmp-{dead}.wal",
             f".out.duckdb.amalgam-tmp-{alive}", f".out.duckdb.amalgam-tmp-{dead}.keep",
             f".out.duckdb.x.amalgam-tmp-{dead}", "out.duckdb.amalgam-tmp-1"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / f".model.amalgam-tmp-{dead}" / "tables").mkdir(parents=True)
    sweep_stale_temps(tmp_path / "out.duckdb")
    sweep_stale_temps(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


def test_the_interruption_line_says_what_was_and_was_not_written(tmp_path):
    out, report = tmp_path / "s.duckdb", tmp_path / "r.html"
    assert interrupted_line([out, None]) == f"interrupted: nothing was written to {out}"
    assert interrupted_line([]) == "interrupted"
    write_atomically(out, b"done", what="the output")
    assert interrupted_line([out, report]) == f"interrupted: wrote {out}; nothing was written to {report}"
