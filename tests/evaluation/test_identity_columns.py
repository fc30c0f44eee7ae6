"""Generated identity columns (people, contacts, places synth invents) are scored on their form, not as categories."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.evaluation import evaluate
from amalgam_rel.evaluation.text_features import WIDTH

DDL = """
CREATE TABLE employee (id INTEGER PRIMARY KEY, city VARCHAR, title VARCHAR NOT NULL, hired DATE NOT NULL);
CREATE TABLE department (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, rep_id INTEGER NOT NULL REFERENCES employee (id),
                       department_id INTEGER NOT NULL REFERENCES department (id),
                       company VARCHAR, phone VARCHAR NOT NULL, city VARCHAR NOT NULL, spend DOUBLE NOT NULL);
"""
REAL_CITIES = ["Calgary", "Calgary", "Calgary", "Edmonton", "Calgary", "Lethbridge", "Calgary", "Edmonton"]
# what a generator writes: other cities, of the same form and about the same lengths
INVENTED_CITIES = ["Lakeview", "Rosedale", "Kingston", "Westport", "Fairview", "Brighton", "Milford", "Ashford"]
TITLES = ["Sales Agent", "Sales Agent", "Manager", "Sales Agent", "IT Staff", "Manager", "Sales Agent", "IT Staff"]
REAL_DEPARTMENTS = ["Sales", "Support", "Billing", "Research"]


def shop(path: Path, cities: list[str], companies: str, phones: str, departments: list[str] = REAL_DEPARTMENTS,
         customer_cities: str = "['Calgary', 'Edmonton', 'Red Deer', 'Banff'][i % 4 + 1]") -> Path:
    """8 employees, 4 departments, 120 customers; ``companies``, ``phones`` and ``customer_cities``
    are SQL over ``i``."""
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.executemany("INSERT INTO employee VALUES (?, ?, ?, DATE '2020-01-01' + ?::INTEGER)",
                    [(i, city, title, 30 * i) for i, (city, title) in enumerate(zip(cities, TITLES))])
    con.executemany("INSERT INTO department VALUES (?, ?)", list(enumerate(departments)))
    con.execute(f"""INSERT INTO customer SELECT i, i % 8, CASE WHEN i % 3 = 0 THEN 0 ELSE i % 4 END,
                    CASE WHEN i % 5 = 0 THEN NULL ELSE {companies} END, {phones}, {customer_cities},
                    (i * 37 % 101)::DOUBLE
                    FROM range(120) t(i)""")
    con.close()
    return path


REAL_COMPANIES = "'Acme ' || i || ' Inc.'"
REAL_PHONES = "'+1 (403) ' || (200 + i) || '-' || (1000 + i * 7)"


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    return shop(tmp_path_factory.mktemp("identity") / "real.duckdb", REAL_CITIES, REAL_COMPANIES, REAL_PHONES)


@pytest.fixture(scope="module")
def invented(tmp_path_factory) -> Path:
    """What synth writes: invented cities, companies and phones of the real ones' form."""
    return shop(tmp_path_factory.mktemp("identity") / "invented.duckdb", INVENTED_CITIES,
                "'Brix ' || i || ' Inc.'", "'+1 (587) ' || (300 + i) || '-' || (2000 + i * 7)",
                customer_cities="['Lakeview', 'Rosedale', 'Kingston', 'Westmont'][i % 4 + 1]")


@pytest.fixture(scope="module")
def scored(real, invented) -> dict:
    return evaluate(real, invented).to_dict()


def _shapes(d: dict) -> dict:
    return {(c["table"], c["column"]): c for c in d["column_shapes"]["columns"]}


def test_invented_identities_of_the_real_form_score_high_and_categories_stay_categories(scored):
    shapes = _shapes(scored)
    for key, kind in ((("employee", "city"), "city"), (("customer", "company"), "company"), (("customer", "phone"), "phone")):
        assert shapes[key]["role"] == "identity" and shapes[key]["semantic"] == kind, key
        assert shapes[key]["metric"] == "Length+Pattern+Shape+DistinctRate"
        assert shapes[key]["parts"]["pattern"] == 1.0 and shapes[key]["parts"]["shape"] == 1.0, key
    # the 8 employees' 3 real cities read as a category; as one, the invented cities scored 0
    assert shapes["employee", "city"]["parts"]["distinct"] == pytest.approx(1 - (1 - 3 / 8))
    assert shapes["customer", "company"]["score"] > 0.9
    assert shapes["employee", "title"]["role"] == "categorical" and shapes["employee", "title"]["metric"] == "TVComplement"
    assert scored["column_shapes"]["identity"]["columns"] == ["employee.city", "customer.company", "customer.phone",
                                                              "customer.city"]
    assert "not on category frequencies" in scored["column_shapes"]["identity"]["how"]


def test_an_identity_column_of_another_form_or_without_values_loses_its_score(real, tmp_path):
    dotted = shop(tmp_path / "dotted.duckdb", INVENTED_CITIES, "NULL", "'403.' || (200 + i) || '.' || (1000 + i * 7)")
    shapes = _shapes(evaluate(real, dotted, stages=("column_shapes",)).to_dict())
    assert shapes["customer", "phone"]["parts"]["shape"] == 0.0  # '+1 (403) 201-1007' against '403.201.1007'
    company = shapes["customer", "company"]
    assert company["parts"]["lengths"] == 0.0 and company["missing"] == pytest.approx(1 - (1 - 24 / 120))
    assert company["score"] < 0.4


def test_pairs_and_inter_table_pairs_with_an_identity_column_are_left_out_and_counted(scored):
    pairs = scored["pair_trends"]
    assert not [p for p in pairs["pairs"] if "city" in (p["a"], p["b"])]
    # employee: city (3 values, a category by its count) beside title and hired; customer: city beside spend
    assert sorted(map(tuple, pairs["left_out"]["pairs"])) == [("customer", "city", "spend"), ("employee", "city", "hired"),
                                                              ("employee", "city", "title")]
    assert pairs["left_out"]["count"] == 3 and "no categories to pair" in pairs["left_out"]["reason"]
    between = scored["intertable_trends"]
    assert not [p for p in between["pairs"] if "city" in (p["ancestor_column"], p["child_column"])]
    # customer -> employee: employee's city against customer's city and spend, customer's city against title and hired
    assert sorted(map(tuple, between["left_out"]["pairs"])) == [
        ("customer -> employee", a, c) for a, c in (("city", "city"), ("city", "spend"), ("hired", "city"), ("title", "city"))]


def test_empty_answers_filtering_a_generated_identity_are_counted_apart_from_the_others(real, tmp_path):
    synth = shop(tmp_path / "renamed.duckdb", INVENTED_CITIES, REAL_COMPANIES, REAL_PHONES,
                 ["Selas", "Troppus", "Gnillib", "Hcraeser"])  # invented department names: a real failure
    w = evaluate(real, synth, stages=("workload",)).to_dict()["workload"]
    empty = {r["name"]: r["identity"] for r in w["results"] if r["empty"]}
    assert empty["analyst: filter employee.city = 'Calgary'"] == "employee.city"
    assert empty["analyst: customer -> employee where employee.city = 'Calgary'"] == "employee.city"
    assert empty["analyst: filter department.name = 'Sales'"] == ""
    assert w["empty_on_identity"] == sum(bool(v) for v in empty.values()) >= 2
    assert w["empty_other"] == sum(not v for v in empty.values()) >= 2
    assert w["empty_answers"] == w["empty_on_identity"] + w["empty_other"]
    assert w["identity_not_grouped"] == ["employee.city", "customer.city"]
    assert not {"group employee by city", "group customer by city"} & {r["name"] for r in w["results"]}


def test_detection_reads_an_identity_column_as_text_not_as_category_codes(real):
    d = evaluate(real, real, stages=("detection",)).to_dict()["detection"]
    customer = next(t for t in d["tables"] if t["table"] == "customer")
    # spend, then company, phone and city (4 values, a category by its count) as a length and
    # hashed n-grams each: 3 text blocks, not 2 and a city bin code
    assert customer["features"] > 4 + 2 * WIDTH


def test_a_sidecar_type_text_makes_a_column_a_category_again_and_the_console_says_how(real, invented, tmp_path):
    sidecar = tmp_path / "types.toml"
    sidecar.write_text('[[columns]]\ntable = "employee"\ncolumn = "city"\ntype = "text"\n')
    out = CliRunner().invoke(app, ["evaluate", str(real), str(invented), "--sidecar", str(sidecar), "--json"])
    assert out.exit_code == 0, out.output
    shapes = _shapes(json.loads(out.stdout))
    assert shapes["employee", "city"]["role"] == "categorical" and shapes["customer", "phone"]["role"] == "identity"
    report = tmp_path / "r.html"
    out = CliRunner().invoke(app, ["evaluate", str(real), str(invented), "--report", str(report)])
    assert out.exit_code == 0, out.output
    text = " ".join(re.sub("[│┃]", " ", out.output).split())  # the table's wrapped cells joined
    assert "4 generated identity columns scored on NULLs, lengths" in text
    assert "3 pairs with a generated identity column left out" in text
    assert "2 hops -; 4 pairs with a generated identity column left out" in text
    assert "empty by design" in text
    page = report.read_text()
    assert "Generated identity columns" in page and "pairs with a generated identity column are left out" in page
