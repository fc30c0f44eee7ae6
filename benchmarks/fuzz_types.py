"""Hypothesis strategies for column types, identifiers and values: the building blocks of the fuzz suite.

A :class:`FuzzType` knows its DuckDB spelling, draws non-NULL Python values and writes a value
back as a SQL expression (always a ``CAST`` from a string, so that HUGEINT extremes, NaN, BIT
strings and infinite dates survive the SQL parser unchanged). Every type amalgam-rel's type tree
accepts (``amalgam_rel/schema/types.py``) can be drawn, nested ones to depth two. Identifiers are
drawn from SQL keywords, names amalgam-rel might use internally, and all of Unicode; text from a
dozen scripts and from arbitrary code points.

Used by :mod:`benchmarks.fuzz_schema` (whole databases), ``benchmarks/fuzz.py`` and
``tests/test_fuzz.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from hypothesis import strategies as st

from amalgam_rel.connection import connect

# -- identifiers and text --------------------------------------------------------------------------

KEYWORDS = ("select", "from", "where", "group", "order", "by", "table", "user", "default", "check", "primary",
            "key", "references", "null", "true", "end", "all", "limit", "offset", "join", "on", "as", "case",
            "union", "values", "column", "index", "type", "enum", "struct", "map", "list", "array", "date",
            "time", "timestamp", "interval", "unique", "constraint", "create", "drop", "insert", "and", "or",
            "not", "in", "is", "like", "between", "distinct", "having", "window", "with", "returning", "using")
# Names a synthesizer might give its own helper columns (aliases in generated SQL, frame columns),
# not the ones amalgam-rel refuses by design (#0, or a first ^ ~ { = +): a refusal ends the
# database's run (random Unicode names still start so now and then).
INTERNAL_LOOKING = ("v", "k", "n", "x", "id", "rowid", "count", "value", "key", "parent", "child", "index",
                    "level_0", "__index_level_0__", "rn", "row_number", "weight", "cnt", "_row", "depth",
                    "a.b", 'a"b', "it's", "[x]", "`x`", "$1", "%s", "x{}", "-", " ", " lead", "trail ", "#", "?")
# Words in many scripts (and the odd characters that break naive text handling).
SCRIPT_WORDS = ("Ångström", "naïve", "Straße", "Hà Nội", "Москва", "Αθήνα", "القاهرة", "ירושלים", "東京",
                "北京市", "서울", "नमस्ते", "กรุงเทพ", "თბილისი", "Երևան", "சென்னை", "አዲስ አበባ", "ᏣᎳᎩ",
                "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "🙂", "👩‍👩‍👧", "e\u0301", "\u200fRTL", "zero\u200bwidth", "nbsp\u00a0",
                "a\nb", "tab\there", "it's", 'say "hi"', "C:\\path", "100%_", "'); DROP TABLE t; --", "")
# All of Unicode but surrogates (not encodable as UTF-8) and NUL (DuckDB strings end there).
ANY_CHARACTER = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")

# A named ENUM may not take the name of a type DuckDB already has (which includes "type" and "guid").
BUILTIN_TYPE_NAMES = frozenset(
    name.lower() for (name,) in connect().execute("SELECT DISTINCT type_name FROM duckdb_types()").fetchall())


def ascii_fold(name: str) -> str:
    """The key under which DuckDB compares identifiers: it folds ASCII letters only ('É' and 'é' differ)."""
    return "".join(c.lower() if c.isascii() else c for c in name)


def identifiers() -> st.SearchStrategy[str]:
    """Table, column, field and type names; always written quoted."""
    keyword = st.tuples(st.sampled_from(KEYWORDS), st.sampled_from((str.lower, str.upper, str.title)))
    return st.one_of(
        keyword.map(lambda kw: kw[1](kw[0])),
        st.sampled_from(INTERNAL_LOOKING),
        st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True),
        st.sampled_from(SCRIPT_WORDS).filter(bool),
        st.text(ANY_CHARACTER, min_size=1, max_size=10),
    )


def texts(max_size: int = 12) -> st.SearchStrategy[str]:
    """Text values: words of many scripts, short phrases, and arbitrary code points."""
    return st.one_of(
        st.sampled_from(SCRIPT_WORDS),
        st.lists(st.sampled_from(SCRIPT_WORDS), min_size=1, max_size=4).map(" ".join),
        st.text(ANY_CHARACTER, max_size=max_size),
        st.from_regex(r"[A-Z]{2}-[0-9]{1,4}", fullmatch=True),
    )


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- types -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FuzzType:
    """A column type: DuckDB spelling, a strategy of non-NULL values, and their SQL spelling."""

    sql: str
    values: st.SearchStrategy = field(compare=False, repr=False)
    literal: Callable[[Any], str] = field(compare=False, repr=False)  # value -> SQL (before the outer CAST)
    keyable: bool = False  # may be (part of) a PRIMARY KEY, UNIQUE or FK: Python equality is DuckDB's
    ordered: bool = False  # Python orders its values as DuckDB does, so derived range CHECKs hold
    enum_types: tuple[str, ...] = ()  # CREATE TYPE statements this type (or a member) needs
    text: bool = False  # a plain VARCHAR column
    family: str = ""  # LIST, STRUCT, ...; a scalar's is its spelling without parameters
    members: tuple[FuzzType, ...] = field(default=(), compare=False, repr=False)  # a nested type's

    def families(self) -> set[str]:
        """The families of this type and of every type inside it (for coverage counts)."""
        own = self.family or self.sql.split("(")[0]
        return {own}.union(*(m.families() for m in self.members))

    def sql_value(self, value: Any) -> str:
        return "NULL" if value is None else f"CAST({self.literal(value)} AS {self.sql})"


def _quoted_str(value: Any) -> str:
    return quote_string(str(value))


def _scalar(sql: str, values, literal=_quoted_str, **kw) -> FuzzType:
    return FuzzType(sql, values, literal, **kw)


INTEGER_BOUNDS = {"TINYINT": 7, "SMALLINT": 15, "INTEGER": 31, "BIGINT": 63, "HUGEINT": 127}
INTEGER_TYPES = tuple(
    [_scalar(name, st.integers(-(2**bits), 2**bits - 1), keyable=True, ordered=True)
     for name, bits in INTEGER_BOUNDS.items()]
    + [_scalar("U" + name, st.integers(0, 2 ** (bits + 1) - 1), keyable=True, ordered=True)
       for name, bits in INTEGER_BOUNDS.items()]
)
BIGNUM = _scalar("BIGNUM", st.integers(-(10**45), 10**45), ordered=True)


def _float_literal(value: float) -> str:
    return quote_string(repr(value))  # repr spells nan, inf and -inf as DuckDB reads them


def float_type(sql: str, *, finite: bool = False) -> FuzzType:
    width = 32 if sql == "FLOAT" else 64
    values = st.floats(width=width, allow_nan=not finite, allow_infinity=not finite)
    return FuzzType(sql, values, _float_literal, keyable=finite, ordered=True)


def decimal_type(precision: int, scale: int) -> FuzzType:
    # Decimal(str) is exact at any precision; arithmetic under the default context would round at 28 digits
    values = st.integers(-(10**precision) + 1, 10**precision - 1).map(lambda n: Decimal(f"{n}E-{scale}"))
    return FuzzType(f"DECIMAL({precision},{scale})", values, lambda d: quote_string(f"{d:f}"),
                    keyable=True, ordered=True)


def decimal_types() -> st.SearchStrategy[FuzzType]:
    return st.integers(1, 38).flatmap(lambda p: st.integers(0, p).map(lambda s: decimal_type(p, s)))


INFINITE_DATES = ("infinity", "-infinity")


def _date_literal(value) -> str:
    return quote_string(value if isinstance(value, str) else value.isoformat())


def _timestamp_literal(value) -> str:
    return quote_string(value if isinstance(value, str) else value.isoformat(sep=" "))


def timestamp_type(sql: str) -> FuzzType:
    """TIMESTAMP at its own precision (two values never collide once DuckDB truncates them)."""
    lo, hi = (dt.datetime(1678, 1, 1), dt.datetime(2261, 12, 31)) if sql == "TIMESTAMP_NS" else \
        (dt.datetime.min, dt.datetime.max)
    values = st.datetimes(lo, hi)
    if sql == "TIMESTAMP_S":
        values = values.map(lambda t: t.replace(microsecond=0))
    elif sql == "TIMESTAMP_MS":
        values = values.map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
    return FuzzType(sql, values, _timestamp_literal, keyable=True, ordered=True)


def _aware(moment: dt.datetime, minutes: int) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))


TIMESTAMPTZ = FuzzType(
    "TIMESTAMP WITH TIME ZONE",
    st.builds(_aware, st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)), st.integers(-14 * 60, 14 * 60)),
    _timestamp_literal, keyable=True, ordered=True)  # aware datetimes compare and hash by instant, as DuckDB does


def _timetz_literal(value) -> str:
    moment, minutes = value
    sign = "-" if minutes < 0 else "+"
    return quote_string(f"{moment.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}")


def _interval_literal(value) -> str:
    months, days, micros = value
    return quote_string(f"{months} months {days} days {micros} microseconds")


def _json_documents():
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12),
                       st.floats(allow_nan=False, allow_infinity=False), texts(8))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts(6), inner, max_size=3),
                        max_leaves=6)


VARCHAR = _scalar("VARCHAR", texts(), keyable=True, ordered=True, text=True)
SIMPLE_TYPES = (
    _scalar("BOOLEAN", st.booleans(), lambda b: "'true'" if b else "'false'", keyable=True, ordered=True),
    VARCHAR,
    _scalar("DATE", st.dates(), _date_literal, keyable=True, ordered=True),
    _scalar("DATE", st.sampled_from(INFINITE_DATES) | st.dates(), _date_literal),
    _scalar("TIME", st.times(), lambda t: quote_string(t.isoformat()), keyable=True, ordered=True),
    _scalar("TIME WITH TIME ZONE", st.tuples(st.times(), st.integers(-15 * 60 + 1, 15 * 60 - 1)), _timetz_literal),
    _scalar("INTERVAL", st.tuples(st.integers(-1200, 1200), st.integers(-10**4, 10**4), st.integers(-10**12, 10**12)),
            _interval_literal),
    _scalar("UUID", st.uuids(), keyable=True),
    _scalar("BLOB", st.binary(max_size=8), lambda b: f"from_hex('{b.hex()}')", keyable=True),
    _scalar("BIT", st.text("01", min_size=1, max_size=16)),
    # a JSON value is its text: a document that is JSON null is still a non-NULL SQL value
    _scalar("JSON", _json_documents().map(lambda doc: json.dumps(doc, ensure_ascii=False))),
    BIGNUM,
    float_type("FLOAT"), float_type("DOUBLE"),
    timestamp_type("TIMESTAMP"), timestamp_type("TIMESTAMP_S"), timestamp_type("TIMESTAMP_MS"),
    timestamp_type("TIMESTAMP_NS"), TIMESTAMPTZ,
)


def enum_labels() -> st.SearchStrategy[list[str]]:
    return st.lists(st.one_of(texts(8), st.sampled_from(KEYWORDS)), min_size=1, max_size=6, unique=True)


def enum_types() -> st.SearchStrategy[FuzzType]:
    """An inline ENUM(...) or a named type (CREATE TYPE name AS ENUM)."""
    type_name = identifiers().filter(lambda n: ascii_fold(n) not in BUILTIN_TYPE_NAMES)
    return st.tuples(enum_labels(), st.none() | type_name).map(lambda t: _enum(*t))


def _enum(labels: list[str], name: str | None) -> FuzzType:
    spelled = ", ".join(quote_string(label) for label in labels)
    values = st.sampled_from(labels)
    if name is None:
        return FuzzType(f"ENUM({spelled})", values, quote_string, keyable=True, family="ENUM")
    create = f"CREATE TYPE {quote_ident(name)} AS ENUM ({spelled});"
    return FuzzType(quote_ident(name), values, quote_string, keyable=True, enum_types=(create,), family="ENUM")


def enum_name(create_type: str) -> str:
    """The type name of a ``CREATE TYPE "name" AS ENUM (...)`` statement."""
    return re.match(r'CREATE TYPE "((?:[^"]|"")*)"', create_type).group(1).replace('""', '"')


def _pick(choices: list) -> st.SearchStrategy:
    """One of ``choices`` (types or strategies of types), each about as likely. Hypothesis leans to
    a list's first entry (and one_of folds repeated branches), so the weights are spelled out as
    entries of one list, the first of them the most ordinary."""
    return st.sampled_from(choices).flatmap(lambda c: c if isinstance(c, st.SearchStrategy) else st.just(c))


def scalar_types() -> st.SearchStrategy[FuzzType]:
    """Every fixed type about 3 % of the time; DECIMAL(p,s) and ENUMs, which vary, 10 % each."""
    fixed = [INTEGER_TYPES[2]] + [t for t in INTEGER_TYPES + SIMPLE_TYPES if t is not INTEGER_TYPES[2]]
    return _pick(fixed + [decimal_types(), enum_types()] * 4)


def key_types() -> st.SearchStrategy[FuzzType]:
    """Types of key columns: mostly integers and text, then every other type a key may have."""
    others = st.sampled_from([t for t in SIMPLE_TYPES if t.keyable] + [float_type("DOUBLE", finite=True)])
    return st.one_of(st.sampled_from(INTEGER_TYPES[:4]), st.just(VARCHAR), st.sampled_from(INTEGER_TYPES), others,
                     decimal_types(), enum_types())


def nullable(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | values


# -- nested types ----------------------------------------------------------------------------------


def _needs(*types: FuzzType) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for t in types for s in t.enum_types))


def list_type(element: FuzzType, size: int | None = None) -> FuzzType:
    """``T[]`` (a LIST) or, with ``size``, ``T[size]`` (a fixed-size ARRAY)."""
    items = nullable(element.values)
    values = st.lists(items, max_size=3) if size is None else st.lists(items, min_size=size, max_size=size)
    sql = f"{element.sql}[]" if size is None else f"{element.sql}[{size}]"
    return FuzzType(sql, values, lambda xs: "[" + ", ".join(element.sql_value(x) for x in xs) + "]",
                    enum_types=_needs(element), family="LIST" if size is None else "ARRAY", members=(element,))


def struct_type(fields: list[tuple[str, FuzzType]]) -> FuzzType:
    sql = "STRUCT(" + ", ".join(f"{quote_ident(n)} {t.sql}" for n, t in fields) + ")"
    values = st.fixed_dictionaries({n: nullable(t.values) for n, t in fields})

    def literal(record: dict) -> str:
        return "{" + ", ".join(f"{quote_string(n)}: {t.sql_value(record[n])}" for n, t in fields) + "}"

    return FuzzType(sql, values, literal, enum_types=_needs(*(t for _, t in fields)), family="STRUCT",
                    members=tuple(t for _, t in fields))


def map_type(key: FuzzType, value: FuzzType) -> FuzzType:
    values = st.lists(st.tuples(key.values, nullable(value.values)), max_size=3, unique_by=lambda kv: kv[0])

    def literal(pairs: list) -> str:
        return "MAP {" + ", ".join(f"{key.sql_value(k)}: {value.sql_value(v)}" for k, v in pairs) + "}"

    return FuzzType(f"MAP({key.sql}, {value.sql})", values, literal, enum_types=_needs(key, value), family="MAP",
                    members=(key, value))


UNION_MEMBER_TYPES = (INTEGER_TYPES[2], VARCHAR, SIMPLE_TYPES[0], SIMPLE_TYPES[2], float_type("DOUBLE", finite=True))


def union_type(members: list[tuple[str, FuzzType]]) -> FuzzType:
    sql = "UNION(" + ", ".join(f"{quote_ident(n)} {t.sql}" for n, t in members) + ")"
    values = st.one_of([st.tuples(st.just(i), t.values) for i, (_, t) in enumerate(members)])

    def literal(tagged) -> str:
        name, member = members[tagged[0]]
        return f"union_value({quote_ident(name)} := {member.sql_value(tagged[1])})"

    return FuzzType(sql, values, literal, family="UNION", members=tuple(t for _, t in members))


def _fields(inner: st.SearchStrategy[FuzzType], max_size: int = 3):
    # DuckDB refuses two members whose names differ only in ASCII case
    return st.lists(st.tuples(identifiers(), inner), min_size=1, max_size=max_size,
                    unique_by=lambda f: ascii_fold(f[0]))


def _unions() -> st.SearchStrategy[FuzzType]:
    members = st.lists(st.sampled_from(UNION_MEMBER_TYPES), min_size=2, max_size=3, unique_by=lambda t: t.sql)
    names = st.lists(identifiers(), min_size=3, max_size=3, unique_by=ascii_fold)
    return st.tuples(members, names).map(lambda mn: union_type(list(zip(mn[1], mn[0]))))


def column_types(depth: int = 2) -> st.SearchStrategy[FuzzType]:
    """Any type: scalars twice as often as nested ones; nested ones hold types one level shallower."""
    if depth == 0:
        return scalar_types()
    inner = column_types(depth - 1)
    map_keys = st.one_of(st.sampled_from(INTEGER_TYPES[:4]), st.just(VARCHAR), key_types())
    lists = inner.map(list_type)
    arrays = st.tuples(inner, st.integers(1, 3)).map(lambda t: list_type(*t))
    structs = _fields(inner).map(struct_type)
    maps = st.tuples(map_keys, inner).map(lambda kv: map_type(*kv))
    # UNIONs are rarer: amalgam-rel refuses NOT NULL ones, and a refusal ends that database's run
    return _pick([scalar_types()] * 16 + [lists, lists, arrays, structs, structs, maps, maps, _unions()])
