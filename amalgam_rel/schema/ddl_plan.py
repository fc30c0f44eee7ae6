"""The plan of a DDL file: its tables, setup statements and indexes, sorted and folded.

Part of :mod:`.ddl_reader`: every parsed statement is sorted into a :class:`Plan`; ALTER TABLE
is folded into its CREATE TABLE, since DuckDB cannot ALTER ... ADD a foreign key. The plan is
then rewritten for DuckDB (:mod:`.ddl_rewrite`) and ordered parents-first (:mod:`.ddl_reader`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.ddl_parse import Statement

_T = exp.DataType.Type
TableKey = tuple[str, str]  # (schema, table), lower-cased: DuckDB resolves names case-insensitively


@dataclass
class TableDef:
    node: exp.Create
    line: int

    @property
    def table(self) -> exp.Table:
        return self.node.this.this

    @property
    def key(self) -> TableKey:
        return table_key(self.table)

    @property
    def label(self) -> str:
        return ".".join(p.name for p in self.table.parts)

    def columns(self) -> list[exp.ColumnDef]:
        return [e for e in self.node.this.expressions if isinstance(e, exp.ColumnDef)]


@dataclass(frozen=True)
class PlannedFk:
    owner: exp.Expression  # the AST node declaring it, removed when the FK closes a cycle
    table: TableKey
    columns: tuple[str, ...]
    ref_table: TableKey
    ref_columns: tuple[str, ...]
    nullable: bool


@dataclass
class Plan:
    source: str
    dialect: str
    setup: list[Statement] = field(default_factory=list)  # schemas, types, sequences
    tables: dict[TableKey, TableDef] = field(default_factory=dict)
    indexes: list[Statement] = field(default_factory=list)
    enums: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # lower name -> (name, labels)
    lengths: dict[tuple[TableKey, str], int] = field(default_factory=dict)
    logical: list[PlannedFk] = field(default_factory=list)
    order: list[TableKey] = field(default_factory=list)


def fold_statements(statements: list[Statement], dialect: str, source: str) -> Plan:
    """Sort parsed statements into a plan: tables (ALTER TABLE folded in), setup and indexes."""
    plan = Plan(source, dialect)
    for st in statements:
        _collect(plan, Statement(_normalize(st.node, dialect), st.line))
    return plan


def _normalize(node: exp.Expression, dialect: str) -> exp.Expression:
    if dialect != "postgres":
        return node
    # postgres folds unquoted names to lower case, and ``public`` is its default schema (main).
    node = normalize_identifiers(node, dialect="postgres")
    for table in node.find_all(exp.Table):
        if table.args.get("db") is not None and table.db == "public" and not table.args.get("catalog"):
            table.set("db", None)
    for dtype in node.find_all(exp.DataType):
        kind = dtype.args.get("kind")
        if dtype.this == _T.USERDEFINED and isinstance(kind, exp.Dot) and kind.this.name == "public":
            dtype.set("kind", kind.expression)
    return node


def _collect(plan: Plan, st: Statement) -> None:
    """Sort one statement into the plan, folding ALTER TABLE into its CREATE TABLE."""
    node = st.node
    if isinstance(node, exp.Create):
        kind = (node.kind or "").upper()
        if kind == "TABLE":
            _add_table(plan, st)
        elif kind == "TYPE" and isinstance(node.expression, exp.DataType) and node.expression.this == _T.ENUM:
            labels = tuple(e.name for e in node.expression.expressions)
            plan.enums[node.this.name.lower()] = (node.this.name, labels)
            plan.setup.append(st)
        elif kind == "SCHEMA" or (kind == "SEQUENCE" and plan.dialect == "duckdb"):
            plan.setup.append(st)
        elif kind == "INDEX":
            plan.indexes.append(st)  # made DuckDB's shape by ddl_rewrite.rewrite_indexes
    elif isinstance(node, exp.Alter) and (node.args.get("kind") or "").upper() == "TABLE":
        _fold_alter(plan, st)
    elif isinstance(node, exp.Command):
        _check_command(plan, st)
    # everything else (INSERT, SET, BEGIN/COMMIT, COMMENT ON, DROP, views, functions) is not schema


def _check_command(plan: Plan, st: Statement) -> None:
    # sqlglot keeps what it cannot parse as a Command; for session statements that is fine, but
    # a table definition read that way would silently vanish from the schema.
    words = st.node.sql(plan.dialect).upper().split()
    if words[:1] == ["CREATE"] and "TABLE" in words[1:4]:
        raise SchemaError(f"{plan.source}, line {st.line}: cannot parse this CREATE TABLE statement")
    adds = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "ADD"]
    if words[:2] == ["ALTER", "TABLE"] and any(w != "GENERATED" for w in adds):  # GENERATED: an identity
        raise SchemaError(f"{plan.source}, line {st.line}: cannot parse this ALTER TABLE ... ADD statement")


def _add_table(plan: Plan, st: Statement) -> None:
    node = st.node
    if not isinstance(node.this, exp.Schema):
        what = "CREATE TABLE ... AS SELECT" if node.expression is not None else "a CREATE TABLE without columns"
        raise SchemaError(f"{plan.source}, line {st.line}: {what} is not supported in a DDL file")
    tdef = TableDef(node, st.line)
    if tdef.key in plan.tables:
        if node.args.get("exists"):
            return
        raise SchemaError(f"{plan.source}, line {st.line}: table {tdef.label!r} is created twice")
    node.set("properties", None)  # ENGINE, CHARSET, COMMENT=, TEMPORARY...: nothing DuckDB keeps
    plan.tables[tdef.key] = tdef


def table_key(table: exp.Table) -> TableKey:
    return ((table.db or "main").lower(), table.name.lower())


def _fold_alter(plan: Plan, st: Statement) -> None:
    """pg_dump adds keys with ALTER TABLE; DuckDB cannot ALTER ADD a FOREIGN KEY, so fold them in."""
    node = st.node
    tdef = plan.tables.get(table_key(node.this))
    if tdef is None:
        raise SchemaError(f"{plan.source}, line {st.line}: ALTER TABLE names {node.this.name!r}, "
                          "which this file does not create")
    schema = tdef.node.this
    for action in node.args.get("actions") or []:
        if isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                schema.append("expressions", constraint)
        elif isinstance(action, exp.ColumnDef):
            schema.append("expressions", action)
        elif isinstance(action, exp.AlterSet):
            continue  # storage parameters (fillfactor...): nothing to do with the schema
        elif not (isinstance(action, exp.AlterColumn) and _fold_alter_column(tdef, action)):
            raise SchemaError(f"{plan.source}, line {st.line}: unsupported ALTER TABLE action on "
                              f"{tdef.label!r} ({type(action).__name__})")


def _fold_alter_column(tdef: TableDef, action: exp.AlterColumn) -> bool:
    """Fold SET/DROP DEFAULT, SET/DROP NOT NULL and TYPE into the column; False for anything else."""
    column = next((c for c in tdef.columns() if c.name.lower() == action.name.lower()), None)
    default, drop, allow_null, dtype = (action.args.get(k) for k in ("default", "drop", "allow_null", "dtype"))
    if column is None or (default is None and not drop and allow_null is None and dtype is None):
        return False
    if dtype is not None:
        column.set("kind", dtype)
    if allow_null is not None:  # SET / DROP NOT NULL
        _drop_constraints(column, exp.NotNullColumnConstraint)
        if allow_null is False:
            column.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    elif drop or default is not None:  # DROP / SET DEFAULT
        _drop_constraints(column, exp.DefaultColumnConstraint)
        if default is not None and not is_nextval(default):  # nextval: pg_dump's spelling of SERIAL
            column.append("constraints", exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default)))
    return True


def _drop_constraints(column: exp.ColumnDef, kind: type) -> None:
    column.set("constraints", [c for c in column.constraints if not isinstance(c.args.get("kind"), kind)])


def is_nextval(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == "nextval"
