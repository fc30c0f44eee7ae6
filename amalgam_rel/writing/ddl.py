"""DuckDB DDL for a schema model, built as sqlglot expressions with quoted identifiers.

Statements come in the order DuckDB needs: schemas, ENUM types, sequences, then tables with
every referenced table before the tables that reference it. Only *declared* foreign keys are
written: a logical one is, by definition, one DuckDB does not (or cannot) enforce.

>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> t = Table("a b", (Column("id", parse_type("INTEGER"), False),), ("id",))
>>> [s for s in create_statements(Database((t,)))]
['CREATE TABLE "a b" ("id" INTEGER NOT NULL, PRIMARY KEY ("id"))']
"""

from __future__ import annotations

import networkx as nx
from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Database, EnumType, Sequence, Table


def create_statements(db: Database) -> list[str]:
    """Every statement that recreates ``db``'s schema (without its secondary indexes)."""
    # a connection written into may hold the schema already (:mod:`.target`)
    statements = [f"CREATE SCHEMA IF NOT EXISTS {sql.ident(s).sql(sql.DIALECT)}" for s in db.schemas if s != "main"]
    statements += [_create_enum(e) for e in db.enum_types]
    statements += [sql.render(_create_sequence(s)) for s in db.sequences]
    statements += [sql.render(create_table(db, db.table(key))) for key in creation_order(db)]
    return statements


def index_statements(db: Database) -> list[str]:
    """``CREATE INDEX`` statements, re-rendered through sqlglot (run after the data is in)."""
    return [sql.render(sql.parse_expression(i.sql.rstrip(";"), where=f"index {i.name}")) for i in db.indexes]


def view_statements(db: Database) -> list[tuple[str, str]]:
    """``(view, CREATE VIEW)`` in the source's creation order, re-rendered through sqlglot."""
    return [(v.name if v.schema == "main" else f"{v.schema}.{v.name}",
             sql.render(sql.parse_expression(v.sql.rstrip(";"), where=f"view {v.name}"))) for v in db.views]


def creation_order(db: Database) -> list[str]:
    """Tables with every table a declared FK references created first."""
    graph = nx.DiGraph()
    graph.add_nodes_from(db.table_names)
    graph.add_edges_from(
        (fk.ref_table, fk.table) for fk in db.foreign_keys if fk.kind == "declared" and not fk.is_self_reference
    )
    position = {name: i for i, name in enumerate(db.table_names)}
    return list(nx.lexicographical_topological_sort(graph, key=position.__getitem__))


def column_type(column: Column) -> exp.DataType:
    # SqlType.sql() is DuckDB's own spelling with every nested name quoted; sqlglot's
    # re-rendering of nested user-defined types drops those quotes, so keep ours verbatim.
    return exp.DataType(this=exp.DataType.Type.USERDEFINED, kind=column.type.sql())


def create_table(db: Database, table: Table) -> exp.Create:
    parts: list[exp.Expression] = [_column_def(c) for c in table.columns]
    if table.primary_key:
        parts.append(exp.PrimaryKey(expressions=[sql.ident(c) for c in table.primary_key]))
    parts += [
        exp.UniqueColumnConstraint(this=exp.Schema(expressions=[sql.ident(c) for c in cols])) for cols in table.unique
    ]
    parts += [exp.CheckColumnConstraint(this=check.copy()) for check in table.checks if check not in table.logical_checks]
    for fk in db.foreign_keys_of(table.key):
        if fk.kind != "declared":
            continue
        parent = db.table(fk.ref_table)
        parts.append(
            exp.ForeignKey(
                expressions=[sql.ident(c) for c in fk.columns],
                reference=exp.Reference(
                    this=exp.Schema(
                        this=sql.table_ref(parent.name, parent.schema),
                        expressions=[sql.ident(c) for c in fk.ref_columns],
                    )
                ),
            )
        )
    return exp.Create(kind="TABLE", this=exp.Schema(this=sql.table_ref(table.name, table.schema), expressions=parts))


def _column_def(column: Column) -> exp.ColumnDef:
    constraints = []
    if not column.nullable:
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    if column.default is not None:
        default = sql.parse_expression(column.default, where=f"DEFAULT of column {column.name!r}")
        constraints.append(exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default)))
    if column.generated is not None:
        expression = sql.parse_expression(column.generated, where=f"GENERATED expression of column {column.name!r}")
        constraints.append(exp.ColumnConstraint(kind=exp.GeneratedAsIdentityColumnConstraint(this=True, expression=expression)))
    return exp.ColumnDef(this=sql.ident(column.name), kind=column_type(column), constraints=constraints)


def _create_enum(enum: EnumType) -> str:
    # sqlglot has no AST for CREATE TYPE ... AS ENUM; every piece is still rendered by sqlglot.
    name = exp.Table(this=sql.ident(enum.name), db=None if enum.schema == "main" else sql.ident(enum.schema))
    labels = ", ".join(exp.Literal.string(label).sql(sql.DIALECT) for label in enum.labels)
    return f"CREATE TYPE {name.sql(sql.DIALECT)} AS ENUM ({labels})"


def _create_sequence(seq: Sequence) -> exp.Create:
    props = {"start": exp.Literal.number(seq.start), "increment": exp.Literal.number(seq.increment)}
    if seq.min_value is not None:
        props["minvalue"] = exp.Literal.number(seq.min_value)
    if seq.max_value is not None:
        props["maxvalue"] = exp.Literal.number(seq.max_value)
    if seq.cycle:
        props["cycle"] = True
    name = exp.Table(this=sql.ident(seq.name), db=None if seq.schema == "main" else sql.ident(seq.schema))
    return exp.Create(kind="SEQUENCE", this=name, properties=exp.Properties(expressions=[exp.SequenceProperties(**props)]))
