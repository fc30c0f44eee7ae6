"""JSON schemas for the language model's ``json`` mode: learned from a DuckDB type and the data
(:func:`type_schema`) or from real JSON documents (:func:`infer_json_schema`), compiled into a
regex (:func:`schema_regex`), and values written as the canonical JSON text the model learns
(:func:`dump`) and read back into what DuckDB casts (:func:`to_duckdb_json`).

outlines_core's own schema compiler ignores integer bounds and lets numbers take exponents, so
the regex is compiled here (digits bounded, no exponent, no whitespace).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid
from collections import Counter
from typing import Any

from amalgam_rel.errors import UnsupportedTypeError
from amalgam_rel.generation.frequent import MIN_COUNT
from amalgam_rel.generation.patterns import escape_literal, is_key_like, learn_pattern
from amalgam_rel.generation.text_limits import MAX_TEXT_CHARS, clean_text
from amalgam_rel.schema.types import Kind, SqlType


# One character inside a JSON string, as outlines_core writes it: no raw quotes, backslashes or
# control characters; the short escapes only (json.loads reads them all), and a quote spelled
# \u0022, never \": with the token '"' both a possible end of the string and the second half of
# an escape, outlines_core's index build doubles its time with every character of a fixed-length
# string (20 characters: 2 minutes and 7 GB; issue #21's fuzz run). See ``json_string``.
JSON_CHAR = r'([^"\\\x00-\x1F\x7F-\x9F\uFFFD]|\\[\\/bfnrt]|\\u0022)'
MAX_ENUM_STRINGS = 64  # a nested string column with at most this many repeated values is an enum
# ... of the values at least this many times seen: a value one row alone holds is a record, and
# the enum is saved with the model (issue #21: no string of a single real row in a saved model)
MIN_ENUM_COUNT = 2
# A larger vocabulary is an enum too when values shared by MIN_COUNT occurrences cover almost
# every occurrence (168 aircraft codes in 93,000 route equipment lists): a learned pattern lets
# the model invent codes and spreads its mass over them; the rare rest is left out, being records
MAX_VOCABULARY = 256
MAX_VOCABULARY_CHARS = 4096  # the alternation stays a small automaton
MIN_VOCABULARY_COVERAGE = 0.95
MIN_UNIQUE_EVIDENCE = 20  # lists of 2+ elements, none repeating one, before repeats are dropped
MAX_JSON_KEYS = 32
MAX_LIST_ITEMS = 32

# years 1000-9999: DuckDB reads year 0 as 1 BC, which it hands to Python as text, not a date
_DATE = r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_TZ = r"([+-][0-9]{2}(:[0-9]{2})?)?"
_LEAF_PATTERNS = {
    Kind.DATE: _DATE,
    Kind.TIME: _TIME + _TZ,
    Kind.TIMESTAMP: _DATE + " " + _TIME + _TZ,
    Kind.UUID: r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    Kind.INTERVAL: r"[0-9]{1,5} days [0-9]{1,5} seconds",
    Kind.BLOB: r"[0-9a-f]{0,32}",  # the hex spelling of the bytes: valid, if not the real bytes
}



def type_schema(t: SqlType, values: list) -> dict:
    """A JSON schema for values of ``t``; lengths, digits and enums are learned from ``values``."""
    present = [v for v in values if v is not None]
    schema = _type_schema(t, present)
    return {"anyOf": [schema, {"type": "null"}]} if len(present) < len(values) else schema


def _type_schema(t: SqlType, values: list) -> dict:
    k = t.kind
    if k is Kind.STRUCT:
        props = {name: type_schema(ft, [v.get(name) for v in values]) for name, ft in t.fields}
        return {"type": "object", "properties": props, "required": list(props)}
    if k in (Kind.LIST, Kind.ARRAY):
        items = [x for v in values for x in v]
        schema = {"type": "array", "items": type_schema(t.element, items)}
        if k is Kind.ARRAY:
            return schema | {"minItems": t.size, "maxItems": t.size}
        return schema | _item_bounds([len(v) for v in values]) | _unique_items(values)
    if k is Kind.MAP:
        if t.key.is_nested:
            raise UnsupportedTypeError(f"MAP keys of type {t.key.sql()} cannot be generated")
        keys = [x for v in values for x in v]
        entry = {"type": "object", "required": ["key", "value"], "properties": {
            "key": _type_schema(t.key, keys), "value": type_schema(t.value, [x for v in values for x in v.values()])}}
        return {"type": "array", "x-map": True, "items": entry} | _item_bounds([len(v) for v in values])
    if k is Kind.ENUM:
        return {"enum": list(t.labels)}
    if k is Kind.BOOLEAN:
        return {"type": "boolean"}
    if k is Kind.INTEGER:
        lo, hi = t.integer_range or (-(10**18), 10**18)
        return {"type": "integer", "minimum": lo, "maximum": hi} | _digit_bounds(values, lo < 0)
    if k is Kind.FLOAT:
        return {"type": "number"} | _digit_bounds(values, True, fraction=6)
    if k is Kind.DECIMAL:
        bound = _digit_bounds(values, True, fraction=t.scale)
        bound["x-digits"] = max(1, min(bound["x-digits"], t.precision - t.scale))
        return {"type": "number"} | bound
    if k is Kind.STRING:
        return _string_schema([str(v) for v in values], t.length)
    if k is Kind.JSON:
        return infer_json_schema([json.loads(v) if isinstance(v, str) else v for v in values])
    if k is Kind.BIT:
        return {"type": "string", "pattern": "[01]{1,%d}" % max([len(str(v)) for v in values] or [8])}
    if k in _LEAF_PATTERNS:
        return {"type": "string", "pattern": _LEAF_PATTERNS[k], "x-kind": k.value}
    raise UnsupportedTypeError(f"the type {t.sql()} cannot be generated by the language model")


def _item_bounds(lengths: list[int]) -> dict:
    if not lengths:
        return {"minItems": 0, "maxItems": 3}
    return {"minItems": min(lengths), "maxItems": max(1, min(max(lengths), MAX_LIST_ITEMS))}


def _unique_items(lists: list) -> dict:
    """``uniqueItems`` when no real list repeats an element, and enough lists could have.

    A compact model repeats itself (``["738","738"]`` in 6 % of generated equipment lists, none
    real). A regex cannot forbid it: such draws are redrawn during the first half of the
    attempts (``elements.has_repeats``), and decoding drops the repeats of later ones. Refusing
    them outright left rows that asked for long lists with no valid draw at all.
    """
    longer = [v for v in lists if len(v) > 1]
    if len(longer) < MIN_UNIQUE_EVIDENCE:
        return {}
    if any(len({_hashable_item(x) for x in v}) < len(v) for v in longer):
        return {}
    return {"uniqueItems": True}


def _hashable_item(x: Any) -> str:
    return json.dumps(x, sort_keys=True, default=str)


def _first_of_each(items: list) -> list:
    kept: dict[str, Any] = {}
    for x in items:
        kept.setdefault(_hashable_item(x), x)
    return list(kept.values())


def _digit_bounds(values: list, signed: bool, fraction: int = 0) -> dict:
    nums = [float(v) for v in values if not isinstance(v, bool)]
    nums = [v for v in nums if math.isfinite(v)]
    top = max((abs(v) for v in nums), default=999.0)
    digits = max(1, len(str(int(top))))
    return {"x-digits": digits, "x-negative": signed and any(v < 0 for v in nums), "x-fraction": fraction}


def _string_schema(values: list[str], max_length: int | None) -> dict:
    values = [clean_text(v) for v in values]
    counts = Counter(values)
    if values and len(counts) <= MAX_ENUM_STRINGS and len(counts) <= 0.5 * len(values):
        # categories (genres, codes): keep the vocabulary, without the values a single row holds
        return {"type": "string", "enum": sorted(v for v, n in counts.items() if n >= MIN_ENUM_COUNT)}
    vocabulary = sorted(v for v, n in counts.items() if n >= MIN_COUNT)
    if (vocabulary and len(vocabulary) <= MAX_VOCABULARY and sum(map(len, vocabulary)) <= MAX_VOCABULARY_CHARS
            and sum(counts[v] for v in vocabulary) >= MIN_VOCABULARY_COVERAGE * len(values)):
        return {"type": "string", "enum": vocabulary}
    if is_key_like(values) and not any('"' in v or "\\" in v for v in values):
        return {"type": "string", "pattern": learn_pattern(values)}
    lengths = [len(v) for v in values] or [0, 16]
    hi = min(x for x in (max(lengths), max_length, 256) if x is not None)
    return {"type": "string", "minLength": min(min(lengths), hi), "maxLength": hi}


def infer_json_schema(docs: list, depth: int = 0) -> dict:
    """A JSON schema covering ``docs``: keys seen (required when always there), types, lengths.

    >>> infer_json_schema([{"a": 1, "b": "x"}, {"a": 2}])["required"]
    ['a']
    """
    by_type: dict[str, list] = {}
    for d in docs:
        by_type.setdefault(_json_type(d), []).append(d)
    if not by_type:
        return {"type": "string", "minLength": 0, "maxLength": 16}
    alternatives = [_infer_one(kind, vals, depth) for kind, vals in sorted(by_type.items(), key=lambda kv: -len(kv[1]))]
    return alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _infer_one(kind: str, vals: list, depth: int) -> dict:
    if kind == "object":
        if depth >= 4:
            return {"type": "object", "properties": {}, "required": []}
        counts = Counter(k for v in vals for k in v)
        keys = [k for k, _ in counts.most_common(MAX_JSON_KEYS)]
        order = {k: i for i, k in enumerate(dict.fromkeys(k for v in vals for k in v))}
        keys.sort(key=order.__getitem__)  # first-seen order reads like the real documents
        props = {k: infer_json_schema([v[k] for v in vals if k in v], depth + 1) for k in keys}
        return {"type": "object", "properties": props, "required": [k for k in keys if counts[k] == len(vals)]}
    if kind == "array":
        items = [x for v in vals for x in v]
        return {"type": "array", "items": infer_json_schema(items, depth + 1)} | _item_bounds([len(v) for v in vals])
    if kind == "integer":
        return {"type": "integer"} | _digit_bounds(vals, True)
    if kind == "number":
        return {"type": "number"} | _digit_bounds(vals, True, fraction=_fraction_digits(vals))
    if kind == "string":
        return _string_schema(vals, None)
    return {"type": kind}


def _fraction_digits(vals: list[float]) -> int:
    return max(1, min(6, max((len(repr(v).split(".")[-1]) for v in vals if "e" not in repr(v)), default=2)))


# ---------------------------------------------------------------------------------------------
# Schema -> regex, and values <-> canonical JSON text


def schema_regex(s: dict) -> str:
    """The regex of the compact JSON texts ``dump`` writes for ``s`` (no whitespace)."""
    if "anyOf" in s:
        return "(" + "|".join(schema_regex(x) for x in s["anyOf"]) + ")"
    if "enum" in s:
        return "(" + "|".join(escape_literal(json.dumps(v, ensure_ascii=False)) for v in s["enum"]) + ")"
    kind = s["type"]
    if kind == "object":
        return _object_regex([(k, schema_regex(v), k in s["required"]) for k, v in s["properties"].items()])
    if kind == "array":
        item, lo, hi = schema_regex(s["items"]), s.get("minItems", 0), s.get("maxItems", MAX_LIST_ITEMS)
        if hi == 0:
            return r"\[\]"
        if lo == 0:
            return rf"\[({item}(,{item}){{0,{hi - 1}}})?\]"
        return rf"\[{item}(,{item}){{{lo - 1},{hi - 1}}}\]"
    if kind == "string":
        if "pattern" in s:
            return f'"{s["pattern"]}"'
        return f'"{JSON_CHAR}{{{s.get("minLength", 0)},{s.get("maxLength", 64)}}}"'
    if kind in ("integer", "number"):
        sign = "-?" if s.get("x-negative", True) else ""
        digits = s.get("x-digits", 6)
        whole = "(0|[1-9])" if digits == 1 else f"(0|[1-9][0-9]{{0,{digits - 1}}})"
        frac = s.get("x-fraction", 0) if kind == "number" else 0
        return sign + whole + (rf"(\.[0-9]{{1,{frac}}})?" if frac else "")
    if kind == "boolean":
        return "(true|false)"
    if kind == "null":
        return "null"
    raise UnsupportedTypeError(f"JSON schema type {kind!r} is not supported")


def _object_regex(props: list[tuple[str, str, bool]]) -> str:
    """``{...}`` with required keys always and optional keys maybe, commas only between pairs."""

    def rest(i: int, first: bool) -> str:
        if i == len(props):
            return ""
        key, value, required = props[i]
        pair = ("" if first else ",") + escape_literal(json.dumps(key, ensure_ascii=False)) + ":" + value
        if required:
            return pair + rest(i + 1, False)
        return f"({pair}{rest(i + 1, False)}|{rest(i + 1, first)})" if first else f"({pair})?" + rest(i + 1, False)

    return r"\{" + rest(0, True) + r"\}"


def json_string(text: str) -> str:
    """``text`` as a JSON string the way :data:`JSON_CHAR` spells it: a quote is ``\\u0022``.

    >>> json_string('say "hi"')
    '"say \\\\u0022hi\\\\u0022"'
    >>> json.loads(json_string('a\\\\"b')) == 'a\\\\"b'
    True
    """
    return '"' + "\\u0022".join(json.dumps(part, ensure_ascii=False)[1:-1] for part in text.split('"')) + '"'


def dump(s: dict, v: Any) -> str:
    """The canonical compact JSON of ``v`` under schema ``s`` (what ``schema_regex`` matches)."""
    if "anyOf" in s:
        return dump(_branch(s["anyOf"], v), v)
    if "enum" in s:
        return json.dumps(v, ensure_ascii=False)
    kind = s.get("type")
    if kind in ("object", "array") and not isinstance(v, dict | list | tuple):
        # a JSON document of another kind than its schema's first (a string among objects):
        # written as it is; the value's validator judges it
        return json.dumps(v, ensure_ascii=False, default=str)
    if kind == "object":
        pairs = [json.dumps(k, ensure_ascii=False) + ":" + dump(sub, v[k]) for k, sub in s["properties"].items() if k in v]
        return "{" + ",".join(pairs) + "}"
    if kind == "array":
        items = list(v.items()) if s.get("x-map") else list(v)
        items = items[: s.get("maxItems", MAX_LIST_ITEMS)]
        if s.get("x-map"):
            items = [{"key": a, "value": b} for a, b in items]
        return "[" + ",".join(dump(s["items"], x) for x in items) + "]"
    if kind == "string":
        text = _leaf_text(v, s.get("x-kind"))
        return json_string(clean_text(text)[: s.get("maxLength", MAX_TEXT_CHARS)])
    if kind == "integer":
        return str(int(v))
    if kind == "number":
        text = f"{float(v):.{s.get('x-fraction', 6)}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if kind == "boolean":
        return "true" if v else "false"
    return "null"


def _branch(options: list[dict], v: Any) -> dict:
    """The alternative of an ``anyOf`` that ``v`` belongs to (DuckDB's Python values included)."""
    want = "number" if isinstance(v, decimal.Decimal) else _json_type(v)
    if want == "object" and not isinstance(v, dict):
        want = "string"  # dates, UUIDs, bytes, intervals: written as strings
    for o in options:
        if "enum" in o:
            if v in o["enum"]:
                return o
        elif "anyOf" in o and _branch(o["anyOf"], v).get("type") == want:
            return o  # a union nested in a union (JSON[] beside other kinds)
        elif o.get("type") == want or (o.get("type") == "number" and want == "integer"):
            return o
    return options[0]


def _leaf_text(v: Any, kind: str | None) -> str:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return f"{v.days} days {v.seconds} seconds"
    if isinstance(v, bytes | bytearray):
        return bytes(v).hex()[:32]
    if isinstance(v, uuid.UUID | decimal.Decimal):
        return str(v)
    return str(v)


def to_duckdb_json(s: dict, v: Any) -> Any:
    """A parsed generated document -> what DuckDB's JSON cast reads (MAP entries -> object)."""
    if "anyOf" in s:
        return None if v is None else to_duckdb_json(_branch([o for o in s["anyOf"] if o.get("type") != "null"] or s["anyOf"], v), v)
    kind = s.get("type")
    if kind == "object" and isinstance(v, dict):
        return {k: to_duckdb_json(s["properties"][k], x) if k in s["properties"] else x for k, x in v.items()}
    if kind == "array" and isinstance(v, list):
        if s.get("uniqueItems"):
            v = _first_of_each(v)
        if not s.get("x-map"):
            return [to_duckdb_json(s["items"], x) for x in v]
        out: dict[str, Any] = {}
        for entry in v:
            key = entry["key"] if isinstance(entry["key"], str) else json.dumps(entry["key"])
            if key in out:
                raise ValueError(f"duplicate MAP key {key!r}")
            out[key] = to_duckdb_json(s["items"]["properties"]["value"], entry["value"])
        return out
    return v
