"""Sampling in shards (issue 28): wall, CPU and peak memory with 1, 2 and 4 Dask workers, and
whether every shard count writes the same rows.

    python -m benchmarks.bench_shards --model MODEL_DIR --shards 1 2 4 [--scale S] [--block-rows B] --out /tmp/shards

Each shard count runs in a fresh process (:mod:`benchmarks.measure`: the coordinator's peak
RSS is its VmHWM); the workers report their own CPU seconds and VmHWM
(``Sample.report.workers``). Then every table of each dataset is compared with the 1-shard one,
``EXCEPT ALL`` both ways in DuckDB.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from amalgam_rel.connection import connect
from benchmarks.measure import python_argv, run_child


def child(model_dir: str, shards: int, out: str, block_rows: int, scale: float, result: str) -> None:
    from amalgam_rel.api.shards import sample_shards

    start, cpu = time.perf_counter(), time.process_time()
    # as `amalgam-rel sample MODEL --shards N` does: the model loads inside, the workers start meanwhile
    sample = sample_shards(model_dir, out, shards=shards, block_rows=block_rows, scale=scale, force=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(result).write_text(json.dumps({
        "rows": sum(sample.rows.values()), "seconds": round(time.perf_counter() - start, 1),
        "coordinator_cpu_s": round(time.process_time() - cpu, 1),
        "children_cpu_s": round(children.ru_utime + children.ru_stime, 1),
        "workers": sample.report.workers, "blocks": max(sample.report.parts.values(), default=0)}))


def differing_rows(a: Path, b: Path) -> dict[str, int]:
    """Per table folder, rows in one dataset and not the other (EXCEPT ALL both ways)."""
    out, con = {}, connect()
    for folder in sorted(p for p in a.iterdir() if p.is_dir()):
        x, y = f"'{folder}/*.parquet'", f"'{b / folder.name}/*.parquet'"
        out[folder.name] = sum(con.sql(f"SELECT count(*) FROM (SELECT * FROM {p} EXCEPT ALL SELECT * FROM {q})").fetchone()[0]
                               for p, q in ((x, y), (y, x)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a saved model directory")
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--block-rows", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", default="/tmp/amalgam-shards")
    parser.add_argument("--child", nargs=5, metavar=("MODEL", "SHARDS", "OUT", "BLOCK_ROWS", "SCALE"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        model_dir, shards, out, block_rows, scale = args.child
        child(model_dir, int(shards), out, int(block_rows), float(scale), args.result)
        return
    print("| shards | rows | blocks | wall s | coordinator CPU s | all CPU s | coordinator peak RSS MB | "
          "per worker: CPU s / peak RSS MB |\n|---:|---:|---:|---:|---:|---:|---:|---|", flush=True)
    outs = {}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for shards in args.shards:
        outs[shards] = Path(args.out) / f"shards{shards}"
        m = run_child(python_argv("benchmarks.bench_shards", "--child", args.model, str(shards), str(outs[shards]),
                                  str(args.block_rows), str(args.scale)), timeout=None)
        r = m.result
        workers = "; ".join(f"{w['cpu_s']:.0f} / {w['peak_rss_mb']:,.0f}" for w in r.get("workers", {}).values())
        print(f"| {shards} | {r.get('rows', 0):,} | {r.get('blocks')} | {m.wall_s:.0f} | {r.get('coordinator_cpu_s')} | "
              f"{(r.get('coordinator_cpu_s') or 0) + (r.get('children_cpu_s') or 0):.0f} | {m.peak_rss_mb:,.0f} | {workers} |"
              + (f" {m.status}: {m.error}" if m.status != "ok" else ""), flush=True)
    base = args.shards[0]  # the others are compared with the first
    for shards, out in outs.items():
        if shards != base and out.exists() and outs[base].exists():
            print(f"rows differing, {base} vs {shards} shards: {differing_rows(outs[base], out)}", flush=True)


if __name__ == "__main__":
    main()
