"""The counts a table model is fitted on, computed by the engine that holds the rows.

A table too large to read whole is fitted from a bounded sample of its rows (for what truly needs
rows: routing, structure learning, numeric bin edges, text) plus, over *all* its rows, what the
model's estimates are made of - the row count, each categorical column's value counts, each numeric
column's range and NULLs, and the marginal counts of every clique of the model. All of these are
``GROUP BY`` queries: built here with sqlglot over the caller's ``relation`` (a query whose output
columns are the frame's), run by the engine behind ``con`` (DuckDB, reading the source through its
scanner or natively), which streams the rows and returns only the counts. Every query is one scan
(``GROUPING SETS``), whatever the number of columns or cliques.

>>> from amalgam_rel.connection import connect
>>> con = connect()
>>> rel = exp.select("*").from_(exp.Values(expressions=[exp.Tuple(expressions=[exp.Literal.string(v)]) for v in "aab"],
...                                        alias=exp.TableAlias(this=exp.to_identifier("t"), columns=["c"])))
>>> agg = Aggregates(con, rel, rows=3, columns=frozenset({"c"}))
>>> values, counts, nulls = agg.value_counts(["c"])["c"]
>>> sorted(zip(values.to_pylist(), counts.tolist())), nulls
([('a', 2), ('b', 1)], 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.schema import sql

_SETS_PER_QUERY = 30  # GROUPING(...) takes one bit per column: stay well inside a 64-bit id


@dataclass(frozen=True)
class Aggregates:
    """All rows of one table, seen only through the counts the engine behind ``con`` computes.

    ``relation`` is a query whose output columns are those of the training frame; ``columns``
    names the ones whose values there are those of the frame (the rest exist only in the sample);
    ``rows`` is its row count; ``sample_rows`` the rows of the sample the frame holds.
    """

    con: object  # a DuckDB connection (anything with ``execute(sql).to_arrow_table()``)
    relation: exp.Select
    rows: int
    columns: frozenset[str]
    sample_rows: int = 0
    dialect: str = sql.DIALECT  # what the queries are written in, for the engine behind ``con``

    def _run(self, query: exp.Expression) -> pa.Table:
        return self.con.execute(query.sql(self.dialect)).to_arrow_table()

    def _source(self) -> exp.Subquery:
        return self.relation.copy().subquery(sql.internal("rows"))

    def value_counts(self, names: list[str]) -> dict[str, tuple[pa.Array, np.ndarray, int]]:
        """For each column: its non-NULL values (in no particular order), their counts, and its NULLs."""
        out = {}
        for start in range(0, len(names), _SETS_PER_QUERY):
            part = names[start : start + _SETS_PER_QUERY]
            result = self._grouped([(n,) for n in part], {n: sql.column(n) for n in part})
            for i, name in enumerate(part):
                rows = result[i]
                values, counts = rows.column(name), rows.column("n").to_numpy()
                is_null = values.is_null().to_numpy(zero_copy_only=False)
                keep = ~is_null
                values = values.filter(pa.array(keep)).combine_chunks()
                out[name] = (values, counts[keep].astype(np.int64), int(counts[is_null].sum()))
        return out

    def ranges(self, names: list[str], types: dict[str, pa.DataType]) -> dict[str, tuple[pa.Array, int]]:
        """For each column: ``[min, max]`` of its finite values (NULL where none) and its NULL count."""
        if not names:
            return {}
        select = []
        for i, name in enumerate(names):
            ref = sql.column(name)
            finite = exp.Anonymous(this="isfinite", expressions=[ref.copy()]) if pa.types.is_floating(types[name]) else None
            for what, func in (("lo", exp.Min), ("hi", exp.Max)):
                agg: exp.Expression = func(this=ref.copy())
                if finite is not None:
                    agg = exp.Filter(this=agg, expression=exp.Where(this=finite.copy()))
                select.append(agg.as_(sql.ident(f"{what}{i}")))
            nulls = exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=ref.copy().is_(exp.null())))
            select.append(nulls.as_(sql.ident(f"nulls{i}")))
        row = self._run(exp.select(*select).from_(self._source()))
        return {name: (pa.concat_arrays([row.column(f"lo{i}").combine_chunks(), row.column(f"hi{i}").combine_chunks()]),
                       int(row.column(f"nulls{i}")[0].as_py())) for i, name in enumerate(names)}

    def distinct(self, name: str, limit: int) -> pa.Array:
        """Up to ``limit`` distinct non-NULL values of one column (sorted)."""
        ref = sql.column(name)
        query = (exp.select(ref).distinct().from_(self._source()).where(ref.copy().is_(exp.null()).not_())
                 .order_by(ref.copy()).limit(limit))
        return self._run(query).column(0).combine_chunks()

    def code_counts(self, cliques: list[tuple[str, ...]], codes: dict[str, exp.Expression],
                    sizes: dict[str, int]) -> dict[tuple[str, ...], np.ndarray]:
        """The count of every cell of each clique (axes in clique order), codes given as SQL."""
        out = {}
        for start in range(0, len(cliques), _SETS_PER_QUERY):
            part = cliques[start : start + _SETS_PER_QUERY]
            used = sorted({c for cl in part for c in cl}, key=list(codes).index)
            result = self._grouped(part, {c: codes[c] for c in used})
            for clique, rows in zip(part, result):
                shape = [sizes[c] for c in clique]
                counts = np.zeros(shape, dtype=np.float64)
                index = tuple(rows.column(c).to_numpy(zero_copy_only=False).astype(np.int64) for c in clique)
                counts[index] = rows.column("n").to_numpy().astype(np.float64)
                out[clique] = counts
        return out

    def _grouped(self, sets: list[tuple[str, ...]], columns: dict[str, exp.Expression]) -> list[pa.Table]:
        """One scan: ``count(*)`` per group of each grouping set, split into one table per set."""
        names = list(columns)
        aliases = {n: sql.internal(f"c{i}") for i, n in enumerate(names)}
        inner = exp.select(*(e.copy().as_(sql.ident(aliases[n])) for n, e in columns.items())).from_(self._source())
        refs = [sql.column(aliases[n]) for n in names]
        grouping = exp.Anonymous(this="GROUPING", expressions=[r.copy() for r in refs])
        query = (exp.select(*(r.copy().as_(sql.ident(n)) for r, n in zip(refs, names)), grouping.as_(sql.ident("g")),
                            exp.Count(this=exp.Star()).as_(sql.ident("n")))
                 .from_(inner.subquery(sql.internal("codes")))
                 .group_by(exp.GroupingSets(expressions=[exp.Tuple(expressions=[sql.column(aliases[c]) for c in s])
                                                        for s in sets])))
        table = self._run(query)
        g = table.column("g").to_numpy()
        out = []
        for s in sets:  # GROUPING's bit of a column is 1 where the set leaves it out, first column highest
            want = sum(1 << (len(names) - 1 - k) for k, n in enumerate(names) if n not in s)
            out.append(table.filter(pa.array(g == want)))  # in no particular order: callers index by value
        return out
