"""DuckDB column types as an immutable tree.

A type is parsed once from DuckDB's own spelling (``duckdb_columns().data_type`` or a DDL
column type) and then shared by every stage: codecs pick their kind from :attr:`SqlType.kind`,
the language-model component walks ``fields``/``element``/``key``/``value`` to build output
schemas, and the writer renders :meth:`SqlType.sql` back into DDL.

>>> t = parse_type('STRUCT(a INTEGER, "b c" VARCHAR[])')
>>> t.kind, [name for name, _ in t.fields], t.fields[1][1].element.kind
(<Kind.STRUCT: 'struct'>, ['a', 'b c'], <Kind.STRING: 'string'>)
>>> t.sql()
'STRUCT("a" INTEGER, "b c" VARCHAR[])'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from amalgam_rel.errors import UnsupportedTypeError


class Kind(StrEnum):
    """The logical family of a type: what a codec or generator needs to know."""

    BOOLEAN = "boolean"
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    STRING = "string"
    BLOB = "blob"
    BIT = "bit"
    UUID = "uuid"
    DATE = "date"
    TIME = "time"
    TIMESTAMP = "timestamp"
    INTERVAL = "interval"
    ENUM = "enum"
    JSON = "json"
    STRUCT = "struct"
    LIST = "list"
    ARRAY = "array"
    MAP = "map"
    UNION = "union"


NESTED_KINDS = frozenset({Kind.STRUCT, Kind.LIST, Kind.ARRAY, Kind.MAP, Kind.UNION, Kind.JSON})
NUMERIC_KINDS = frozenset({Kind.INTEGER, Kind.FLOAT, Kind.DECIMAL})
TEMPORAL_KINDS = frozenset({Kind.DATE, Kind.TIME, Kind.TIMESTAMP, Kind.INTERVAL})

_T = exp.DataType.Type

# sqlglot's type -> (DuckDB spelling, kind). Spellings are DuckDB's canonical names, so that
# ``parse_type(t.sql()) == t`` and the DDL we write reads like DuckDB's own.
_SCALARS: dict[exp.DataType.Type, tuple[str, Kind]] = {
    _T.BOOLEAN: ("BOOLEAN", Kind.BOOLEAN),
    _T.TINYINT: ("TINYINT", Kind.INTEGER),
    _T.SMALLINT: ("SMALLINT", Kind.INTEGER),
    _T.INT: ("INTEGER", Kind.INTEGER),
    _T.BIGINT: ("BIGINT", Kind.INTEGER),
    _T.INT128: ("HUGEINT", Kind.INTEGER),
    _T.UTINYINT: ("UTINYINT", Kind.INTEGER),
    _T.USMALLINT: ("USMALLINT", Kind.INTEGER),
    _T.UINT: ("UINTEGER", Kind.INTEGER),
    _T.UBIGINT: ("UBIGINT", Kind.INTEGER),
    _T.UINT128: ("UHUGEINT", Kind.INTEGER),
    _T.BIGNUM: ("BIGNUM", Kind.INTEGER),
    _T.FLOAT: ("FLOAT", Kind.FLOAT),
    _T.DOUBLE: ("DOUBLE", Kind.FLOAT),
    _T.TEXT: ("VARCHAR", Kind.STRING),
    _T.VARCHAR: ("VARCHAR", Kind.STRING),
    _T.CHAR: ("VARCHAR", Kind.STRING),
    _T.NVARCHAR: ("VARCHAR", Kind.STRING),
    _T.NCHAR: ("VARCHAR", Kind.STRING),
    _T.VARBINARY: ("BLOB", Kind.BLOB),
    _T.BINARY: ("BLOB", Kind.BLOB),
    _T.BLOB: ("BLOB", Kind.BLOB),
    _T.BIT: ("BIT", Kind.BIT),
    _T.UUID: ("UUID", Kind.UUID),
    _T.DATE: ("DATE", Kind.DATE),
    _T.TIME: ("TIME", Kind.TIME),
    _T.TIMETZ: ("TIME WITH TIME ZONE", Kind.TIME),
    _T.TIMESTAMP: ("TIMESTAMP", Kind.TIMESTAMP),
    _T.DATETIME: ("TIMESTAMP", Kind.TIMESTAMP),
    _T.TIMESTAMPNTZ: ("TIMESTAMP", Kind.TIMESTAMP),
    _T.TIMESTAMPLTZ: ("TIMESTAMP WITH TIME ZONE", Kind.TIMESTAMP),
    _T.TIMESTAMP_S: ("TIMESTAMP_S", Kind.TIMESTAMP),
    _T.TIMESTAMP_MS: ("TIMESTAMP_MS", Kind.TIMESTAMP),
    _T.TIMESTAMP_NS: ("TIMESTAMP_NS", Kind.TIMESTAMP),
    _T.TIMESTAMPTZ: ("TIMESTAMP WITH TIME ZONE", Kind.TIMESTAMP),
    _T.INTERVAL: ("INTERVAL", Kind.INTERVAL),
    _T.JSON: ("JSON", Kind.JSON),
}

# Inclusive value ranges of DuckDB's fixed-width integers, for codecs and generators.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
    "HUGEINT": (-(2**127), 2**127 - 1),
    "UTINYINT": (0, 2**8 - 1),
    "USMALLINT": (0, 2**16 - 1),
    "UINTEGER": (0, 2**32 - 1),
    "UBIGINT": (0, 2**64 - 1),
    "UHUGEINT": (0, 2**128 - 1),
}


@dataclass(frozen=True)
class SqlType:
    """One node of a column's type tree.

    ``name`` is DuckDB's spelling of this node alone (``DECIMAL``, ``STRUCT``, ``INTEGER``);
    the other fields are filled only for the kinds that use them.
    """

    name: str
    kind: Kind
    length: int | None = None  # VARCHAR(n); DuckDB itself does not keep it, DDL files do
    precision: int | None = None  # DECIMAL(p, s)
    scale: int | None = None
    size: int | None = None  # fixed-size ARRAY
    labels: tuple[str, ...] = ()  # ENUM
    enum_name: str | None = None  # a named ENUM type (CREATE TYPE ... AS ENUM)
    fields: tuple[tuple[str, SqlType], ...] = ()  # STRUCT and UNION members, in order
    element: SqlType | None = None  # LIST and ARRAY
    key: SqlType | None = None  # MAP
    value: SqlType | None = None

    @property
    def is_nested(self) -> bool:
        return self.kind in NESTED_KINDS

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def reads_as_number(self) -> bool:
        """Numeric and read by Arrow as numbers (a BIGNUM arrives as opaque bytes, so no sum sees it)."""
        return self.kind in NUMERIC_KINDS and self.name != "BIGNUM"

    @property
    def is_temporal(self) -> bool:
        return self.kind in TEMPORAL_KINDS

    @property
    def has_timezone(self) -> bool:
        return self.name.endswith("WITH TIME ZONE")

    @property
    def integer_range(self) -> tuple[int, int] | None:
        """Inclusive bounds of an integer type (None for BIGNUM and non-integers)."""
        return INTEGER_RANGES.get(self.name)

    def children(self) -> tuple[SqlType, ...]:
        """Direct sub-types, in a fixed order (fields, element, key, value)."""
        nodes = [t for _, t in self.fields]
        nodes += [t for t in (self.element, self.key, self.value) if t is not None]
        return tuple(nodes)

    def walk(self):
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def sql(self, *, named_enums: bool = True) -> str:
        """DuckDB's spelling of the whole type (struct fields and enum labels quoted)."""
        if self.kind is Kind.ENUM:
            if named_enums and self.enum_name:
                return _ident(self.enum_name)
            return "ENUM(" + ", ".join(exp.Literal.string(s).sql("duckdb") for s in self.labels) + ")"
        if self.kind in (Kind.STRUCT, Kind.UNION):
            members = ", ".join(f"{_ident(n)} {t.sql(named_enums=named_enums)}" for n, t in self.fields)
            return f"{self.name}({members})"
        if self.kind is Kind.LIST:
            return f"{self.element.sql(named_enums=named_enums)}[]"
        if self.kind is Kind.ARRAY:
            return f"{self.element.sql(named_enums=named_enums)}[{self.size}]"
        if self.kind is Kind.MAP:
            return f"MAP({self.key.sql(named_enums=named_enums)}, {self.value.sql(named_enums=named_enums)})"
        if self.kind is Kind.DECIMAL:
            return f"DECIMAL({self.precision},{self.scale})"
        if self.kind is Kind.STRING and self.length is not None:
            return f"VARCHAR({self.length})"
        return self.name

    def __str__(self) -> str:
        return self.sql()


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def parse_type(text: str, *, enum_names: dict[tuple[str, ...], str] | None = None) -> SqlType:
    """Parse DuckDB's spelling of a type into a :class:`SqlType`.

    ``enum_names`` maps a label tuple to the name of a user-defined ENUM type, because DuckDB
    reports columns of a named ENUM with its labels spelled out.

    >>> parse_type("DECIMAL(12,3)").scale
    3
    >>> parse_type("INTEGER[3]").size
    3
    """
    try:
        node = exp.DataType.build(text, dialect="duckdb", udt=True)
        return from_sqlglot(node, enum_names or {}, text)
    except UnsupportedTypeError:
        raise
    except (ParseError, sqlglot.errors.TokenError, ValueError, TypeError, AttributeError, IndexError) as err:
        # sqlglot accepts some malformed spellings and only the conversion trips over them
        raise UnsupportedTypeError(f"cannot parse the type {text!r} ({str(err).splitlines()[0]})") from None


def from_sqlglot(node: exp.DataType, enum_names: dict[tuple[str, ...], str], text: str = "") -> SqlType:
    """Convert a sqlglot ``DataType`` (any dialect, already parsed) into a :class:`SqlType`."""
    shown = text or node.sql("duckdb")
    t = node.this
    if t == _T.ARRAY:
        element = from_sqlglot(node.expressions[0], enum_names, shown)
        sizes = node.args.get("values") or []
        if sizes:
            return SqlType("ARRAY", Kind.ARRAY, size=int(sizes[0].this), element=element)
        return SqlType("LIST", Kind.LIST, element=element)
    if t == _T.LIST:  # sqlglot spells some dialects' lists this way
        return SqlType("LIST", Kind.LIST, element=from_sqlglot(node.expressions[0], enum_names, shown))
    if t in (_T.STRUCT, _T.UNION):
        fields = tuple(
            (member.this.name, from_sqlglot(member.args["kind"], enum_names, shown)) for member in node.expressions
        )
        if not fields:
            raise UnsupportedTypeError(f"the type {shown!r} has no members")
        return SqlType(t.name, Kind.STRUCT if t == _T.STRUCT else Kind.UNION, fields=fields)
    if t == _T.MAP:
        key, value = (from_sqlglot(e, enum_names, shown) for e in node.expressions)
        return SqlType("MAP", Kind.MAP, key=key, value=value)
    if t == _T.ENUM:
        labels = tuple(e.this for e in node.expressions)
        return SqlType("ENUM", Kind.ENUM, labels=labels, enum_name=enum_names.get(labels))
    if t in (_T.DECIMAL, _T.BIGDECIMAL, _T.DECIMAL32, _T.DECIMAL64, _T.DECIMAL128):
        params = [int(p.this.this) if isinstance(p.this, exp.Literal) else int(p.name) for p in node.expressions]
        precision, scale = (params + [18, 3])[:2] if params else (18, 3)
        if len(params) == 1:
            scale = 0
        return SqlType("DECIMAL", Kind.DECIMAL, precision=precision, scale=scale)
    if t in _SCALARS:
        name, kind = _SCALARS[t]
        length = None
        if kind is Kind.STRING and node.expressions:
            param = node.expressions[0]
            literal = param.this if isinstance(param, exp.DataTypeParam) else param
            if isinstance(literal, exp.Literal) and not literal.is_string:
                length = int(literal.this)
        return SqlType(name, kind, length=length)
    raise UnsupportedTypeError(f"the type {shown!r} is not supported by amalgam-rel")
