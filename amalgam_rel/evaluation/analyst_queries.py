"""What an analyst writes: queries on the text values of lookup tables and on words.

The automatic workload's filters and groups use categorical columns only, so a lookup table of
names (chinook's 25 genres, one row each) was never queried by name, and a synthetic database
of invented genre names answered every automatic query right. These queries, built with
sqlglot from values picked in the real data, are added to it (:mod:`.workload`):

* for each *small* table (≤ ``SMALL`` real rows) and each of its first ``PER_TABLE`` word
  columns (:mod:`.word_columns`), its most used real value ``v`` (the value with the most
  child rows through a foreign key pointing at the table, else the most frequent value),
  where ``v`` holds ≥ ``MIN_SHARE`` of those rows: ``COUNT(*) WHERE name = v``;
* for every path of one or two foreign keys ending at such a table: the child rows' count
  and the sum of the child's first numeric column ``WHERE lookup.name = v``, and the same
  grouped by the lookup's name;
* for each word column of any table, ``COUNT(*) WHERE lower(col) LIKE '%word%'`` with its most
  frequent real word of ≥ ``MIN_LIKE`` letters, where it is in ≥ ``MIN_WORD_SHARE`` of the values.

Columns named like people's names or contacts (:data:`PERSONAL`: ``FirstName``, ``contact_name``, ``email``,
``Address``, ...) get none: an analyst does not group sales by a customer's first name, and a
synthesizer must not copy them (issue #22 part 2 generates them fresh).

A synthetic database that invents names answers them with nothing: error 1 each, counted as
empty answers by the workload. A query whose filter (or group) column is a generated identity
column (:mod:`.identity`: a company, a city, a state ``synth`` invents from Faker) names that
column in its third item: its empty answer is by design (the synthesizer never writes real
identities), and the workload counts such empty answers apart from the others.

>>> like("t", "Name", "rock").sql("duckdb")
'SELECT COUNT(*) AS n FROM "t" AS "t" WHERE LOWER("t"."Name") LIKE \\'%rock%\\''
"""

from __future__ import annotations

import re
from collections import Counter

from sqlglot import exp

from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.identity import identity_columns
from amalgam_rel.evaluation.intertable import paths
from amalgam_rel.evaluation.word_columns import string_sample, word_columns
from amalgam_rel.generation.lexicon import words
from amalgam_rel.schema import sql

SMALL = 1_000
PER_TABLE = 2
MIN_LIKE = 4
MAX_QUERIES = 100
MIN_SHARE = 0.05  # a filtered value holds this share of the rows (or child rows) at least
MIN_WORD_SHARE = 0.02  # a LIKE word is in this share of the values at least
# People's names and contacts are not what an analyst filters a lookup by, and a synthesizer
# must not reproduce them: a column so named gets none of these queries.
PERSONAL = re.compile(r"(first|last|middle|given|family|full|sur|user)_?name|contact|address|street|phone|fax|e_?mail"
                      r"|postal|post_?code|zip", re.IGNORECASE)
_GROUP = sql.internal("k")


def analyst_queries(ctx: Context) -> list[tuple[str, str, str]]:
    """``[(name, sql, identity), ...]``, at most ``MAX_QUERIES``; ``identity`` is the filtered
    ``table.column`` where it is a generated identity column, else empty."""
    chosen = [(t, c) for t, c in word_columns(ctx)[0] if not PERSONAL.search(c)]
    generated = identity_columns(ctx)
    out: list[tuple[str, str, str]] = []
    by_table: dict[str, list[str]] = {}
    for table, column in chosen:
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        if ctx.rows("real", table) <= SMALL:
            for column in columns[:PER_TABLE]:
                mark = f"{table}.{column}" if (table, column) in generated else ""
                out += [(name, text, mark) for name, text in _lookup_queries(ctx, table, column)]
    for table, column in chosen:
        word = frequent_word(string_sample(ctx, "real", table).values(column), MIN_WORD_SHARE)
        if word:
            t = ctx.table(table)
            mark = f"{table}.{column}" if (table, column) in generated else ""
            out.append((f"analyst: {table}.{column} LIKE '%{word}%'", like(t.name, column, word, t.schema).sql(sql.DIALECT),
                        mark))
    return out[:MAX_QUERIES]


def like(table: str, column: str, word: str, schema: str = "main") -> exp.Select:
    pattern = exp.Literal.string(f"%{word}%")
    where = exp.Like(this=exp.Lower(this=sql.column(column, "t")), expression=pattern)
    return exp.select(exp.Count(this=exp.Star()).as_("n")).from_(sql.table_ref(table, schema, "t")).where(where)


def frequent_word(values: list[str], min_share: float = 0.0) -> str | None:
    """The most frequent word of ≥ ``MIN_LIKE`` letters (ties: alphabetical), or None unless
    it is in ``min_share`` of the values.

    >>> frequent_word(["Rock and Roll", "Hard Rock", "Jazz"]), frequent_word(["Rock", "Jazz", "Pop"], 0.5)
    ('rock', None)
    """
    counts = Counter(w for v in values for w in set(words(v)) if len(w) >= MIN_LIKE and "'" not in w)
    if not counts:
        return None
    word = min(counts, key=lambda w: (-counts[w], w))
    return word if counts[word] >= min_share * len(values) else None


def _lookup_queries(ctx: Context, table: str, column: str) -> list[tuple[str, str]]:
    value = _most_used(ctx, table, column)
    if value is None:
        return []
    label = f"{table}.{column} = {value!r}"
    equals = exp.EQ(this=sql.column(column, "p"), expression=exp.Literal.string(value))
    out = []
    if ctx.profile[table].bins.get(column) is None:  # a categorical column has its filter already
        q = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(_ref(ctx, table, "p")).where(equals)
        out.append((f"analyst: filter {label}", q.sql(sql.DIALECT)))
    for path in paths(ctx):
        if path[-1].ref_table != table:
            continue
        joined, aggs = _join(ctx, path)
        route = " -> ".join([path[0].table] + [fk.ref_table for fk in path])
        out.append((f"analyst: {route} where {label}", joined.copy().select(*(a.copy() for a in aggs)).where(equals.copy()).sql(sql.DIALECT)))
        grouped = joined.select(sql.column(column, "p").as_(_GROUP), *(a.copy() for a in aggs)).group_by(sql.column(_GROUP))
        out.append((f"analyst: {route} by {table}.{column}", grouped.sql(sql.DIALECT)))
    return out


def _join(ctx: Context, path) -> tuple[exp.Select, list[exp.Expression]]:
    """The child joined along ``path`` to the lookup (aliased ``p``), and the child's aggregates."""
    aliases = ["c"] + [f"a{i}" for i in range(len(path) - 1)] + ["p"]
    q = exp.select().from_(_ref(ctx, path[0].table, "c"))
    for i, fk in enumerate(path):
        q = q.join(_ref(ctx, fk.ref_table, aliases[i + 1]), on=join_on(fk, aliases[i], aliases[i + 1]))
    aggs: list[exp.Expression] = [exp.Count(this=exp.Star()).as_("n")]
    numeric = [f for f in ctx.profile[path[0].table].features if f.role == "numeric"]
    if numeric:
        aggs.append(exp.Sum(this=numeric[0].value("c")).as_("total"))
    return q, aggs


def _most_used(ctx: Context, table: str, column: str):
    """The value with the most child rows (first FK pointing at ``table``), else the most frequent
    value; None unless it holds ``MIN_SHARE`` of those rows."""
    value = sql.column(column, "p")
    share = exp.Div(this=exp.Count(this=exp.Star()),
                    expression=exp.Window(this=exp.Sum(this=exp.Count(this=exp.Star()))))
    q = exp.select(value, share).from_(_ref(ctx, table, "p", "real")).where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
    children = [fk for fk in ctx.schema.referencing(table) if not fk.is_self_reference]
    if children:
        q = q.join(ctx.ref("real", children[0].table, "c"), on=join_on(children[0], "c", "p"))
    q = q.group_by(value.copy()).order_by(exp.Ordered(this=exp.Count(this=exp.Star()), desc=True), value.copy()).limit(1)
    rows = ctx.query(q)
    return rows[0][0] if rows and rows[0][1] >= MIN_SHARE else None


def _ref(ctx: Context, key: str, alias: str, side: str | None = None) -> exp.Table:
    """As the workload sees it (under ``USE side``, no catalog), or in ``side``'s catalog."""
    if side:
        return ctx.ref(side, key, alias)
    t = ctx.table(key)
    return sql.table_ref(t.name, t.schema, alias)
