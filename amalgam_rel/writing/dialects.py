"""The source's DDL in a target's own dialect: PostgreSQL, MySQL/MariaDB, SQLite (or DuckDB).

The schema model speaks DuckDB; a target server or script gets each table with the types it
has (:func:`column_type`), its PRIMARY KEY, UNIQUE, NOT NULL, CHECK and FOREIGN KEY constraints
where it can enforce them, and a one-line note for each thing it cannot (:attr:`TargetDDL.notes`).
Foreign keys come apart from the tables (``ALTER TABLE ... ADD``, after the rows: a cycle or a
self-reference then needs no insertion order), except in SQLite, which cannot add one later.

>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> t = Table("t", (Column("id", parse_type("UBIGINT"), False), Column("name", parse_type("VARCHAR"))), ("id",))
>>> target_ddl(Database((t,)), "postgres", schema="s").tables
['CREATE TABLE "s"."t" ("id" NUMERIC(20, 0) NOT NULL, "name" TEXT, PRIMARY KEY ("id"))']
>>> target_ddl(Database((t,)), "mysql", schema="s").tables
['CREATE TABLE `s`.`t` (`id` BIGINT UNSIGNED NOT NULL, `name` TEXT, PRIMARY KEY (`id`))']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
from amalgam_rel.schema.types import Kind, SqlType
from amalgam_rel.writing.ddl import creation_order
from amalgam_rel.writing.spelling import parsed_duckdb, table_ref, target_table_name, transpiled
from amalgam_rel.writing.views import view_statements

DIALECTS = ("postgres", "mysql", "sqlite", "duckdb")
KEY_TEXT_LENGTH = 255  # MySQL indexes no TEXT column: a text key becomes VARCHAR(255) unless its data is longer

# DuckDB's scalar type -> (PostgreSQL, MySQL, SQLite): the narrowest type holding every value
_SCALARS: dict[str, tuple[str, str, str]] = {
    "BOOLEAN": ("BOOLEAN", "BOOLEAN", "BOOLEAN"),
    "TINYINT": ("SMALLINT", "TINYINT", "INTEGER"),
    "UTINYINT": ("SMALLINT", "TINYINT UNSIGNED", "INTEGER"),
    "SMALLINT": ("SMALLINT", "SMALLINT", "INTEGER"),
    "USMALLINT": ("INTEGER", "SMALLINT UNSIGNED", "INTEGER"),
    "INTEGER": ("INTEGER", "INT", "INTEGER"),
    "UINTEGER": ("BIGINT", "INT UNSIGNED", "INTEGER"),
    "BIGINT": ("BIGINT", "BIGINT", "INTEGER"),
    "UBIGINT": ("NUMERIC(20, 0)", "BIGINT UNSIGNED", "TEXT"),
    "HUGEINT": ("NUMERIC(39, 0)", "DECIMAL(39, 0)", "TEXT"),
    "UHUGEINT": ("NUMERIC(39, 0)", "DECIMAL(39, 0)", "TEXT"),
    "BIGNUM": ("NUMERIC", "DECIMAL(65, 0)", "TEXT"),
    "FLOAT": ("REAL", "FLOAT", "REAL"),
    "DOUBLE": ("DOUBLE PRECISION", "DOUBLE", "REAL"),
    "VARCHAR": ("TEXT", "TEXT", "TEXT"),
    "BLOB": ("BYTEA", "LONGBLOB", "BLOB"),
    "BIT": ("VARBIT", "TEXT", "TEXT"),
    "UUID": ("UUID", "CHAR(36)", "TEXT"),
    "DATE": ("DATE", "DATE", "DATE"),
    "TIME": ("TIME", "TIME(6)", "TEXT"),
    "TIME WITH TIME ZONE": ("TIMETZ", "VARCHAR(32)", "TEXT"),
    "TIMESTAMP": ("TIMESTAMP", "DATETIME(6)", "TIMESTAMP"),
    "TIMESTAMP_S": ("TIMESTAMP(0)", "DATETIME", "TIMESTAMP"),
    "TIMESTAMP_MS": ("TIMESTAMP(3)", "DATETIME(3)", "TIMESTAMP"),
    "TIMESTAMP_NS": ("TIMESTAMP", "DATETIME(6)", "TIMESTAMP"),
    "TIMESTAMP WITH TIME ZONE": ("TIMESTAMPTZ", "DATETIME(6)", "TIMESTAMP"),
    "INTERVAL": ("INTERVAL", "VARCHAR(64)", "TEXT"),
    "JSON": ("JSONB", "JSON", "TEXT"),
}
_COLUMN = {"postgres": 0, "mysql": 1, "sqlite": 2}
_WIDE = {"HUGEINT", "UHUGEINT", "BIGNUM"}
# what a target keeps of a value in a weaker form: said once per column
_WEAKER = {("mysql", "TIMESTAMP WITH TIME ZONE"): "kept as UTC DATETIME(6), without its time zone",
           ("sqlite", "TIMESTAMP WITH TIME ZONE"): "kept as text, in UTC",
           ("mysql", "INTERVAL"): "kept as text", ("sqlite", "INTERVAL"): "kept as text",
           ("mysql", "TIME WITH TIME ZONE"): "kept as text", ("sqlite", "TIME WITH TIME ZONE"): "kept as text",
           **{("sqlite", t): "kept as text: SQLite's integers stop at 2**63 - 1"
              for t in ("UBIGINT", "HUGEINT", "UHUGEINT", "BIGNUM")},
           **{(d, "TIMESTAMP_NS"): "kept to the microsecond" for d in ("postgres", "mysql")}}


@dataclass
class TargetDDL:
    """Statements in the order they run: ``types``, ``tables``, rows, ``foreign_keys``, ``indexes``."""

    dialect: str
    stage_wide: bool = False
    schema: str | None = None
    inline: set = field(default_factory=set)  # foreign keys written inside CREATE TABLE
    types: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    views: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE VIEW): each on its own, after the rest
    notes: list[str] = field(default_factory=list)  # one line per constraint or type the target does not keep
    json_columns: set[tuple[str, str]] = field(default_factory=set)  # (table key, column) written as JSON text
    array_columns: set[tuple[str, str]] = field(default_factory=set)  # LISTs kept as PostgreSQL arrays
    # numbers wider than DuckDB's DECIMAL(38): the scanners would carry them as DOUBLE (losing digits), so
    # they arrive as text and ``retype`` turns the columns into the numeric type, after the rows
    text_columns: set[tuple[str, str]] = field(default_factory=set)
    retype: list[str] = field(default_factory=list)


def target_ddl(db: Database, dialect: str, *, schema: str | None = None,
               text_key_lengths: dict[tuple[str, str], int] | None = None, stage_wide: bool = False,
               inline_foreign_keys: bool | None = None) -> TargetDDL:
    """``db``'s DDL for ``dialect``, every table in ``schema`` (None: unqualified).

    ``text_key_lengths``: the longest value of each text column in a key (MySQL sizes them).
    ``stage_wide``: numbers wider than 38 digits are loaded as text, then retyped (a scanner's load).
    ``inline_foreign_keys``: a foreign key to a table created before (or to its own) goes inside
    ``CREATE TABLE``, so rows are checked as they arrive (MySQL rebuilds a table per ``ALTER``;
    SQLite, the default there, cannot add one later); the others come after the rows.
    """
    if dialect not in _COLUMN:
        raise SchemaError(f"no DDL for dialect {dialect!r} here (known: {', '.join(_COLUMN)})")
    out = TargetDDL(dialect, stage_wide=stage_wide, schema=schema)
    inline = dialect == "sqlite" if inline_foreign_keys is None else inline_foreign_keys
    position = {key: i for i, key in enumerate(creation_order(db))}
    out.inline = {fk for fk in db.foreign_keys if fk.kind == "declared" and inline
                  and (dialect == "sqlite" or position[fk.ref_table] <= position[fk.table])}
    if dialect == "postgres":
        out.types = [_create_pg_enum(e.name, e.labels, schema) for e in db.enum_types]
        out.types += [_create_pg_sequence(q, schema) for q in db.sequences]
    keyed = _keyed_columns(db)
    for key in creation_order(db):
        table = db.table(key)
        out.tables.append(_create_table(db, table, out, schema, keyed, text_key_lengths or {}))
    for fk in db.foreign_keys:
        if fk.kind == "declared" and fk not in out.inline:
            out.foreign_keys.append(_add_foreign_key(db, fk, dialect, schema))
    for index in db.indexes:
        statement = _index(index.sql, target_table_name(db.table(index.table)), dialect, schema)
        if statement is None:
            out.notes.append(f"index {index.name} on {index.table}: not written ({dialect} cannot express it)")
        else:
            out.indexes.append(statement)
    out.views = view_statements(db, dialect, schema, out.notes)
    return out


def _keyed_columns(db: Database) -> set[tuple[str, str]]:
    keyed = set()
    for table in db.tables:
        for cols in table.unique_sets():
            keyed |= {(table.key, c) for c in cols}
    for fk in db.foreign_keys:
        if fk.kind == "declared":
            keyed |= {(fk.table, c) for c in fk.columns} | {(fk.ref_table, c) for c in fk.ref_columns}
    for index in db.indexes:
        parsed = parsed_duckdb(index.sql)
        keyed |= {(index.table, c.name) for c in parsed.find_all(exp.Column)} if parsed is not None else set()
    return keyed


def column_type(table: Table, column: Column, out: TargetDDL, keyed: bool, longest: int | None) -> str:
    """The target's spelling of ``column``'s type; a note where it keeps the values in a weaker form."""
    t, dialect = column.type, out.dialect
    where = f"column {table.key}.{column.name}"
    if t.kind is Kind.ENUM:
        return _enum_type(t, table, column, out)
    if t.is_nested:
        if dialect == "postgres" and t.kind is Kind.LIST and _array_element(t.element):
            out.array_columns.add((table.key, column.name))
            return _pg_element(t.element) + "[]"
        if t.kind is not Kind.JSON:
            out.json_columns.add((table.key, column.name))
            out.notes.append(f"{where}: {t.sql()} kept as JSON ({dialect} has no such type)")
        return _SCALARS["JSON"][_COLUMN[dialect]]
    if t.kind is Kind.DECIMAL:
        if dialect == "sqlite":
            out.notes.append(f"{where}: {t.sql()} kept as NUMERIC, which SQLite stores as a REAL (binary floating point)")
        return (f"DECIMAL({t.precision}, {t.scale})" if dialect == "mysql" else f"NUMERIC({t.precision}, {t.scale})")
    if t.kind is Kind.STRING and (t.length is not None or (keyed and dialect == "mysql")):
        length = t.length or max(KEY_TEXT_LENGTH, longest or 0)
        return f"VARCHAR({length})"
    if t.kind is Kind.BLOB and keyed and dialect == "mysql":
        return f"VARBINARY({max(KEY_TEXT_LENGTH, longest or 0)})"
    spelling = _SCALARS.get(t.name)
    if spelling is None:
        raise SchemaError(f"{where}: type {t.sql()} has no {dialect} equivalent")
    if (dialect, t.name) in _WEAKER:
        out.notes.append(f"{where}: {t.name} {_WEAKER[dialect, t.name]}")
    return spelling[_COLUMN[dialect]]


def _array_element(t: SqlType) -> bool:
    """A LIST element PostgreSQL holds in an array as it is (the scanner copies those natively)."""
    return not t.is_nested and t.kind is not Kind.ENUM and t.name not in _WIDE and t.name in _SCALARS \
        or t.kind in (Kind.DECIMAL, Kind.STRING)


def _pg_element(t: SqlType) -> str:
    if t.kind is Kind.DECIMAL:
        return f"NUMERIC({t.precision}, {t.scale})"
    if t.kind is Kind.STRING:
        return f"VARCHAR({t.length})" if t.length is not None else "TEXT"
    return _SCALARS[t.name][0]


def _enum_type(t: SqlType, table: Table, column: Column, out: TargetDDL) -> str:
    labels = ", ".join(exp.Literal.string(s).sql(out.dialect) for s in t.labels)
    if out.dialect == "mysql":
        return f"ENUM({labels})"
    if out.dialect == "postgres" and t.enum_name:
        return "\x00enum\x00" + t.enum_name  # qualified with the target schema in _create_table
    return "TEXT"  # the labels become a CHECK (_enum_check)


def _create_table(db: Database, table: Table, out: TargetDDL, schema: str | None, keyed: set,
                  lengths: dict) -> str:
    dialect = out.dialect
    parts = []
    for column in table.columns:
        spelled = column_type(table, column, out, (table.key, column.name) in keyed, lengths.get((table.key, column.name)))
        if spelled.startswith("\x00enum\x00"):
            spelled = table_ref(spelled.removeprefix("\x00enum\x00"), schema).sql(dialect)
        if out.stage_wide and column.type.name in _WIDE and dialect in ("postgres", "mysql"):
            out.text_columns.add((table.key, column.name))
            out.retype.append(_retype(table, column, spelled, dialect, schema))
            spelled = "TEXT" if dialect == "postgres" else "VARCHAR(80)"
        parts.append(_column_def(table, column, spelled, out))
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({_names(table.primary_key, dialect)})")
    parts += [f"UNIQUE ({_names(cols, dialect)})" for cols in table.unique]
    for check in table.checks:
        if check in table.logical_checks:
            continue
        rendered = transpiled(_quoted_columns(check, table), dialect)
        # sqlglot spells DuckDB's list functions without knowing the column became JSON or an array
        moved = sorted({c.name for c in check.find_all(exp.Column) if table.has_column(c.name)
                        and (table.key, table.column(c.name).name) in out.json_columns | out.array_columns})
        if moved:
            out.notes.append(f"CHECK ({sql.render(check)}) on {table.key}: not enforced ({', '.join(moved)} "
                             f"kept as {'an array' if dialect == 'postgres' and (table.key, moved[0]) in out.array_columns else 'JSON'})")
        elif rendered is None:
            out.notes.append(f"CHECK ({sql.render(check)}) on {table.key}: not enforced ({dialect} cannot express it)")
        else:
            parts.append(f"CHECK ({rendered})")
    parts += _enum_checks(table, dialect)
    parts += [_foreign_key_clause(db, fk, dialect, schema) for fk in db.foreign_keys_of(table.key) if fk in out.inline]
    name = table_ref(target_table_name(table), schema).sql(dialect)
    return f"CREATE TABLE {name} ({', '.join(parts)})"


def _retype(table: Table, column: Column, spelled: str, dialect: str, schema: str | None) -> str:
    name, col = table_ref(target_table_name(table), schema).sql(dialect), sql.ident(column.name).sql(dialect)
    if dialect == "postgres":
        return f"ALTER TABLE {name} ALTER COLUMN {col} TYPE {spelled} USING {col}::{spelled}"
    return f"ALTER TABLE {name} MODIFY {col} {spelled}{'' if column.nullable else ' NOT NULL'}"


def _column_def(table: Table, column: Column, spelled: str, out: TargetDDL) -> str:
    dialect = out.dialect
    text = f"{sql.ident(column.name).sql(dialect)} {spelled}"
    if column.generated is not None:
        parsed = sql.parse_expression(column.generated, where=f"column {column.name!r}")
        expression = transpiled(_quoted_columns(parsed, table), dialect)
        if expression is None:
            raise SchemaError(f"column {table.key}.{column.name}: its GENERATED expression has no {dialect} form")
        text += f" GENERATED ALWAYS AS ({expression}) STORED"
    if not column.nullable:
        text += " NOT NULL"
    if column.default is not None and column.generated is None:
        default = sql.parse_expression(column.default, where=f"DEFAULT of column {column.name!r}")
        rendered = _pg_nextval(default, out.schema) if dialect == "postgres" else None
        if rendered is None and not default.find(exp.Anonymous) and "nextval" not in column.default.lower():
            rendered = transpiled(default, dialect)
        if rendered is None:
            out.notes.append(f"DEFAULT {column.default} of column {table.key}.{column.name}: not written to {dialect}")
        else:  # parenthesised: MySQL (8.0.13+, MariaDB 10.2+) then takes an expression, a TEXT column's too
            text += f" DEFAULT ({rendered})" if dialect in ("mysql", "sqlite") else f" DEFAULT {rendered}"
    return text


def _enum_checks(table: Table, dialect: str) -> list[str]:
    """An ENUM column kept as TEXT (SQLite; PostgreSQL's unnamed ones) keeps its labels as a CHECK."""
    checks = []
    for column in table.columns:
        t = column.type
        if t.kind is Kind.ENUM and not (dialect == "mysql" or (dialect == "postgres" and t.enum_name)):
            labels = ", ".join(exp.Literal.string(s).sql(dialect) for s in t.labels)
            checks.append(f"CHECK ({sql.ident(column.name).sql(dialect)} IN ({labels}))")
    return checks


def _foreign_key_clause(db: Database, fk: ForeignKey, dialect: str, schema: str | None) -> str:
    parent = db.table(fk.ref_table)
    # SQLite resolves REFERENCES within the child's own database: never qualified
    ref = table_ref(target_table_name(parent), None if dialect == "sqlite" else schema).sql(dialect)
    return f"FOREIGN KEY ({_names(fk.columns, dialect)}) REFERENCES {ref} ({_names(fk.ref_columns, dialect)})"


def _add_foreign_key(db: Database, fk: ForeignKey, dialect: str, schema: str | None) -> str:
    child = table_ref(target_table_name(db.table(fk.table)), schema).sql(dialect)
    return f"ALTER TABLE {child} ADD {_foreign_key_clause(db, fk, dialect, schema)}"


def _names(columns, dialect: str) -> str:
    return ", ".join(sql.ident(c).sql(dialect) for c in columns)


def _quoted_columns(expression: exp.Expression, table: Table) -> exp.Expression:
    """``expression`` with each of ``table``'s columns quoted in the catalog's spelling: a target
    folds (PostgreSQL) or reserves (MySQL's ``order``) names DuckDB took as they were."""
    expression = expression.copy()
    for column in expression.find_all(exp.Column):
        if table.has_column(column.name):
            column.set("this", sql.ident(table.column(column.name).name))
    return expression


def _index(text: str, table_name: str, dialect: str, schema: str | None) -> str | None:
    """A ``CREATE [UNIQUE] INDEX`` on plain columns, re-spelled for ``dialect`` on ``table_name``
    in ``schema``; None for an index on expressions (sqlglot would rewrite their NULL order)."""
    parsed = parsed_duckdb(text)
    index = parsed.find(exp.Index) if isinstance(parsed, exp.Create) else None
    params = index.args.get("params") if index is not None else None
    columns = [o.this if isinstance(o, exp.Ordered) else o for o in (params.args.get("columns") or [])] if params else []
    if not columns or not all(isinstance(c, exp.Column) for c in columns) or index.this is None:
        return None
    unique = "UNIQUE " if parsed.args.get("unique") else ""
    return (f"CREATE {unique}INDEX {sql.ident(index.this.name).sql(dialect)} ON "
            f"{table_ref(table_name, schema).sql(dialect)} ({_names([c.name for c in columns], dialect)})")


def _create_pg_sequence(seq, schema: str | None) -> str:
    """PostgreSQL's sequence, continuing where the source's stands (DuckDB reports its position)."""
    text = f"CREATE SEQUENCE {table_ref(seq.name, schema).sql('postgres')} INCREMENT BY {seq.increment}"
    text += f" MINVALUE {seq.min_value}" if seq.min_value is not None else ""
    text += f" MAXVALUE {seq.max_value}" if seq.max_value is not None else ""
    return text + f" START WITH {seq.start}" + (" CYCLE" if seq.cycle else "")


def _pg_nextval(default: exp.Expression, schema: str | None) -> str | None:
    """``nextval('seq')`` with the sequence in the target schema, or None for another default."""
    if not (isinstance(default, exp.Anonymous) and default.name.lower() == "nextval"
            and len(default.expressions) == 1 and isinstance(default.expressions[0], exp.Literal)):
        return None
    name = default.expressions[0].this.split(".")[-1].strip('"')
    return f"nextval({exp.Literal.string(table_ref(name, schema).sql('postgres')).sql('postgres')})"


def _create_pg_enum(name: str, labels, schema: str | None) -> str:
    spelled = ", ".join(exp.Literal.string(s).sql("postgres") for s in labels)
    return f"CREATE TYPE {table_ref(name, schema).sql('postgres')} AS ENUM ({spelled})"
