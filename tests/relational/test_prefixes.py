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


def _reference(values: list, sources: dict[str, list]):
    """The rule row by row in Python, as :func:`find_prefix` first counted it: (source, separator, mapping)."""
    from collections import Counter

    from amalgam_rel.relational.prefixes import MAX_SOURCE_VALUES, MIN_DECIDED, MIN_ROWS_PER_VALUE, MIN_SHAPED, split

    parts = [split(v) for v in values]
    shaped = [p is not None for p in parts]
    if sum(shaped) < 10 or sum(shaped) < MIN_SHAPED * sum(v is not None for v in values) \
            or len({p[0] for p in parts if p}) < 2:
        return None
    separator = Counter(p[1] for p in parts if p).most_common(1)[0][0]
    best = None
    for name in sorted(sources):
        rows = [(str(s), p[0]) for s, p in zip(sources[name], parts) if p and s is not None]
        by_value: dict = {}
        for (value, code), n in sorted(Counter(rows).items()):
            if n > by_value.get(value, (0, ""))[0]:
                by_value[value] = (n, code)
        if len(by_value) < 2 or len(by_value) > MAX_SOURCE_VALUES or len(rows) < MIN_ROWS_PER_VALUE * len(by_value):
            continue
        decided = sum(n for n, _ in by_value.values()) / len(rows)
        if decided >= MIN_DECIDED and len({c for _, c in by_value.values()}) >= 2:
            key = (-decided, len(by_value), name)
            if best is None or key < best[0]:
                best = (key, (name, separator, {k: c for k, (_, c) in by_value.items()}))
    return best and best[1]


def test_counted_in_arrow_as_row_by_row_in_python():
    """Ties (a value's two codes equally often, two separators equally often), odd separators,
    NULLs, codes too long or without a character after them, integer and text sources."""
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(150):
        n, k = int(rng.choice([40, 300])), int(rng.integers(1, 8))
        pool = ["+1", "25", "AB", "Z9", "7"][: int(rng.integers(1, 6))]
        code_of = {s: pool[int(rng.integers(len(pool)))] for s in range(k + 1)}
        source = [int(s) if rng.random() > 0.03 else None for s in rng.integers(0, k + 1, n)]
        noise = float(rng.choice([0.0, 0.01, 0.3]))
        values = [None if rng.random() < 0.02 else
                  (code_of.get(s) if s is not None and rng.random() > noise else pool[int(rng.integers(len(pool)))])
                  + str(rng.choice(["-", " ", "\n", "é", "_", "😀"])) + ("x" if rng.random() > 0.02 else "") for s in source]
        sources = {"a": source, "b": [None if s is None else f"g{s % 3}" for s in source]}
        rule = find_prefix(pa.array(values), {"a": pa.array(source), "b": pa.array(sources["b"])})
        expected = _reference(values, sources)
        got = rule and (rule.source, rule.separator, dict(zip(rule.keys, rule.prefixes)))
        assert got == expected
        found += rule is not None
    assert found > 20  # the cases do find rules, not only refusals
