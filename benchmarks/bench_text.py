"""Speed of the default text model's generation: values per second on a database's text columns.

    PYTHONPATH=$PWD python benchmarks/bench_text.py                        # chinook's 4 text columns
    PYTHONPATH=$PWD python benchmarks/bench_text.py --profile /tmp/text.prof --repeat 2

Fits ``TextFieldModel(seed=0)`` on the chosen columns (fit seconds reported, the repeat
calibration included), then times ``generate`` per table with the table's real rows (less the
generated columns) as context, as ``synth`` hands it the synthetic ones, through the jobs
``synth`` draws text with (:class:`~amalgam_rel.generation.text_jobs.TextJobs`: with a second
core, a worker process draws some tables' text while this one draws the others; the worker is
started once, after the fit, and ``--one-process`` does without it). The first pass builds
the outlines indexes (reported apart); later passes (``--repeat``) reuse them, as a run does for
every part after the first. ``digest`` is a hash of every generated value: the same code and
seed give the same digest on any machine, so two checkouts compare output by it (run this file
with ``PYTHONPATH`` pointing at the other checkout).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import time
from pathlib import Path


from amalgam_rel.connection import connect
from amalgam_rel.generation.text_jobs import TextJobs
from amalgam_rel.generation.text_model import TextFieldModel

CHINOOK = Path(__file__).resolve().parents[1] / "examples" / "chinook.duckdb"
COLUMNS = {"Track": ["Name", "Composer"], "Album": ["Title"], "Artist": ["Name"]}


def contexts(path: Path, columns: dict[str, list[str]]) -> dict:
    """Each table's real rows without its generated columns, as Arrow."""
    con = connect(path, read_only=True)
    try:
        return {t: con.sql(f'SELECT * EXCLUDE ({", ".join(f"{c!r}" for c in cs)}) FROM "{t}"'.replace("'", '"'))
                .to_arrow_table() for t, cs in columns.items()}
    finally:
        con.close()


def generate_all(jobs: TextJobs, context: dict) -> tuple[dict, float, float]:
    """(values per table and column, wall seconds, CPU seconds of this process: not the worker's)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for t, c in context.items():
        jobs.submit(t, t, c)
    out = {t: {n: v.to_pylist(maps_as_pydicts="strict") for n, v in jobs.take(t).items()} for t in context}
    return out, time.perf_counter() - wall, time.process_time() - cpu


def digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=CHINOOK)
    parser.add_argument("--repeat", type=int, default=2, help="passes of generate (the first builds the indexes)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the last pass here")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--batch-size", type=int, help="rows per model call (default: the model's)")
    parser.add_argument("--one-process", action="store_true", help="no worker process: every table's text here")
    args = parser.parse_args(argv)
    context = contexts(args.db, COLUMNS)
    wall, cpu = time.perf_counter(), time.process_time()
    model = TextFieldModel(seed=0, batch_size=args.batch_size).fit(str(args.db), columns=COLUMNS)
    result = {"fit_s": round(time.perf_counter() - wall, 2), "fit_cpu_s": round(time.process_time() - cpu, 2),
              "load": os.getloadavg()[0], "passes": []}
    with TextJobs(model, worker=False if args.one_process else None) as jobs:
        result["worker"] = jobs.has_worker(wait=True)  # started as a run starts it; ready before the passes
        run_passes(args, jobs, context, result)
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return result


def run_passes(args, jobs: TextJobs, context: dict, result: dict) -> None:
    for i in range(args.repeat):
        profiler = cProfile.Profile() if args.profile and i == args.repeat - 1 else None
        if profiler:
            profiler.enable()
        values, seconds, cpu_s = generate_all(jobs, context)
        if profiler:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        n = sum(len(v) for cols in values.values() for v in cols.values())
        result["passes"].append({"values": n, "wall_s": round(seconds, 2), "cpu_s": round(cpu_s, 2),
                                 "values_per_s": round(n / seconds), "digest": digest(values)})


if __name__ == "__main__":
    main()
