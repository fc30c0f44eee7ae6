"""The methods the benchmark compares, each run as measured child processes.

Every method turns a :class:`~benchmarks.datasets.Dataset` into a DuckDB file with the real DDL
(or, when the real DDL rejects its rows, a constraint-free copy; see :mod:`benchmarks.writeback`)
and reports fit and sample seconds. The runner adds wall time and peak memory per process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmarks.datasets import ROOT, Dataset
from benchmarks.measure import Measured, python_argv, run_child

BENCH = ROOT / "benchmarks"
SDV_VENVS = {"sdv_hma": BENCH / ".venv-sdv", "sdv_hma_1.37": BENCH / ".venv-sdv137"}


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    run: Callable[[Dataset, Path, int, float | None], Measured]
    capped: bool = False  # runs under --sdv-cap instead of --timeout


def ours(method: str, *extra: str):
    def run(ds: Dataset, out: Path, seed: int, timeout: float | None) -> Measured:
        args = [method, str(ds.path), str(out), "--seed", str(seed), *extra]
        if ds.sidecar and method == "amalgam":
            args += ["--sidecar", str(ds.sidecar)]
        return run_child(python_argv("benchmarks.worker", *args), timeout)
    return run


def epsilon_available() -> bool:
    """Whether ``amalgam-rel synth`` offers ``--epsilon`` (database-level differential privacy)."""
    help_text = subprocess.run(python_argv("amalgam_rel.cli", "synth", "--help"), capture_output=True, text=True,
                               env=os.environ | {"COLUMNS": "200"}).stdout
    return "--epsilon" in help_text


def amalgam_eps1(ds: Dataset, out: Path, seed: int, timeout: float | None) -> Measured:
    """``amalgam-rel synth --epsilon 1 --epsilon-text words``: (1, 1e-9)-DP per privacy unit (chosen from the schema),
    free text from privately released words and lengths (the language model is not covered)."""
    if not epsilon_available():
        return Measured("not available", 0.0, 0.0, {}, "`amalgam-rel synth` has no --epsilon in this checkout")
    return ours("amalgam", "--epsilon", "1")(ds, out, seed, timeout)


def amalgam_eps8(ds: Dataset, out: Path, seed: int, timeout: float | None) -> Measured:
    """``amalgam-rel synth --epsilon 8 --epsilon-text words``: as :func:`amalgam_eps1` at epsilon = 8, where the
    issue asks for scores within 0.05 of the non-private ones."""
    if not epsilon_available():
        return Measured("not available", 0.0, 0.0, {}, "`amalgam-rel synth` has no --epsilon in this checkout")
    return ours("amalgam", "--epsilon", "8")(ds, out, seed, timeout)


def sdv(name: str):
    venv = SDV_VENVS[name]

    def run(ds: Dataset, out: Path, seed: int, timeout: float | None) -> Measured:
        from benchmarks.sdv_bridge import export, read_output
        from benchmarks.writeback import write_tables

        python = venv / "bin" / "python"
        if not python.exists():
            return Measured("not run", 0.0, 0.0, {}, f"{venv.name} is missing: run benchmarks/setup_sdv.sh")
        with tempfile.TemporaryDirectory(prefix="amalgam-bench-sdv-") as tmp:
            start = time.perf_counter()
            db = export(ds.path, Path(tmp) / "in", ds.sidecar)
            export_s = time.perf_counter() - start
            measured = run_child([str(python), str(BENCH / "sdv_worker.py"), str(Path(tmp) / "in"),
                                  str(Path(tmp) / "out"), "--seed", str(seed)], timeout)
            measured.result["export_s"] = round(export_s, 3)
            if measured.status != "ok":
                return measured
            # SDV's output goes through our writer with the real DDL: the same final step as ours
            start = time.perf_counter()
            measured.result |= write_tables(db, read_output(db, Path(tmp) / "out"), out)
            measured.result["write_s"] = round(time.perf_counter() - start, 3)
            spec = json.loads((Path(tmp) / "in" / "metadata.json").read_text())
            measured.result["dropped_fks"] = spec["dropped"]
        return measured
    return run


METHODS = {
    m.name: m for m in (
        Method("amalgam", "amalgam-rel", ours("amalgam")),
        Method("amalgam_eps1", "amalgam-rel ε=1", amalgam_eps1),
        Method("amalgam_eps8", "amalgam-rel ε=8", amalgam_eps8),
        Method("sdv_hma", "SDV HMA (current)", sdv("sdv_hma"), capped=True),
        Method("sdv_hma_1.37", "SDV HMA 1.37", sdv("sdv_hma_1.37"), capped=True),
        Method("independent", "independent columns", ours("independent")),
        Method("floor", "write floor (real rows copied)", ours("floor")),
    )
}


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
