"""The fuzz run: many generated databases through ``amalgam-rel synth``, in one process.

    python -m benchmarks.fuzz --examples 500 --seed 0
    python -m benchmarks.fuzz --examples 20 --seed 7 --no-record     # a quick look, nothing written to docs/

Each database comes from :func:`benchmarks.fuzz_schema.databases` and is judged by
:func:`benchmarks.fuzz_check.synth_outcome` (ok, one-line error, violation, crash). Running in
one process keeps JAX's compiled code warm, so a database costs seconds. Prints one line per
database and a summary (outcomes, one-line errors and failures by class, what the databases
exercised); writes the smallest repro of every error and failure class to ``--out`` (an SQL
script to build the database, with the command in its header) and, unless ``--no-record``, the
summary to ``benchmarks/results/fuzz/summary.json`` and ``docs/fuzz.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from benchmarks.fuzz_check import Outcome, message_class, repro, synth_options, synth_outcome
from benchmarks.fuzz_reduce import reduce
from benchmarks.fuzz_schema import FuzzDatabase, databases

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "benchmarks" / "results" / "fuzz" / "summary.json"  # a folder: the store reads results/*.json
DOC = ROOT / "docs" / "fuzz.md"


class Tally:
    """Outcomes by status and class, the smallest repro of each class, seconds and features."""

    def __init__(self, out: Path):
        self.out, self.seconds = out, []
        self.status, self.classes, self.features, self.notes = Counter(), Counter(), Counter(), Counter()
        self.smallest: dict[tuple[str, str], FuzzDatabase] = {}

    def add(self, db: FuzzDatabase, outcome: Outcome, seconds: float) -> None:
        self.seconds.append(seconds)
        self.status[outcome.status] += 1
        self.features.update(db.features())
        self.notes.update(set(outcome.notes))
        if outcome.status == "ok":
            return
        key = (outcome.status, outcome.label)
        self.classes[key] += 1
        if key not in self.smallest or len(db.script()) < len(self.smallest[key].script()):
            self.smallest[key] = db
            (self.out / self.file_name(key)).write_text(repro(db, outcome), encoding="utf-8")

    def file_name(self, key: tuple[str, str], suffix: str = "") -> str:
        return f"{list(self.smallest).index(key):02d}-{key[0]}{suffix}.sql"

    def reduce_all(self, statuses: set[str], budget: int) -> None:
        """Shrink the smallest example of each class to one that fails alike; write NN-status-reduced.sql."""
        for (status, label), db in self.smallest.items():
            if status not in statuses:
                continue

            def fails_alike(candidate: FuzzDatabase) -> bool:
                outcome = synth_outcome(candidate, timeout_s=120)
                return (outcome.status, outcome.label) == (status, label)

            small = reduce(db, fails_alike, budget)
            outcome = synth_outcome(small)
            (self.out / self.file_name((status, label), "-reduced")).write_text(repro(small, outcome), encoding="utf-8")
            print(f"reduced {status} {label[:80]}: {len(db.script())} -> {len(small.script())} characters", flush=True)

    def summary(self, args, wall_s: float, commit: str) -> dict:
        return {
            "command": f"python -m benchmarks.fuzz --examples {args.examples} --seed {args.seed} "
                       f"--max-tables {args.max_tables} --max-rows {args.max_rows}",
            "synth_options": " ".join(synth_options()),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "commit": commit,
            "databases": sum(self.status.values()),
            "outcomes": dict(self.status),
            "crashes": self.status["crash"] + self.status["harness"],
            "violations": self.status["violation"],
            "classes": [{"status": s, "label": label, "count": n} for (s, label), n in self.classes.most_common()],
            "notes": dict(self.notes),
            "seconds_per_database": {"median": round(statistics.median(self.seconds), 2),
                                     "mean": round(statistics.fmean(self.seconds), 2),
                                     "max": round(max(self.seconds), 2)},
            "wall_s": round(wall_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "features": dict(sorted(self.features.items())),
        }


def _commit() -> str:
    """The commit of the amalgam-rel being fuzzed (``+`` when its tree has uncommitted changes)."""
    import amalgam_rel

    tree = Path(amalgam_rel.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "amalgam_rel"], capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")


def render_doc(s: dict) -> str:
    lines = ["# Fuzz run", "",
             "Generated databases (random table graphs with composite and self-referencing keys, every column",
             "type amalgam-rel accepts, NULL-heavy and 0-2 row tables, identifiers from SQL keywords and all of",
             "Unicode, text from many scripts) through `amalgam-rel synth`. The property: exit 0 with the",
             "source's exact catalog and no violated PRIMARY KEY, UNIQUE, FOREIGN KEY, NOT NULL or CHECK on",
             "the output (counted with SQL from the generator's own model of the database), or exit 2 with",
             "one stderr line. Generator: `benchmarks/fuzz_schema.py`; property: `benchmarks/fuzz_check.py`;",
             "a few examples run in `tests/test_fuzz.py`.", "",
             f"Command: `{s['command']}` (synth options `{s['synth_options']}`)  ",
             f"amalgam-rel commit: {s['commit']}  ",
             f"Machine: {s['machine']}; {s['wall_s']:.0f} s wall, a median {s['seconds_per_database']['median']} s "
             f"per database, peak RSS {s['peak_rss_mb']} MB", "",
             f"| databases | ok | one-line errors | crashes (tracebacks) | violations |",
             "|---|---|---|---|---|",
             f"| {s['databases']} | {s['outcomes'].get('ok', 0)} | {s['outcomes'].get('error', 0)} | "
             f"{s['crashes']} | {s['violations']} |", ""]
    if s["classes"]:
        lines += ["Outcomes other than ok, by class:", "", "| status | count | class |", "|---|---|---|"]
        lines += [f"| {c['status']} | {c['count']} | `{c['label'].replace('|', '/')}` |" for c in s["classes"]]
        lines.append("")
    lines += ["What the databases exercised (databases with at least one):", "",
              ", ".join(f"{k} {v}" for k, v in s["features"].items()), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="databases to generate and synthesize")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed: the same seed draws the same databases")
    parser.add_argument("--max-tables", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=8)
    parser.add_argument("--timeout", type=int, default=600, help="seconds one synth may take before it counts as a crash")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / ".cache" / "fuzz", help="repros go here")
    parser.add_argument("--no-record", action="store_true", help="do not write the summary JSON and docs/fuzz.md")
    parser.add_argument("--reduce", action="store_true",
                        help="shrink each crash and violation class's smallest example (and, with --reduce-errors, "
                             "each one-line error's) to a minimal repro, NN-status-reduced.sql")
    parser.add_argument("--reduce-errors", action="store_true")
    parser.add_argument("--reduce-budget", type=int, default=150, help="synth runs per class while reducing")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tally, start, commit = Tally(args.out), time.perf_counter(), _commit()

    @settings(max_examples=args.examples, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @seed(args.seed)
    @given(databases(max_tables=args.max_tables, max_rows=args.max_rows))
    def one(db: FuzzDatabase) -> None:
        began = time.perf_counter()
        try:
            outcome = synth_outcome(db, timeout_s=args.timeout)
        except Exception as exc:  # building or checking the database failed: the harness's own bug
            outcome = Outcome("harness", f"{type(exc).__name__}: {message_class(str(exc))}", traceback.format_exc())
        seconds = time.perf_counter() - began
        tally.add(db, outcome, seconds)
        n = sum(tally.status.values())
        print(f"{n:4d} {outcome.status:9s} {seconds:6.1f}s {len(db.tables)} tables  {outcome.label[:110]}", flush=True)

    one()
    summary = tally.summary(args, time.perf_counter() - start, commit)
    print(json.dumps({k: v for k, v in summary.items() if k != "features"}, indent=2, ensure_ascii=False))
    if args.reduce:
        tally.reduce_all({"crash", "violation", "harness"} | ({"error"} if args.reduce_errors else set()),
                         args.reduce_budget)
    if not args.no_record:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        DOC.write_text(render_doc(summary), encoding="utf-8")
    return 1 if summary["crashes"] or summary["violations"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
