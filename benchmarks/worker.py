"""One method on one dataset, in its own process (the runner measures its wall time and memory).

    python -m benchmarks.worker METHOD REAL OUT [--sidecar TOML] [--seed N] --result FILE

Methods run here (the project's environment): ``amalgam`` (DatabaseModel, defaults),
``independent`` (:mod:`benchmarks.independent`) and ``floor`` (the real rows copied through our
writer). SDV runs in its own environment (:mod:`benchmarks.sdv_worker`). The result file gets
fit and sample seconds, rows written and, for amalgam, seconds per pipeline stage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path


def run_floor(real: Path, out: Path, args) -> dict:
    from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
    from amalgam_rel.writing.copy import copy_database

    con = open_duckdb(real)
    try:
        db = read_duckdb(con)
        start = time.perf_counter()
        rows = copy_database(db, con, out, force=True, source=real)
        return {"fit_s": 0.0, "sample_s": time.perf_counter() - start, "rows": sum(rows.values())}
    finally:
        con.close()


def run_independent(real: Path, out: Path, args) -> dict:
    import numpy as np

    from amalgam_rel.schema import sql
    from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
    from amalgam_rel.writing.copy import select_rows
    from benchmarks.independent import draw_table
    from benchmarks.writeback import write_tables

    start = time.perf_counter()
    con = open_duckdb(real)
    try:
        db = read_duckdb(con)
        # the marginals are the real columns themselves: reading them is this baseline's "fit"
        data = {t.key: con.execute(sql.render(select_rows(t))).to_arrow_table() for t in db.tables}
    finally:
        con.close()
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    synth = {t.key: draw_table(db, t, data[t.key], rng) for t in db.tables}
    written = write_tables(db, synth, out)
    return {"fit_s": fit_s, "sample_s": time.perf_counter() - start,
            "rows": sum(t.num_rows for t in synth.values()), **written}


def run_amalgam(real: Path, out: Path, args) -> dict:
    from amalgam_rel.pipeline.database_model import DatabaseModel

    stages = profile_stages()
    marks: dict[str, float] = {"start": time.perf_counter()}
    done: dict[str, float] = {}  # table -> seconds since sampling started, for runs cut by the time cap

    def progress(stage: str, name: str) -> None:
        now = time.perf_counter()
        if stage == "text":
            marks["text"] = now
        elif stage == "sample":
            done[name] = round(now - marks["fit_end"], 3)
        # checkpoint: a run stopped at the time cap still tells where its time went
        checkpoint(args.result, {"partial": True, "fit_s": marks.get("fit_end", now) - marks["start"],
                                 "stage_s": dict(stages), "tables_done": done, "last_event": f"{stage} {name}"})

    # with --epsilon, as `synth --epsilon E --epsilon-text words`: free text from words whose noisy
    # counts clear a threshold (else the public lexicon) and noisy lengths, charged to the budget
    # (issue #27 item 3; until dp27g the benchmark wrote schema placeholders, which cost nothing
    # and have one length: TPC-H's comments scored 0 on column shapes)
    private = {"epsilon": args.epsilon, "epsilon_text": "words"} if args.epsilon is not None else {}
    model = DatabaseModel(seed=args.seed, **private).fit(real, sidecar=args.sidecar, progress=progress)
    marks["fit_end"] = time.perf_counter()
    checkpoint(args.result, {"partial": True, "fit_s": marks["fit_end"] - marks["start"], "stage_s": dict(stages),
                             "text_fit_s": marks["fit_end"] - marks.get("text", marks["fit_end"])})
    report = model.sample(out, force=True, progress=progress)
    sample_s = time.perf_counter() - marks["fit_end"]
    return {"fit_s": marks["fit_end"] - marks["start"], "sample_s": sample_s, "rows": sum(report.rows.values()),
            "text_fit_s": round(marks["fit_end"] - marks.get("text", marks["fit_end"]), 3),
            "stage_s": {k: round(v, 3) for k, v in stages.items()},
            "table_sample_s": report.seconds, "table_rows": report.rows,
            **({"privacy_rho": model.privacy_.rho, "privacy_rho_spent": model.privacy_.spent}
               if model.privacy_ is not None else {})}


def checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, default=str))
    tmp.replace(path)


def profile_stages() -> dict[str, float]:
    """Wrap the fit and sample stages of the relational layer to sum seconds per stage name."""
    from amalgam_rel.pipeline import fitting, sampling

    totals: dict[str, float] = defaultdict(float)

    def timed(prefix, fn):
        def wrapper(*a, **k):
            clock = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                totals[f"{prefix}.{fn.__name__}"] += time.perf_counter() - clock
        return wrapper

    fitting.FIT_STAGES = tuple(timed("fit", f) for f in fitting.FIT_STAGES)
    sampling.SAMPLE_STAGES = tuple(timed("sample", f) for f in sampling.SAMPLE_STAGES)
    return totals


METHODS = {"amalgam": run_amalgam, "independent": run_independent, "floor": run_floor}


def peak_kb() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=sorted(METHODS))
    parser.add_argument("real", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sidecar", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epsilon", type=float)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        result = METHODS[args.method](args.real, args.out, args)
    except Exception as err:  # reported to the runner as this run's failure, with its message
        traceback.print_exc()
        result = {"status": "failed", "error": f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:300]}
    result["vmhwm_kb"] = peak_kb()  # exact final peak; the runner's polling may miss the last 50 ms
    args.result.write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
