"""The CLI command, the report, the workload's answer comparison, and TPC-H's 22 queries."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.evaluation import evaluate
from amalgam_rel.evaluation.chi2 import amalgam_p, strict_p
from amalgam_rel.evaluation.workload import _grouped, classify

KEYS = ["validity.violations", "column_shapes.score", "amalgam_chi2_p.mean", "pair_trends.score", "cardinality.score",
        "intertable_trends.score", "detection.auc", "workload.queries", "workload.median_rel_error",
        "workload.p90_rel_error", "workload.failed", "privacy.exact_copy_rate", "overall.score"]


def test_cli_json_has_every_documented_key_and_writes_a_self_contained_report(real_db, tmp_path):
    report = tmp_path / "r.html"
    out = CliRunner().invoke(app, ["evaluate", str(real_db), str(real_db), "--json", "--report", str(report)])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    for key in KEYS:
        area, name = key.split(".")
        assert name in d[area], key
    page = report.read_text()
    assert "<svg" in page and "<script" not in page and "src=" not in page and "href=" not in page


def test_cli_bad_input_is_one_line(real_db, tmp_path):
    out = CliRunner().invoke(app, ["evaluate", str(real_db), str(tmp_path / "nope.duckdb")])
    assert out.exit_code == 2
    assert "not found" in out.output and len(out.output.strip().splitlines()) == 1


def test_proportion_chi2_barely_rejects_while_the_strict_test_does():
    real = np.array([1000] * 10)
    synth = np.array([700] * 5 + [1300] * 5)  # every bin off by 30 %
    assert amalgam_p(real, synth) > 0.99
    assert strict_p(real, synth, np.random.default_rng(0)) < 1e-6


def test_grouped_answers_match_by_key():
    real = [("a", 10.0), ("b", 30.0), ("c", 60.0)]
    same = _grouped("q", real, list(reversed(real)), (0,))
    assert same.error == 0 and same.share_tv == 0 and same.top_k_overlap == 1
    off = _grouped("q", real, [("a", 10.0), ("b", 30.0), ("d", 60.0)], (0,))
    assert off.error == pytest.approx(0.6)  # group c (60 % of the weight) is missing
    assert off.share_tv == pytest.approx(0.6)
    keys_last = _grouped("q", [(5.0, "a"), (7.0, "b")], [(7.0, "b"), (5.0, "a")], (1,))  # key after the value
    assert keys_last.error == 0


def test_query_shapes_are_read_from_the_outer_select():
    assert classify("SELECT count(*) FROM t") == ("aggregate", ())
    assert classify("SELECT k, sum(x) / sum(y) AS r FROM t GROUP BY k") == ("aggregate", (0,))
    assert classify("SELECT a, sum(x), b FROM t GROUP BY a, b") == ("aggregate", (0, 2))
    assert classify("SELECT a FROM t WHERE x > (SELECT avg(x) FROM t)") == ("rows", ())


@pytest.fixture(scope="module")
def tpch(tmp_path_factory):
    from duckdb_extensions import import_extension

    d = tmp_path_factory.mktemp("tpch")
    con = duckdb.connect(str(d / "real.duckdb"))
    import_extension("tpch", con=con)
    con.execute("CALL dbgen(sf=0.01)")
    queries = d / "queries"
    queries.mkdir()
    for nr, text in con.execute("SELECT query_nr, query FROM tpch_queries()").fetchall():
        (queries / f"q{nr:02d}.sql").write_text(text)
    con.close()
    half = duckdb.connect(str(d / "half.duckdb"))
    half.execute(f"ATTACH '{d / 'real.duckdb'}' AS src (READ_ONLY)")
    for (table,) in half.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall():
        keep = "WHERE hash(rowid) % 2 = 0" if table in ("lineitem", "orders") else ""
        half.execute(f'CREATE TABLE "{table}" AS SELECT * FROM src."{table}" {keep}')
    half.close()
    return d


def test_tpch_22_queries(tpch):
    same = evaluate(tpch / "real.duckdb", tpch / "real.duckdb", queries=tpch / "queries", stages=("workload",)).to_dict()
    user = [r for r in same["workload"]["results"] if r["name"].startswith("q")]
    assert len(user) == 22 and all(r["error"] == 0 for r in user)
    assert same["workload"]["failed"] == 0 and same["workload"]["skipped"] == 0
    half = evaluate(tpch / "real.duckdb", tpch / "half.duckdb", queries=tpch / "queries", stages=("workload",)).to_dict()
    user = {r["name"]: r for r in half["workload"]["results"] if r["name"].startswith("q")}
    assert user["q01"]["shape"] == "grouped" and 0.3 < user["q01"]["error"] < 0.7  # sums over half the lineitems
    assert user["q01"]["share_tv"] < 0.05  # ...but the groups keep their shares
    assert np.median([r["error"] for r in user.values()]) > 0
    assert half["workload"]["failed"] == 0
