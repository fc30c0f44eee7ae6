import duckdb
import pytest
import sqlglot

from amalgam_rel.generation.checks import Validator, string_rule
from amalgam_rel.generation.output_types import build_spec
from amalgam_rel.generation.sample_db import make_shop
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.types import Kind, SqlType


def rule(text, column="x"):
    return string_rule([sqlglot.parse_one(text, dialect="duckdb")], column)


def test_check_to_rule():
    assert rule("x IN ('a', 'b')").choices == ("a", "b")
    assert rule("x LIKE 'A%'").like == "A%"
    assert rule("regexp_matches(x, '^[A-Z]{3}$')").regex == "[A-Z]{3}"
    r = rule("length(x) BETWEEN 2 AND 5")
    assert (r.min_length, r.max_length) == (2, 5)
    r = rule("length(x) > 1 AND length(x) < 9 AND y > 0")
    assert (r.min_length, r.max_length) == (2, 8)
    assert rule("x NOT LIKE 'A%'").like is None  # not expressible: left to DuckDB
    assert rule("y IN ('a')").choices == ()  # another column's check


@pytest.fixture(scope="module")
def table():
    con = duckdb.connect()
    make_shop(con, rows=40)
    return read_duckdb(con).table("products")


def validator(table, name, values, sql_type=None):
    spec = build_spec(name, sql_type or table.column(name).type, values)
    context = {c.name: c.type for c in table.columns if c.name in ("price", "label")}
    return Validator(table, spec, context)


def test_struct_check_and_strict_cast(table):
    v = validator(table, "dims", [{"w": 5, "h": 5, "unit": "cm"}])
    ok, values = v.check(['{"w": 3, "h": 4, "unit": "cm"}', '{"w": 0, "h": 4, "unit": "cm"}',
                          '{"w": 3, "h": 4}', '{"w": 99999999999, "h": 4, "unit": "cm"}'])
    assert ok == [True, False, False, False]  # CHECK w > 0; missing field; INTEGER overflow
    assert values[0] == {"w": 3, "h": 4, "unit": "cm"}


def test_varchar_length_is_enforced_although_duckdb_does_not(table):
    # DuckDB's catalog forgets VARCHAR(8); a DDL-read schema keeps it, and then it must hold
    v = validator(table, "code", ["P-0001A"], SqlType("VARCHAR", Kind.STRING, length=8))
    ok, _ = v.check(["P-1234A", "P-123456789", "Q-1234A"])
    assert ok == [True, False, False]  # VARCHAR(8), LIKE 'P-%'


def test_checks_across_columns_use_the_row_context(table):
    v = validator(table, "label", ["small"])
    ok, _ = v.check(["ab", "abcd", "abc"], {"price": [5000, 5000, 5]})
    # length BETWEEN 3 AND 12, and price < 1000 OR length(label) > 3
    assert ok == [False, True, True]


def test_invalid_dates_inside_structs_fail_alone(table):
    v = validator(table, "extra", [])
    good = ('{"made": "2023-02-28", "seen": "2024-01-01 10:00:00", "uid": "e2a5c2a4-5f0e-4f7b-9a1e-1c2d3e4f5a6b",'
            ' "ratio": 0.5, "small": 3, "ok": true, "lvl": "x"}')
    ok, _ = v.check([good, good.replace("02-28", "02-30"), good.replace('"x"', '"z"')])
    assert ok == [True, False, False]
