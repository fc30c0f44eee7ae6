"""A Hypothesis strategy of whole DuckDB databases whose data satisfies their own constraints.

``databases()`` draws 1-5 tables in creation order. Each table may have a primary key (one
column, several, or its foreign-key columns, as a bridge or 1:1 table has), foreign keys to
earlier tables or to itself (single and composite, nullable or not, several to one parent, to a
parent's primary key or to one of its UNIQUE keys), UNIQUE keys, NOT NULL columns of every type
in :mod:`benchmarks.fuzz_types`, CHECKs, a half-determined pair (a text column spelling an
integer column where that is set, a letter code where it is NULL) and an ordered pair
(``CHECK (lo <= hi)``). Rows are few (tables of 0, 1 and 2 rows are common) and columns are
often mostly or only NULL. The data is drawn to satisfy every key; range, length and IN-list
CHECKs are then derived from the data drawn, so they hold on it and bind the synthesizer.

``FuzzDatabase.script()`` is the whole database as one DuckDB SQL script: the repro of a failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from amalgam_rel.connection import connect
from benchmarks.fuzz_types import (INTEGER_TYPES, VARCHAR, FuzzType, ascii_fold, column_types, enum_name,
                                   identifiers, key_types, quote_ident, quote_string)

HALF_CODES = ("A", "B", "XX", "n/a")  # what the half-determined text column holds where its integer is NULL
NULL_MODES = ("some", "mostly", "all")


@dataclass
class FuzzColumn:
    name: str
    type: FuzzType
    not_null: bool = False
    default: str | None = None  # a SQL expression

    def ddl(self) -> str:
        parts = [quote_ident(self.name), self.type.sql]
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        return " ".join(parts)


@dataclass(frozen=True)
class FuzzForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    nullable: bool

    def ddl(self) -> str:
        cols = ", ".join(map(quote_ident, self.columns))
        refs = ", ".join(map(quote_ident, self.parent_columns))
        return f"FOREIGN KEY ({cols}) REFERENCES {quote_ident(self.parent)} ({refs})"


@dataclass
class FuzzTable:
    name: str
    columns: list[FuzzColumn]
    primary_key: tuple[str, ...] = ()
    uniques: list[tuple[str, ...]] = field(default_factory=list)
    foreign_keys: list[FuzzForeignKey] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    features: set[str] = field(default_factory=set)

    def column(self, name: str) -> FuzzColumn:
        return next(c for c in self.columns if c.name == name)

    def referable_keys(self) -> list[tuple[str, ...]]:
        """Keys a foreign key may reference: the primary key and every UNIQUE key."""
        return ([self.primary_key] if self.primary_key else []) + list(self.uniques)

    def key_values(self, key: tuple[str, ...]) -> list[tuple]:
        """The distinct non-NULL values of ``key`` in the rows, in row order."""
        seen = [tuple(r[c] for c in key) for r in self.rows]
        return list(dict.fromkeys(v for v in seen if None not in v))

    @property
    def self_references(self) -> list[FuzzForeignKey]:
        return [fk for fk in self.foreign_keys if fk.parent == self.name]

    def create_sql(self) -> str:
        parts = [c.ddl() for c in self.columns]
        if self.primary_key:
            parts.append(f"PRIMARY KEY ({', '.join(map(quote_ident, self.primary_key))})")
        parts += [f"UNIQUE ({', '.join(map(quote_ident, u))})" for u in self.uniques]
        parts += [f"CHECK ({c})" for c in self.checks]
        parts += [fk.ddl() for fk in self.foreign_keys]
        return f"CREATE TABLE {quote_ident(self.name)} (\n    " + ",\n    ".join(parts) + "\n);"

    def insert_sql(self) -> list[str]:
        """INSERT statements; one per row where the table references itself (DuckDB checks a
        self-reference against the rows already in the table, not the statement's own)."""
        if not self.rows:
            return []
        head = f"INSERT INTO {quote_ident(self.name)} ({', '.join(quote_ident(c.name) for c in self.columns)}) VALUES"
        tuples = ["(" + ", ".join(c.type.sql_value(r[c.name]) for c in self.columns) + ")" for r in self.rows]
        if self.self_references:
            return [f"{head} {t};" for t in tuples]
        return [f"{head}\n  " + ",\n  ".join(tuples) + ";"]


@dataclass
class FuzzDatabase:
    tables: list[FuzzTable]

    @property
    def enum_types(self) -> list[str]:
        return list(dict.fromkeys(s for t in self.tables for c in t.columns for s in c.type.enum_types))

    def script(self) -> str:
        statements = self.enum_types + [t.create_sql() for t in self.tables]
        statements += [s for t in self.tables for s in t.insert_sql()]
        return "\n".join(statements) + "\n"

    def build(self, path) -> None:
        con = connect(path)
        try:
            con.execute(self.script())
        finally:
            con.close()

    def names(self) -> set[str]:
        """Every table, column and ENUM type name (to blank them out of error messages)."""
        names = {t.name for t in self.tables} | {c.name for t in self.tables for c in t.columns}
        return names | {enum_name(s) for s in self.enum_types}

    def features(self) -> set[str]:
        """What this database exercises, for the fuzz run's coverage counts."""
        found = set().union(*(t.features for t in self.tables))
        for t in self.tables:
            found |= {f"rows={min(len(t.rows), 3)}{'+' if len(t.rows) >= 3 else ''}"}
            for c in t.columns:
                found |= {"type " + family for family in c.type.families()}
                if t.rows and all(r[c.name] is None for r in t.rows):
                    found.add("all-NULL column")
        if self.enum_types:
            found.add("named ENUM type")
        return found


# -- strategies ------------------------------------------------------------------------------------


class _Names:
    """Fresh column names for one table (DuckDB compares them with ASCII case folded)."""

    def __init__(self, draw):
        self.draw, self.used = draw, set()

    def __call__(self) -> str:
        name = self.draw(identifiers().filter(lambda n: ascii_fold(n) not in self.used))
        self.used.add(ascii_fold(name))
        return name


def _values(column: FuzzColumn, mode: str) -> st.SearchStrategy:
    if column.not_null:
        return column.type.values
    if mode == "all":
        return st.none()
    if mode == "mostly":
        return st.integers(0, 4).flatmap(lambda r: column.type.values if r == 4 else st.none())
    return st.none() | column.type.values


@st.composite
def databases(draw, max_tables: int = 5, max_rows: int = 8) -> FuzzDatabase:
    n = draw(st.integers(1, max_tables))
    names = draw(st.lists(identifiers(), min_size=n, max_size=n, unique_by=ascii_fold))
    tables: list[FuzzTable] = []
    for name in names:
        tables.append(draw(_tables(name, tables, max_rows)))
    db = FuzzDatabase(tables)
    # two named ENUM types of one name: a collision of the draws, not a database
    assume(len({ascii_fold(enum_name(s)) for s in db.enum_types}) == len(db.enum_types))
    return db


@st.composite
def _tables(draw, name: str, earlier: list[FuzzTable], max_rows: int) -> FuzzTable:
    names = _Names(draw)
    table = FuzzTable(name, [])
    modes: dict[str, str] = {}
    targets = [(p, key) for p in earlier for key in p.referable_keys()]
    shape = draw(st.sampled_from(("none", "single", "single", "composite", "parent")))
    if shape == "parent" and targets:  # the key is made of foreign keys: a bridge or a 1:1 extension
        for _ in range(draw(st.integers(1, 2))):
            _add_foreign_key(draw, table, names, modes, draw(st.sampled_from(targets)), not_null=True)
        table.primary_key = tuple(c for fk in table.foreign_keys for c in fk.columns)
        table.features.add("primary key of foreign keys")
    elif shape in ("single", "composite", "parent"):
        width = 1 if shape != "composite" else draw(st.integers(2, 3))
        table.primary_key = tuple(_add_column(draw, table, names, modes, draw(key_types()), not_null=True)
                                  for _ in range(width))
        table.features.add("composite primary key" if width > 1 else "primary key")
    for _ in range(draw(st.integers(0, 3))):
        options = targets + ([(table, table.primary_key)] if table.primary_key and shape != "parent" else [])
        if options:
            parent, key = draw(st.sampled_from(options))
            _add_foreign_key(draw, table, names, modes, (parent, key), not_null=None)
    for _ in range(draw(st.integers(0 if table.columns else 1, 4))):
        _add_column(draw, table, names, modes, draw(column_types()), not_null=None)
    _add_uniques(draw, table)
    half = draw(st.booleans()) and _add_half_determined(draw, table, names, modes)
    pair = draw(st.booleans()) and _add_ordered_pair(draw, table, names, modes)
    _draw_rows(draw, table, earlier, modes, max_rows, half, pair)
    _derive_checks(draw, table)
    table.columns = draw(st.permutations(table.columns))
    return table


def _add_column(draw, table, names, modes, ftype: FuzzType, not_null: bool | None) -> str:
    column = FuzzColumn(names(), ftype, draw(st.booleans()) if not_null is None else not_null)
    if not column.not_null:
        modes[column.name] = draw(st.sampled_from(NULL_MODES))
    if column.type.ordered and draw(st.integers(0, 5)) == 0:  # a default the writer must keep as it is
        column.default = column.type.sql_value(draw(column.type.values))
    table.columns.append(column)
    return column.name


def _add_foreign_key(draw, table, names, modes, target, not_null: bool | None) -> None:
    parent, key = target
    self_reference = parent is table
    nullable = self_reference or (not draw(st.booleans()) if not_null is None else not not_null)
    columns = tuple(FuzzColumn(names(), parent.column(c).type, not nullable) for c in key)
    table.columns += columns
    for c in columns:
        modes[c.name] = "fk"
    fk = FuzzForeignKey(tuple(c.name for c in columns), parent.name, key, nullable)
    if any(f.parent == parent.name for f in table.foreign_keys):
        table.features.add("several foreign keys to one parent")
    table.foreign_keys.append(fk)
    table.features.add("self reference" if self_reference else "foreign key")
    table.features |= {"composite foreign key"} if len(key) > 1 else set()
    table.features |= {"nullable foreign key"} if nullable else set()
    table.features |= {"foreign key to a UNIQUE key"} if key != parent.primary_key else set()


def _add_uniques(draw, table: FuzzTable) -> None:
    """UNIQUE keys over key-able columns that are not the primary key or a self-reference."""
    excluded = set(table.primary_key) | {c for fk in table.self_references for c in fk.columns}
    candidates = [c.name for c in table.columns if c.type.keyable and c.name not in excluded]
    for _ in range(draw(st.integers(0, 2)) if candidates else 0):
        key = tuple(draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True)))
        if key not in table.uniques and key != table.primary_key:
            table.uniques.append(key)
            table.features.add("UNIQUE")


def _add_half_determined(draw, table, names, modes) -> tuple[str, str]:
    number = FuzzColumn(names(), draw(st.sampled_from(INTEGER_TYPES[:4])))
    text = FuzzColumn(names(), VARCHAR, not_null=True)
    table.columns += [number, text]
    modes[number.name], modes[text.name] = draw(st.sampled_from(NULL_MODES)), "derived"
    table.features.add("half-determined pair")
    return number.name, text.name


def _add_ordered_pair(draw, table, names, modes) -> tuple[str, str]:
    ftype = draw(key_types().filter(lambda t: t.ordered))
    lo, hi = (_add_column(draw, table, names, modes, ftype, not_null=None) for _ in range(2))
    modes[lo] = modes[hi] = "pair"  # no NULLs drawn; sorted per row, so the CHECK holds
    table.column(lo).not_null = table.column(hi).not_null = False
    table.checks.append(f"{quote_ident(lo)} <= {quote_ident(hi)}")
    table.features.add("CHECK across columns")
    return lo, hi


def _unique_marker(key: tuple[str, ...]):
    """unique_by for a key: its value, or a fresh object where part of it is NULL (NULLs never collide)."""
    def value(row):
        v = tuple(row[c] for c in key)
        return object() if None in v else v
    return value


def _draw_rows(draw, table: FuzzTable, earlier: list[FuzzTable], modes: dict, max_rows: int, half, pair) -> None:
    limit = draw(st.sampled_from((0, 1, 2, 3, max_rows, max_rows, max_rows)))
    own = {c.name: (st.none() | c.type.values if modes.get(c.name) == "pair" else _values(c, modes.get(c.name, "")))
           for c in table.columns if modes.get(c.name) not in ("fk", "derived")}
    choices = []
    for fk in table.foreign_keys:
        if fk.parent == table.name:
            continue
        keys = next(p for p in earlier if p.name == fk.parent).key_values(fk.parent_columns)
        options = ([st.sampled_from(keys)] if keys else []) + ([st.just((None,) * len(fk.columns))] if fk.nullable else [])
        if not options:  # a NOT NULL foreign key to an empty parent: no row can exist
            limit = 0
            break
        choices.append((fk.columns, st.one_of(options)))

    @st.composite
    def rows(d):
        row = {name: d(s) for name, s in own.items()}
        for columns, s in choices:
            row.update(zip(columns, d(s)))
        return row

    keys = [k for k in [table.primary_key, *table.uniques] if k]
    unique_by = tuple(map(_unique_marker, keys)) or None
    table.rows = draw(st.lists(rows(), min_size=min(limit, 2) if keys else limit // 2, max_size=limit, unique_by=unique_by))
    for i, row in enumerate(table.rows):
        if half:
            number, text = half
            row[text] = str(row[number]) if row[number] is not None else draw(st.sampled_from(HALF_CODES))
        if pair and None not in (row[pair[0]], row[pair[1]]) and row[pair[0]] > row[pair[1]]:
            row[pair[0]], row[pair[1]] = row[pair[1]], row[pair[0]]
        for fk in table.self_references:  # only rows inserted before this one can be referenced
            earlier_keys = [k for k in table.key_values(fk.parent_columns)[:i]]
            pick = draw(st.integers(-1, len(earlier_keys) - 1)) if earlier_keys else -1
            row.update(zip(fk.columns, earlier_keys[pick] if pick >= 0 else (None,) * len(fk.columns)))


def _finite(value) -> bool:
    return math.isfinite(value) if isinstance(value, float) else True


def _derive_checks(draw, table: FuzzTable) -> None:
    """Range, length and IN-list CHECKs that the drawn rows satisfy (a quarter of the columns)."""
    self_ref = {c for fk in table.self_references for c in fk.columns}
    for column in table.columns:
        if column.name in self_ref or not (column.type.ordered or column.type.text) or draw(st.integers(0, 3)):
            continue
        values = [r[column.name] for r in table.rows if r[column.name] is not None]
        if not values or not all(map(_finite, values)):
            continue
        name, lit = quote_ident(column.name), column.type.sql_value
        if column.type.text and draw(st.booleans()):
            check = draw(st.sampled_from((
                f"length({name}) <= {max(map(len, values))}",  # Python counts code points, DuckDB too
                f"{name} IN ({', '.join(quote_string(v) for v in sorted(set(values)))})")))
        else:
            lo, hi = min(values), max(values)
            check = draw(st.sampled_from((f"{name} >= {lit(lo)}", f"{name} <= {lit(hi)}",
                                          f"{name} BETWEEN {lit(lo)} AND {lit(hi)}",
                                          f"{name} IS NULL OR {name} >= {lit(lo)}")))
        table.checks.append(check)
        table.features.add("CHECK")
