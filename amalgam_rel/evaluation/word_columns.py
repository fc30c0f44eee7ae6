"""Which string columns hold words, and a fixed sample of each table's string values.

Realism (:mod:`.realism`), within-row consistency (:mod:`.consistency`), the analyst queries
(:mod:`.analyst_queries`) and detection's text features read the same sample: up to
``SAMPLE`` rows per side in a fixed hash order, every top-level VARCHAR column of the table.

A VARCHAR column is a *word column* unless it is a key (primary or foreign key: an identity),
holds no values, looks numeric (most values have at least as many digits as letters: phone
numbers, postcodes, amounts stored as text), looks like an identifier (most values are one
token mixing letters and digits: ``INV-2023-0001``, hashes) or holds e-mail addresses (scored
by within-row consistency instead: an address is right when it matches its row's name, not
when its letters form words).

>>> skip_reason(["12 345", "+1 555 0100", "ab"])
'numeric-looking'
>>> skip_reason(["AB12CD", "X9Y8Z7", "Rock"])
'identifier-like'
>>> skip_reason(["Rock", "Bossa Nova"]) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.schema import sql
from amalgam_rel.schema.types import Kind

SAMPLE = 5_000  # rows per side and table
MOSTLY = 0.5  # share of values that decides a column's look
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StringSample:
    """One side's sampled rows of one table: ``rows[i][j]`` is column ``columns[j]`` of row i."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]

    def values(self, column: str) -> list[str]:
        """The column's non-NULL values, in sample order."""
        j = self.columns.index(column)
        return [r[j] for r in self.rows if r[j] is not None]


@dataclass(frozen=True)
class Skipped:
    table: str
    column: str
    reason: str


def string_columns(ctx: Context, key: str) -> tuple[str, ...]:
    """The table's top-level VARCHAR columns, keys included."""
    return tuple(c.name for c in ctx.table(key).columns if c.type.kind is Kind.STRING)


def string_sample(ctx: Context, side: str, key: str) -> StringSample:
    """Up to ``SAMPLE`` rows of the table's VARCHAR columns, in a fixed hash order (memoised)."""
    memo = ("strings", side, key)
    if memo not in ctx.memo:
        columns = string_columns(ctx, key)
        rows: list[tuple] = []
        if columns:
            query = (exp.select(*(sql.column(c) for c in columns)).from_(ctx.ref(side, key))
                     .order_by(ctx.row_hash(key, ctx.seed)).limit(SAMPLE))
            rows = ctx.query(query)
        ctx.memo[memo] = StringSample(columns, tuple(rows))
    return ctx.memo[memo]


def key_names(ctx: Context, key: str) -> set[str]:
    keys = set(ctx.table(key).primary_key)
    for fk in ctx.schema.foreign_keys_of(key):
        keys.update(fk.columns)
    return keys


def word_columns(ctx: Context) -> tuple[list[tuple[str, str]], list[Skipped]]:
    """``([(table, column), ...], skipped)``: the word columns of every table (memoised)."""
    if "word_columns" not in ctx.memo:
        chosen, skipped = [], []
        for t in ctx.schema.tables:
            keys = key_names(ctx, t.key)
            sample = string_sample(ctx, "real", t.key)
            for name in sample.columns:
                reason = "key column" if name in keys else skip_reason(sample.values(name))
                if reason:
                    skipped.append(Skipped(t.key, name, reason))
                else:
                    chosen.append((t.key, name))
        ctx.memo["word_columns"] = (chosen, skipped)
    return ctx.memo["word_columns"]


def skip_reason(values: list[str]) -> str | None:
    """Why a column of these (real) values is not scored for words, or None."""
    if not values:
        return "no values"
    n = len(values)
    if sum(bool(EMAIL.match(v)) for v in values) >= MOSTLY * n:
        return "e-mail addresses"
    if sum(_digits(v) >= _letters(v) and _digits(v) > 0 for v in values) >= MOSTLY * n:
        return "numeric-looking"
    if sum(_identifier(v) for v in values) >= MOSTLY * n:
        return "identifier-like"
    return None


def _digits(v: str) -> int:
    return sum(ch.isdigit() for ch in v)


def _letters(v: str) -> int:
    return sum(ch.isalpha() for ch in v)


def _identifier(v: str) -> bool:
    """One token (no space) holding both letters and digits."""
    return not any(ch.isspace() for ch in v.strip()) and _digits(v) > 0 and _letters(v) > 0
