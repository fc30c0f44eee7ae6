"""A child column repeating its parent's column is scored as the parent's column is."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from amalgam_rel.evaluation import evaluate

DDL = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, address VARCHAR NOT NULL, country VARCHAR NOT NULL);
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                      bill_address VARCHAR NOT NULL, bill_country VARCHAR NOT NULL, total DOUBLE NOT NULL);
"""


def _database(path: Path, address: str, bill_address: str) -> Path:
    """80 customers with their own address, 8 invoices each repeating it (or ``bill_address``)."""
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.execute(f"INSERT INTO customer SELECT i, {address}, 'country ' || (i % 5) FROM range(80) t(i)")
    con.execute(f"""INSERT INTO invoice SELECT j, c.id, {bill_address}, c.country, (j * 7 % 13)::DOUBLE
                    FROM range(640) t(j) JOIN customer c ON c.id = j % 80""")
    con.close()
    return path


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    return _database(tmp_path_factory.mktemp("copies") / "real.duckdb", "i || ' Elm Street'", "c.address")


def test_a_repeated_address_is_a_generated_identity_like_its_parents_and_a_repeated_country_stays_a_category(real):
    d = evaluate(real, real, stages=("column_shapes",)).to_dict()
    roles = {(c["table"], c["column"]): (c["role"], c["semantic"]) for c in d["column_shapes"]["columns"]}
    # 80 distinct values over 640 invoices would read as a category; they are the customers' addresses,
    # which synth invents (a street address) and the invoices copy
    assert roles["invoice", "bill_address"] == roles["customer", "address"] == ("identity", "street_address")
    assert roles["invoice", "bill_country"] == roles["customer", "country"] == ("categorical", "")


def test_invoices_repeating_real_addresses_are_verbatim_copies_and_invented_ones_are_not(real, tmp_path):
    # customers invented, invoices carrying the real addresses: what a category model of the child does
    leaky = _database(tmp_path / "leaky.duckdb", "i || ' Oak Road'", "(c.id || ' Elm Street')")
    consistent = _database(tmp_path / "consistent.duckdb", "i || ' Oak Road'", "c.address")
    rates = {name: evaluate(real, path, stages=("privacy",)).to_dict()["privacy"]["verbatim_text_rate"]
             for name, path in (("leaky", leaky), ("consistent", consistent))}
    assert rates["consistent"] == 0
    assert rates["leaky"] == pytest.approx(640 / (80 + 640))
