"""The JSON results store: ``benchmarks/results/DATASET.json``, merged run after run.

Each file maps method name -> the latest record of that method on that dataset. A partial run
(some datasets, some methods) replaces only the records it produced; each record carries the
``run_id`` of its invocation so the report can tell ratios measured in the same run from
ratios across runs.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

from benchmarks.datasets import ROOT

RESULTS = ROOT / "benchmarks" / "results"
TIMES = ("fit_s", "sample_s", "total_s", "wall_s", "peak_rss_mb")


def load(dataset: str, folder: Path = RESULTS) -> dict:
    path = folder / f"{dataset}.json"
    return json.loads(path.read_text()) if path.exists() else {"dataset": dataset, "methods": {}}


def load_all(folder: Path = RESULTS) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def save_record(dataset: str, info: dict, method: str, record: dict, folder: Path = RESULTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:  # runners started side by side must not drop each other's records
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load(dataset, folder)
        data |= info
        data["methods"][method] = record
        tmp = folder / f".{dataset}.json.tmp"
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")
        tmp.replace(folder / f"{dataset}.json")


def medians(runs: list[dict]) -> dict:
    """Median of each timing over the successful runs; rows/s from the median total."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return {}
    out = {k: statistics.median(r[k] for r in ok if r.get(k) is not None) for k in TIMES if any(r.get(k) is not None for r in ok)}
    rows = ok[0].get("rows")
    if rows and out.get("total_s"):
        out["rows_per_s"] = rows / out["total_s"]
    out["runs"] = len(ok)
    return out


def machine() -> dict:
    """Cores, memory, CPU model and load: the runs are only comparable on the same machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1), "cpu": cpu,
            "python": platform.python_version(), "load_avg": [round(x, 2) for x in os.getloadavg()],
            "commit": _commit()}


def _commit() -> str | None:
    """The amalgam-rel commit measured, "+dirty" when the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "amalgam_rel"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None
