"""Columns that repeat a column of their parent row: ``Invoice.BillingCity = Customer.City``.

Denormalised copies are common: an invoice's billing address is its customer's address, a
route carries the IATA codes of the airports its ids point to. Left to the child's own models,
such a column is drawn on its own: a billing city that is not the customer's (chinook: 0 % of
synthetic invoices agreed), or, since a value repeated by every invoice of a customer looks
like a category, the *real* address, while the customer's own address is invented under the
copy guard. Fitting finds them (:func:`find_parent_copies`): a column equal (NULL equal to
NULL) to a column of the row its foreign key points to in at least :data:`HOLDS` of the rows
(at least :data:`MIN_ROWS` with a parent, the rows without one counting as equal only when the
column is NULL there too), or :data:`HOLDS_ENTITY` when its values tell parents apart (as many
distinct values as half its distinct parents: northwind's ship-to addresses are the customer's
on 94-98 % of orders, and a category model of the orders would ship every synthetic order to a
real customer's address). Such a column leaves the child's models, and sampling copies the
sampled parent's value (:func:`per_row`): the child agrees with its parent on every row, and
repeats no more of the real data than the parent does. Where only the rows without a parent
break the rule (they hold values of their own), the column keeps its models for them and the
copy overwrites the rows with a parent.

>>> from amalgam_rel.connection import connect
>>> con = connect()
>>> _ = con.execute("CREATE TABLE c (id INT, city VARCHAR); CREATE TABLE i (cid INT, bill VARCHAR)")
>>> _ = con.execute("INSERT INTO c SELECT x, 'city ' || x FROM range(40) t(x)")
>>> _ = con.execute("INSERT INTO i SELECT x % 40, 'city ' || (x % 40) FROM range(200) t(x)")
>>> find_parent_copies(con, sql.table_ref("i"), sql.table_ref("c"), ("cid",), ("id",), ["bill"], ["city"], 0)
(ParentCopy(column='bill', fk=0, source='city', only_with_parent=False),)
>>> per_row(pa.array(["Oslo", "Lima"]), np.array([1, -1, 0])).to_pylist()
['Lima', None, 'Oslo']
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.engines import Engine

HOLDS = 0.99
HOLDS_ENTITY = 0.9  # for a column with distinct values for at least ENTITY_SHARE of its distinct parents
ENTITY_SHARE = 0.5
MIN_ROWS = 30
_PAIRS_PER_QUERY = 256
_SALT = "parent copies:"  # the share of families checked, chosen apart from the table's own sample


@dataclass(frozen=True)
class ParentCopy:
    column: str
    fk: int  # index of the foreign key (in the database's list) whose parent row it repeats
    source: str  # the parent's column
    # rows without a parent hold values of their own (a route's airport code without the
    # airport's id): the column stays in the child's models, and the copy overwrites only the
    # rows that have a parent
    only_with_parent: bool = False


def find_parent_copies(con: duckdb.DuckDBPyConnection | Engine, child: exp.Table, parent: exp.Table,
                       fk_columns: tuple[str, ...], ref_columns: tuple[str, ...], columns: list[str],
                       sources: list[str], fk: int, pairs=None, within: tuple[float, tuple[str, ...]] | None = None,
                       ) -> tuple[ParentCopy, ...]:
    """The child ``columns`` that repeat one of the parent's ``sources`` through one foreign key.

    ``pairs(column, source)`` says whether a pair may be a copy at all (types); one query
    counts the agreeing rows of every pair, for up to :data:`_PAIRS_PER_QUERY` pairs (a wide
    fact table and a wide dimension make thousands), and a second the distinct values of the
    columns whose pairs agree between :data:`HOLDS_ENTITY` and :data:`HOLDS` (only there do
    they decide).

    ``within`` = ``(share, key)`` (a table too large to read whole, ``--max-rows``): the pairs are
    counted on a repeatable ``share`` of the child's families, an estimate: the children of the
    parent keys an md5 picks (:func:`~amalgam_rel.schema.engines.repeatable_share`), each beside
    its parent (the parent read through the same pick, so neither side of the join holds every
    row: lineitem beside TPC-H sf 10's 15 M orders ran out of DuckDB's 128 MiB), and the same
    share of the rows whose key is empty, picked by their own ``key``.
    """
    out, batch, size = [], [], 0
    for column in columns:
        n = sum(pairs is None or pairs(column, s) for s in sources)
        if batch and size + n > _PAIRS_PER_QUERY:
            out += _find(con, child, parent, fk_columns, ref_columns, batch, sources, fk, pairs, within)
            batch, size = [], 0
        batch.append(column)
        size += n
    if batch:
        out += _find(con, child, parent, fk_columns, ref_columns, batch, sources, fk, pairs, within)
    return tuple(out)


def _find(con, child, parent, fk_columns, ref_columns, columns, sources, fk, pairs, within) -> tuple[ParentCopy, ...]:
    candidates = [(c, s) for c in columns for s in sources if pairs is None or pairs(c, s)]
    if not candidates:
        return ()
    child, parent = child.copy(), parent.copy()
    child.set("alias", exp.TableAlias(this=sql.ident("c")))
    parent.set("alias", exp.TableAlias(this=sql.ident("p")))
    on = exp.and_(*(exp.EQ(this=sql.column(a, "c"), expression=sql.column(b, "p")) for a, b in zip(fk_columns, ref_columns)))
    found = exp.Not(this=exp.Is(this=sql.column(ref_columns[0], "p"), expression=exp.Null()))

    def count(condition: exp.Expression) -> exp.Expression:
        return exp.Sum(this=exp.Cast(this=condition, to=exp.DataType.build("INTEGER")))

    names = sorted({c for c, _ in candidates}, key=columns.index)
    same = [exp.NullSafeEQ(this=sql.column(c, "c"), expression=sql.column(s, "p")) for c, s in candidates]
    query = exp.select(
        exp.Count(this=exp.Star()), count(found.copy()),
        *(count(e.copy()) for e in same), *(count(exp.and_(found.copy(), e.copy())) for e in same),
        *(count(exp.and_(exp.Not(this=found.copy()), exp.Not(this=exp.Is(this=sql.column(c, "c"), expression=exp.Null()))))
          for c in names),
    ).from_(child.copy()).join(parent, on=on, join_type="left")
    if within is not None:
        query = _families(query, fk_columns, ref_columns, *within)
    total, parented, *counts = (int(v or 0) for v in _one_row(con, query))
    if parented < MIN_ROWS:
        return ()
    k = len(candidates)
    agree, agree_parented, own = counts[:k], counts[k:2 * k], dict(zip(names, counts[2 * k:]))
    ranked = sorted(zip(candidates, agree, agree_parented), key=lambda x: (-x[1], -x[2]))
    # a column's distinct values matter only where the two thresholds disagree on one of its pairs
    undecided = [c for c in names if any(column == c and _copy(n, m, total, parented, own[c], HOLDS)
                                         != _copy(n, m, total, parented, own[c], HOLDS_ENTITY)
                                         for (column, _), n, m in ranked)]
    *distinct, parents = _distinct_counts(con, child, undecided, fk_columns) if undecided else [0]
    distinct = dict(zip(undecided, distinct))
    out, taken = [], set()
    for (column, source), n, m in ranked:
        if column in taken:
            continue
        # values that tell parents apart (an address, a name) are the parent's: the few rows that
        # differ (an order shipped elsewhere) do not make them a category of the child
        holds = HOLDS_ENTITY if column in distinct and distinct[column] >= ENTITY_SHARE * parents else HOLDS
        kind = _copy(n, m, total, parented, own[column], holds)
        if kind is None:
            continue
        out.append(ParentCopy(column, fk, source, only_with_parent=kind))
        taken.add(column)
    return tuple(sorted(out, key=lambda p: columns.index(p.column)))


def _families(query: exp.Select, fk_columns, ref_columns, share: float, key: tuple[str, ...]) -> exp.Select:
    """``query`` over the children of a repeatable ``share`` of the parent keys (and that share of
    the rows with an empty key, by their own ``key``): the parent side read through the same pick."""
    empty = exp.or_(*(exp.Is(this=sql.column(c, "c"), expression=exp.Null()) for c in fk_columns))
    text = exp.Case(ifs=[exp.If(this=empty, true=_text(key, "c"))], default=_text(fk_columns, "c"))
    joins = query.args["joins"]
    parent = joins[0].this
    alias = parent.alias_or_name
    pick = exp.select(exp.Star()).from_(parent.copy()).where(_picked(_text(ref_columns, alias), share))
    joins[0].set("this", pick.subquery(alias))
    return query.where(_picked(text, share))


def _text(columns, alias: str) -> exp.Expression:
    """The values of ``columns`` as one text, ``[v1, v2]`` (NULL written out)."""
    parts: list[exp.Expression] = [exp.Literal.string("[")]
    for i, c in enumerate(columns):
        parts += [exp.Literal.string(", ")] if i else []
        parts.append(exp.Coalesce(this=exp.cast(sql.column(c, alias), "VARCHAR"), expressions=[exp.Literal.string("NULL")]))
    return exp.Concat(expressions=parts + [exp.Literal.string("]")])


def _picked(text: exp.Expression, share: float) -> exp.Expression:
    """True for a repeatable ``share`` of the texts: the salted md5's hex digest below ``share``
    of its range. One digest per row (read as a number, its bytes reversed, as
    :func:`~amalgam_rel.schema.engines.repeatable_share` does, the digest was computed eight times:
    17 s instead of 1 s for 2 M rows)."""
    digest = exp.MD5(this=exp.Concat(expressions=[exp.Literal.string(_SALT), text]))
    bound = min(int(share * 2**64), 2**64 - 1)
    return exp.LT(this=digest, expression=exp.Literal.string(f"{bound:016x}"))


def _copy(agree: int, agree_parented: int, total: int, parented: int, own: int, holds: float) -> bool | None:
    """Whether a pair is a copy at the share ``holds``: False for one on every row, True for one
    only where there is a parent (the rows without one hold values of their own), None for none."""
    if agree >= holds * total:
        return False
    if agree_parented >= holds * parented and own > 0:
        return True
    return None


def _distinct_counts(con, child: exp.Table, names: list[str], fk_columns: tuple[str, ...]) -> list[int]:
    """The distinct non-NULL values of each child column in ``names``, then the distinct filled
    foreign keys: each a ``GROUP BY`` in a scalar subquery. A join keeps every child row, so
    the child alone has the same distinct values; a ``COUNT(DISTINCT ...)`` over every row of a
    table too large to read held all its values in memory (DuckDB does not spill it, and ran
    out at TPC-H sf 1), where a ``GROUP BY`` spills."""

    def groups(columns) -> exp.Expression:
        filled = exp.and_(*(exp.Not(this=exp.Is(this=sql.column(c, "c"), expression=exp.Null())) for c in columns))
        values = exp.select(*(sql.column(c, "c") for c in columns)).from_(child.copy()).where(filled) \
            .group_by(*(sql.column(c, "c") for c in columns))
        return exp.select(exp.Count(this=exp.Star())).from_(values.subquery("g")).subquery()

    query = exp.select(*(groups([c]) for c in names), groups(fk_columns))
    return [int(v or 0) for v in _one_row(con, query)]


def _one_row(con, query: exp.Select) -> list:
    """The one row of ``query``: from an :class:`~amalgam_rel.schema.engines.Engine` (inside a server
    source, when it holds both tables: the join over every child row is the heaviest scan of a fit
    with ``--max-rows``), else from the DuckDB connection ``con``."""
    if not isinstance(con, Engine):
        return list(con.execute(query.sql(sql.DIALECT)).fetchone())
    engine = con if con.holds(query) else Engine(con.con)
    named = query.copy()  # every value named: a server's pass-through refuses two of one name
    named.set("expressions", [e.as_(sql.ident(f"v{i}")) for i, e in enumerate(named.expressions)])
    table = engine.run(named)
    return [table.column(i)[0].as_py() for i in range(table.num_columns)]


def per_row(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` per row, NULL where ``idx`` is -1 (no parent)."""
    if not len(values):
        return pa.nulls(len(idx), values.type)
    taken = values.take(pa.array(np.maximum(idx, 0)))
    return pc.if_else(pa.array(idx < 0), pa.scalar(None, taken.type), taken)


def parent_rows(child_keys: list[pa.Array], parent_keys: list[pa.Array]) -> np.ndarray:
    """Each child row's parent row (-1: NULL or no such parent), for keys of one or more columns."""
    left = pa.table({f"k{j}": a for j, a in enumerate(child_keys)} | {"i": np.arange(len(child_keys[0]))})
    right = pa.table({f"k{j}": a for j, a in enumerate(parent_keys)} | {"p": np.arange(len(parent_keys[0]))})
    joined = left.join(right, [f"k{j}" for j in range(len(child_keys))], join_type="left outer")
    out = np.full(left.num_rows, -1, dtype=np.int64)
    rows = joined.column("i").to_numpy()
    out[rows] = joined.column("p").fill_null(-1).to_numpy()
    return out
