"""What each column is for the metrics, and how to turn it into numbers or bins in SQL.

A :class:`Feature` is one comparable value of a table's row: a column, or a leaf field of a
STRUCT column (``address.city``). Its role decides the metrics it gets:

* ``numeric`` / ``temporal``: KSComplement; bins are real-data quantiles.
* ``categorical`` (BOOLEAN, ENUM, UNION tags, low-cardinality strings): TVComplement; bins are
  the most frequent real values plus "other".
* ``text`` (high-cardinality strings), ``blob``: compared by their length distribution.
* ``identity``: a string column the synthesizer generates (people, contacts, places:
  :mod:`.identity`), compared by its NULLs, lengths, form and share of distinct values.
* ``list`` / ``map``: length distribution plus element (key) distribution.
* ``json``: presence of top-level keys.

Key columns (primary and foreign keys) carry identities, not distributions, and are skipped.
Bins are computed once, from the real data, and applied to both sides; bin 0 is NULL.

>>> f = Feature("t", "a b", ("a b",), "numeric")
>>> f.value("x").sql("duckdb")
'"x"."a b"'
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import Kind, SqlType

BINS = 20  # quantile bins for numeric values, and top values kept for categorical ones
CATEGORICAL_MAX = 1000  # a string column with more distinct values than this is text
BINNED_ROLES = ("numeric", "temporal", "categorical")


@dataclass(frozen=True)
class Feature:
    table: str
    name: str  # shown to users: the column, or column.field.field for struct leaves
    path: tuple[str, ...]  # column, then struct field names
    role: str
    tag: bool = False  # a UNION column, compared by which member is set
    semantic: str = ""  # an identity feature's generated type (``city``)

    def value(self, alias: str | None = None) -> exp.Expression:
        node: exp.Expression = sql.column(self.path[0], alias)
        for name in self.path[1:]:
            node = fn("struct_extract", node, exp.Literal.string(name))
        return node

    def number(self, alias: str | None = None) -> exp.Expression:
        """A DOUBLE that orders like the value (epoch seconds for temporal values)."""
        if self.role == "temporal":
            return fn("epoch", self.value(alias))
        return exp.cast(self.value(alias), "DOUBLE")

    def label(self, alias: str | None = None) -> exp.Expression:
        if self.tag:
            return fn("union_tag", self.value(alias))
        return exp.cast(self.value(alias), "VARCHAR")

    def length(self, alias: str | None = None) -> exp.Expression:
        v = self.value(alias)
        return {
            "text": lambda: fn("length", v),
            "identity": lambda: fn("length", v),
            "blob": lambda: fn("octet_length", v),
            "list": lambda: fn("len", v),
            "map": lambda: fn("cardinality", v),
            "json": lambda: fn("len", fn("json_keys", v)),
        }[self.role]()


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    """A DuckDB function call written as is (sqlglot would rename some, e.g. ``len``)."""
    return exp.Anonymous(this=name, expressions=list(args))


def key_columns(table: Table, fk_columns: set[str]) -> set[str]:
    return set(table.primary_key) | fk_columns


def candidate_features(table: Table, fk_columns: set[str]) -> list[tuple[Feature, SqlType]]:
    """Every non-key leaf of ``table`` with its type; strings are classified later from data."""
    keys = key_columns(table, fk_columns)
    out: list[tuple[Feature, SqlType]] = []
    for col in table.columns:
        if col.name not in keys:
            _leaves(table.key, (col.name,), col.type, out)
    return out


def _leaves(table: str, path: tuple[str, ...], t: SqlType, out: list) -> None:
    name = ".".join(path)
    if t.kind is Kind.STRUCT:
        for field_name, field_type in t.fields:
            _leaves(table, path + (field_name,), field_type, out)
        return
    role = _role_of_kind(t.kind)
    if role is not None:
        out.append((Feature(table, name, path, role, tag=t.kind is Kind.UNION), t))


def _role_of_kind(kind: Kind) -> str | None:
    if kind in (Kind.INTEGER, Kind.FLOAT, Kind.DECIMAL):
        return "numeric"
    if kind in (Kind.DATE, Kind.TIME, Kind.TIMESTAMP, Kind.INTERVAL):
        return "temporal"
    if kind in (Kind.BOOLEAN, Kind.ENUM, Kind.UNION):
        return "categorical"
    if kind is Kind.STRING:
        return "string"  # categorical or text: decided by its number of distinct values
    if kind in (Kind.LIST, Kind.ARRAY):
        return "list"
    return {Kind.MAP: "map", Kind.JSON: "json", Kind.BLOB: "blob"}.get(kind)  # UUID, BIT: identities


def string_role(distinct: int, non_null: int) -> str:
    """Few distinct values, repeated on average: a category. Unique-ish values: names, free text.

    >>> string_role(3, 8), string_role(8, 8), string_role(2000, 100_000)
    ('categorical', 'text', 'text')
    """
    if distinct <= CATEGORICAL_MAX and distinct <= max(1, non_null / 2):
        return "categorical"
    return "text"


@dataclass(frozen=True)
class Binning:
    """How one feature's values map to small integers (0 = NULL), fixed by the real data."""

    feature: Feature
    edges: tuple[float, ...] = ()  # numeric/temporal: bin i+1 holds values below edges[i]
    labels: tuple[str, ...] = ()  # categorical: the kept values; the rest share the last bin

    @property
    def size(self) -> int:
        return 2 + len(self.labels or self.edges)

    def expression(self, alias: str | None = None) -> exp.Expression:
        if self.labels:
            v = self.feature.label(alias)
            whens = [(exp.EQ(this=v.copy(), expression=exp.Literal.string(s)), i + 1) for i, s in enumerate(self.labels)]
            other = len(self.labels) + 1
        else:
            v = self.feature.number(alias)
            whens = [(exp.LT(this=v.copy(), expression=_num(e)), i + 1) for i, e in enumerate(self.edges)]
            other = len(self.edges) + 1
        case = exp.Case().when(exp.Is(this=v.copy(), expression=exp.Null()), exp.Literal.number(0))
        for cond, i in whens:
            case = case.when(cond, exp.Literal.number(i))
        return case.else_(exp.Literal.number(other))


def _num(x: float) -> exp.Expression:
    return exp.cast(exp.Literal.number(repr(float(x))), "DOUBLE")
