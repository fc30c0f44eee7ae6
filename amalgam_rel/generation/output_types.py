"""DuckDB type -> the output type that constrains the language model.

Every column the language model fills gets an :class:`OutputSpec`:

* ``text``: a top-level VARCHAR of free text or a key-like string (a regex: learned pattern,
  CHECK-derived pattern, or any printable text with the length range of the data / VARCHAR(n)),
* ``choice``: an ENUM, or a VARCHAR whose CHECK is ``IN (...)``,
* ``json``: everything else, as compact JSON following a JSON schema learned from the type and
  the data (STRUCT -> object with typed required fields, LIST/ARRAY -> array with learned length
  bounds, MAP -> array of key/value objects, JSON -> schema inferred from the real documents).

The JSON schemas and their regexes are :mod:`.json_schema`'s; DuckDB still has the last word
(see :mod:`.checks`).

>>> from amalgam_rel.schema.types import parse_type
>>> s = build_spec("tags", parse_type("VARCHAR[]"), [["a", "b"], ["b"], ["a"], []])
>>> s.mode, s.regex
('json', '\\\\[(("a"|"b")(,("a"|"b")){0,1})?\\\\]')
>>> s.encode(["b", "a"]), s.decode('["a"]')
('["b","a"]', '["a"]')
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.errors import UnsupportedTypeError
from amalgam_rel.generation.json_schema import dump, infer_json_schema, schema_regex, to_duckdb_json, type_schema
from amalgam_rel.generation.patterns import TEXT_CHAR, char_class, escape_literal, is_key_like, learn_pattern, like_regex
from amalgam_rel.generation.text_limits import MAX_TEXT_CHARS, clean_text
from amalgam_rel.schema import sql
from amalgam_rel.schema.types import Kind, SqlType

Mode = Literal["text", "choice", "json"]
MAX_ALPHABET = 512  # distinct characters beyond which free text may hold any printable one


@dataclass(frozen=True)
class OutputSpec:
    """How one column is generated: the constraint, and text <-> value conversions."""

    column: str
    type_sql: str
    mode: Mode
    regex: str | None  # None: no pattern was learned (choice mode has its choices)
    schema: dict | None = None  # json mode: the learned JSON schema (x-* keys are ours)
    choices: tuple[str, ...] = ()
    key_like: bool = False
    max_length: int | None = None  # VARCHAR(n) / CHECK length: DuckDB does not enforce VARCHAR(n)
    min_length: int = 0  # from CHECK only
    notes: tuple[str, ...] = field(default=())

    def output_type(self):
        """The outlines output type: a Choice, or a regex (JSON schemas are compiled here)."""
        from outlines import types

        if self.mode == "choice":
            return types.Choice(list(self.choices))
        if self.regex is None:  # outlines would take None for the pattern "None" and write it everywhere
            raise ValueError(f"column {self.column!r}: no regex to constrain its values")
        return types.regex(self.regex)

    def encode(self, value: Any) -> str:
        """The canonical text of a real value: what the model is trained to write."""
        if self.mode != "json":
            return clean_text(str(value))[:MAX_TEXT_CHARS]
        if self.type_sql == "JSON" and isinstance(value, str):
            value = json.loads(value)
        return dump(self.schema, value)

    def decode(self, text: str) -> str:
        """Generated text -> the string DuckDB casts to the column type (JSON text in json mode).

        Raises ValueError when the text is not a value (cut short, duplicate MAP keys, or cut
        inside a multi-byte character: the U+FFFD that leaves is never real text, see clean_text).
        """
        if "\ufffd" in text and self.mode != "choice":  # (an ENUM label is the schema's, whatever it holds)
            raise ValueError("the text ends inside a character")
        if self.mode != "json":
            return text
        return json.dumps(to_duckdb_json(self.schema, json.loads(text)), ensure_ascii=False)

    def to_dict(self) -> dict:
        return {
            "column": self.column, "type_sql": self.type_sql, "mode": self.mode, "regex": self.regex,
            "schema": self.schema, "choices": list(self.choices), "key_like": self.key_like,
            "max_length": self.max_length, "min_length": self.min_length, "notes": list(self.notes),
        }


@functools.cache
def map_arrow_type(type_sql: str) -> pa.DataType | None:
    """The Arrow type DuckDB gives a column type holding a MAP or a HUGEINT, else None
    (inferred instead).

    Inferred from Python dicts, a MAP becomes a STRUCT of every key any row has, which DuckDB
    casts back into maps holding all of those keys, NULL where a row had none (or fails on
    integer keys); inferred from Python ints, a nested HUGEINT is an int64 and overflows.
    """
    if "MAP(" not in type_sql.upper() and "HUGEINT" not in type_sql.upper():
        return None
    query = exp.select(exp.cast(exp.null(), exp.DataType.build(type_sql, dialect=sql.DIALECT)).as_("v"))
    with connect() as con:
        return con.sql(sql.render(query)).to_arrow_table().schema.field(0).type


# ---------------------------------------------------------------------------------------------
# Building a spec


def build_spec(
    column: str, sql_type: SqlType, values: list, *, string_rule: StringRule | None = None
) -> OutputSpec:
    """The spec for ``column`` of type ``sql_type`` learned from its non-NULL real ``values``.

    ``string_rule`` carries what CHECK constraints say about a top-level string (see
    :func:`amalgam_rel.generation.checks.string_rule`).
    """
    values = [v for v in values if v is not None]
    if any(t.kind is Kind.UNION for t in sql_type.walk()):
        raise UnsupportedTypeError(f"column {column!r}: UNION values cannot be generated by the language model")
    if sql_type.kind is Kind.ENUM:
        return OutputSpec(column, sql_type.sql(named_enums=False), "choice",
                          _alternation(sql_type.labels), choices=sql_type.labels)
    if sql_type.kind is Kind.STRING:
        return _string_spec(column, sql_type, [str(v) for v in values], string_rule or StringRule())
    if sql_type.kind is Kind.JSON:
        docs = [json.loads(v) if isinstance(v, str) else v for v in values]
        schema = infer_json_schema(docs)
    else:
        schema = type_schema(sql_type, values)
    return OutputSpec(column, sql_type.sql(named_enums=False), "json", schema_regex(schema), schema)


@dataclass(frozen=True)
class StringRule:
    """What CHECK constraints pin down for a string column: a choice, a regex, length bounds."""

    choices: tuple[str, ...] = ()
    regex: str | None = None
    like: str | None = None
    min_length: int = 0
    max_length: int | None = None


def _string_spec(column: str, t: SqlType, values: list[str], rule: StringRule) -> OutputSpec:
    max_len = min(x for x in (t.length, rule.max_length, MAX_TEXT_CHARS) if x is not None)
    if rule.choices:
        labels = tuple(c for c in rule.choices if rule.min_length <= len(c) <= max_len)
        return OutputSpec(column, t.sql(), "choice", _alternation(labels), choices=labels,
                          max_length=max_len, min_length=rule.min_length, notes=("CHECK IN",))
    cleaned = [clean_text(v) for v in values]
    if rule.like is not None or rule.regex is not None:
        regex = like_regex(rule.like, cleaned, max_len) if rule.like is not None else rule.regex
        return OutputSpec(column, t.sql(), "text", regex, key_like=rule.like is not None and is_key_like(cleaned),
                          max_length=max_len, min_length=rule.min_length, notes=("CHECK pattern",))
    if is_key_like(cleaned):
        # learned from the non-empty codes, as is_key_like judged them: with the 85 empty ICAO
        # codes in, no pattern was found, and outlines turned the missing regex into "None"
        pattern = learn_pattern([v for v in cleaned if v])
        return OutputSpec(column, t.sql(), "text", pattern, key_like=True, max_length=max_len,
                          min_length=rule.min_length, notes=("learned pattern",))
    present = [v for v in cleaned if v]
    lengths = [len(v) for v in present] or [1]
    lo = max(rule.min_length, 1, min(lengths))
    hi = max(lo, min(max_len, max(lengths)))
    # the learned length range shapes the regex; only declared bounds are enforced as constraints.
    # Characters come from the column's own: a first name never holds a digit, however little
    # text the model saw. (A class for the first character as well made outlines' index of
    # `[F][A]{94,447}` take minutes instead of 0.01 s.) Thousands of distinct characters (CJK
    # text) say little and cost index time (2,811: 0.6 s instead of 0.03 s at {5,400}).
    alphabet = set("".join(present))
    chars = char_class(alphabet) if present and len(alphabet) <= MAX_ALPHABET else TEXT_CHAR
    regex = f"{chars}{{{lo},{hi}}}"
    return OutputSpec(column, t.sql(), "text", regex, max_length=max_len, min_length=rule.min_length)


def _alternation(labels: tuple[str, ...]) -> str:
    return "(" + "|".join(escape_literal(s) for s in labels) + ")"
