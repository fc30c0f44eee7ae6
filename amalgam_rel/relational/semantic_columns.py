"""People, contacts and places: text columns filled by the semantic generator, never from real values.

At fit time (:func:`find_semantic_columns`, a stage of :mod:`.fitting`) each string column of a
table gets a semantic type (:mod:`amalgam_rel.generation.semantic.detect`; a sidecar
``[[columns]]`` entry overrides it, ``type = "text"`` takes it away). A column with a type other
than country or language leaves both the language model and the table model's categories (a
person's name must never be drawn from real names): the table model keeps only its NULLs and
length (``~name``), jointly with the row. Country and language columns stay in the table model
and give each row its locale. Phone and postcode columns also keep the formats their real values
share (:func:`with_formats`: ``+1 (###) ###-####``, per country), and place and company columns
how often their values repeat (:func:`with_repeats`: 8 employees in 3 cities). At sample time
(:func:`.semantic_fill.fill_semantic`) every such column is filled from Faker
(:mod:`amalgam_rel.generation.semantic.generate`) in the row's locale, or from those formats; the
share of values equal to a real value of the column (Faker's coincidences) is counted where the
real values are at hand (``synth``, ``sample --guard-source``).

>>> table = Table("customer", (Column("id", SqlType("INTEGER", Kind.INTEGER)),
...                            Column("fname", SqlType("VARCHAR", Kind.STRING)),
...                            Column("country", SqlType("VARCHAR", Kind.STRING))))
>>> s = detect_table(table, {"fname": ["Ana", "Bo"], "country": ["Chile", "Peru"]}, {}, taken=set())
>>> [(c.column, c.type) for c in s.columns], s.locale
([('fname', 'first_name')], 'country')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.errors import InputError
from amalgam_rel.generation.checks import string_rule
from amalgam_rel.generation.lengths import arrow_lengths, length_column
from amalgam_rel.generation.semantic.detect import TYPES, semantic_type
from amalgam_rel.generation.semantic.emails import learn_local_forms
from amalgam_rel.generation.semantic.formats import learn_formats
from amalgam_rel.generation.semantic.generate import SemanticColumn
from amalgam_rel.generation.semantic.pools import group_of, learn_repeat
from amalgam_rel.generation.semantic.toward import learn_forms
from amalgam_rel.relational.rules import claimed_columns
from amalgam_rel.schema.model import Column, Database, Table  # noqa: F401 - Column: the doctest
from amalgam_rel.schema.sidecar import read_sidecar
from amalgam_rel.schema.types import Kind, SqlType

TEXT = "text"  # the override that takes a column's semantic type away
_SAMPLE = 200  # real values a column's type and style are read off
_FORMAT_ROWS = 5000  # real rows a column's format masks are read off
# types written in a database's own formats: (capital letters masked too, least share of the
# values the shared masks must cover: postcodes in a few formats, not free text)
_FORMATTED = {"phone": (False, 0.0), "postcode": (True, 0.8)}


@dataclass(frozen=True)
class Semantics:
    """A table's generated columns and the column (country or language) giving each row's locale."""

    columns: tuple[SemanticColumn, ...] = ()
    locale: str | None = None
    locale_type: str = "country"  # country, country_code or language
    # under a privacy budget the locale column is not learned either: each row draws a locale and
    # the column says it (Brazil, BR, Portuguese)
    drawn_locale: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns)


@dataclass
class SemanticReport:
    """What filling one column gave: values written and, where real values were at hand, how many repeat one."""

    type: str
    rows: int = 0
    copies: int = 0
    checked: bool = False

    def add(self, other: SemanticReport) -> None:
        self.rows += other.rows
        self.copies += other.copies
        self.checked = self.checked or other.checked


def semantic_overrides(db: Database, sidecar: str | Path | None) -> dict[tuple[str, str], str]:
    """The sidecar's ``[[columns]]`` entries as ``{(table key, column): type}``; a one-line error
    for an unknown table, column or type."""
    if sidecar is None:
        return {}
    out = {}
    for i, entry in enumerate(read_sidecar(sidecar)["columns"], 1):
        table, column, kind = entry["table"], entry["column"], entry["type"]
        if not isinstance(table, str) or not db.has_table(table):
            raise InputError(f"sidecar {sidecar}: column #{i} names an unknown table {table!r}")
        if not isinstance(column, str) or not db.table(table).has_column(column):
            raise InputError(f"sidecar {sidecar}: column #{i}: table {table!r} has no column {column!r}")
        if kind != TEXT and (not isinstance(kind, str) or kind not in TYPES):
            known = ", ".join([TEXT, *TYPES])
            raise InputError(f"sidecar {sidecar}: column #{i} ({table}.{column}) has an unknown type {kind!r}; "
                             f"known types: {known}")
        if db.table(table).column(column).type.kind is not Kind.STRING:
            raise InputError(f"sidecar {sidecar}: column #{i}: {table}.{column} is not a string column")
        t = db.table(table)
        out[(t.key, t.column(column).name)] = kind
    return out


def detect_table(table: Table, samples: dict[str, list] | None, overrides: dict[tuple[str, str], str], *,
                 taken: set[str], null_shares: dict[str, float] | None = None) -> Semantics:
    """The table's semantic columns: every string column not ``taken`` (keys, copies, computed
    columns), read off its name, table and ``samples`` (None under a privacy budget)."""
    names = [c.name for c in table.columns]
    found: list[SemanticColumn] = []
    locale, locale_type = None, "country"
    for column in table.columns:
        if column.type.kind is not Kind.STRING or column.name in taken or not only_length_checks(table, column.name):
            continue
        given = overrides.get((table.key, column.name))
        if given == TEXT:
            continue
        sample = None if samples is None else samples.get(column.name, [])
        kind = TYPES[given] if given else semantic_type(column.name, column.type, sample, table=table.name, columns=names)
        if kind is None:
            continue
        if kind.locale_source:
            if locale is None or (locale_type == "language" and kind.name != "language"):
                locale, locale_type = column.name, kind.name
            continue
        rule = string_rule(table.checks, column.name)
        bounds = [x for x in (column.type.length, rule.max_length) if x is not None]
        found.append(SemanticColumn(column.name, kind.name, min(bounds) if bounds else None, rule.min_length,
                                    table.is_unique((column.name,)), _style(kind.name, sample or []),
                                    (null_shares or {}).get(column.name, 0.0)))
    return Semantics(tuple(found), locale, locale_type)


def only_length_checks(table: Table, column: str) -> bool:
    """Whether every CHECK part naming ``column`` only bounds its length (a generator keeps those;
    any other rule is the language model's, whose values are checked in DuckDB)."""
    for check in table.checks:
        check = check.unnest()
        parts = check.flatten() if isinstance(check, exp.And) else [check]
        for part in map(exp.Expression.unnest, parts):
            named = {c.name for c in part.find_all(exp.Column)}
            if column in named and not (named == {column} and part.find(exp.Length) is not None
                                        and isinstance(part, (exp.Between, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ))):
                return False
    return True


def _style(kind: str, sample: list) -> str:
    """The format the real values have where a type has several: ``abbr`` states, ``hex32``, ``bcrypt``, ``ipv6``."""
    values = [str(v) for v in sample if v is not None]
    if not values:
        return ""
    def share(test) -> float:
        return sum(1 for v in values if test(v)) / len(values)
    if kind == "state" and share(lambda v: len(v) <= 3 and v.isupper()) >= 0.8:
        return "abbr"
    if kind in ("hash", "password"):
        for width in (32, 40, 64, 128):
            if share(lambda v: re.fullmatch(f"[0-9a-fA-F]{{{width}}}", v) is not None) >= 0.8:
                return f"hex{width}"
        if share(lambda v: v.startswith("$2")) >= 0.8:
            return "bcrypt"
    if kind == "ip_address" and share(lambda v: ":" in v) >= 0.5:
        return "ipv6"
    return ""


def find_semantic_columns(ft, frames, fitted, options) -> None:
    """A fit stage: the table's semantic columns (kept on ``ft.semantic``), their real values
    for counting copies, and the length columns (``~name``) the table model will own for them."""
    if ft.frame is None:
        return
    taken = set(ft.plan.fk_columns) | set(ft.table.primary_key) | set(ft.keys) | set(ft.sequences) | claimed_columns(ft)
    private = options.epsilon is not None
    if private:
        ft.semantic = private_semantics(ft, options.semantic_overrides)
        return
    frame = ft.frame
    strings = [c.name for c in ft.table.columns if c.type.kind is Kind.STRING and c.name in frame.column_names]
    samples = None if private else {c: _spread(frame.column(c)) for c in strings}
    shares = {} if private or frame.num_rows == 0 else {c: frame.column(c).null_count / frame.num_rows for c in strings}
    if ft.key in options.kept:  # a kept table: its contacts alone, by name, the rest stays real (:mod:`.kept_contacts`)
        keys = set(ft.plan.fk_columns) | set(ft.table.primary_key)  # (its other columns are written as read)
        found = detect_table(ft.table, None, {}, taken=keys, null_shares=shares)
        found = replace(found, columns=tuple(c for c in found.columns if TYPES[c.type].person_like))
    else:
        found = detect_table(ft.table, samples, options.semantic_overrides, taken=taken, null_shares=shares)
    ft.semantic = with_repeats(with_formats(found, frame), frame, ft.table)
    if not private:
        ft.semantic_real = {c: frozenset(frame.column(c).drop_null().to_pylist()) for c in ft.semantic.names}


def with_formats(s: Semantics, frame: pa.Table) -> Semantics:
    """``s`` with the format masks its phone and postcode columns' real values share
    (:mod:`amalgam_rel.generation.semantic.formats`), overall and per value of the locale column,
    and the forms of its other columns' values (:func:`~amalgam_rel.generation.semantic.toward.learn_forms`),
    read off up to :data:`_FORMAT_ROWS` rows from all over ``frame``."""
    present = [c for c in s.columns if c.column in frame.column_names]
    if not present or frame.num_rows == 0:
        return s
    rows = pa.array(np.unique(np.linspace(0, frame.num_rows - 1, min(frame.num_rows, _FORMAT_ROWS)).astype(np.int64)))
    origins = frame.column(s.locale).take(rows).to_pylist() if s.locale in frame.column_names else None
    names = _row_names(s, frame, rows)
    columns = []
    for c in s.columns:
        if c in present:
            values = frame.column(c.column).take(rows).to_pylist()
            if c.type in ("email", "username") and names is not None:  # andrew@...: the row's first name alone
                c = replace(c, local_forms=learn_local_forms(values, *names))
            if c.type in _FORMATTED:
                letters, cover = _FORMATTED[c.type]
                c = replace(c, formats=learn_formats(values, origins, letters=letters, min_cover=cover))
            if free_length(c):  # the kinds of characters of the rest (no comma, no digit): their forms
                c = replace(c, forms=learn_forms(values))
        columns.append(c)
    return replace(s, columns=tuple(columns))


def _row_names(s: Semantics, frame: pa.Table, rows: pa.Array) -> tuple[list, list] | None:
    """The first and last names of ``rows`` from the table's name columns (a full name split at
    its first and last word), or None without them."""
    kinds = {c.type: c.column for c in s.columns if c.column in frame.column_names}
    if "first_name" in kinds and "last_name" in kinds:
        return tuple(frame.column(kinds[k]).take(rows).to_pylist() for k in ("first_name", "last_name"))
    if "full_name" in kinds:
        words = [str(v).split() if v is not None else [] for v in frame.column(kinds["full_name"]).take(rows).to_pylist()]
        return [w[0] if len(w) > 1 else None for w in words], [w[-1] if len(w) > 1 else None for w in words]
    return None


def with_repeats(s: Semantics, frame: pa.Table, table: Table) -> Semantics:
    """``s`` with how often the values of its place and company columns repeat
    (:func:`~amalgam_rel.generation.semantic.pools.learn_repeat`: shares only, no value), read off
    all of ``frame``. A column of a UNIQUE set is left fresh per row: repeats there are errors."""
    keyed = {c for unique in table.unique_sets() for c in unique}
    columns = []
    for c in s.columns:
        if c.column in frame.column_names and c.column not in keyed and not c.unique and group_of(c.type) is not None:
            c = replace(c, repeat=learn_repeat(frame.column(c.column).to_pylist()))
        columns.append(c)
    return replace(s, columns=tuple(columns))


def private_semantics(ft, overrides: dict[tuple[str, str], str]) -> Semantics:
    """Under a privacy budget: the types from the schema alone (names, types; no value read), the
    locale column drawn with the rest (:attr:`Semantics.drawn_locale`)."""
    taken = set(ft.plan.fk_columns) | set(ft.plan.generated_keys) | set(ft.sequences)
    found = detect_table(ft.table, None, overrides, taken=taken)
    # a UNIQUE one (a table of countries) cannot be drawn from a few locales: it stays text
    drawn = found.locale is not None and not ft.table.is_unique((found.locale,))
    return Semantics(found.columns, found.locale if drawn else None, found.locale_type, drawn_locale=drawn)


def with_presence(frame: pa.Table, ft) -> pa.Table:
    """Under a privacy budget: each nullable generated column (and a drawn locale column) as
    ``~name``, true where the row has a value and NULL where not: the private model draws its NULLs."""
    s = ft.semantic
    names = (s.names + ((s.locale,) if s.drawn_locale else ())) if s else ()
    for name in names:
        if name in frame.column_names and ft.table.column(name).nullable:
            present = frame.column(name).is_valid()
            frame = frame.append_column(length_column(name), pc.if_else(present, True, pa.scalar(None, pa.bool_())))
    return frame


def _spread(values: pa.ChunkedArray) -> list:
    """Up to :data:`_SAMPLE` non-NULL values from all over the column."""
    present = values.drop_null()
    if len(present) <= _SAMPLE:
        return present.to_pylist()
    return present.take(pa.array(np.linspace(0, len(present) - 1, _SAMPLE).astype(np.int64))).to_pylist()


def with_semantic_lengths(frame: pa.Table, ft) -> pa.Table:
    """``frame`` plus ``~name`` for each generated column that holds NULLs or whose length varies
    with its value (not a format: a phone mask, a hash): the table model draws whether a row has
    a value and how long it is, jointly with the rest of the row, and the generator draws toward it."""
    for c in ft.semantic.columns if ft.semantic else ():
        if c.column in frame.column_names and (frame.column(c.column).null_count or free_length(c)) \
                and length_column(c.column) not in frame.column_names:
            frame = frame.append_column(length_column(c.column), arrow_lengths(frame.column(c.column)))
    return frame


def free_length(c: SemanticColumn) -> bool:
    return not c.formats and not c.style.startswith(("hex", "bcrypt"))


def type_lines(tables: dict) -> list[str]:
    """One line per table with generated columns: ``Customer: FirstName first_name, ... (locale: Country)``."""
    out = []
    for key, ft in tables.items():
        s = getattr(ft, "semantic", None)
        if s is None or not (s.columns or s.drawn_locale):
            continue
        where = f" (locale: {s.locale})" if s.locale else " (locale: en_US)"
        drawn = [f"{s.locale} {s.locale_type} (drawn)"] if s.drawn_locale else []
        out.append(f"{key}: " + ", ".join([f"{c.column} {c.type}" for c in s.columns] + drawn) + where)
    return out


def copy_line(reports: dict[str, SemanticReport]) -> str | None:
    """The exact-copy rate of the generated columns, where real values were at hand to count it."""
    if not reports:
        return None
    rows = sum(r.rows for r in reports.values())
    checked = {k: r for k, r in reports.items() if r.checked}
    line = f"generated (Faker, no real value read): {len(reports)} columns, {rows:,} values"
    if not checked:
        return line + "; copies of real values not counted (no real values at hand: --guard-source SRC counts them)"
    copies = sum(r.copies for r in checked.values())
    shown = sorted(((k, r) for k, r in checked.items() if r.copies), key=lambda kr: -kr[1].copies / max(kr[1].rows, 1))
    worst = ", ".join(f"{k} {r.copies / r.rows:.1%}" for k, r in shown[:4])
    total = sum(r.rows for r in checked.values())
    return line + f"; equal to a real value: {copies:,} ({copies / max(total, 1):.2%})" + (f", most in {worst}" if worst else "")


def real_values(con, db: Database, tables: dict) -> None:
    """Read the real values of each table's generated columns from ``con`` (the fitted source)."""
    from amalgam_rel.schema import sql

    for key, ft in tables.items():
        s = getattr(ft, "semantic", None)
        if s is None or not s.columns or not db.has_table(key):
            continue
        table = db.table(key)
        query = exp.select(*(sql.column(c) for c in s.names)).from_(sql.table_ref(table.name, table.schema))
        rows = con.execute(sql.render(query)).to_arrow_table()
        ft.semantic_real = {c: frozenset(rows.column(c).drop_null().to_pylist()) for c in s.names}
