"""Latency of a test fixture: a saved model loaded once, then one small database sampled per test.

    PYTHONPATH=$PWD python -m benchmarks.bench_fixtures MODEL_DIR            # chinook's saved model
    PYTHONPATH=$PWD python -m benchmarks.bench_fixtures --source examples/chinook.duckdb --scales 0.01 0.1
    PYTHONPATH=$PWD python -m benchmarks.bench_fixtures MODEL_DIR --rows Customer=10 Customer=200 Customer=10000

What the ``amalgam_db`` fixture of the pytest plugin does per test: ``Synthesizer.sample`` into a
fresh in-memory DuckDB connection, with the seed of another test each time. Reported: the
import and model load of the session, the first sample (one-time caches: JAX, each locale's
Faker, word tables), then, after ``--warm`` samples with other seeds, the median and minimum of
``--runs`` samples per scale, in wall-clock and CPU seconds (the CPU time of the process, which a
loaded machine inflates less than the wall clock).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def _timed(action):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _sample(synth, scale: float, seed: int, rows: dict[str, int] | None = None) -> int:
    from amalgam_rel.connection import connect

    con = connect()
    try:
        return sum(synth.sample(con, scale=scale, seed=seed, rows=rows).rows.values())
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help="a saved model directory (else --source is fitted and saved first)")
    parser.add_argument("--source", default="examples/chinook.duckdb")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--warm", type=int, default=10)
    parser.add_argument("--rows", nargs="*", default=[], metavar="TABLE=N",
                        help="more cases: TABLE=N rows of one table (children follow), at the first scale")
    args = parser.parse_args()
    (synth, model), wall, cpu = _timed(lambda: _load(args.model, args.source))
    what = "import + load" if args.model else f"import + fit {args.source} + save + load"
    print(f"{what} {model}: wall {wall:.2f}s cpu {cpu:.2f}s")
    rows, wall, cpu = _timed(lambda: _sample(synth, args.scales[0], 10**6))
    print(f"first sample ({rows} rows): wall {wall:.2f}s cpu {cpu:.2f}s")
    cases = [(f"scale {scale}", scale, None) for scale in args.scales]
    cases += [(f"scale {args.scales[0]}, {r}", args.scales[0], {r.split("=")[0]: int(r.split("=")[1])}) for r in args.rows]
    for name, scale, rows in cases:
        for seed in range(args.warm):
            _sample(synth, scale, 10**5 + seed, rows)
        timings = [_timed(lambda s=seed: _sample(synth, scale, s, rows)) for seed in range(args.runs)]
        walls, cpus = [t[1] for t in timings], [t[2] for t in timings]
        print(f"{name}: {timings[0][0]} rows; per fixture wall median {statistics.median(walls):.3f}s "
              f"min {min(walls):.3f}s; cpu median {statistics.median(cpus):.3f}s min {min(cpus):.3f}s")


def _load(model: str | None, source: str):
    from amalgam_rel.api import Synthesizer

    if model is None:
        model = str(Path(tempfile.mkdtemp(prefix="amalgam-bench-")) / "model")
        Synthesizer(seed=0).fit(source).save(model)
    return Synthesizer.load(model), model


if __name__ == "__main__":
    main()
