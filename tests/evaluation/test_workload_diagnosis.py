"""The workload's per-query diagnosis: reason classes, answers side by side, what a query reads.

A real database and a synthetic one written by hand with known defects: no ``vip`` people (an
empty filter answer), nobody in the west (a missing group), incomes doubled (wrong magnitude),
half the visits on an invented device (extra groups), the busiest visitors shifted to other
people with the same counts (wrong order), and a cast that fails only on the doubled incomes.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.evaluation import evaluate

DDL = """
CREATE TABLE cities (id INTEGER PRIMARY KEY, region VARCHAR NOT NULL);
CREATE TABLE people (id INTEGER PRIMARY KEY, city_id INTEGER NOT NULL REFERENCES cities(id), kind VARCHAR,
                     income DOUBLE);
CREATE TABLE visits (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id), device VARCHAR);
INSERT INTO cities VALUES (1, 'north'), (2, 'south'), (3, 'east'), (4, 'west');
"""
REAL = """
INSERT INTO people SELECT i, 1 + i % 4, CASE WHEN i % 10 = 0 THEN 'vip' ELSE 'basic' END, 1000 + i FROM range(400) t(i);
INSERT INTO visits SELECT i, i % 300, CASE WHEN i % 2 = 0 THEN 'ios' ELSE 'android' END FROM range(400) t(i);
"""
SYNTH = """
INSERT INTO people SELECT i, 1 + i % 3, 'basic', 2 * (1000 + i) FROM range(300) t(i);
INSERT INTO visits SELECT i, (i + 50) % 300, CASE WHEN i % 2 = 0 THEN 'fax' WHEN i % 4 = 1 THEN 'ios' ELSE 'android' END
FROM range(400) t(i);
"""
QUERIES = {
    "empty": "SELECT count(*) AS n FROM people WHERE kind = 'vip'",
    "missing": "SELECT c.region, count(*) AS n FROM people p JOIN cities c ON p.city_id = c.id GROUP BY c.region",
    "magnitude": "SELECT avg(income) AS mean_income FROM people",
    "magnitude_grouped": "SELECT c.region, avg(p.income) AS a FROM people p JOIN cities c ON p.city_id = c.id "
                         "WHERE c.region <> 'west' GROUP BY c.region",
    "extra": "SELECT device, count(*) AS n FROM visits GROUP BY device",
    "order": "SELECT person_id, count(*) AS n FROM visits GROUP BY person_id ORDER BY n DESC, person_id LIMIT 3",
    "failed": "SELECT max(CAST(CASE WHEN income > 2000 THEN 'x' ELSE '1' END AS INTEGER)) AS m FROM people",
    "rows": "SELECT id, income FROM people WHERE income > 1300",
    "ok": "SELECT region, count(*) AS n FROM cities GROUP BY region",
    "rowid": "SELECT max(rowid) AS m FROM cities",
    "visits_by_region": "SELECT c.region, count(*) AS n FROM visits v JOIN people p ON v.person_id = p.id "
                        "JOIN cities c ON c.id = p.city_id WHERE v.device IN (SELECT device FROM visits) GROUP BY 1",
}


def _db(path, rows: str):
    con = duckdb.connect(str(path))
    con.execute(DDL + rows)
    con.close()
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("diagnosis")
    queries = d / "queries"
    queries.mkdir()
    for name, text in QUERIES.items():
        (queries / f"{name}.sql").write_text(text + ";\n")
    return _db(d / "real.duckdb", REAL), _db(d / "synth.duckdb", SYNTH), queries


@pytest.fixture(scope="module")
def diagnosed(pair):
    real, synth, queries = pair
    ev = evaluate(real, synth, queries=queries, stages=("column_shapes", "cardinality", "workload"))
    results = json.loads(json.dumps(ev.to_dict(), default=str))["workload"]["results"]  # as --json prints it
    return {r["name"]: r for r in results if r["origin"] == "file"}


@pytest.mark.parametrize("name", ["empty", "missing", "magnitude", "extra", "order", "failed", "rows", "ok"])
def test_each_known_defect_gets_its_reason(diagnosed, name):
    assert diagnosed[name]["reason"] == {"missing": "missing_groups", "extra": "extra_groups"}.get(name, name)


def test_errors_and_group_shares_behind_the_reasons(diagnosed):
    assert diagnosed["empty"]["error"] == 1.0 and diagnosed["empty"]["empty"]
    assert diagnosed["missing"]["error"] == pytest.approx(0.25)  # the west's quarter of the people
    assert diagnosed["missing"]["missing_groups"] == pytest.approx(0.25) and diagnosed["missing"]["extra_groups"] == 0
    assert diagnosed["extra"]["extra_groups"] == pytest.approx(1 / 3) and diagnosed["extra"]["missing_groups"] == 0
    assert diagnosed["magnitude_grouped"]["reason"] == "magnitude"  # every group there, each mean about doubled
    assert diagnosed["order"]["missing_groups"] == 1.0 and diagnosed["order"]["error"] == 1.0  # other people, same counts
    assert diagnosed["failed"]["shape"] == "failed" and diagnosed["failed"]["synth_head"] == []
    assert diagnosed["rowid"]["reason"] == "ok"


def test_answers_side_by_side(diagnosed):
    missing = diagnosed["missing"]
    assert missing["columns"] == ["region", "n"]
    assert sorted(map(tuple, missing["real_head"])) == [("east", 100), ("north", 100), ("south", 100), ("west", 100)]
    assert sorted(map(tuple, missing["synth_head"])) == [("east", 100), ("north", 100), ("south", 100)]
    assert len(diagnosed["rows"]["real_head"]) == 5 and diagnosed["rows"]["columns"] == ["id", "income"]
    assert [tuple(r) for r in diagnosed["order"]["synth_head"]] == [(50, 2), (51, 2), (52, 2)]


def test_touched_columns_joins_and_what_the_query_points_at(diagnosed):
    t = diagnosed["missing"]["touched"]
    assert t["tables"] == ["cities", "people"]
    assert t["columns"] == ["cities.id", "cities.region", "people.city_id"]
    assert t["joins"] == ["people(city_id) -> cities(id)"]
    assert t["scores"]["people(city_id) -> cities(id)"] < 0.9  # the west city has no people left
    assert t["points_at"] == "people(city_id) -> cities(id)"
    empty = diagnosed["empty"]["touched"]
    assert empty["columns"] == ["people.kind"] and empty["points_at"] == "people.kind"
    assert empty["scores"]["people.kind"] == pytest.approx(0.9)  # the 10 % vip are gone
    both = diagnosed["visits_by_region"]["touched"]  # two hops, the second written child-last, and an IN subquery
    assert both["joins"] == ["people(city_id) -> cities(id)", "visits(person_id) -> people(id)"]
    assert diagnosed["order"]["touched"]["points_at"] == "visits(person_id) -> people(id)"  # visits per person
    rows = diagnosed["rows"]["touched"]
    assert rows["shown"] == ["people.id"] and rows["points_at"] == "people.income"  # id is only listed
    assert diagnosed["rowid"]["touched"]["note"].startswith("not qualified")  # DuckDB's rowid is no schema column
    assert diagnosed["rowid"]["touched"]["columns"] == []


def test_cli_prints_and_returns_the_diagnosis(pair, tmp_path):
    real, synth, queries = pair
    report = tmp_path / "r.html"
    out = CliRunner().invoke(app, ["evaluate", str(real), str(synth), "--queries", str(queries), "--report", str(report)])
    assert out.exit_code == 0, out.output
    table = out.output[out.output.index("queries with error"):]
    for text in ("missing_groups", "extra_groups", "empty", "order", "people(city_id) -> cities(id)", "25%"):
        assert text in table, text
    assert "magnitude_grouped" in table and "\n│ ok " not in table  # right answers are not listed
    page = report.read_text()
    assert all(f"<summary>{name}: error" in page for name in QUERIES)  # every query of --queries, collapsed
    assert "missing_groups" in page and "<script" not in page
    d = json.loads(CliRunner().invoke(app, ["evaluate", str(real), str(synth), "--queries", str(queries), "--json"]).stdout)
    assert d["workload"]["reasons"]["missing_groups"] >= 1
    assert {r["name"]: r["reason"] for r in d["workload"]["results"]}["extra"] == "extra_groups"


def test_the_first_rows_of_an_unordered_answer_do_not_depend_on_duckdb_s_threads():
    from amalgam_rel.connection import connect
    from amalgam_rel.evaluation.workload import _run

    con = connect()
    con.execute("CREATE TABLE t AS SELECT (9999 - i) % 97 AS k, i AS v FROM range(10000) r(i)")
    rows, shown, columns = _run(con.cursor(), "SELECT k, count(*) AS n FROM t GROUP BY k", "aggregate")
    assert columns == ("k", "n") and len(rows) == 97
    assert [r[0] for r in shown] == [0, 1, 2, 3, 4]  # sorted by every column, not as the hash table emptied
    count, shown, _ = _run(con.cursor(), "SELECT k FROM t WHERE k > 90", "rows")
    assert count == sum(1 for i in range(10000) if (9999 - i) % 97 > 90) and [r[0] for r in shown] == [91] * 5
    _, shown, _ = _run(con.cursor(), "SELECT k, count(*) FROM t GROUP BY k ORDER BY k DESC", "aggregate")
    assert [r[0] for r in shown] == [96, 95, 94, 93, 92]  # an ORDER BY of the query is kept


def test_rows_where_the_real_answer_has_none_are_invented(tmp_path):
    real = _db(tmp_path / "real.duckdb", REAL)
    synth = _db(tmp_path / "synth.duckdb", REAL + "INSERT INTO people VALUES (1000, 1, 'ghost', 5);")
    queries = tmp_path / "q"
    queries.mkdir()
    (queries / "ghosts.sql").write_text("SELECT count(*) AS n FROM people WHERE kind = 'ghost'")
    (queries / "vips.sql").write_text("SELECT count(*) AS n FROM people WHERE kind = 'vip'")
    results = evaluate(real, synth, queries=queries, stages=("workload",)).results["workload"].results
    by_name = {r.name: r for r in results if r.origin == "file"}
    assert by_name["ghosts"].reason == "invented" and by_name["ghosts"].error == 1.0
    assert by_name["vips"].reason == "ok"


def test_a_query_on_two_columns_points_at_their_pair(tmp_path):
    # the real people's kind follows their income; the synthetic ones keep both columns' shapes
    # (a tenth vip, a tenth rich) and lose the pair: the rich tenth is other people
    people = "INSERT INTO people SELECT i, 1 + i % 4, CASE WHEN i % 10 = 0 THEN 'vip' ELSE 'basic' END, {income} FROM range(400) t(i);"
    real = _db(tmp_path / "real.duckdb", people.format(income="CASE WHEN i % 10 = 0 THEN 5000 + i ELSE 1000 + i END"))
    synth = _db(tmp_path / "synth.duckdb", people.format(income="CASE WHEN i % 10 = 5 THEN 5000 + i ELSE 1000 + i END"))
    queries = tmp_path / "q"
    queries.mkdir()
    (queries / "rich.sql").write_text("SELECT kind, count(*) AS n FROM people WHERE income > 4000 GROUP BY kind")
    ev = evaluate(real, synth, queries=queries, stages=("column_shapes", "pair_trends", "workload"))
    rich = next(r for r in ev.results["workload"].results if r.name == "rich")
    assert rich.touched.points_at == "people.income × people.kind", rich.touched.scores
    assert rich.touched.scores["people.income × people.kind"] < min(rich.touched.scores["people.kind"],
                                                                    rich.touched.scores["people.income"])
