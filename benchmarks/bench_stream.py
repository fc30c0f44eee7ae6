"""Peak memory of sampling, whole tables against tables streamed in parts, as the output grows.

    python -m benchmarks.bench_stream --source benchmarks/.cache/tpch_sf0.1.duckdb --scales 1 4

Fits the source once (saved under ``--model``, reused when there), then samples it in a fresh
process per (scale, mode): ``parts`` is the default (unreferenced tables written 200,000 rows at
a time), ``whole`` sets ``--part-rows`` past every table's size, as sampling was before parts.
Peak memory is the child's VmHWM (see :mod:`benchmarks.measure`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import python_argv, run_child

WHOLE = 10**12  # part size no table reaches: every table sampled whole


def child(model_dir: str, scale: float, part_rows: int | None, result: str) -> None:
    from amalgam_rel.pipeline.database_model import DatabaseModel

    model = DatabaseModel.load(model_dir)
    with tempfile.TemporaryDirectory(prefix="amalgam-stream-") as tmp:
        start = time.perf_counter()
        report = model.sample(Path(tmp) / "out.duckdb", scale=scale,
                              **({"part_rows": part_rows} if part_rows else {}))
        seconds = time.perf_counter() - start
    Path(result).write_text(json.dumps({"rows": sum(report.rows.values()), "seconds": round(seconds, 1),
                                        "parts": report.parts, "table_seconds": report.seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="benchmarks/.cache/tpch_sf0.1.duckdb")
    parser.add_argument("--model", default=None, help="model directory (default: /tmp/amalgam-stream-<source>)")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument("--child", nargs=3, metavar=("MODEL", "SCALE", "PART_ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        model_dir, scale, part_rows = args.child
        child(model_dir, float(scale), int(part_rows) or None, args.result)
        return
    from amalgam_rel.pipeline.database_model import DatabaseModel

    source = Path(args.source)
    model_dir = Path(args.model or f"/tmp/amalgam-stream-{source.stem}")
    if not model_dir.exists():
        start = time.perf_counter()
        DatabaseModel().fit(source).save(model_dir)
        print(f"fitted {source} in {time.perf_counter() - start:.0f} s -> {model_dir}", file=sys.stderr)
    print("| scale | mode | rows | sample s | peak RSS MB | parts |\n|---:|---|---:|---:|---:|---|")
    for scale in args.scales:
        for mode, part_rows in (("whole", WHOLE), ("parts", 0)):
            m = run_child(python_argv("benchmarks.bench_stream", "--child", str(model_dir), str(scale), str(part_rows)),
                          timeout=None)
            r = m.result
            print(f"| {scale:g} | {mode} | {r.get('rows', 0):,} | {r.get('seconds', m.wall_s)} | {m.peak_rss_mb:,.0f} | "
                  f"{', '.join(f'{t} {n}' for t, n in r.get('parts', {}).items()) or '-'} |"
                  + (f" {m.status}: {m.error}" if m.status != "ok" else ""), flush=True)
            slow = sorted(r.get("table_seconds", {}).items(), key=lambda kv: -kv[1])[:3]
            print(f"<!-- slowest tables: {', '.join(f'{t} {s:.0f} s' for t, s in slow)} -->", flush=True)


if __name__ == "__main__":
    main()
