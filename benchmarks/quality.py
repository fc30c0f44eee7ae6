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
    if ds.queries is not None:  # the dataset's own workload (TPC-H's 22 queries): q01.sql ...
        user = {r["name"]: r["error"] for r in d["workload"]["results"] if r["name"].startswith("q")}
        row["query_errors"] = user
        errors = [e for e in user.values() if e is not None]
        row["query_error_median"] = float(np.median(errors)) if errors else None
        row["query_error_mean"] = float(np.mean(errors)) if errors else None
    return row
