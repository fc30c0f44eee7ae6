"""``sample --where`` (amalgam_rel/pipeline/conditioned.py) on chinook: conditions on a table, on a
child table and on a count of children, and the one-line refusals. The model is the plugin's one
fit of chinook for the session (tests/plugin/test_amalgam_db_example.py uses the same)."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from amalgam_rel.errors import InputError

CHINOOK = "examples/chinook.duckdb"
FIT = {"seed": 0}
GERMANY = "Customer.Country = 'Germany'"


@pytest.fixture
def chinook(amalgam_models, request):
    return amalgam_models.synthesizer(request.config.rootpath / CHINOOK, dict(FIT), None)


def _sample(synth, where, seed=1, rows=None):
    sample = synth.sample(None, scale=0.01, rows=rows or {"Customer": 50}, seed=seed, where=where)
    con = duckdb.connect()
    for name, table in sample.tables.items():
        con.register(name, table)
    return sample, con


def test_fifty_german_customers_with_their_own_histories(chinook):
    sample, con = _sample(chinook, GERMANY)
    assert con.sql('SELECT count(*), count(*) FILTER ("Country" = \'Germany\') FROM "Customer"').fetchone() == (50, 50)
    assert con.sql('SELECT count(*) FROM "Invoice" ANTI JOIN "Customer" USING ("CustomerId")').fetchone()[0] == 0
    assert con.sql('SELECT count(*) FROM "InvoiceLine" ANTI JOIN "Invoice" USING ("InvoiceId")').fetchone()[0] == 0
    assert con.sql('SELECT count(DISTINCT "CustomerId") FROM "Invoice"').fetchone()[0] > 40  # children follow
    (report,) = sample.report.conditions
    assert (report.table, report.asked, report.produced) == ("Customer", 50, 50)
    assert 0 < report.evidence_probability < 0.2 and report.drawn >= 50
    again, _ = _sample(chinook, GERMANY)
    for table in ("Customer", "Invoice", "InvoiceLine"):
        assert again.tables[table].equals(sample.tables[table])


def test_a_condition_on_a_child_table_holds_for_all_its_rows(chinook):
    sample, con = _sample(chinook, "Invoice.InvoiceDate >= DATE '2023-01-01'", rows={"Customer": 10})
    assert con.sql('SELECT min("InvoiceDate") >= DATE \'2023-01-01\', count(*) FROM "Invoice"').fetchone() \
        == (True, sample.rows["Invoice"])
    assert sample.rows["Invoice"] > 0 and sample.report.conditions[0].table == "Invoice"


def test_a_count_of_children_bounds_every_parent(chinook):
    sample, con = _sample(chinook, ["count(Invoice) BETWEEN 7 AND 8", GERMANY.replace("Germany", "France")],
                          rows={"Customer": 12})
    counts = con.sql('SELECT count(i."InvoiceId") FROM "Customer" c LEFT JOIN "Invoice" i USING ("CustomerId") '
                     'GROUP BY c."CustomerId"').fetchall()
    assert len(counts) == 12 and all(7 <= n <= 8 for (n,) in counts)


@pytest.mark.parametrize("where, message", [
    ("Customer.Country = 'Atlantis'", r"^--where .*matches nothing the model of Customer can draw"),
    ("count(InvoiceLine) >= 2 AND Invoice.Total > 1", r"count\(InvoiceLine\) is not supported: InvoiceLine's rows "
                                                      r"are not drawn per Invoice row"),
    ("count(Invoice) > 2 OR Customer.Country = 'France'", r"a count must be its own AND term"),
    ("Employee.Title = 'IT Staff'", r"cannot condition Employee: its rows reference each other"),
    ("Genre.Name = 'Rock'", r"cannot condition Genre: it is copied verbatim"),
    ("Invoice.Total > 10", r"Invoice.Total is the total of its InvoiceLine rows, written once they exist"),
])
def test_what_cannot_be_met_is_refused_in_one_line(chinook, where, message):
    with pytest.raises(InputError, match=message) as err:
        chinook.sample(None, scale=0.01, where=where)
    assert "\n" not in str(err.value)


def test_the_plugin_fixture_takes_the_same_condition(amalgam_db):
    con = amalgam_db(CHINOOK, fit=FIT, scale=0.01, rows={"Customer": 5}, where=GERMANY)
    assert con.sql('SELECT list(DISTINCT "Country"), count(*) FROM "Customer"').fetchone() == (["Germany"], 5)


def test_the_command_line_says_what_the_condition_cost(chinook, tmp_path):
    chinook.save(tmp_path / "model")
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "sample", str(tmp_path / "model"), "-o",
                           str(tmp_path / "out.duckdb"), "--scale", "0.01", "--rows", "Customer=5", "--where", GERMANY],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "--where \"Customer.Country = 'Germany'\": Customer 5 of 5 rows asked match (" in proc.stderr
    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
        assert con.sql('SELECT list(DISTINCT "Country") FROM "Customer"').fetchone()[0] == ["Germany"]
