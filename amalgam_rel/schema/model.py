"""The schema model: database -> tables -> columns, keys and constraints.

Every stage of amalgam-rel reads the same immutable :class:`Database`. Readers build it
(:mod:`.duckdb_reader`, :mod:`.ddl_reader`), :mod:`.sidecar` adds logical foreign keys with
:meth:`Database.with_foreign_keys`, and nothing ever mutates it.

>>> from amalgam_rel.schema.types import parse_type
>>> users = Table("users", (Column("id", parse_type("INTEGER"), nullable=False),), primary_key=("id",))
>>> db = Database((users,))
>>> db.table("users").column("id").type.kind
<Kind.INTEGER: 'integer'>

CHECK constraints are sqlglot expressions: treat them as read-only and ``.copy()`` one before
transforming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from sqlglot import exp

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.types import SqlType

FkKind = Literal["declared", "logical"]


@dataclass(frozen=True)
class Column:
    name: str
    type: SqlType
    nullable: bool = True
    default: str | None = None  # DuckDB SQL of the DEFAULT expression, as the catalog reports it
    # DuckDB SQL of ``GENERATED ALWAYS AS (...)``: DuckDB computes the value, nothing synthesizes it
    generated: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    checks: tuple[exp.Expression, ...] = ()
    row_count: int | None = None  # None when read from DDL alone
    schema: str = "main"
    # those of ``checks`` that a sidecar declared: the data and the synthetic rows meet them, but
    # the written DDL does not state them (the source's DDL did not)
    logical_checks: tuple[exp.Expression, ...] = ()

    @property
    def key(self) -> str:
        """How the rest of amalgam-rel names this table: ``name``, or ``schema.name`` outside main."""
        return self.name if self.schema == "main" else f"{self.schema}.{self.name}"

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        # DuckDB matches column names case-insensitively (two columns cannot differ only by
        # case), so a lookup does too; the Column found carries the catalog's spelling.
        by_name = {c.name.lower(): c for c in self.columns}
        by_name.update((c.name, c) for c in self.columns)
        return by_name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        try:
            return self._by_name.get(name) or self._by_name[name.lower()]
        except KeyError:
            raise SchemaError(f"table {self.key!r} has no column {name!r}") from None

    def has_column(self, name: str) -> bool:
        return name in self._by_name or name.lower() in self._by_name

    def unique_sets(self) -> tuple[tuple[str, ...], ...]:
        """The primary key (if any) followed by every UNIQUE column set."""
        return ((self.primary_key,) if self.primary_key else ()) + self.unique

    def is_unique(self, columns: tuple[str, ...]) -> bool:
        """Whether a declared key guarantees ``columns`` identify at most one row."""
        wanted = set(columns)
        return any(set(s) <= wanted for s in self.unique_sets())


@dataclass(frozen=True)
class ForeignKey:
    """``table(columns) -> ref_table(ref_columns)``; composite keys pair up by position."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    nullable: bool = False  # a child row may leave it unset (some FK column is nullable)
    kind: FkKind = "declared"

    @property
    def is_self_reference(self) -> bool:
        return self.table == self.ref_table

    @property
    def label(self) -> str:
        return f"{self.table}({', '.join(self.columns)}) -> {self.ref_table}({', '.join(self.ref_columns)})"


@dataclass(frozen=True)
class EnumType:
    """A named ENUM (``CREATE TYPE name AS ENUM (...)``)."""

    name: str
    labels: tuple[str, ...]
    schema: str = "main"


@dataclass(frozen=True)
class Sequence:
    """A sequence that column defaults use (``DEFAULT nextval('name')``)."""

    name: str
    start: int = 1  # where it continues: DuckDB reports its current position, not the original START
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cycle: bool = False
    schema: str = "main"


@dataclass(frozen=True)
class Index:
    """A secondary index, kept as the SQL DuckDB reported for it (created after the data)."""

    name: str
    table: str
    sql: str


@dataclass(frozen=True)
class View:
    """A view, kept as the SQL DuckDB reported for it (created in the output after the tables)."""

    name: str
    schema: str
    sql: str


@dataclass(frozen=True)
class Database:
    tables: tuple[Table, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    enum_types: tuple[EnumType, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    indexes: tuple[Index, ...] = ()
    schemas: tuple[str, ...] = ("main",)
    views: tuple[View, ...] = ()
    source: str | None = field(default=None, compare=False)  # where it was read from, for messages

    def __post_init__(self) -> None:
        keys = [t.key.lower() for t in self.tables]
        if len(set(keys)) != len(keys):
            raise SchemaError(f"duplicate table names in {self.source or 'the schema'}")
        for fk in self.foreign_keys:
            _check_foreign_key(self, fk)
        # A foreign key may spell its tables and columns in any case (DuckDB accepts
        # ``REFERENCES customer(customerid)`` for ``Customer(CustomerId)``); every later stage
        # compares names with ==, so each is respelled as its table spells it.
        object.__setattr__(self, "foreign_keys", tuple(_respelled(self, fk) for fk in self.foreign_keys))

    @cached_property
    def _by_key(self) -> dict[str, Table]:
        # DuckDB resolves table and schema names case-insensitively; see Table._by_name
        by_key = {t.key.lower(): t for t in self.tables}
        by_key.update((t.key, t) for t in self.tables)
        return by_key

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tables)

    def table(self, key: str) -> Table:
        try:
            return self._by_key.get(key) or self._by_key[key.lower()]
        except KeyError:
            raise SchemaError(f"no table {key!r} in {self.source or 'the database'}") from None

    def has_table(self, key: str) -> bool:
        """Whether a table is named ``key`` (``name`` or ``schema.name``), in any case."""
        return key in self._by_key or key.lower() in self._by_key

    def foreign_keys_of(self, table: str) -> tuple[ForeignKey, ...]:
        """The foreign keys declared on ``table`` (it is the child)."""
        return tuple(fk for fk in self.foreign_keys if fk.table == table)

    def referencing(self, table: str) -> tuple[ForeignKey, ...]:
        """The foreign keys pointing at ``table`` (it is the parent)."""
        return tuple(fk for fk in self.foreign_keys if fk.ref_table == table)

    def without_generated(self) -> Database:
        """The stored columns only: generated columns (and the keys, CHECKs and foreign keys that
        name one) left out, for every stage that reads or synthesizes values. The output's DDL
        still comes from the whole schema, so DuckDB recomputes them on insert.

        >>> from amalgam_rel.schema.types import parse_type
        >>> t = Table("t", (Column("a", parse_type("INTEGER")), Column("b", parse_type("INTEGER"), generated="a * 2")))
        >>> Database((t,)).without_generated().table("t").column_names
        ('a',)
        """
        generated = {(t.key, c.name) for t in self.tables for c in t.columns if c.generated is not None}
        if not generated:
            return self

        def stored(key: str, names) -> bool:
            return all((key, n) not in generated for n in names)

        tables = tuple(
            replace(t, columns=tuple(c for c in t.columns if c.generated is None),
                    primary_key=t.primary_key if stored(t.key, t.primary_key) else (),
                    unique=tuple(u for u in t.unique if stored(t.key, u)),
                    checks=tuple(c for c in t.checks if stored(t.key, (x.name for x in c.find_all(exp.Column)))),
                    logical_checks=tuple(c for c in t.logical_checks
                                         if stored(t.key, (x.name for x in c.find_all(exp.Column)))))
            for t in self.tables)
        fks = tuple(f for f in self.foreign_keys if stored(f.table, f.columns) and stored(f.ref_table, f.ref_columns))
        return replace(self, tables=tables, foreign_keys=fks)

    def without_row_counts(self) -> Database:
        """A copy that says nothing of how many rows each table had (what a private model carries)."""
        return replace(self, tables=tuple(replace(t, row_count=None) for t in self.tables))

    def with_logical_checks(self, extra: dict[str, tuple[exp.Expression, ...]]) -> Database:
        """A copy whose tables (by key) hold ``extra`` CHECKs that the written DDL leaves out.

        One the table already has (spelled with or without quotes and parentheses) is ignored.
        """
        def added(t: Table) -> Table:
            known = {_check_key(c) for c in t.checks}
            new = {_check_key(c): c for c in extra.get(t.key, ()) if _check_key(c) not in known}
            new = tuple(new.values())
            return replace(t, checks=t.checks + new, logical_checks=t.logical_checks + new) if new else t

        return replace(self, tables=tuple(added(t) for t in self.tables))

    def with_foreign_keys(self, extra: tuple[ForeignKey, ...]) -> Database:
        """A copy with ``extra`` foreign keys added (duplicates of existing ones are ignored)."""
        known = {(f.table, f.columns, f.ref_table, f.ref_columns) for f in self.foreign_keys}
        new = tuple(f for f in extra if (f.table, f.columns, f.ref_table, f.ref_columns) not in known)
        return replace(self, foreign_keys=self.foreign_keys + new)


def _check_key(check: exp.Expression) -> str:
    """A CHECK's text with parentheses and identifier quoting normalised: ``(id > 0)`` is ``"id" > 0``."""
    bare = check.unnest() if isinstance(check, exp.Paren) else check
    return bare.transform(lambda n: exp.column(n.name, quoted=True) if isinstance(n, exp.Column) else n).sql("duckdb")


def _respelled(db: Database, fk: ForeignKey) -> ForeignKey:
    child, parent = db.table(fk.table), db.table(fk.ref_table)
    return replace(fk, table=child.key, columns=tuple(child.column(c).name for c in fk.columns),
                   ref_table=parent.key, ref_columns=tuple(parent.column(c).name for c in fk.ref_columns))


def _check_foreign_key(db: Database, fk: ForeignKey) -> None:
    if not db.has_table(fk.table) or not db.has_table(fk.ref_table):
        missing = fk.table if not db.has_table(fk.table) else fk.ref_table
        raise SchemaError(f"foreign key {fk.label} names an unknown table {missing!r}")
    if len(fk.columns) != len(fk.ref_columns) or not fk.columns:
        raise SchemaError(f"foreign key {fk.label} pairs {len(fk.columns)} columns with {len(fk.ref_columns)}")
    for table, cols in ((fk.table, fk.columns), (fk.ref_table, fk.ref_columns)):
        for col in cols:
            if not db.table(table).has_column(col):
                raise SchemaError(f"foreign key {fk.label} names an unknown column {table}.{col}")
