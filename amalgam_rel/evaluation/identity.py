"""Generated identity columns: people, contacts and places the synthesizer invents, never copies.

``synth`` fills a column with a semantic type (a person's name, an e-mail, a phone number, a
street address, a city, a state, a postcode, a company, ...; not a country or a language, which
stay statistical) from Faker, never from the real values
(:mod:`amalgam_rel.relational.semantic_columns`). Scored as a category, such a column is wrong
by construction: its real values never come back. The evaluator finds these columns the way
``synth`` does, from the real database alone: the same detection
(:func:`~amalgam_rel.relational.semantic_columns.detect_table`: the column's name, its table and
a sample of its real values; a sidecar's ``[[columns]]`` types given to ``evaluate`` override it)
on every string column that is not a key (primary, foreign or referenced) and does not repeat
its parent row's column. A column that repeats its parent's column (``Invoice.BillingCity =
Customer.City``, :mod:`amalgam_rel.relational.parent_copies`) is an identity column where that
column is one: ``synth`` copies the parent's invented value. The rule reads no synthetic data, so
every synthesizer's output is scored alike.

Such a column is scored on what the generator promises (:class:`IdentityParts`): its NULL share,
its length distribution, the share of values of its type's form
(:func:`~amalgam_rel.generation.semantic.detect.fits`), the distribution of its values' shapes
(:func:`shape`) and its share of distinct values.

>>> Identity("city", "Customer.City").describe()
'city (copied from Customer.City)'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.stats import ks_complement, tv_complement_counts
from amalgam_rel.evaluation.word_columns import key_names, string_columns, string_sample
from amalgam_rel.generation.semantic.detect import fits
from amalgam_rel.generation.semantic.toward import shape  # the forms the generator draws toward
from amalgam_rel.relational.parent_copies import find_parent_copies
from amalgam_rel.relational.semantic_columns import detect_table
from amalgam_rel.schema import sql
from amalgam_rel.schema.types import Kind

HOW = ("generated identity columns (people, contacts, places the synthesizer invents from Faker, never "
       "copying real values) are scored on their NULL share, length distribution, share of values of "
       "their type's form, value shapes (letters/digits/punctuation) and share of distinct values, "
       "not on category frequencies")
PAIRS_LEFT_OUT = ("pairs with a generated identity column are left out: it has no categories to pair, "
                  "its NULLs, lengths and form are scored by column shapes")


@dataclass(frozen=True)
class Identity:
    type: str  # the semantic type the synthesizer generates (``city``)
    source: str = ""  # ``Customer.City`` where the column repeats its parent row's column

    def describe(self) -> str:
        return self.type + (f" (copied from {self.source})" if self.source else "")


def parent_copies(ctx: Context, key: str) -> dict[str, tuple[str, str]]:
    """The table's top-level string columns that repeat a string column of their parent row:
    ``{column: (parent table, parent column)}`` (memoised; self-references are not followed)."""
    memo = ("parent_copies", key)
    if memo not in ctx.memo:
        keys = key_names(ctx, key)
        out: dict[str, tuple[str, str]] = {}
        for fk in ctx.schema.foreign_keys_of(key):
            names = [c for c in string_columns(ctx, key) if c not in keys and c not in out]
            if fk.is_self_reference or not names:
                continue
            sources = [c.name for c in ctx.table(fk.ref_table).columns if c.type.kind is Kind.STRING]
            for copy in find_parent_copies(ctx.con, ctx.ref("real", key), ctx.ref("real", fk.ref_table), fk.columns,
                                           fk.ref_columns, names, sources, 0):
                out[copy.column] = (fk.ref_table, copy.source)
        ctx.memo[memo] = out
    return ctx.memo[memo]


def identity_columns(ctx: Context) -> dict[tuple[str, str], Identity]:
    """``{(table, column): Identity}`` for every generated identity column (memoised)."""
    if "identity_columns" not in ctx.memo:
        found: dict[tuple[str, str], Identity] = {}
        copies: dict[tuple[str, str], tuple[str, str]] = {}
        for t in ctx.schema.tables:
            copied = parent_copies(ctx, t.key)
            copies |= {(t.key, c): source for c, source in copied.items()}
            referenced = {c for fk in ctx.schema.referencing(t.key) for c in fk.ref_columns}
            sample = string_sample(ctx, "real", t.key)
            samples = {c: sample.values(c) for c in sample.columns}
            taken = key_names(ctx, t.key) | referenced | set(copied)
            for s in detect_table(t, samples, ctx.semantic_overrides, taken=taken).columns:
                found[t.key, s.column] = Identity(s.type)
        inherited = True
        while inherited:  # a copy of a copy inherits along the chain
            inherited = False
            for column, (parent, source) in copies.items():
                if column not in found and (parent, source) in found:
                    found[column] = Identity(found[parent, source].type, f"{parent}.{source}")
                    inherited = True
        ctx.memo["identity_columns"] = found
    return ctx.memo["identity_columns"]


@dataclass(frozen=True)
class IdentityParts:
    """The generator's promises, each 1 where both sides agree: ``lengths`` (KSComplement of the
    lengths), ``pattern`` (1 - |difference of the shares of values of the type's form|),
    ``shape`` (TVComplement of the values' shapes, :func:`shape`: phones written ``+1 (780)
    428-9482`` on one side and ``780-428-9482`` on the other) - both on each side's fixed sample - and ``distinct``
    (1 - |difference of the shares of distinct values|).

    >>> IdentityParts(1.0, 1.0, 0.5, 0.5, 10, 12).distribution
    0.75
    """

    lengths: float
    pattern: float
    shape: float
    distinct: float
    n_real: int  # non-NULL values
    n_synth: int

    @property
    def distribution(self) -> float:
        return (self.lengths + self.pattern + self.shape + self.distinct) / 4

    def scores(self) -> dict[str, float]:
        return {"lengths": self.lengths, "pattern": self.pattern, "shape": self.shape, "distinct": self.distinct}


def identity_parts(ctx: Context, table: str, column: str, type_name: str) -> IdentityParts:
    value = sql.column(column)
    lengths = ks_complement(ctx, table, exp.Anonymous(this="length", expressions=[value]))
    patterns, shapes, rates = [], [], []
    for side in ("real", "synth"):
        values = [str(v) for v in string_sample(ctx, side, table).values(column)]
        patterns.append(sum(fits(type_name, v) for v in values) / len(values) if values else None)
        shapes.append(Counter(map(shape, values)))
        distinct, present = ctx.query(exp.select(exp.Count(this=exp.Distinct(expressions=[value.copy()])),
                                                 exp.Count(this=value.copy())).from_(ctx.ref(side, table)))[0]
        rates.append(distinct / present if present else None)
    seen = sorted(set(shapes[0]) | set(shapes[1]))
    counts = [np.array([c[k] for k in seen], dtype=float) for c in shapes]
    return IdentityParts(lengths.score, _agreement(*patterns), tv_complement_counts(*counts), _agreement(*rates),
                         lengths.n_real, lengths.n_synth)


def _agreement(real: float | None, synth: float | None) -> float:
    """1 - |real - synth| for two shares; two empty sides agree, one empty side does not."""
    if real is None or synth is None:
        return 1.0 if real is None and synth is None else 0.0
    return 1.0 - abs(real - synth)
