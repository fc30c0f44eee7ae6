"""Read a :class:`~amalgam_rel.schema.model.Database` from a DDL file (duckdb, postgres, mysql, sqlite).

The DDL is parsed with sqlglot in its own dialect, rewritten into DuckDB DDL as an AST, and
executed into an in-memory DuckDB; :func:`~amalgam_rel.schema.duckdb_reader.read_duckdb` then
builds the model, so a DDL file and a DuckDB database with the same tables give the same model
by construction. Two facts DuckDB drops are put back from the DDL: ``VARCHAR(n)`` lengths, and
foreign keys DuckDB cannot declare because they close a cycle or cross schemas (kept as
``kind="logical"``).

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.sql"
>>> _ = path.write_text("CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT, `name` varchar(40), "
...                     "PRIMARY KEY (`id`)) ENGINE=InnoDB;")
>>> db = read_ddl(path)
>>> db.table("t").primary_key, db.table("t").column("name").type.sql()
(('id',), 'VARCHAR(40)')

When ``dialect`` is None it is guessed (:func:`guess_dialect`): first from the file name
(``shop.postgres.sql``, ``dump.mysql.sql``), then from markers in the text, else duckdb.

Rewrites, and what they give up: SERIAL/IDENTITY/AUTO_INCREMENT become plain NOT NULL
integers (the generator makes the keys); postgres ``nextval`` defaults and sequences are dropped
for the same reason; ``ON DELETE/UPDATE`` actions, constraint names, comments, charsets, table
options and ``WITHOUT ROWID``/``STRICT`` are dropped because DuckDB cannot keep them; MySQL
``tinyint(1)`` is read as BOOLEAN (mysqldump's spelling of BOOLEAN); inline MySQL ``KEY``
entries become ``CREATE INDEX``; views, functions, data and session statements are skipped.

The steps live in their own modules: :mod:`.ddl_parse` (text to statements), :mod:`.ddl_plan`
(statements sorted into a plan, ALTER TABLE folded in), :mod:`.ddl_rewrite` (each table in
DuckDB's spelling); this module orders the tables by their foreign keys, runs the plan and
puts back what DuckDB forgot.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import duckdb
import networkx as nx
from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.ddl_parse import Statement, parse_statements, quiet_sqlglot, read_text
from amalgam_rel.schema.ddl_plan import Plan, PlannedFk, TableDef, TableKey, fold_statements, table_key
from amalgam_rel.schema.ddl_rewrite import rewrite_indexes, rewrite_table
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.model import Database, ForeignKey, Table


# --------------------------------------------------------------------------- entry points


def read_ddl(path: str | Path, dialect: str | None = None) -> Database:
    """Read the schema of a DDL file; row counts are None."""
    path = Path(path)
    text = read_text(path)
    return read_ddl_text(text, dialect or guess_dialect(text, path.name), source_name=str(path))


def read_ddl_text(text: str, dialect: str, *, source_name: str) -> Database:
    """Read the schema of DDL ``text`` in ``dialect`` (a file's, or one written from a server's
    catalog by :mod:`.server_catalog`); row counts are None; ``source_name`` names it in errors."""
    plan = _plan_ddl(text, dialect, source_name=source_name)
    if not plan.tables:
        raise SchemaError(f"{source_name}: no CREATE TABLE statement found (is this a {plan.dialect} schema file?)")
    con = connect()
    try:
        _execute(plan, con)
        return _restore(read_duckdb(con, count_rows=False), plan)
    finally:
        con.close()


def ddl_to_duckdb(text: str, dialect: str | None, con: duckdb.DuckDBPyConnection, *, source_name: str) -> None:
    """Create the tables, types and indexes of DDL ``text`` in the DuckDB connection ``con``.

    FKs that close a cycle are left undeclared (DuckDB cannot declare them); :func:`read_ddl`
    reports them as logical foreign keys.
    """
    _execute(_plan_ddl(text, dialect or guess_dialect(text, source_name), source_name=source_name), con)


def guess_dialect(text: str, name: str = "") -> str:
    """The dialect a DDL file is written in, from its name, else from its content.

    >>> guess_dialect("CREATE TABLE t (id SERIAL PRIMARY KEY)")
    'postgres'
    >>> guess_dialect("CREATE TABLE t (id INTEGER)", "dump.mysql.sql")
    'mysql'
    """
    for part in re.split(r"[^a-z0-9]+", Path(name).name.lower()):
        if part in _NAME_HINTS:
            return _NAME_HINTS[part]
    for dialect, pattern in _CONTENT_HINTS:
        if pattern.search(text):
            return dialect
    return "duckdb"


_NAME_HINTS = {
    "duckdb": "duckdb", "postgres": "postgres", "postgresql": "postgres", "pg": "postgres", "pgsql": "postgres",
    "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "sqlite3": "sqlite",
}
# Checked in order: unambiguous markers first. DuckDB shares CREATE TYPE ... AS ENUM and ``::``
# with postgres, so its own nested types are looked for before postgres's markers.
_CONTENT_HINTS = [
    ("mysql", re.compile(r"AUTO_INCREMENT|ENGINE\s*=|/\*!\d{5}", re.I)),
    ("sqlite", re.compile(r"\bAUTOINCREMENT\b|WITHOUT\s+ROWID|\bPRAGMA\b", re.I)),
    ("mysql", re.compile(r"`")),
    ("duckdb", re.compile(r"\b(STRUCT|MAP|UNION)\s*\(|\b(HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)\b", re.I)),
    ("postgres", re.compile(r"\b(BIG|SMALL)?SERIAL\b|AS\s+ENUM\b|::|\bcharacter varying\b|\bJSONB\b|OWNER TO", re.I)),
]


# --------------------------------------------------------------------------- the plan, in DuckDB's order


def _plan_ddl(text: str, dialect: str, *, source_name: str) -> Plan:
    """Parse and rewrite DDL ``text`` into DuckDB statements, in an order DuckDB can run."""
    plan = fold_statements(parse_statements(text, dialect, source_name), dialect, source_name)
    rewrite_indexes(plan)
    for tdef in plan.tables.values():
        rewrite_table(plan, tdef)
    fks = [fk for tdef in plan.tables.values() for fk in _foreign_keys(plan, tdef)]
    plan.order = _order(plan, fks)
    return plan


# --------------------------------------------------------------------------- foreign keys and order


def _primary_key(tdef: TableDef) -> tuple[str, ...]:
    for item in tdef.node.this.expressions:
        if isinstance(item, exp.PrimaryKey):
            return tuple(e.name for e in item.expressions)
    return tuple(c.name for c in tdef.columns()
                 if any(isinstance(k.args.get("kind"), exp.PrimaryKeyColumnConstraint) for k in c.constraints))


def _not_null(tdef: TableDef) -> set[str]:
    names = {c.name.lower() for c in tdef.columns()
             if any(isinstance(k.args.get("kind"), exp.NotNullColumnConstraint) for k in c.constraints)}
    return names | {c.lower() for c in _primary_key(tdef)}


def _foreign_keys(plan: Plan, tdef: TableDef) -> list[PlannedFk]:
    found: list[tuple[exp.Expression, tuple[str, ...], exp.Reference]] = []
    for column in tdef.columns():
        for c in column.constraints:
            if isinstance(c.args.get("kind"), exp.Reference):
                found.append((c, (column.name,), c.args["kind"]))
    for item in tdef.node.this.expressions:
        if isinstance(item, exp.ForeignKey):
            found.append((item, tuple(e.name for e in item.expressions), item.args["reference"]))
    required = _not_null(tdef)
    return [
        PlannedFk(owner, tdef.key, cols, *_referenced(plan, tdef, ref, len(cols)),
            nullable=any(c.lower() not in required for c in cols))
        for owner, cols, ref in found
    ]


def _referenced(plan: Plan, tdef: TableDef, ref: exp.Reference, width: int) -> tuple[TableKey, tuple[str, ...]]:
    target = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
    key = table_key(target)
    if isinstance(ref.this, exp.Schema) and ref.this.expressions:
        return key, tuple(e.name for e in ref.this.expressions)
    parent = plan.tables.get(key)
    pk = _primary_key(parent) if parent else ()
    if len(pk) != width:  # SQLite's ``REFERENCES parent`` means parent's primary key
        raise SchemaError(f"{plan.source}, line {tdef.line}: a foreign key of {tdef.label!r} references "
                          f"{target.name!r} without naming columns, and its primary key does not match")
    ref.set("this", exp.Schema(this=target, expressions=[exp.to_identifier(c) for c in pk]))
    return key, pk


def _order(plan: Plan, fks: list[PlannedFk]) -> list[TableKey]:
    """Tables parents-first; each FK cycle loses one nullable FK, kept as a logical one.

    A FK across schemas is kept as a logical one too, since DuckDB cannot declare it.
    """
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(plan.tables)
    for fk in fks:
        if fk.table[0] != fk.ref_table[0]:  # DuckDB cannot declare a FK across schemas either
            _undeclare(plan, fk)
        elif fk.table != fk.ref_table and fk.ref_table in plan.tables:  # DuckDB declares self-references
            graph.add_edge(fk.ref_table, fk.table, fk=fk)
    while not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        edges = [graph.edges[u, v, k]["fk"] for u, v, k in cycle]
        nullable = [fk for fk in edges if fk.nullable]
        if not nullable:
            names = " -> ".join(plan.tables[u].label for u, _, _ in cycle)
            raise SchemaError(f"{plan.source}: the foreign keys {names} form a cycle with no nullable "
                              "foreign key, so no row of it could ever be inserted first")
        fk = min(nullable, key=lambda f: (len(f.columns), f.table, f.columns))
        _undeclare(plan, fk)
        graph.remove_edges_from([(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["fk"] is fk])
    position = {key: i for i, key in enumerate(plan.tables)}
    return list(nx.lexicographical_topological_sort(graph, key=position.__getitem__))


def _undeclare(plan: Plan, fk: PlannedFk) -> None:
    owner = fk.owner
    if isinstance(owner, exp.ColumnConstraint):
        column = owner.parent
        column.set("constraints", [c for c in column.constraints if c is not owner])
    else:
        schema = plan.tables[fk.table].node.this
        schema.set("expressions", [e for e in schema.expressions if e is not owner])
    plan.logical.append(fk)


# --------------------------------------------------------------------------- executing and restoring


def _execute(plan: Plan, con: duckdb.DuckDBPyConnection) -> None:
    steps = [(st, _setup_label(st.node)) for st in plan.setup]
    steps += [(Statement(plan.tables[k].node, plan.tables[k].line), f"table {plan.tables[k].label!r}")
              for k in plan.order]
    steps += [(st, f"index {st.node.this.name!r} on table {st.node.this.args['table'].name!r}")
              for st in plan.indexes]
    for st, label in steps:
        with quiet_sqlglot():
            sql = st.node.sql(dialect="duckdb", identify=True)
        try:
            con.execute(sql)
        except duckdb.Error as err:
            reason = str(err).splitlines()[0]
            raise SchemaError(f"{plan.source}, line {st.line}: DuckDB rejected {label}: {reason}") from None


def _setup_label(node: exp.Create) -> str:
    return f"{(node.kind or '').lower()} {node.this.name!r}"


def _restore(db: Database, plan: Plan) -> Database:
    """Put back what DuckDB forgot: VARCHAR(n) lengths and the FKs that closed a cycle."""
    tables = []
    for table in db.tables:
        key = (table.schema.lower(), table.name.lower())
        columns = tuple(
            replace(c, type=replace(c.type, length=plan.lengths[(key, c.name.lower())]))
            if (key, c.name.lower()) in plan.lengths else c
            for c in table.columns
        )
        tables.append(replace(table, columns=columns))
    db = replace(db, tables=tuple(tables), source=plan.source)
    return db.with_foreign_keys(tuple(_logical(db, fk) for fk in plan.logical))


def _logical(db: Database, fk: PlannedFk) -> ForeignKey:
    child, parent = _model_table(db, fk.table), _model_table(db, fk.ref_table)

    def names(table, cols):
        by_lower = {c.name.lower(): c.name for c in table.columns}
        return tuple(by_lower.get(c.lower(), c) for c in cols)

    return ForeignKey(child.key, names(child, fk.columns), parent.key, names(parent, fk.ref_columns),
                      nullable=fk.nullable, kind="logical")


def _model_table(db: Database, key: TableKey) -> Table:
    return next(t for t in db.tables if (t.schema.lower(), t.name.lower()) == key)
