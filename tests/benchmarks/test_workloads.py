"""The analyst workloads of ``benchmarks/workloads``: well-formed, compared group by group, and
answered on their real database; and how the runner stores and reports their per-query errors."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import pytest
import sqlglot

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from amalgam_rel.evaluation.workload import classify, is_empty, load_queries  # noqa: E402
from benchmarks.datasets import SHARED_NAMES, WORKLOADS, resolve  # noqa: E402
from benchmarks.quality import own_queries  # noqa: E402
from benchmarks.report import per_query_table, quality_table, query_stats  # noqa: E402

QUERIES = [(name, path) for name in SHARED_NAMES for path in sorted((WORKLOADS / name).glob("*.sql"))]


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_every_development_database_has_a_workload_of_10_to_20_queries(name: str) -> None:
    files = sorted((WORKLOADS / name).glob("*.sql"))
    assert 10 <= len(files) <= 20, f"{name}: {len(files)} queries"
    assert len(load_queries(WORKLOADS / name)) == len(files)


@pytest.mark.parametrize("name, path", QUERIES, ids=[f"{n}/{p.stem}" for n, p in QUERIES])
def test_query_states_its_question_parses_and_is_compared_by_groups(name: str, path: Path) -> None:
    text = path.read_text()
    assert text.startswith("-- Analyst: "), "the header says what the analyst asks"
    sqlglot.parse_one(text.strip().rstrip(";"), read="duckdb")  # raises on SQL sqlglot cannot read
    shape, _ = classify(text.strip().rstrip(";"))
    assert shape == "aggregate", "a plain row list would be compared by its count only"


@pytest.mark.parametrize("name, path", QUERIES, ids=[f"{n}/{p.stem}" for n, p in QUERIES])
def test_query_answers_quickly_and_non_empty_on_the_real_database(name: str, path: Path, dataset) -> None:
    con = duckdb.connect(str(dataset(name)), read_only=True)
    try:
        start = time.perf_counter()
        answer = con.execute(path.read_text().strip().rstrip(";")).fetchall()
        seconds = time.perf_counter() - start
    finally:
        con.close()
    assert not is_empty(answer), "an empty real answer cannot tell a good clone from a bad one"
    assert seconds < 1.0, f"{seconds:.2f} s"


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_runner_scores_the_workload_of_each_development_database(name: str, dataset) -> None:
    dataset(name)
    assert resolve(name).queries == WORKLOADS / name


def test_own_queries_keeps_the_workload_files_and_says_why_a_query_failed(tmp_path: Path) -> None:
    for stem in ("q01_a", "q02_b", "q03_c", "q04_d"):
        (tmp_path / f"{stem}.sql").write_text("SELECT 1")
    results = [{"name": "count t", "shape": "scalar", "error": 0.5},  # the automatic workload's: not ours
               {"name": "q01_a", "shape": "grouped", "error": 0.1},
               {"name": "q02_b", "shape": "grouped", "error": 1.0, "empty": True},
               {"name": "q03_c", "shape": "failed", "error": 1.0, "message": "Binder Error"},
               {"name": "q04_d", "shape": "skipped", "error": None, "message": "fails on the real database"}]
    row = own_queries(tmp_path, results)
    assert row["query_errors"] == {"q01_a": 0.1, "q02_b": 1.0, "q03_c": 1.0, "q04_d": None}
    assert row["query_at_one"] == 2 and row["query_error_median"] == 1.0
    assert row["query_notes"] == {"q02_b": "empty where the real answer is not", "q03_c": "failed: Binder Error",
                                  "q04_d": "skipped: fails on the real database"}


def _record(label: str, quality: dict | None) -> dict:
    return {"label": label, "status": "ok", "quality": quality}


def test_report_lists_each_query_and_tolerates_methods_without_per_query_data() -> None:
    base = {"overall": 0.9, "validity": 1.0, "violations": 0, "column_shapes": 0.9, "pair_trends": 0.9,
            "cardinality": 0.9, "intertable_trends": 0.9, "detection_auc": 0.6, "workload_median": 0.0,
            "workload_p90": 0.1, "exact_copy_rate": 0.0}
    data = {"dataset": "chinook", "methods": {
        "amalgam": _record("amalgam-rel", base | {"query_errors": {"q01": 0.0, "q02": 1.0, "q03": 0.2},
                                                  "query_notes": {"q02": "empty where the real answer is not"}}),
        "independent": _record("independent columns", dict(base))}}  # an older record: no per-query errors
    table = "\n".join(per_query_table(data))
    assert "| q02 | **1.000** (empty where the real answer is not) |" in table
    assert "| median / p90 / at 1.0 | 0.200 / 0.840 / 1 of 3 |" in table
    assert "Not yet scored on this workload (records older than it): independent columns." in table
    rows = quality_table(data)
    assert rows[0].endswith("own queries: median / p90 / at 1.0 |")
    assert rows[2].endswith("| 0.200 / 0.840 / 1 of 3 |") and rows[3].endswith("| – |")
    assert query_stats({"q1": None, "q2": 0.5}) == (0.5, 0.5, 0, 1)
