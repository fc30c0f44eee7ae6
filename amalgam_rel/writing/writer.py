"""Write a DuckDB database with a schema model's exact DDL, atomically (or any other target).

The database is built in a temporary file beside the output and renamed over it only when
everything succeeded, so a failure never leaves a half-written output (or destroys an old one);
an open connection is written in one transaction instead (:mod:`.target`). Any other location
(SQLite, a server, a folder of files, a SQL script) gets the database built and checked in
DuckDB first, then copied there whole (:mod:`.targets`).
Rows arrive as Arrow data, table by table in generation order; DuckDB enforces every key and
constraint on insert, and a violation is raised as a :class:`DataError`, never dropped. Inserts
run on a thread of their own, in order (:mod:`.background`), while the caller draws the next rows.

>>> import pyarrow as pa, tempfile, pathlib
>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> db = Database((Table("t", (Column("id", parse_type("INTEGER"), False),), ("id",)),))
>>> out = pathlib.Path(tempfile.mkdtemp()) / "out.duckdb"
>>> with DatabaseWriter(db, out) as w:
...     w.append("t", pa.table({"id": [1, 2, 3]}))
>>> out.exists()
True
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.errors import DataError, OutputError, SchemaError
from amalgam_rel.locations import Location
from amalgam_rel.schema import sql
from amalgam_rel.schema.graph import fk_graph
from amalgam_rel.schema.model import Database, ForeignKey, Table
from amalgam_rel.writing.background import Inserts
from amalgam_rel.writing.ddl import create_statements, index_statements, view_statements
from amalgam_rel.writing.target import ConnectionTarget, FileTarget
from amalgam_rel.writing.targets import ExportTarget, target_of

# the name a chunk of Arrow rows is registered under while inserted: reserved, since a table of
# the output spelled like it would be hidden behind it
_CHUNK = sql.internal("chunk")


class DatabaseWriter:
    """Context manager: creates the schema on enter, appends rows, commits on a clean exit."""

    def __init__(self, db: Database, output: str | Path | Location | duckdb.DuckDBPyConnection, *, force: bool = False,
                 source: str | Path | None = None, dialect: str | None = None):
        self.db = db
        self._target = _target(output, force=force, source=source, dialect=dialect)
        self.notes: list[str] = []  # what the target does not keep (a constraint it cannot enforce), one line each
        self._con: duckdb.DuckDBPyConnection | None = None
        self._inserts: Inserts | None = None
        graph = fk_graph(db)
        self._self_refs = {fk.table: [f for f in graph.self_references if f.table == fk.table]
                           for fk in graph.self_references if fk.kind == "declared"}
        self._deferred_fks = [fk for fk in graph.broken if fk.kind == "declared"]
        self._deferred: dict[str, list[pa.Table]] = {}
        self.rows_written: dict[str, int] = {t: 0 for t in db.table_names}

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> DatabaseWriter:
        self._con = self._target.open(self.db)
        try:
            for statement in create_statements(self.db):
                self._con.execute(statement)
        except duckdb.Error as err:
            self._abort()
            raise SchemaError(f"DuckDB rejected the schema: {str(err).splitlines()[0]}") from None
        self._inserts = Inserts()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            self._inserts.wait()
            self._fill_deferred()
            for statement in index_statements(self.db):
                self._con.execute(statement)
            for view, statement in view_statements(self.db):
                try:
                    self._con.execute(statement)
                except duckdb.Error as err:
                    raise SchemaError(f"DuckDB rejected view {view!r} in the output: {str(err).splitlines()[0]}") from None
            self._target.commit(self._con)
            self.notes = list(getattr(self._target, "notes", ()))
            self._inserts.close()
        except BaseException:  # an interruption (SIGINT, SIGTERM) too: the temporary file goes
            self._abort()
            raise
        self._con = None

    def _abort(self) -> None:
        if self._inserts is not None:  # the connection closes only once no insert runs on it
            self._inserts.cancel()
            self._inserts.close()
        self._target.abort(self._con)
        self._con = None

    # -- rows ------------------------------------------------------------------------------
    def append(self, table: str, data: pa.Table | pa.RecordBatch) -> None:
        """Insert rows into ``table``; self-referencing rows go in parents-first."""
        if self._con is None:
            raise RuntimeError("DatabaseWriter.append outside its `with` block")
        spec = self.db.table(table)
        data = pa.table(data) if isinstance(data, pa.RecordBatch) else data
        stored = [c.name for c in spec.columns if c.generated is None]  # DuckDB computes the others
        missing = [c for c in stored if c not in data.column_names]
        if missing:
            raise SchemaError(f"rows for table {table!r} lack the columns {missing}")
        data = _inside_huge_integers(spec, data.select(stored))
        data = self._defer(spec, data)
        if table in self._self_refs:
            self._inserts.wait()  # the levels are read from the rows inserted before
            levels = self_reference_levels(self._con, spec, self._self_refs[table], data)
            for level in range(int(levels.max(initial=-1)) + 1):
                self._inserts.submit(self._insert, spec, data.filter(pa.array(levels == level)))
        else:
            self._inserts.submit(self._insert, spec, data)
        self.rows_written[table] += data.num_rows

    def _insert(self, table: Table, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        stored = [c for c in table.columns if c.generated is None]
        cols = [sql.ident(c.name) for c in stored]
        query = exp.insert(
            exp.select(*(_typed(c, data) for c in stored)).from_(sql.ident(_CHUNK)),
            exp.Schema(this=sql.table_ref(table.name, table.schema), expressions=cols),
        )
        self._run_on_chunk(query, data, f"writing table {table.key!r}")

    def _run_on_chunk(self, query: exp.Expression, data: pa.Table, doing: str) -> None:
        """Run ``query`` with ``data`` registered as the chunk; DuckDB's refusal is a DataError."""
        self._con.register(_CHUNK, data)
        try:
            self._con.execute(sql.render(query))
        except duckdb.Error as err:
            raise DataError(f"{doing}: {str(err).splitlines()[0]}") from None
        finally:
            self._con.unregister(_CHUNK)

    def _defer(self, table: Table, data: pa.Table) -> pa.Table:
        """NULL out declared FK columns of broken cycle edges; they are filled on commit."""
        fks = [fk for fk in self._deferred_fks if fk.table == table.key]
        if not fks:
            return data
        key = _row_key(table)
        cols = [c for fk in fks for c in fk.columns]
        self._deferred.setdefault(table.key, []).append(data.select(list(key) + cols))
        for c in cols:
            data = data.set_column(data.column_names.index(c), c, pa.nulls(data.num_rows, data.schema.field(c).type))
        return data

    def _fill_deferred(self) -> None:
        for table_key, parts in self._deferred.items():
            table = self.db.table(table_key)
            cols = [c for fk in self._deferred_fks if fk.table == table_key for c in fk.columns]
            self.update(table_key, _row_key(table), pa.concat_tables(parts).select(list(_row_key(table)) + cols))

    def update(self, table_key: str, key: tuple[str, ...], data: pa.Table) -> None:
        """Set the non-key columns of ``data`` on the rows of ``table_key`` matched by ``key``."""
        self._inserts.wait()
        table = self.db.table(table_key)
        cols = [c for c in data.column_names if c not in key]
        target = sql.table_ref(table.name, table.schema)
        update = exp.Update(
            this=target,
            expressions=[exp.EQ(this=sql.column(c), expression=sql.column(c, _CHUNK)) for c in cols],
            from_=exp.From(this=exp.Table(this=sql.ident(_CHUNK))),
            where=exp.Where(this=exp.and_(*(
                exp.EQ(this=exp.column(sql.ident(k), table=target.this.copy()), expression=sql.column(k, _CHUNK))
                for k in key
            ))),
        )
        self._run_on_chunk(update, data, f"updating table {table_key!r}")


def _target(output, *, force: bool, source, dialect: str | None):
    """Where the rows go: an open connection, a DuckDB file, or any other location (:mod:`.targets`)."""
    if isinstance(output, duckdb.DuckDBPyConnection):
        if dialect is not None:
            raise OutputError("a dialect applies to a .sql script, not to a connection")
        return ConnectionTarget(output, force=force, source=source)
    location, dialect = target_of(output, dialect=dialect)
    if location.kind == "duckdb":
        return FileTarget(location.path if isinstance(output, Location) else output, force=force, source=source)
    return ExportTarget(location, force=force, source=source, dialect=dialect)


def _row_key(table: Table) -> tuple[str, ...]:
    keys = table.unique_sets()
    if not keys:
        raise SchemaError(f"table {table.key!r} closes an FK cycle but has no key to fill the cycle edge by")
    return keys[0]


def self_reference_levels(con: duckdb.DuckDBPyConnection, table: Table, fks: list[ForeignKey], data: pa.Table) -> np.ndarray:
    """Depth of each row in its self-reference tree within ``data`` (0: parent absent or NULL).

    Rows whose parent is not in ``data`` are assumed to reference rows inserted earlier; DuckDB
    checks that on insert.
    """
    n = data.num_rows
    # only the key columns: the others are not needed, and some (UNIONs, far dates in LISTs) do
    # not convert back from DuckDB
    wanted = {c for fk in fks for c in (*fk.columns, *fk.ref_columns)}
    data = data.select([c for c in data.column_names if c in wanted])
    parents = []
    row = sql.fresh_name("__row", data.column_names)
    rows = sql.internal("levels")
    con.register(_CHUNK, data.append_column(row, pa.array(np.arange(n, dtype=np.int64))))
    # joined as a DuckDB table, not the Arrow view: DuckDB pushes join filters into an Arrow scan
    # as Python ints, and a UBIGINT key past 2**63 (18446744073709551615) overflowed there
    con.execute(f"CREATE OR REPLACE TEMP TABLE {sql.render(sql.ident(rows))} AS SELECT * FROM "
                f"{sql.render(sql.ident(_CHUNK))}")
    con.unregister(_CHUNK)
    try:
        for fk in fks:
            match = exp.and_(*(
                exp.EQ(this=sql.column(p, "p"), expression=sql.column(c, "c")) for c, p in zip(fk.columns, fk.ref_columns)
            ))
            query = (
                exp.select(sql.column(row, "c").as_("child"), sql.column(row, "p").as_("parent"))
                .from_(exp.Table(this=sql.ident(rows), alias=exp.TableAlias(this=sql.ident("c"))))
                .join(exp.Table(this=sql.ident(rows), alias=exp.TableAlias(this=sql.ident("p"))), on=match)
            )
            pairs = con.execute(sql.render(query)).fetchnumpy()
            parent = np.full(n, -1, dtype=np.int64)
            loops = pairs["child"] == pairs["parent"]  # a row naming itself is a root, not a cycle
            parent[pairs["child"][~loops]] = pairs["parent"][~loops]
            parents.append(parent)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {sql.render(sql.ident(rows))}")
    depth = np.zeros(n, dtype=np.int64)
    for _ in range(n + 1):
        new = np.zeros(n, dtype=np.int64)
        for parent in parents:
            has = parent >= 0
            new[has] = np.maximum(new[has], depth[parent[has]] + 1)
        if np.array_equal(new, depth):
            return depth
        depth = new
    raise DataError(f"table {table.key!r}: its self-references form a cycle, so no row can be inserted first")


def _typed(column, data: pa.Table) -> exp.Expression:
    """The chunk's column, or a NULL of the column's type where the chunk holds only Arrow NULLs:
    DuckDB reads an Arrow NULL column as INTEGER, which no UNION of other types accepts."""
    if pa.types.is_null(data.schema.field(column.name).type):
        return exp.cast(exp.Null(), exp.DataType.build(column.type.sql(), dialect="duckdb", udt=True))
    return sql.ident(column.name)


def _inside_huge_integers(table: Table, data: pa.Table) -> pa.Table:
    """HUGEINT and UHUGEINT columns that arrive as doubles, one double inside the type's range:
    DuckDB refuses to cast -2.0**127 to HUGEINT although it is the type's minimum, and 2**127 - 1
    rounds up to 2.0**127 as a double."""
    for i, name in enumerate(data.column_names):
        limits = table.column(name).type.integer_range
        if limits is None or not pa.types.is_floating(data.schema.field(i).type) or abs(limits[1]) < 2**64:
            continue
        low, high = np.nextafter(float(limits[0]), 0.0), np.nextafter(float(limits[1]), 0.0)
        values = data.column(i).to_numpy(zero_copy_only=False).astype(np.float64)
        clipped = np.where(np.isnan(values), values, np.clip(values, low, high))
        data = data.set_column(i, name, pa.array(clipped, mask=data.column(i).is_null().to_numpy(zero_copy_only=False)))
    return data
