"""Each table's training frame: its own rows plus what the relational layer adds, built in SQL.

For a table ``t`` the frame holds every column of ``t`` and, named as in :mod:`.plan`:
its children per referencing foreign key (``#i``), empty-FK flags (``?i``), self-reference
depth (``@depth<i>``), and the driving parent's columns (``^name``, joined from the parent's own
frame, so a grandparent's columns arrive as ``^^name``). Frames are built parents first and
registered in one in-memory DuckDB connection that has the source attached read-only.

>>> from amalgam_rel.connection import connect
>>> from amalgam_rel.schema.duckdb_reader import read_duckdb
>>> src = connect()
>>> _ = src.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER); INSERT INTO a VALUES (1, 5), (2, 6)")
>>> _ = src.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a (id))")
>>> _ = src.execute("INSERT INTO b VALUES (1, 1), (2, 1)")
>>> from amalgam_rel.relational.plan import plan_database
>>> frames = TrainingFrames(src, plan_database(read_duckdb(src)))
>>> frames.build("a", context_from_parent=()).column("#0").to_pylist()
[2, 0]
>>> frames.build("b", context_from_parent=("x",)).column("^x").to_pylist()
[5, 5]
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.models.aggregates import Aggregates
from amalgam_rel.relational.large_tables import SampledRows, bounded_share, selection, whole_counts
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.schema.internal_names import context_column, matched_column
from amalgam_rel.schema import sql
from amalgam_rel.schema.engines import Engine
from amalgam_rel.schema.model import ForeignKey, Table
from amalgam_rel.schema.types import Kind
from amalgam_rel.writing.writer import self_reference_levels

# DuckDB hands these to Arrow as decimal128(38, 0), which overflows; models see them as doubles.
_WIDE_INTEGERS = {"HUGEINT", "UHUGEINT", "BIGNUM"}
_VIEW_ROWS = 50_000  # child rows enough to score a parent column's information about them


def frame_name(table: str) -> str:
    # registered in the source's own connection, beside its tables: a reserved name
    return sql.internal(f"frame:{table}")


class TrainingFrames:
    """Builds and keeps (registered in ``con``) the training frame of every table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: DatabasePlan, sources: dict[str, str] | None = None,
                 max_rows: int | None = None, engine: Engine | None = None):
        self.con = con
        self.plan = plan
        # where counts over all rows of a large table run: inside a server source when it holds
        # every table the query reads (:meth:`_counted_in`), else DuckDB
        self.engine = engine if engine is not None else Engine(con)
        self._queries: dict[str, exp.Select] = {}  # each frame's query, as run before sampling
        self.frames: dict[str, pa.Table] = {}
        # tables of more than ``max_rows`` rows are read as a sample (:mod:`.large_tables`)
        self.max_rows = max_rows
        self.sampled: dict[str, SampledRows] = {}
        self._whole: dict[str, exp.Select] = {}  # a sampled table's frame query over all its rows
        # table key -> a relation registered in ``con`` that replaces the source table (the
        # contribution-bounded rows of a private fit, :mod:`amalgam_rel.dp.bounding`)
        self.sources = dict(sources or {})

    def source(self, table: Table, alias: str | None = None) -> exp.Table:
        """The rows of ``table`` the frames are built from (the source table, or its replacement)."""
        name = self.sources.get(table.key)
        if name is not None:
            return exp.Table(this=sql.ident(name), alias=exp.TableAlias(this=sql.ident(alias)) if alias else None)
        return exp.Table(this=sql.table_ref(table.name, table.schema).this,
                         db=None if table.schema == "main" else sql.ident(table.schema),
                         alias=exp.TableAlias(this=sql.ident(alias)) if alias else None)

    def build(self, table_key: str, context_from_parent: tuple[str, ...],
              matched: dict[int, tuple[str, ...]] | None = None) -> pa.Table:
        """The frame of ``table_key`` with the driving parent's ``context_from_parent`` columns,
        and for each matched foreign key index in ``matched`` those columns of its parent."""
        plan, db = self.plan.tables[table_key], self.plan.db
        table = db.table(table_key)
        sampling = self._sampling(table_key)
        # a sampled parent's rows are mostly missing: nothing is matched on its columns
        matched = {i: c for i, c in (matched or {}).items() if db.foreign_keys[i].ref_table not in self.sampled}
        select: list[exp.Expression] = [_own_column(table, c) for c in table.columns]
        joins: list[tuple[exp.Expression, exp.Expression]] = []
        for i, name in plan.count_columns.items():
            fk = db.foreign_keys[i]
            alias, n = f"c{i}", sql.internal("n")  # beside the FK's columns, which may be called n
            child = db.table(fk.table)
            counts = (
                exp.select(*(sql.column(c) for c in fk.columns), exp.Count(this=exp.Star()).as_(sql.ident(n)))
                .from_(self.source(child))
                .group_by(*(sql.column(c) for c in fk.columns))
                .subquery(alias)
            )
            joins.append((counts, _match(alias, fk.columns, "t", fk.ref_columns)))
            select.append(exp.Coalesce(this=sql.column(n, alias), expressions=[exp.Literal.number(0)]).as_(sql.ident(name)))
        for i, name in plan.null_columns.items():
            fk = db.foreign_keys[i]
            select.append(exp.or_(*(sql.column(c, "t").is_(exp.null()) for c in fk.columns)).as_(sql.ident(name)))
        if plan.driver is not None and context_from_parent:
            fk = plan.driver
            joins.append((exp.Table(this=sql.ident(frame_name(fk.ref_table)), alias=exp.TableAlias(this=sql.ident("p"))),
                          _match("p", fk.ref_columns, "t", fk.columns)))
            select += [sql.column(c, "p").as_(sql.ident(context_column(c))) for c in context_from_parent]
        for i, columns in matched.items():
            fk, alias = db.foreign_keys[i], f"m{i}"
            joins.append((exp.Table(this=sql.ident(frame_name(fk.ref_table)), alias=exp.TableAlias(this=sql.ident(alias))),
                          _match(alias, fk.ref_columns, "t", fk.columns)))
            select += [sql.column(c, alias).as_(sql.ident(matched_column(i, c))) for c in columns]
        query = exp.select(*select).from_(self.source(table, "t"))
        for target, on in joins:
            query = query.join(target, on=on, join_type="left")
        self._queries[table_key] = query.copy()
        if sampling is not None:
            self._whole[table_key] = query.copy()
            if not sampling.by_parent:
                sampling = replace(sampling, counted_in=self._counted_in(table_key).name)
            query = query.where(self._selection(table, sampling))
        if sampling is not None and sampling.counted_in == self.engine.name != "DuckDB":
            frame = self._sample_from_server(query, table)
        else:
            frame = self.con.execute(sql.render(query.order_by(*row_order(table)))).to_arrow_table()
        if sampling is not None:
            self.sampled[table_key] = replace(sampling, sample_rows=frame.num_rows)
        for i, name in plan.depth_columns.items():
            depth = self_reference_levels(self.con, table, [db.foreign_keys[i]], frame.select(list(table.column_names)))
            frame = frame.append_column(name, pa.array(depth))
        self.frames[table_key] = frame
        self.con.register(frame_name(table_key), frame)
        return frame

    def replace(self, table_key: str, frame: pa.Table) -> None:
        """Keep ``frame`` (the built one with columns computed in Python added) as the table's frame,
        the one its children's frames join."""
        self.frames[table_key] = frame
        self.con.register(frame_name(table_key), frame)

    def _sampling(self, table_key: str) -> SampledRows | None:
        """How to read ``table_key``: None for all rows; else its counts and the share and key to
        sample by."""
        if self.max_rows is None:
            return None
        plan, db = self.plan.tables[table_key], self.plan.db
        table, driver = db.table(table_key), plan.driver
        fks = {self.plan.fk_index(fk): fk.columns for fk in ((driver,) if driver else ()) + plan.matched}
        parent = self.sampled.get(driver.ref_table) if driver is not None else None
        rows, empty, filled = whole_counts(self.engine, self.source(table), self.plan.fk_index(driver) if driver else None, fks)
        key = tuple(table.primary_key or table.column_names)
        if parent is not None:
            # only the children of a share of the sampled parents, where all would exceed max_rows
            within = bounded_share(parent.share, rows, self.max_rows)
            share = parent.share * within if within < 1 else parent.share
            return SampledRows(rows, 0, share, key, True, empty, filled, within=within)
        if rows <= self.max_rows:
            return None
        return SampledRows(rows, 0, self.max_rows / rows, key, False, empty, filled)

    def _selection(self, table: Table, sampling: SampledRows) -> exp.Expression:
        """The rows of a sampled table's frame: a share of its keys, or (sampled through its
        driving parent) the rows whose parent is in the parent's sample (and, where that would be
        too many, among the ``within`` share of those parents its salted key hash picks), and a
        share of the rows that have no parent."""
        own = selection(sampling.key, sampling.share, "t")
        if not sampling.by_parent:
            return own
        fk = self.plan.tables[table.key].driver
        parents = _match("s", fk.ref_columns, "t", fk.columns)
        if sampling.within < 1:  # hashed over the parent's sample, not over every child row
            parents = exp.and_(parents, selection(fk.ref_columns, sampling.within, "s", salt=f"{table.key}:"))
        parent = exp.select(exp.Literal.number(1)).from_(
            exp.Table(this=sql.ident(frame_name(fk.ref_table)), alias=exp.TableAlias(this=sql.ident("s")))
        ).where(parents)
        orphan = exp.or_(*(sql.column(c, "t").is_(exp.null()) for c in fk.columns))
        return exp.or_(exp.Exists(this=parent), exp.and_(exp.paren(orphan), exp.paren(own)))

    def rows(self, table_key: str) -> int:
        """All rows of ``table_key`` (its frame's, unless sampled)."""
        sampled = self.sampled.get(table_key)
        return sampled.rows if sampled is not None else self.frames[table_key].num_rows

    def filled_rows(self, table_key: str, fk_index: int) -> int | None:
        """Rows of a sampled table with foreign key ``fk_index`` filled (None: not sampled)."""
        sampled = self.sampled.get(table_key)
        return sampled.filled[fk_index] if sampled is not None else None

    def aggregates(self, table_key: str, frame_columns: list[str]) -> Aggregates | None:
        """Counts over all rows of a table sampled by its own keys, for its table model; None for a
        table read whole, or sampled through its parent (its context exists only for the sample)."""
        sampled = self.sampled.get(table_key)
        if sampled is None or sampled.by_parent:
            return None
        whole = self._whole[table_key]
        names = {e.alias_or_name for e in whole.expressions}
        engine = self._counted_in(table_key)
        if engine.dialect != "duckdb":
            whole = self._inlined(whole)
        frame = self.frames[table_key]
        types = {n: frame.schema.field(n).type for n in frame.column_names}
        return Aggregates(engine, whole, sampled.rows, frozenset(c for c in frame_columns if c in names),
                          sampled.sample_rows, types)

    def _sample_from_server(self, query: exp.Select, table: Table) -> pa.Table:
        """The sampled rows of ``query`` selected inside the server (only they travel), with the
        types DuckDB's views give them, and put in key order by DuckDB (a server sorts text by
        its collation)."""
        want = self.con.execute(sql.render(query.limit(0))).to_arrow_table().schema
        rows = self.engine.run(self._inlined(query))
        rows = pa.table([rows.column(i).cast(f.type) for i, f in enumerate(want)], schema=want)
        name = sql.internal("server sample")
        self.con.register(name, rows)
        try:
            ordered = exp.select(exp.Star()).from_(exp.Table(this=sql.ident(name), alias=exp.TableAlias(this=sql.ident("t"))))
            return self.con.execute(sql.render(ordered.order_by(*row_order(table)))).to_arrow_table()
        finally:
            self.con.unregister(name)

    def _counted_in(self, table_key: str) -> Engine:
        """The engine that counts all rows of ``table_key``: the server, when its whole frame's query
        reads only the server's tables once the frames it joins are replaced by their own queries;
        else DuckDB (reading the server through its scanner)."""
        if self.engine.dialect == "duckdb":
            return self.engine
        inlined = self._inlined(self._whole[table_key])
        return self.engine if inlined is not None and self.engine.holds(inlined) else Engine(self.con)

    def _inlined(self, query: exp.Select) -> exp.Select | None:
        """``query`` with each frame it joins replaced by the query that built it (a frame is a
        DuckDB table no server has); None where one cannot be: a sampled frame (a share of its
        rows), or a column computed in Python (a self-reference's depth)."""
        keys = {frame_name(k): k for k in self._queries}
        query = query.copy()
        joined = [t for t in query.find_all(exp.Table) if t.name in keys]
        used = {t.alias_or_name: {c.name for c in query.find_all(exp.Column) if c.table == t.alias_or_name} for t in joined}
        for table in joined:
            key = keys[table.name]
            inner = self._inlined(self._queries[key]) if key not in self.sampled else None
            if inner is None or not used[table.alias_or_name] <= {e.alias_or_name for e in inner.expressions}:
                return None
            table.replace(inner.subquery(table.alias_or_name))
        return query

    def child_views(self, table_key: str, columns: list[str], max_rows: int = _VIEW_ROWS) -> list[tuple[pa.Table, list[str], Table]]:
        """For each table that ``table_key`` drives: ``columns`` of this table's frame beside the
        child's own attributes, one row per child row (a repeatable sample of at most ``max_rows``).

        Returned as ``(frame, the child's attribute names, the child table)``: what a context
        choice needs to see which of this table's candidates the children depend on.
        """
        db, views = self.plan.db, []
        for plan in self.plan.tables.values():
            fk = plan.driver
            if fk is None or fk.ref_table != table_key or not columns:
                continue
            child = db.table(plan.table)
            own = [c for c in child.column_names if c not in plan.fk_columns and c not in plan.generated_keys]
            if not own:
                continue
            rows = sql.count_rows(self.con, child.name, child.schema)
            sample = exp.TableSample(method=exp.var("RESERVOIR"), size=exp.Literal.number(max_rows),
                                     seed=exp.Literal.number(0)) if rows > max_rows else None
            source = exp.Table(this=sql.table_ref(child.name, child.schema).this,
                               db=None if child.schema == "main" else sql.ident(child.schema),
                               alias=exp.TableAlias(this=sql.ident("t")), sample=sample)
            query = (
                exp.select(*(sql.column(c, "p") for c in columns), *(_own_column(child, child.column(c)) for c in own))
                .from_(source)
                .join(exp.Table(this=sql.ident(frame_name(table_key)), alias=exp.TableAlias(this=sql.ident("p"))),
                      on=_match("p", fk.ref_columns, "t", fk.columns))
            )
            views.append((self.con.execute(sql.render(query.order_by(*row_order(child)))).to_arrow_table(), own, child))
        return views

    def null_driver_rows(self, table_key: str) -> int:
        """Rows of ``table_key`` whose driving foreign key is empty (they have no parent)."""
        fk = self.plan.tables[table_key].driver
        frame = self.frames[table_key]
        if table_key in self.sampled:
            return self.sampled[table_key].empty
        if fk is None:
            return frame.num_rows
        empty = np.zeros(frame.num_rows, dtype=bool)
        for c in fk.columns:
            empty |= frame.column(c).is_null().to_numpy(zero_copy_only=False)
        return int(empty.sum())


def row_order(table: Table, alias: str = "t") -> list[exp.Expression]:
    """An order of ``table``'s rows that depends on their values alone: its primary key, else all
    its columns (rows tied on all of them are alike). A frame's rows are read positionally (a
    column's forms and type off rows spread over it), and without ORDER BY DuckDB returns a
    joined or grouped table's rows in the order its threads finish: TPC-H sf 1's addresses
    differed from one run to the next."""
    names = table.primary_key or table.column_names
    return [exp.Ordered(this=sql.column(c, alias), nulls_first=True) for c in names]


def _own_column(table: Table, column) -> exp.Expression:
    ref = sql.column(column.name, "t")
    if column.type.name in _WIDE_INTEGERS:
        return exp.cast(ref, "DOUBLE").as_(sql.ident(column.name))
    if column.type.kind is Kind.BIT:  # as '1010': DuckDB's Arrow export gives its internal bytes
        return exp.cast(ref, "VARCHAR").as_(sql.ident(column.name))
    return ref


def _match(left: str, left_cols, right: str, right_cols) -> exp.Expression:
    return exp.and_(*(exp.EQ(this=sql.column(a, left), expression=sql.column(b, right)) for a, b in zip(left_cols, right_cols)))

