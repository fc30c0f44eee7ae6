"""Specs learned from the shop fixture: the regex matches each real value's canonical text, and
the decoded text is accepted by DuckDB in the column's type (no language model involved)."""

import json
import re

import duckdb
import pytest

from amalgam_rel.generation.checks import string_rule
from amalgam_rel.generation.output_types import build_spec, infer_json_schema, schema_regex, dump
from amalgam_rel.generation.sample_db import make_shop
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.types import Kind, parse_type
from amalgam_rel.errors import UnsupportedTypeError


@pytest.fixture(scope="module")
def shop():
    con = duckdb.connect()
    make_shop(con, rows=120)
    return con, read_duckdb(con).table("products")


COLUMNS = ["description", "code", "phone", "email", "grade", "sku", "label", "size", "dims", "tags",
           "scores", "attrs", "meta", "extra", "price"]


@pytest.mark.parametrize("name", COLUMNS)
def test_real_values_round_trip_through_the_spec(shop, name):
    con, table = shop
    col = table.column(name)
    values = [r[0] for r in con.execute(f'SELECT "{name}" FROM products').fetchall()]
    rule = string_rule(table.checks, name) if col.type.kind is Kind.STRING else None
    spec = build_spec(name, col.type, values, string_rule=rule)
    for v in values:
        if v is None:
            continue
        text = spec.encode(v)
        assert re.fullmatch(spec.regex, text), (spec.regex, text)
        back = con.execute(
            f"SELECT CAST(CAST(? AS JSON) AS {spec.type_sql})" if spec.mode == "json" else f"SELECT CAST(? AS {spec.type_sql})",
            [spec.decode(text)],
        ).fetchone()[0]
        if col.type.kind in (Kind.STRUCT, Kind.LIST, Kind.ARRAY, Kind.MAP):
            assert back == v  # nested values survive exactly (dates, UUIDs, enums included)


def test_modes(shop):
    _, table = shop
    modes = {}
    for name in ("grade", "size", "code", "description", "dims"):
        col = table.column(name)
        rule = string_rule(table.checks, name) if col.type.kind is Kind.STRING else None
        modes[name] = build_spec(name, col.type, [], string_rule=rule).mode
    assert modes == {"grade": "choice", "size": "choice", "code": "text", "description": "text", "dims": "json"}


def test_integer_digits_are_bounded_by_the_data():
    spec = build_spec("n", parse_type("STRUCT(n TINYINT)"), [{"n": 5}, {"n": 42}])
    assert re.fullmatch(spec.regex, '{"n":42}') and not re.fullmatch(spec.regex, '{"n":420}')
    assert not re.fullmatch(spec.regex, '{"n":-4}')  # no negative value was seen
    assert not re.fullmatch(spec.regex, '{"n":1e3}')  # never an exponent


def test_list_bounds_and_element_vocabulary():
    spec = build_spec("g", parse_type("VARCHAR[]"), [["Drama"], ["Comedy", "Drama"], ["Drama"], ["Comedy"]])
    assert re.fullmatch(spec.regex, '["Comedy","Drama"]')
    assert not re.fullmatch(spec.regex, '["Comedy","Drama","Drama"]')
    assert not re.fullmatch(spec.regex, '["Horror"]')


def test_map_duplicate_keys_are_refused():
    spec = build_spec("m", parse_type("MAP(VARCHAR, INTEGER)"), [{"a": 1, "b": 2}])
    assert json.loads(spec.decode('[{"key":"a","value":1}]')) == {"a": 1}
    with pytest.raises(ValueError):
        spec.decode('[{"key":"a","value":1},{"key":"a","value":2}]')


def test_json_inference_and_optional_keys():
    docs = [{"a": 1, "b": "x"}, {"a": 2}, {"a": 3, "c": [1, 2]}]
    schema = infer_json_schema(docs)
    assert schema["required"] == ["a"] and list(schema["properties"]) == ["a", "b", "c"]
    regex = schema_regex(schema)
    for d in docs:
        assert re.fullmatch(regex, dump(schema, d))
    assert re.fullmatch(regex, '{"a":1,"c":[3,4]}') and not re.fullmatch(regex, '{"b":"x"}')


def test_mixed_json_types_become_alternatives():
    schema = infer_json_schema([1, "x", None, 2])
    regex = schema_regex(schema)
    assert all(re.fullmatch(regex, t) for t in ("1", '"x"', "null"))


def test_union_is_refused_with_a_clear_error():
    with pytest.raises(UnsupportedTypeError, match="UNION"):
        build_spec("u", parse_type("UNION(a INTEGER, b VARCHAR)"), [])


def test_a_large_repeated_element_vocabulary_is_an_enum():
    # 150 aircraft-like codes, each on many routes, and two one-off codes: a pattern would let
    # the model invent codes ("73Z"); the vocabulary keeps the repeated ones and drops the records
    codes = [f"{i:03d}" if i % 2 else f"A{i:02d}" for i in range(150)]
    lists = [[codes[i % 150], codes[(i * 7 + 1) % 150]] for i in range(1500)] + [["X1"], ["Y22"]]
    spec = build_spec("equipment", parse_type("VARCHAR[]"), lists)
    assert spec.schema["items"]["enum"] == sorted(codes)
    assert re.fullmatch(spec.regex, '["001","A02"]')
    assert not re.fullmatch(spec.regex, '["X1"]') and not re.fullmatch(spec.regex, '["999"]')
    # one-off values, or too few repeats to be a vocabulary, stay a pattern
    assert "enum" not in build_spec("ids", parse_type("VARCHAR[]"), [[f"{i:04d}"] for i in range(500)]).schema["items"]


def test_repeated_elements_are_dropped_where_real_lists_never_repeat_one():
    lists = [["a", "b"], ["b", "c"], ["c"], ["a", "c", "b"]] * 10
    spec = build_spec("tags", parse_type("VARCHAR[]"), lists)
    assert spec.schema["uniqueItems"]
    assert json.loads(spec.decode('["b","a","b","c","a"]')) == ["b", "a", "c"]
    # real lists that repeat an element (or too few lists to tell) keep the model's repeats
    assert "uniqueItems" not in build_spec("t", parse_type("VARCHAR[]"), lists + [["a", "a"]]).schema
    assert "uniqueItems" not in build_spec("t", parse_type("VARCHAR[]"), lists[:8]).schema


def test_free_text_keeps_the_columns_characters():
    from outlines_core import Guide, Index, Vocabulary

    names = ["Ann Lee", "Bob O'Neil", "Åsa Berg", "Carl-Jan", "Dee [b]\tx^y\\z"] * 3
    spec = build_spec("name", parse_type("VARCHAR"), names)
    assert spec.mode == "text" and all(re.fullmatch(spec.regex, n) for n in names)
    for unseen in ("B9b", "Bob!", "Bøb"):  # a digit, a '!', an 'ø': no real name holds them
        assert not re.fullmatch(spec.regex, unseen), unseen
    # outlines (Rust regex) compiles the class with its escapes, and allows exactly its characters
    chars = sorted(set("".join(names)) | set("9!ø"))
    guide = Guide(Index(spec.regex, Vocabulary(0, {c: [i + 1] for i, c in enumerate(chars)})))
    assert sorted(chars[t - 1] for t in guide.get_tokens()) == sorted(set("".join(names)))


def test_a_huge_alphabet_falls_back_to_any_printable_character():
    from amalgam_rel.generation.output_types import MAX_ALPHABET
    from amalgam_rel.generation.patterns import TEXT_CHAR

    values = ["".join(chr(0x4E00 + (7 * i + k) % (MAX_ALPHABET + 100)) for k in range(12)) for i in range(400)]
    assert build_spec("note", parse_type("VARCHAR"), values).regex.startswith(TEXT_CHAR)


def test_a_quote_in_a_json_string_is_spelled_so_the_index_builds_at_once():
    """Issue #21's fuzz run: a JSON column of 20-character strings took outlines_core 2 minutes
    and 7 GB to index while ``\\"`` was the quote's spelling (the token '"' could end the string
    or finish an escape). Quotes are written ``\\u0022`` and round-trip; the index of a
    64-character string over a vocabulary holding '"' and '\\' builds in one pass."""
    from outlines_core import Index, Vocabulary

    schema = infer_json_schema(["'); DROP \"TABLE\" t; --", 'a\\"b'])
    for value in ["'); DROP \"TABLE\" t; --", 'a\\"b']:
        text = dump(schema, value)
        assert '\\"' not in text.replace('\\\\', '')
        assert re.fullmatch(schema_regex(schema), text) and json.loads(text) == value
    alphabet = 'ab"\\u0022[],/'
    vocabulary = Vocabulary(0, {c.encode(): [i + 1] for i, c in enumerate(alphabet)})
    index = Index(schema_regex({"type": "string", "minLength": 64, "maxLength": 64}), vocabulary)
    assert index.get_initial_state() is not None
