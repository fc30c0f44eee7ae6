"""A string's leading code that another column of its row decides (issue 24, part 3: TPC-H q22,
a customer's phone starts with its nation's dialling code)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tests.relational.conftest import query, synthesized

from amalgam_rel.relational.prefixes import apply_prefix, find_prefix

DDL = """
CREATE TABLE nation (id INTEGER PRIMARY KEY, region VARCHAR NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, nation_id INTEGER NOT NULL REFERENCES nation (id),
                       phone VARCHAR NOT NULL, balance DOUBLE NOT NULL);
"""


def _customers(seed: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    n_nation, n = 12, 1500
    nation = rng.integers(0, n_nation, n)
    digits = rng.integers(100, 999, (n, 3))
    phone = [f"{k + 10}-{a}-{b}-{c}{c % 10}" for k, (a, b, c) in zip(nation, digits)]
    return {
        "nation": {"id": np.arange(n_nation), "region": np.array(["north", "south", "east"])[np.arange(n_nation) % 3]},
        "customer": {"id": np.arange(1, n + 1), "nation_id": nation, "phone": np.array(phone),
                     "balance": np.round(rng.normal(4000, 3000, n), 2)},
    }


@pytest.fixture(scope="module")
def customers(tmp_path_factory):
    return synthesized(tmp_path_factory.mktemp("prefixes"), DDL, _customers())


def test_a_phones_country_code_follows_the_rows_nation(customers):
    _, model, out = customers
    agree = query(out, "SELECT avg(CASE WHEN split_part(phone, '-', 1) = CAST(nation_id + 10 AS VARCHAR) "
                       "THEN 1.0 ELSE 0.0 END), count(*) FROM customer")[0]
    assert agree[1] > 1000 and agree[0] > 0.99, agree
    rules = model.tables_["customer"].rules.get("prefixes", ())
    assert [(r.column, r.source) for r in rules] == [("phone", "nation_id")]


def test_the_rest_of_the_phone_stays_the_generators(customers):
    real, _, out = customers
    shapes = "SELECT count(*) FROM customer WHERE regexp_matches(phone, '^[0-9]{2}-[0-9]{3}-[0-9]{3}-[0-9]{4}$')"
    assert query(out, shapes)[0][0] > 0.9 * query(real, shapes)[0][0]


def test_the_rule_survives_saving(customers, tmp_path):
    _, model, _ = customers
    model.save(tmp_path / "m")
    again = type(model).load(tmp_path / "m")
    found = model.tables_["customer"].rules.get("prefixes", ())
    assert found and again.tables_["customer"].rules["prefixes"] == found


def test_words_and_undecided_codes_make_no_rule():
    rng = np.random.default_rng(0)
    group = pa.array(rng.integers(0, 5, 400))
    words = pa.array([f"{w} street" for w in np.array(["Elm", "Oak", "Ash", "Yew", "Fir"])[group.to_numpy()]])
    assert find_prefix(words, {"group": group}) is None  # a word, not a code
    codes = pa.array([f"{c}-{i}" for i, c in enumerate(rng.integers(10, 30, 400))])
    assert find_prefix(codes, {"group": group}) is None  # the group does not decide the code
    unique = pa.array(np.arange(400))
    assert find_prefix(codes, {"row": unique}) is None  # a column naming each row decides anything


def test_a_value_never_seen_leaves_the_string_alone():
    found = find_prefix(pa.array(["7-a", "8-b"] * 10), {"k": pa.array([1, 2] * 10)})
    assert apply_prefix(found, pa.array(["9-c", "9-d"]), pa.array([3, 2])).to_pylist() == ["9-c", "8-d"]
