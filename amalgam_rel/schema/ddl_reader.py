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
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import networkx as nx
import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.tokens import Token, TokenType

from amalgam_rel.connection import connect
from amalgam_rel.errors import InputError, SchemaError, UnsupportedTypeError
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.model import Database, ForeignKey, Table
from amalgam_rel.schema.types import SqlType, from_sqlglot

DIALECTS = ("duckdb", "postgres", "mysql", "sqlite")
_T = exp.DataType.Type
_Key = tuple[str, str]  # (schema, table), lower-cased: DuckDB resolves names case-insensitively


# --------------------------------------------------------------------------- entry points


def read_ddl(path: str | Path, dialect: str | None = None) -> Database:
    """Read the schema of a DDL file; row counts are None."""
    path = Path(path)
    text = _read_text(path)
    plan = _plan_ddl(text, dialect or guess_dialect(text, path.name), source_name=str(path))
    if not plan.tables:
        raise SchemaError(f"{path}: no CREATE TABLE statement found (is this a {plan.dialect} schema file?)")
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


# --------------------------------------------------------------------------- reading and parsing


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError(f"DDL file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a DDL file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


@dataclass(frozen=True)
class _Statement:
    node: exp.Expression
    line: int


@contextmanager
def _quiet_sqlglot():
    # sqlglot logs a warning for every statement it keeps as a Command (SET, LOCK TABLES,
    # OWNER TO); those are expected here and handled below, so keep them off the user's screen.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _statements(text: str, dialect: str, source: str) -> list[_Statement]:
    """Parse ``text`` one statement at a time, so every statement knows its first line."""
    if dialect not in DIALECTS:
        raise SchemaError(f"unknown SQL dialect {dialect!r} for {source} (expected one of {', '.join(DIALECTS)})")
    d = Dialect.get_or_raise(dialect)
    tokenizer = d.tokenizer()
    try:
        tokens = tokenizer.tokenize(text)
    except TokenError:
        # the failing token starts after the last one read: where an unclosed quote opens
        done = tokenizer.tokens
        at = done[-1].end + 1 if done else 0
        at += len(text[at:]) - len(text[at:].lstrip())
        line = text.count("\n", 0, at) + 1
        raise SchemaError(f"{source}, line {line}: cannot read the SQL (an unclosed quote or comment?)") from None
    out = []
    for chunk in _chunks(tokens):
        if dialect == "sqlite":
            chunk = _drop_sqlite_table_options(chunk)
        try:
            with _quiet_sqlglot():
                nodes = _parser(d, dialect).parse(chunk, text)
        except ParseError as err:
            e = err.errors[0] if err.errors else {}
            where = f"line {e.get('line', chunk[0].line)}, column {e.get('col', '?')}"
            raise SchemaError(f"{source}, {where}: syntax error: {e.get('description', err)}") from None
        nodes = [_enum_type(n, chunk, text) if dialect == "duckdb" else n for n in nodes]
        out += [_Statement(n, chunk[0].line) for n in nodes if n is not None and not isinstance(n, exp.Semicolon)]
    return out


def _parser(d: Dialect, dialect: str):
    parser = d.parser()
    if dialect == "duckdb":
        # sqlglot's duckdb parser drops VARCHAR(n) lengths (DuckDB ignores them); the model keeps them
        parser.TYPE_CONVERTERS = {k: v for k, v in parser.TYPE_CONVERTERS.items() if k != _T.TEXT}
    return parser


def _enum_type(node: exp.Expression | None, chunk: list[Token], text: str) -> exp.Expression | None:
    # sqlglot's duckdb parser keeps CREATE TYPE ... AS ENUM as a Command; postgres spells it the
    # same way and parses it, so read that one statement as postgres.
    if isinstance(node, exp.Command) and [t.text.upper() for t in chunk[:2]] == ["CREATE", "TYPE"]:
        try:
            with _quiet_sqlglot():
                parsed = sqlglot.parse_one(text[chunk[0].start : chunk[-1].end + 1], read="postgres")
        except ParseError:  # another kind of CREATE TYPE: skipped, and a column using it is refused
            return node
        if isinstance(parsed, exp.Create):
            return parsed
    return node


def _chunks(tokens: list[Token]) -> list[list[Token]]:
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [c for c in chunks if c]


def _drop_sqlite_table_options(chunk: list[Token]) -> list[Token]:
    # sqlglot falls back to an unparsed Command for ``) WITHOUT ROWID`` and ``) STRICT``; both
    # only change SQLite's storage, so drop them at the token level (never inside a string).
    words = [t.text.upper() if t.token_type != TokenType.STRING else "" for t in chunk]
    end = len(words)
    while end and (words[end - 1] in ("STRICT", ",") or words[max(end - 2, 0):end] == ["WITHOUT", "ROWID"]):
        end -= 2 if words[end - 1] == "ROWID" else 1
    if end < len(words) and words[:1] == ["CREATE"] and words[end - 1] == ")":
        return chunk[:end]
    return chunk


# --------------------------------------------------------------------------- the plan


@dataclass
class _TableDef:
    node: exp.Create
    line: int

    @property
    def table(self) -> exp.Table:
        return self.node.this.this

    @property
    def key(self) -> _Key:
        return _key(self.table)

    @property
    def label(self) -> str:
        return ".".join(p.name for p in self.table.parts)

    def columns(self) -> list[exp.ColumnDef]:
        return [e for e in self.node.this.expressions if isinstance(e, exp.ColumnDef)]


@dataclass(frozen=True)
class _Fk:
    owner: exp.Expression  # the AST node declaring it, removed when the FK closes a cycle
    table: _Key
    columns: tuple[str, ...]
    ref_table: _Key
    ref_columns: tuple[str, ...]
    nullable: bool


@dataclass
class _Plan:
    source: str
    dialect: str
    setup: list[_Statement] = field(default_factory=list)  # schemas, types, sequences
    tables: dict[_Key, _TableDef] = field(default_factory=dict)
    indexes: list[_Statement] = field(default_factory=list)
    enums: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # lower name -> (name, labels)
    lengths: dict[tuple[_Key, str], int] = field(default_factory=dict)
    logical: list[_Fk] = field(default_factory=list)
    order: list[_Key] = field(default_factory=list)


def _plan_ddl(text: str, dialect: str, *, source_name: str) -> _Plan:
    """Parse and rewrite DDL ``text`` into DuckDB statements, in an order DuckDB can run."""
    plan = _Plan(source_name, dialect)
    for st in _statements(text, dialect, source_name):
        _collect(plan, _Statement(_normalize(st.node, dialect), st.line))
    for tdef in plan.tables.values():
        _rewrite_table(plan, tdef)
    fks = [fk for tdef in plan.tables.values() for fk in _foreign_keys(plan, tdef)]
    plan.order = _order(plan, fks)
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


def _collect(plan: _Plan, st: _Statement) -> None:
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
            plan.indexes.append(_Statement(_index_for_duckdb(node), st.line))
    elif isinstance(node, exp.Alter) and (node.args.get("kind") or "").upper() == "TABLE":
        _fold_alter(plan, st)
    elif isinstance(node, exp.Command):
        _check_command(plan, st)
    # everything else (INSERT, SET, BEGIN/COMMIT, COMMENT ON, DROP, views, functions) is not schema


def _check_command(plan: _Plan, st: _Statement) -> None:
    # sqlglot keeps what it cannot parse as a Command; for session statements that is fine, but
    # a table definition read that way would silently vanish from the schema.
    words = st.node.sql(plan.dialect).upper().split()
    if words[:1] == ["CREATE"] and "TABLE" in words[1:4]:
        raise SchemaError(f"{plan.source}, line {st.line}: cannot parse this CREATE TABLE statement")
    adds = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "ADD"]
    if words[:2] == ["ALTER", "TABLE"] and any(w != "GENERATED" for w in adds):  # GENERATED: an identity
        raise SchemaError(f"{plan.source}, line {st.line}: cannot parse this ALTER TABLE ... ADD statement")


def _add_table(plan: _Plan, st: _Statement) -> None:
    node = st.node
    if not isinstance(node.this, exp.Schema):
        what = "CREATE TABLE ... AS SELECT" if node.expression is not None else "a CREATE TABLE without columns"
        raise SchemaError(f"{plan.source}, line {st.line}: {what} is not supported in a DDL file")
    tdef = _TableDef(node, st.line)
    if tdef.key in plan.tables:
        if node.args.get("exists"):
            return
        raise SchemaError(f"{plan.source}, line {st.line}: table {tdef.label!r} is created twice")
    node.set("properties", None)  # ENGINE, CHARSET, COMMENT=, TEMPORARY...: nothing DuckDB keeps
    plan.tables[tdef.key] = tdef


def _key(table: exp.Table) -> _Key:
    return ((table.db or "main").lower(), table.name.lower())


def _fold_alter(plan: _Plan, st: _Statement) -> None:
    """pg_dump adds keys with ALTER TABLE; DuckDB cannot ALTER ADD a FOREIGN KEY, so fold them in."""
    node = st.node
    tdef = plan.tables.get(_key(node.this))
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


def _fold_alter_column(tdef: _TableDef, action: exp.AlterColumn) -> bool:
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
        if default is not None and not _is_nextval(default):  # nextval: pg_dump's spelling of SERIAL
            column.append("constraints", exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default)))
    return True


def _drop_constraints(column: exp.ColumnDef, kind: type) -> None:
    column.set("constraints", [c for c in column.constraints if not isinstance(c.args.get("kind"), kind)])


def _is_nextval(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == "nextval"


# --------------------------------------------------------------------------- rewriting one table


_DROPPED_CONSTRAINTS = (
    exp.AutoIncrementColumnConstraint, exp.CommentColumnConstraint, exp.OnUpdateColumnConstraint,
    exp.CharacterSetColumnConstraint, exp.CollateColumnConstraint,
)


def _rewrite_table(plan: _Plan, tdef: _TableDef) -> None:
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


def _rewrite_column(plan: _Plan, tdef: _TableDef, column: exp.ColumnDef) -> None:
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
            isinstance(ckind.this, exp.Null) or (plan.dialect != "duckdb" and _is_nextval(ckind.this))
        ):
            continue  # DEFAULT NULL says nothing; a nextval default is postgres's SERIAL
        c.set("this", None)  # constraint name
        constraints.append(c)
    if implicit_not_null and not any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint) for c in constraints):
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    column.set("constraints", constraints)
    sql_type = _sql_type(plan, kind, where)
    if sql_type.length is not None:
        plan.lengths[(tdef.key, column.name.lower())] = sql_type.length
    column.set("kind", _duckdb_type(sql_type))


def _sql_type(plan: _Plan, kind: exp.DataType, where: str) -> SqlType:
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


def _portable_type(node: exp.Expression, plan: _Plan) -> exp.Expression:
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


def _for_duckdb(node: exp.Expression, plan: _Plan) -> exp.Expression | None:
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


def _index_for_duckdb(node: exp.Create) -> exp.Create:
    params = node.this.args.get("params")
    if params is not None:
        params.set("using", None)  # btree, hash: DuckDB has its own index type
        for ordered in params.args.get("columns") or []:
            if isinstance(ordered, exp.Ordered):
                ordered.set("nulls_first", None)
    return node


def _inline_index(plan: _Plan, tdef: _TableDef, item: exp.IndexColumnConstraint) -> None:
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
    plan.indexes.append(_Statement(exp.Create(this=index, kind="INDEX"), tdef.line))


# --------------------------------------------------------------------------- foreign keys and order


def _primary_key(tdef: _TableDef) -> tuple[str, ...]:
    for item in tdef.node.this.expressions:
        if isinstance(item, exp.PrimaryKey):
            return tuple(e.name for e in item.expressions)
    return tuple(c.name for c in tdef.columns()
                 if any(isinstance(k.args.get("kind"), exp.PrimaryKeyColumnConstraint) for k in c.constraints))


def _not_null(tdef: _TableDef) -> set[str]:
    names = {c.name.lower() for c in tdef.columns()
             if any(isinstance(k.args.get("kind"), exp.NotNullColumnConstraint) for k in c.constraints)}
    return names | {c.lower() for c in _primary_key(tdef)}


def _foreign_keys(plan: _Plan, tdef: _TableDef) -> list[_Fk]:
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
        _Fk(owner, tdef.key, cols, *_referenced(plan, tdef, ref, len(cols)),
            nullable=any(c.lower() not in required for c in cols))
        for owner, cols, ref in found
    ]


def _referenced(plan: _Plan, tdef: _TableDef, ref: exp.Reference, width: int) -> tuple[_Key, tuple[str, ...]]:
    target = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
    key = _key(target)
    if isinstance(ref.this, exp.Schema) and ref.this.expressions:
        return key, tuple(e.name for e in ref.this.expressions)
    parent = plan.tables.get(key)
    pk = _primary_key(parent) if parent else ()
    if len(pk) != width:  # SQLite's ``REFERENCES parent`` means parent's primary key
        raise SchemaError(f"{plan.source}, line {tdef.line}: a foreign key of {tdef.label!r} references "
                          f"{target.name!r} without naming columns, and its primary key does not match")
    ref.set("this", exp.Schema(this=target, expressions=[exp.to_identifier(c) for c in pk]))
    return key, pk


def _order(plan: _Plan, fks: list[_Fk]) -> list[_Key]:
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


def _undeclare(plan: _Plan, fk: _Fk) -> None:
    owner = fk.owner
    if isinstance(owner, exp.ColumnConstraint):
        column = owner.parent
        column.set("constraints", [c for c in column.constraints if c is not owner])
    else:
        schema = plan.tables[fk.table].node.this
        schema.set("expressions", [e for e in schema.expressions if e is not owner])
    plan.logical.append(fk)


# --------------------------------------------------------------------------- executing and restoring


def _execute(plan: _Plan, con: duckdb.DuckDBPyConnection) -> None:
    steps = [(st, _setup_label(st.node)) for st in plan.setup]
    steps += [(_Statement(plan.tables[k].node, plan.tables[k].line), f"table {plan.tables[k].label!r}")
              for k in plan.order]
    steps += [(st, f"index {st.node.this.name!r} on table {st.node.this.args['table'].name!r}")
              for st in plan.indexes]
    for st, label in steps:
        with _quiet_sqlglot():
            sql = st.node.sql(dialect="duckdb", identify=True)
        try:
            con.execute(sql)
        except duckdb.Error as err:
            reason = str(err).splitlines()[0]
            raise SchemaError(f"{plan.source}, line {st.line}: DuckDB rejected {label}: {reason}") from None


def _setup_label(node: exp.Create) -> str:
    return f"{(node.kind or '').lower()} {node.this.name!r}"


def _restore(db: Database, plan: _Plan) -> Database:
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


def _logical(db: Database, fk: _Fk) -> ForeignKey:
    child, parent = _model_table(db, fk.table), _model_table(db, fk.ref_table)

    def names(table, cols):
        by_lower = {c.name.lower(): c.name for c in table.columns}
        return tuple(by_lower.get(c.lower(), c) for c in cols)

    return ForeignKey(child.key, names(child, fk.columns), parent.key, names(parent, fk.ref_columns),
                      nullable=fk.nullable, kind="logical")


def _model_table(db: Database, key: _Key) -> Table:
    return next(t for t in db.tables if (t.schema.lower(), t.name.lower()) == key)
