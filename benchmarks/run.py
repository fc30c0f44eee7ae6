"""Benchmarks side by side: amalgam-rel, SDV HMA and baselines, same data, same run, one command.

    python -m benchmarks.run                                   # everything (hours on 2 cores)
    python -m benchmarks.run --datasets world tpch_sf0.01 --methods amalgam floor --repeats 3

Each (dataset, method) runs ``--repeats`` times in fresh processes (wall time and peak resident
memory per process); the first run's output is scored with every ``amalgam-rel evaluate``
metric (plus TPC-H's 22 queries on TPC-H). Records merge into ``benchmarks/results/*.json``
and ``docs/benchmarks.md`` is re-rendered from the whole store (``--report-only`` renders
without running). SDV needs ``benchmarks/setup_sdv.sh`` first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import store
from benchmarks.datasets import SHARED_NAMES, TPCH_SCALES, Dataset, resolve
from benchmarks.methods import METHODS, Method, remove

ALL_DATASETS = SHARED_NAMES + tuple(TPCH_SCALES)


def run_method(ds: Dataset, method: Method, args, workdir: Path) -> dict:
    """Repeat one method, score its first output; the record for the store."""
    runs, quality = [], None
    timeout = args.sdv_cap if method.capped else args.timeout
    for repeat in range(args.repeats):
        out = workdir / f"{ds.name}-{method.name}-{repeat}.duckdb"
        m = method.run(ds, out, repeat, timeout)
        run = {"status": m.status, "wall_s": m.wall_s, "peak_rss_mb": m.peak_rss_mb, "error": m.error, **m.result}
        if m.status == "ok":
            run["fit_s"], run["sample_s"] = round(run["fit_s"], 3), round(run["sample_s"] + run.get("write_s", 0), 3)
            run["total_s"] = round(run["fit_s"] + run["sample_s"], 3)
        runs.append(run)
        print(f"  {method.name} #{repeat}: {m.status} wall {m.wall_s:.1f}s rss {m.peak_rss_mb:.0f}MB"
              + (f" ({m.error})" if m.error else ""), flush=True)
        if m.status == "ok" and quality is None and not args.no_evaluate:
            from benchmarks.quality import quality as score

            try:
                quality = score(ds, out)
                print(f"    overall {quality['overall']:.3f} validity {quality['validity']:.3f} "
                      f"(violations {quality['violations']}) evaluate {quality['evaluate_s']}s", flush=True)
            except Exception as err:  # keep the timings; the report shows why there are no scores
                quality = {"error": f"evaluate failed: {type(err).__name__}: {str(err).splitlines()[0][:200]}"}
                print(f"    {quality['error']}", flush=True)
        remove(out)
        if m.status != "ok":  # a refusal, failure or time-out repeats identically: stop here
            break
    status = runs[0]["status"] if all(r["status"] == runs[0]["status"] for r in runs) else "mixed"
    return {"status": status, "label": method.label, "error": next((r["error"] for r in runs if r["error"]), None),
            "runs": runs, "median": store.medians(runs), "quality": quality, "run_id": args.run_id,
            "machine": store.machine(), "timeout_s": timeout}


def dataset_info(ds: Dataset) -> dict:
    db = ds.schema()
    return {"tables": len(db.tables), "rows": sum(t.row_count or 0 for t in db.tables),
            "foreign_keys": len(db.foreign_keys)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(ALL_DATASETS), metavar="NAME",
                        help=f"any of {', '.join(ALL_DATASETS)}")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS), metavar="METHOD",
                        help=f"any of {', '.join(METHODS)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per method; times are medians (default 3)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is stopped")
    parser.add_argument("--sdv-cap", type=float, default=900, help="time cap per SDV run, seconds (default 900)")
    parser.add_argument("--no-evaluate", action="store_true", help="time only, skip the quality metrics")
    parser.add_argument("--results", type=Path, default=store.RESULTS, help="folder of the JSON results store")
    parser.add_argument("--docs", type=Path, default=store.ROOT / "docs" / "benchmarks.md",
                        help="the Markdown file whose generated section is rewritten ('-' to skip)")
    parser.add_argument("--report-only", action="store_true", help="re-render the docs from the store, run nothing")
    args = parser.parse_args(argv)
    args.run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    if not args.report_only:
        with tempfile.TemporaryDirectory(prefix="amalgam-bench-") as tmp:
            for name in args.datasets:
                ds = resolve(name)
                if isinstance(ds, str):
                    print(f"skip {name}: {ds}", file=sys.stderr)
                    continue
                info = dataset_info(ds)
                print(f"{ds.name}: {info['tables']} tables, {info['rows']} rows", flush=True)
                for method in args.methods:
                    record = run_method(ds, METHODS[method], args, Path(tmp))
                    store.save_record(ds.name, info, method, record, args.results)
    if str(args.docs) != "-":
        from benchmarks.report import write_report

        write_report(store.load_all(args.results), args.docs)
        print(f"wrote {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
