"""Every ``amalgam-rel evaluate`` metric of one output, flattened for the results store."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from amalgam_rel.evaluation import evaluate
from amalgam_rel.evaluation.evaluate import STAGES
from benchmarks.datasets import Dataset

AREAS = ("validity", "column_shapes", "pair_trends", "cardinality", "intertable_trends", "detection", "workload")


def quality(ds: Dataset, synth: Path) -> dict:
    """Every metric; if ``evaluate`` crashes, once more without detection (and say so)."""
    start = time.perf_counter()
    try:
        row = _flatten(ds, evaluate(ds.path, synth, schema=ds.schema(), queries=ds.queries).to_dict())
    except Exception as err:  # an evaluate bug must not lose the run; the report shows the error
        note = f"evaluate failed ({type(err).__name__}: {str(err).splitlines()[0][:160]}); scored without detection"
        stages = tuple(name for name, _ in STAGES if name != "detection")
        row = _flatten(ds, evaluate(ds.path, synth, schema=ds.schema(), queries=ds.queries, stages=stages).to_dict())
        row["note"] = note
    row["evaluate_s"] = round(time.perf_counter() - start, 1)
    return row


def _flatten(ds: Dataset, d: dict) -> dict:
    row = {"overall": d["overall"]["score"], **{a: d[a]["score"] if a in d else None for a in AREAS}}
    row |= {
        "violations": d["validity"]["violations"],
        "detection_auc": d["detection"]["auc"] if "detection" in d else None,
        "workload_median": d["workload"]["median_rel_error"],
        "workload_p90": d["workload"]["p90_rel_error"],
        "workload_failed": d["workload"]["failed"],
        "exact_copy_rate": d["privacy"]["exact_copy_rate"],
        "amalgam_chi2_p": d["amalgam_chi2_p"]["mean"],
    }
    if ds.queries is not None:  # the dataset's own workload: one error per .sql file of ds.queries
        row |= own_queries(ds.queries, d["workload"]["results"])
    return row


def own_queries(directory: Path, results: list[dict]) -> dict:
    """Per-query errors of the workload in ``directory`` (by file stem), their median, p90 and
    count at 1.0, and why a query is at 1.0 or not scored (empty answer, rows the real answer
    lacks, failed, skipped)."""
    names = {p.stem for p in Path(directory).glob("*.sql")}
    mine = [r for r in results if r["name"] in names]
    errors = [r["error"] for r in mine if r["error"] is not None]
    why = {r["name"]: ("empty where the real answer is not" if r.get("empty") else
                       "rows where the real answer is empty" if r.get("reason") == "invented" else
                       f"{r['shape']}: {r.get('message') or ''}".strip(": "))
           for r in mine if r.get("empty") or r.get("reason") == "invented" or r["shape"] in ("failed", "skipped")}
    return {"query_errors": {r["name"]: r["error"] for r in mine}, "query_notes": why,
            "query_error_median": float(np.median(errors)) if errors else None,
            "query_error_mean": float(np.mean(errors)) if errors else None,
            "query_error_p90": float(np.percentile(errors, 90)) if errors else None,
            "query_at_one": sum(e >= 1.0 for e in errors)}
