"""Under ``--epsilon`` a column the schema reads as a name, a phone ... is generated only when its
values have that form, tested under the budget (:mod:`amalgam_rel.dp.private_forms`)."""

from __future__ import annotations

import duckdb
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel


def test_a_name_column_holding_codes_is_not_generated_and_its_lengths_are_learned(tmp_path):
    # TPC-H's c_name: read as a person's name from the schema, holding `Customer#000000001`.
    # Faker's names (13 characters or so) had nothing of its shape; tested, it goes to the model
    # and, as free text, to the words (18 characters each). The phones are phones: still Faker's.
    path = tmp_path / "people.duckdb"
    con = duckdb.connect(str(path))
    numbers = ", ".join(f"n{j} INTEGER NOT NULL" for j in range(5))
    con.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, phone VARCHAR NOT NULL, "
                f"age INTEGER NOT NULL, {numbers})")
    con.execute("INSERT INTO customer SELECT i, 'Customer#' || lpad(i::VARCHAR, 9, '0'), "
                "'+1 (780) 428-' || lpad((i % 10000)::VARCHAR, 4, '0'), 20 + i % 50, i % 3, i % 5, i % 7, i % 11, i % 13 "
                "FROM range(1, 3001) t(i)")
    con.close()
    model = DatabaseModel(seed=1, iters=30, epsilon=8.0, epsilon_text="words", privacy_unit="customer").fit(path)
    ledger = model.privacy_
    forms = [e for e in ledger.entries if e.step == "forms"]
    assert len(forms) == 1 and forms[0].rho > 0 and "name not generated" in forms[0].detail
    assert "phone" not in forms[0].detail.split(":")[-1]
    # one column's share for the whole test (8 model columns and the row count: a ninth), of what
    # the text candidates leave (a ninth for them): not one share per tested column
    assert forms[0].rho == pytest.approx(ledger.tables["customer"]["rho"] / 9 * 8 / 9, rel=1e-9)
    assert any(e.step == "text:name" for e in ledger.entries)
    assert ledger.spent == pytest.approx(ledger.rho, rel=1e-9)
    model.sample(tmp_path / "out.duckdb")
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    names = [n for (n,) in con.execute("SELECT name FROM customer").fetchall()]
    con.close()
    assert sum(len(n) == 18 for n in names) >= 0.9 * len(names)
    assert sum("customer" in n for n in names) >= 0.9 * len(names)
