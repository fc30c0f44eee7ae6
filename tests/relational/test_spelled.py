"""Text columns spelling an integer of their row stay spelled (:mod:`amalgam_rel.relational.spelled`)."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.spelled import Spelled, find_spelled

from .conftest import ITERS, create, synthesized

DDL = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL UNIQUE, grade VARCHAR NOT NULL);
CREATE TABLE sale (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                   number VARCHAR NOT NULL, ref VARCHAR, lucky VARCHAR NOT NULL);
"""


@pytest.fixture(scope="module")
def sales(tmp_path_factory):
    rng = np.random.default_rng(0)
    n_c, n_s = 150, 600
    customer_id = rng.integers(0, n_c, n_s)
    ref = np.array([f"CUST{c}/X" for c in customer_id], dtype=object)
    ref[rng.random(n_s) < 0.1] = None
    path, model, out = synthesized(tmp_path_factory.mktemp("spelled"), DDL, {
        "customer": {"id": np.arange(n_c), "code": np.array([f"C-{i:05d}" for i in range(n_c)], dtype=object),
                     "grade": rng.choice(["a", "b", "c"], n_c)},
        # lucky holds digits that spell nothing of its row
        "sale": {"id": np.arange(1000, 1000 + n_s), "customer_id": customer_id,
                 "number": np.array([f"SO{1000 + i}" for i in range(n_s)], dtype=object), "ref": ref,
                 "lucky": np.array([f"L{v}" for v in rng.integers(0, 99, n_s)], dtype=object)}})
    return model, out, path


def test_spelled_columns_are_found_and_leave_the_models(sales):
    model, _, _ = sales
    assert model.tables_["customer"].rules["spelled"] == (Spelled("code", "id", "C-", "", 5),)
    sale = model.tables_["sale"]
    assert [(s.column, s.source, s.prefix, s.suffix, s.width) for s in sale.rules["spelled"]] == [
        ("number", "id", "SO", "", 0), ("ref", "customer_id", "CUST", "/X", 0)]
    assert 0.05 < sale.rules["spelled"][1].null_share < 0.15
    assert not {"code", "number", "ref"} & set(model.tables_["customer"].text_columns + sale.text_columns)
    assert "lucky" not in {s.column for s in sale.rules["spelled"]}


def test_every_synthetic_row_spells_its_integer(sales, tmp_path):
    model, out, _ = sales
    queries = {
        "SELECT count(*), count(*) FILTER (WHERE code = 'C-' || lpad(id::VARCHAR, 5, '0')) FROM customer": None,
        "SELECT count(*), count(*) FILTER (WHERE number = 'SO' || id::VARCHAR) FROM sale": None,
        "SELECT count(ref), count(*) FILTER (WHERE ref = 'CUST' || customer_id::VARCHAR || '/X') FROM sale": None,
    }
    for path in (out, _resampled(model, tmp_path)):
        con = duckdb.connect(str(path), read_only=True)
        for q in queries:
            rows, kept = con.execute(q).fetchone()
            assert rows > 0 and kept == rows, q
        assert 0.03 < con.execute("SELECT avg((ref IS NULL)::INT) FROM sale").fetchone()[0] < 0.2


def _resampled(model, tmp_path):
    model.save(tmp_path / "model")
    DatabaseModel.load(tmp_path / "model").sample(tmp_path / "again.duckdb")
    return tmp_path / "again.duckdb"


def test_padding_is_read_off_the_values_and_exceptions_above_the_bar_refuse():
    ids = list(range(5, 65))
    padded = pa.table({"id": ids, "name": [f"Supplier#{i:09d}" for i in ids]})
    assert find_spelled(padded, ["name"], ["id"])[0].width == 9
    # every value as wide as the padding: unpadded and padded read alike, the unpadded form wins
    wide = pa.table({"id": list(range(10, 70)), "name": [f"N{i}" for i in range(10, 70)]})
    assert find_spelled(wide, ["name"], ["id"])[0].width == 0
    broken = pa.table({"id": ids, "name": [f"S{i}" if i % 10 else "S?" for i in ids]})  # 10 % do not spell it
    assert find_spelled(broken, ["name"], ["id"]) == ()


def test_the_user_is_told_which_columns_are_computed(sales, tmp_path):
    model, _, path = sales
    assert ("sale.number", "id spelled 'SO'#''") in model.computed_columns()
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "fit", str(path), "-o", str(tmp_path / "m")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("computed from other columns, not drawn: "))
    assert "customer.code = id spelled 'C-'#####''" in line and "sale.ref = customer_id spelled 'CUST'#'/X'" in line


LETTERS = ["R", "F", "W", "D"]


def _half_spelled(tmp_path, nullable: bool):
    """``code`` spells ``num`` where it is set and holds a letter code where it is NULL (a race
    result: the finishing place, or 'R'etired, 'F'ailed to qualify, ...)."""
    rng = np.random.default_rng(5)
    n = 400
    num = rng.integers(1, 36, n)
    unset = rng.random(n) < 0.45
    code = np.where(unset, rng.choice(LETTERS, n, p=[0.64, 0.16, 0.1, 0.1]), num.astype(str)).astype(object)
    ddl = f"CREATE TABLE result (id INTEGER PRIMARY KEY, code VARCHAR{'' if nullable else ' NOT NULL'}, num INTEGER);"
    return synthesized(tmp_path, ddl, {"result": {"id": np.arange(n), "code": code, "num": pa.array(num, mask=unset)}})


@pytest.mark.parametrize("nullable", [False, True], ids=["not-null", "nullable"])
def test_a_code_that_spells_a_number_only_where_it_is_set_keeps_its_own_values_elsewhere(tmp_path, nullable):
    # NOT NULL: the rows without a number were written NULL ('NOT NULL constraint failed'); nullable: they lost their letters
    _, model, out = _half_spelled(tmp_path, nullable)
    rule, = model.tables_["result"].rules["spelled"]
    assert (rule.source, rule.only_where_set) == ("num", True)
    con = duckdb.connect(str(out), read_only=True)
    with_number, spelled, without, lettered = con.execute(
        "SELECT count(num), count(*) FILTER (WHERE code = num::VARCHAR), count(*) FILTER (WHERE num IS NULL),"
        f" count(*) FILTER (WHERE num IS NULL AND code IN {tuple(LETTERS)}) FROM result").fetchone()
    assert with_number > 0 and spelled == with_number
    assert without > 0 and lettered == without  # the column's own model, given a NULL number, draws the letters
    assert 0.45 < con.execute("SELECT avg((code = 'R')::INT) FROM result WHERE num IS NULL").fetchone()[0] < 0.85
    again = duckdb.connect(str(_resampled(model, tmp_path)), read_only=True)  # a saved model keeps the rule's kind
    assert again.execute("SELECT count(*) FILTER (WHERE code IS NULL OR code <> num::VARCHAR AND num IS NOT NULL)"
                         " FROM result").fetchone() == (0,)


def test_a_half_spelled_column_of_free_text_is_written_over_its_language_model_text(tmp_path):
    """Too many distinct values for a category: the language model writes the column, and the
    spelling then overwrites the rows with a number (after the text exists)."""
    rng = np.random.default_rng(8)
    n = 400
    num = rng.permutation(np.arange(1000, 9000))[:n]
    unset = rng.random(n) < 0.3
    code = np.where(unset, rng.choice(["walk-in", "phone", "fax"], n), [f"SO-{v}" for v in num]).astype(object)
    path = create(tmp_path / "real.duckdb", "CREATE TABLE sale (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL, num INTEGER);",
                  {"sale": {"id": np.arange(n), "code": code, "num": pa.array(num, mask=unset)}})
    model = DatabaseModel(seed=0, iters=ITERS, text_steps=40, text_values=50).fit(path)
    out = tmp_path / "synth.duckdb"
    model.sample(out)
    rule, = model.tables_["sale"].rules["spelled"]
    assert rule.only_where_set and "code" in model.tables_["sale"].text_columns
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(num), count(*) FILTER (WHERE code = 'SO-' || num::VARCHAR), count(*) - count(code)"
                       " FROM sale").fetchone() in [(k, k, 0) for k in range(1, n + 1)]
