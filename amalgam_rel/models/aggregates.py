"""The counts a table model is fitted on, computed by the engine that holds the rows.

A table too large to read whole is fitted from a bounded sample of its rows (for what truly needs
rows: routing, structure learning, numeric bin edges, text) plus, over *all* its rows, what the
model's estimates are made of - the row count, each categorical column's value counts, each numeric
column's range and NULLs, and the marginal counts of every clique of the model. All of these are
``GROUP BY`` queries: built here once with sqlglot over the caller's ``relation`` (a query whose
output columns are the frame's) and run by an :class:`~amalgam_rel.schema.engines.Engine` - DuckDB
(a file natively, any other source through its scanner), or inside the PostgreSQL or MySQL server
that holds the rows, in its dialect - which streams the rows and returns only the counts. Every
query is one scan (``GROUPING SETS``; MySQL has none: one ``GROUP BY`` per set, ``UNION ALL``),
whatever the number of columns or cliques.

>>> from amalgam_rel.connection import connect
>>> from amalgam_rel.schema.engines import Engine
>>> rel = exp.select("*").from_(exp.Values(expressions=[exp.Tuple(expressions=[exp.Literal.string(v)]) for v in "aab"],
...                                        alias=exp.TableAlias(this=exp.to_identifier("t"), columns=["c"])))
>>> agg = Aggregates(Engine(connect()), rel, rows=3, columns=frozenset({"c"}))
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
from amalgam_rel.schema.engines import Engine, count_where, exact_text, finite, where

_SETS_PER_QUERY = 30  # GROUPING(...) takes one bit per column: stay well inside a 64-bit id


@dataclass(frozen=True)
class Aggregates:
    """All rows of one table, seen only through the counts the engine behind ``con`` computes.

    ``relation`` is a query whose output columns are those of the training frame; ``columns``
    names the ones whose values there are those of the frame (the rest exist only in the sample);
    ``rows`` is its row count; ``sample_rows`` the rows of the sample the frame holds; ``types``
    the frame's Arrow types, which values read back from a server are given.
    """

    engine: Engine
    relation: exp.Select
    rows: int
    columns: frozenset[str]
    sample_rows: int = 0
    types: dict[str, pa.DataType] | None = None

    @property
    def dialect(self) -> str:
        """What the queries are written in: the engine's."""
        return self.engine.dialect

    def _run(self, query: exp.Expression) -> pa.Table:
        return self.engine.run(query)

    def _as_frame(self, name: str, values: pa.Array) -> pa.Array:
        """``values`` of column ``name`` with the frame's type (a server's text grouped by its bytes, its
        integers of another width)."""
        want = (self.types or {}).get(name)
        if want is None or values.type == want:
            return values
        if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
            values = values.cast(pa.string())
        return values.cast(want)

    def _text(self, name: str) -> bool:
        t = (self.types or {}).get(name)
        return t is not None and (pa.types.is_string(t) or pa.types.is_large_string(t))

    def _grouping(self, name: str) -> exp.Expression:
        ref = sql.column(name)
        return exact_text(ref, self.dialect) if self._text(name) else ref

    def _source(self) -> exp.Subquery:
        return self.relation.copy().subquery(sql.internal("rows"))

    def value_counts(self, names: list[str]) -> dict[str, tuple[pa.Array, np.ndarray, int]]:
        """For each column: its non-NULL values (in no particular order), their counts, and its NULLs."""
        out = {}
        for start in range(0, len(names), _SETS_PER_QUERY):
            part = names[start : start + _SETS_PER_QUERY]
            result = self._grouped([(n,) for n in part], {n: self._grouping(n) for n in part})
            for i, name in enumerate(part):
                rows = result[i]
                values, counts = rows.column(name), rows.column("n").to_numpy()
                is_null = values.is_null().to_numpy(zero_copy_only=False)
                keep = ~is_null
                values = self._as_frame(name, values.filter(pa.array(keep)).combine_chunks())
                out[name] = (values, counts[keep].astype(np.int64), int(counts[is_null].sum()))
        return out

    def ranges(self, names: list[str], types: dict[str, pa.DataType]) -> dict[str, tuple[pa.Array, int]]:
        """For each column: ``[min, max]`` of its finite values (NULL where none) and its NULL count."""
        if not names:
            return {}
        select = []
        for i, name in enumerate(names):
            ref = sql.column(name)
            valid = finite(ref.copy(), self.dialect) if pa.types.is_floating(types[name]) else None
            for what, func in (("lo", exp.Min), ("hi", exp.Max)):
                agg = func(this=ref.copy() if valid is None else where(valid.copy(), ref.copy()))
                select.append(agg.as_(sql.ident(f"{what}{i}")))
            select.append(count_where(ref.copy().is_(exp.null())).as_(sql.ident(f"nulls{i}")))
        row = self._run(exp.select(*select).from_(self._source()))
        return {name: (self._as_frame(name, pa.concat_arrays([row.column(f"lo{i}").combine_chunks(),
                                                              row.column(f"hi{i}").combine_chunks()])),
                       int(row.column(f"nulls{i}")[0].as_py())) for i, name in enumerate(names)}

    def distinct(self, name: str, limit: int) -> pa.Array:
        """Up to ``limit`` distinct non-NULL values of one column (sorted)."""
        ref = sql.column(name)
        query = (exp.select(ref).distinct().from_(self._source()).where(ref.copy().is_(exp.null()).not_())
                 .order_by(ref.copy()).limit(limit))
        return self._as_frame(name, self._run(query).column(0).combine_chunks())

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
        # GROUPING's bit of a column is 1 where the set leaves it out, first column highest
        ids = [sum(1 << (len(names) - 1 - k) for k, n in enumerate(names) if n not in s) for s in sets]
        if self.dialect == "mysql":
            query = self._union_of_groups(inner, sets, names, aliases, ids)
        else:
            grouping = exp.Anonymous(this="GROUPING", expressions=[r.copy() for r in refs])
            query = (exp.select(*(r.copy().as_(sql.ident(n)) for r, n in zip(refs, names)), grouping.as_(sql.ident("g")),
                                exp.Count(this=exp.Star()).as_(sql.ident("n")))
                     .from_(inner.subquery(sql.internal("codes")))
                     .group_by(exp.GroupingSets(expressions=[exp.Tuple(expressions=[sql.column(aliases[c]) for c in s])
                                                            for s in sets])))
        table = self._run(query)
        g = table.column("g").to_numpy()
        # in no particular order: callers index by value
        return [table.filter(pa.array(g == want)) for want in ids]

    @staticmethod
    def _union_of_groups(inner: exp.Select, sets: list[tuple[str, ...]], names: list[str], aliases: dict[str, str],
                         ids: list[int]) -> exp.Expression:
        """``GROUPING SETS`` where the engine has none (MySQL): one ``GROUP BY`` per set, ``UNION ALL``."""
        parts = []
        for s, want in zip(sets, ids):
            columns = [(sql.column(aliases[n]) if n in s else exp.null()).as_(sql.ident(n)) for n in names]
            part = exp.select(*columns, exp.Literal.number(want).as_(sql.ident("g")),
                              exp.Count(this=exp.Star()).as_(sql.ident("n")))
            parts.append(part.from_(inner.copy().subquery(sql.internal("codes")))
                         .group_by(*(sql.column(aliases[n]) for n in names if n in s)))
        query = parts[0]
        for part in parts[1:]:
            query = exp.union(query, part, distinct=False)
        return query
