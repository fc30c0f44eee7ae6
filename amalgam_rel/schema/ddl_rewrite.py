"""Rewrite a planned CREATE TABLE (and the file's indexes) into DuckDB's DDL, as an AST.

Part of :mod:`.ddl_reader`: each column gets DuckDB's spelling of its type (through the type
tree of :mod:`.types`), constraints DuckDB cannot keep are dropped, MySQL's inline ``KEY``
entries become CREATE INDEX statements, and ``VARCHAR(n)`` lengths are noted in the plan so the
reader can put them back.
"""

from __future__ import annotations

from sqlglot import exp

from amalgam_rel.errors import UnsupportedTypeError
from amalgam_rel.schema.ddl_parse import Statement
from amalgam_rel.schema.ddl_plan import Plan, TableDef, is_nextval
from amalgam_rel.schema.types import SqlType, from_sqlglot

_T = exp.DataType.Type


_DROPPED_CONSTRAINTS = (
    exp.AutoIncrementColumnConstraint, exp.CommentColumnConstraint, exp.OnUpdateColumnConstraint,
    exp.CharacterSetColumnConstraint, exp.CollateColumnConstraint,
)


def rewrite_table(plan: Plan, tdef: TableDef) -> None:
    for item in tdef.node.this.expressions:
        if isinstance(item, exp.Identifier):  # SQLite accepts a column with no type at all
            raise UnsupportedTypeError(f"{plan.source}, line {tdef.line}: table {tdef.label!r} column "
                                       f"{item.name!r} has no type")
    for column in tdef.columns():
        _rewrite_column(plan, tdef, column)
    schema = tdef.node.this
    kept = []
    for item in schema.expressions:
        item = _unwrap_constraint(item)
        if isinstance(item, exp.IndexColumnConstraint):
            _inline_index(plan, tdef, item)
            continue
        if isinstance(item, exp.ExcludeColumnConstraint):
            continue  # postgres EXCLUDE USING gist: nothing in DuckDB (or the model) can hold it
        kept.append(item)
    schema.set("expressions", kept)
    tdef.node.set("this", schema.transform(_for_duckdb, plan))


def _unwrap_constraint(item: exp.Expression) -> exp.Expression:
    # DuckDB forgets constraint names anyway; unwrapping keeps one shape per constraint kind.
    if isinstance(item, exp.Constraint) and len(item.expressions) == 1:
        return item.expressions[0]
    return item


def _rewrite_column(plan: Plan, tdef: TableDef, column: exp.ColumnDef) -> None:
    """Give the column DuckDB's spelling of its type, and drop what DuckDB cannot keep."""
    kind = column.args.get("kind")
    where = f"{plan.source}, line {tdef.line}: table {tdef.label!r} column {column.name!r}"
    if kind is None:
        raise UnsupportedTypeError(f"{where} has no type")
    implicit_not_null = kind.this in (_T.SERIAL, _T.BIGSERIAL, _T.SMALLSERIAL)
    constraints = []
    for c in column.constraints:
        ckind = c.args.get("kind")
        if isinstance(ckind, exp.GeneratedAsIdentityColumnConstraint) and ckind.args.get("expression") is None:
            implicit_not_null = True  # an IDENTITY column is never NULL
            continue
        if isinstance(ckind, _DROPPED_CONSTRAINTS):
            continue
        if isinstance(ckind, exp.DefaultColumnConstraint) and (
            isinstance(ckind.this, exp.Null) or (plan.dialect != "duckdb" and is_nextval(ckind.this))
        ):
            continue  # DEFAULT NULL says nothing; a nextval default is postgres's SERIAL
        if isinstance(ckind, exp.ComputedColumnConstraint):
            ckind.set("persisted", None)  # MySQL's STORED: DuckDB computes every generated column itself
            if not isinstance(ckind.this, exp.Paren):  # DuckDB reads ``AS (expr)`` only
                ckind.set("this", exp.Paren(this=ckind.this))
        c.set("this", None)  # constraint name
        constraints.append(c)
    if implicit_not_null and not any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint) for c in constraints):
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    column.set("constraints", constraints)
    sql_type = _sql_type(plan, kind, where)
    if sql_type.length is not None:
        plan.lengths[(tdef.key, column.name.lower())] = sql_type.length
    column.set("kind", _duckdb_type(sql_type))


def _sql_type(plan: Plan, kind: exp.DataType, where: str) -> SqlType:
    shown = kind.sql(plan.dialect)
    kind = kind.copy().transform(_portable_type, plan)
    enum_names = {labels: name for name, labels in plan.enums.values()}
    try:
        return from_sqlglot(kind, enum_names, shown)
    except (UnsupportedTypeError, ValueError, TypeError):  # ValueError: a type parameter that is no number
        raise UnsupportedTypeError(f"{where} has the type {shown!r}, which amalgam-rel does not support") from None


def _duckdb_type(sql_type: SqlType) -> exp.DataType:
    if sql_type.enum_name:  # a named ENUM: refer to it by (quoted) name, as the DDL did
        return exp.DataType(this=_T.USERDEFINED, kind=exp.to_identifier(sql_type.enum_name, quoted=True))
    # nested named enums are spelled out; DuckDB reports them by their labels either way
    return exp.DataType.build(sql_type.sql(named_enums=False), dialect="duckdb")


_TYPE_ALIASES = {
    _T.SERIAL: _T.INT, _T.BIGSERIAL: _T.BIGINT, _T.SMALLSERIAL: _T.SMALLINT, _T.JSONB: _T.JSON,
    _T.MEDIUMINT: _T.INT, _T.UMEDIUMINT: _T.UINT, _T.TINYTEXT: _T.TEXT, _T.MEDIUMTEXT: _T.TEXT,
    _T.LONGTEXT: _T.TEXT, _T.TINYBLOB: _T.BLOB, _T.MEDIUMBLOB: _T.BLOB, _T.LONGBLOB: _T.BLOB, _T.YEAR: _T.SMALLINT,
}


def _portable_type(node: exp.Expression, plan: Plan) -> exp.Expression:
    """Map dialect-only types onto the type tree's (per node of a nested type)."""
    if not isinstance(node, exp.DataType):
        return node
    if node.this in _TYPE_ALIASES:
        return exp.DataType(this=_TYPE_ALIASES[node.this])
    if plan.dialect == "mysql" and node.this == _T.TINYINT and _params(node) == [1]:
        return exp.DataType(this=_T.BOOLEAN)
    if node.this == _T.USERDEFINED:
        enum = plan.enums.get(_udt_name(node).lower())
        if enum:
            return exp.DataType(this=_T.ENUM, expressions=[exp.Literal.string(s) for s in enum[1]])
    return node


def _params(node: exp.DataType) -> list:
    out = []
    for p in node.expressions:
        lit = p.this if isinstance(p, exp.DataTypeParam) else p
        out.append(int(lit.this) if isinstance(lit, exp.Literal) and not lit.is_string else lit)
    return out


def _udt_name(node: exp.DataType) -> str:
    kind = node.args.get("kind")
    return kind.name if isinstance(kind, exp.Expression) else str(kind or "")


def _for_duckdb(node: exp.Expression, plan: Plan) -> exp.Expression | None:
    """The AST rewrites DuckDB needs inside a CREATE TABLE body."""
    if isinstance(node, exp.Reference):
        node.set("options", None)  # ON DELETE/UPDATE, DEFERRABLE: DuckDB's parser rejects them
    elif isinstance(node, exp.UniqueColumnConstraint):
        if isinstance(node.this, exp.Schema):
            node.this.set("this", None)  # MySQL's UNIQUE KEY name (...)
        node.set("index_type", None)
    elif isinstance(node, exp.PrimaryKey):
        node.set("include", None)  # USING BTREE
    elif isinstance(node, exp.Introducer):
        return node.expression  # MySQL's _utf8mb4'text': the charset is not DuckDB's concern
    elif isinstance(node, (exp.EQ, exp.NEQ)) and isinstance(node.expression, (exp.Any, exp.All)):
        return _array_comparison_as_in(node)
    elif isinstance(node, exp.DataType) and node.this == _T.USERDEFINED:
        enum = plan.enums.get(_udt_name(node).lower())
        if enum:
            return exp.DataType(this=_T.USERDEFINED, kind=exp.to_identifier(enum[0], quoted=True))
    return node


def _array_comparison_as_in(node: exp.Expression) -> exp.Expression:
    # pg_dump writes ``x IN ('a', 'b')`` as ``x = ANY (ARRAY['a', 'b'])``, which DuckDB treats
    # as a subquery and refuses in a CHECK; turn it back into IN.
    values = node.expression.this
    while isinstance(values, (exp.Cast, exp.Paren)):
        values = values.this
    if not isinstance(values, exp.Array):
        return node
    is_in = isinstance(node, exp.EQ) == isinstance(node.expression, exp.Any)
    found = exp.In(this=node.this, expressions=[v.copy() for v in values.expressions])
    return found if is_in else exp.Not(this=found)


# --------------------------------------------------------------------------- indexes


def rewrite_indexes(plan: Plan) -> None:
    """Give the CREATE INDEX statements of the file DuckDB's shape (before tables add their own)."""
    for st in plan.indexes:
        _index_for_duckdb(st.node)


def _index_for_duckdb(node: exp.Create) -> None:
    params = node.this.args.get("params")
    if params is not None:
        params.set("using", None)  # btree, hash: DuckDB has its own index type
        for ordered in params.args.get("columns") or []:
            if isinstance(ordered, exp.Ordered):
                ordered.set("nulls_first", None)


def _inline_index(plan: Plan, tdef: TableDef, item: exp.IndexColumnConstraint) -> None:
    """MySQL's ``KEY name (cols)`` inside CREATE TABLE, as a separate CREATE INDEX."""
    if item.args.get("kind"):  # FULLTEXT / SPATIAL: search structures, not keys
        return
    name = item.name or f"{tdef.table.name}_idx"
    taken = {st.node.this.name.lower() for st in plan.indexes}
    if name.lower() in taken:  # MySQL index names are per table, DuckDB's per schema
        name = f"{tdef.table.name}_{name}"
    columns = [exp.Ordered(this=exp.column(c.name if isinstance(c, exp.Column) else c.this.name))
               for c in item.expressions]
    index = exp.Index(this=exp.to_identifier(name), table=tdef.table.copy(),
                      params=exp.IndexParameters(columns=columns))
    plan.indexes.append(Statement(exp.Create(this=index, kind="INDEX"), tdef.line))
