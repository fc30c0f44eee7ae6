"""The DDL of a server schema or a SQLite file, written from the source's own catalog.

PostgreSQL's ``pg_catalog``, MySQL's ``SHOW CREATE TABLE`` and SQLite's ``sqlite_master`` each
say everything amalgam-rel keeps of a table: columns, types, NOT NULL, DEFAULT, generated
columns, PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK. This module turns them into one DDL text in
the source's dialect, which :func:`~amalgam_rel.schema.ddl_reader.read_ddl_text` reads like a
dump file: one reader of types and constraints for DDL files and live catalogs alike, so a
server and its dump give the same model, and a foreign key cycle (which PostgreSQL and MySQL
allow and DuckDB cannot declare) is kept as a logical key the same way.

The catalog is read through the attached connection (``postgres_query`` / ``mysql_query``) in
the same read-only transaction as the rows; SQLite's through Python's ``sqlite3`` opened
read-only (``mode=ro``).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import duckdb

from amalgam_rel.errors import InputError, SchemaError

_PG_TABLES = """
SELECT c.oid::bigint AS oid, c.relname AS name, c.relkind::text AS kind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = {schema} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.oid"""

_PG_COLUMNS = """
SELECT a.attrelid::bigint AS rel, a.attnum::int AS num, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attgenerated::text AS generated,
       a.attidentity::text AS identity, t.typtype::text AS typtype,
       (SELECT nspname FROM pg_namespace WHERE oid = t.typnamespace) AS type_schema
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = {schema} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum"""

_PG_CONSTRAINTS = """
SELECT co.conrelid::bigint AS rel, co.conname AS name, co.contype::text AS type,
       array_to_string(ARRAY(SELECT quote_ident(attname) FROM unnest(co.conkey) WITH ORDINALITY k(num, i)
                             JOIN pg_attribute ON attrelid = co.conrelid AND attnum = k.num ORDER BY k.i), ', ') AS cols,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       array_to_string(ARRAY(SELECT quote_ident(attname) FROM unnest(co.confkey) WITH ORDINALITY k(num, i)
                             JOIN pg_attribute ON attrelid = co.confrelid AND attnum = k.num ORDER BY k.i), ', ') AS ref_cols,
       CASE WHEN co.contype = 'c' THEN pg_get_constraintdef(co.oid) END AS definition
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = co.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = {schema} AND co.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p')
ORDER BY co.conrelid, co.contype DESC, co.oid"""

_PG_ENUMS = """
SELECT t.typname AS name, n.nspname AS schema,
       array_to_string(ARRAY(SELECT quote_literal(enumlabel) FROM pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder), ', ') AS labels
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND t.oid IN (SELECT atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                                    JOIN pg_namespace cn ON cn.oid = c.relnamespace WHERE cn.nspname = {schema}
                                    UNION SELECT typelem FROM pg_type WHERE typtype = 'b' AND oid IN (
                                        SELECT atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                                        JOIN pg_namespace cn ON cn.oid = c.relnamespace WHERE cn.nspname = {schema}))
ORDER BY t.oid"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pg_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _query(con: duckdb.DuckDBPyConnection, function: str, alias: str, query: str) -> list[dict]:
    """Rows of ``query`` run on the server attached as ``alias`` (``postgres_query``/``mysql_query``)."""
    cur = con.execute(f"SELECT * FROM {function}(?, ?)", [alias, query])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def postgres_ddl(con: duckdb.DuckDBPyConnection, alias: str, schema: str) -> str:
    """The DDL (PostgreSQL dialect) of every table of ``schema`` on the server attached as ``alias``.

    Table names are written unqualified, so the schema's tables are the model's ``main`` tables;
    an enum of another schema keeps its schema-qualified name.
    """
    quoted = _literal(schema)
    tables = _query(con, "postgres_query", alias, _PG_TABLES.format(schema=quoted))
    if not tables:
        raise InputError(f"schema {schema!r} holds no table (is --schema right?)")
    names = {t["oid"]: t["name"] for t in tables}
    columns: dict[int, list[str]] = {}
    for c in _query(con, "postgres_query", alias, _PG_COLUMNS.format(schema=quoted)):
        columns.setdefault(c["rel"], []).append(_pg_column(c, schema, names[c["rel"]]))
    statements = [f"CREATE TYPE {_pg_type_name(e['name'], e['schema'], schema)} AS ENUM ({e['labels']});"
                  for e in _query(con, "postgres_query", alias, _PG_ENUMS.format(schema=quoted))]
    for oid, name in names.items():
        statements.append(f"CREATE TABLE {_pg_ident(name)} (\n    " + ",\n    ".join(columns.get(oid, [])) + "\n);")
    for c in _query(con, "postgres_query", alias, _PG_CONSTRAINTS.format(schema=quoted)):
        statements.append(f"ALTER TABLE ONLY {_pg_ident(names[c['rel']])} ADD CONSTRAINT {_pg_ident(c['name'])} "
                          f"{_pg_constraint(c, schema, names[c['rel']])};")
    return "\n".join(statements) + "\n"


def _pg_type_name(name: str, type_schema: str, schema: str) -> str:
    return _pg_ident(name) if type_schema == schema else f"{_pg_ident(type_schema)}.{_pg_ident(name)}"


def _pg_column(c: dict, schema: str, table: str) -> str:
    spelled = c["type"]
    if c["typtype"] == "e":  # format_type qualifies an enum outside the search path: name it as the DDL does
        spelled = _pg_type_name(spelled.rsplit(".", 1)[-1].strip('"'), c["type_schema"], schema)
    elif c["typtype"] not in ("b", "e") and not spelled.endswith("[]"):
        raise SchemaError(f"column {table}.{c['name']}: the PostgreSQL type {spelled!r} (a domain, range or composite "
                          "type) is not supported by amalgam-rel")
    parts = [_pg_ident(c["name"]), spelled]
    if c["generated"] == "s":
        parts.append(f"GENERATED ALWAYS AS ({c['default_expr']}) STORED")
    elif c["identity"] in ("a", "d"):
        parts.append("GENERATED " + ("ALWAYS" if c["identity"] == "a" else "BY DEFAULT") + " AS IDENTITY")
    elif c["default_expr"] is not None:
        parts.append(f"DEFAULT {c['default_expr']}")
    if c["not_null"]:
        parts.append("NOT NULL")
    return " ".join(parts)


def _pg_constraint(c: dict, schema: str, table: str) -> str:
    if c["type"] == "p":
        return f"PRIMARY KEY ({c['cols']})"
    if c["type"] == "u":
        return f"UNIQUE ({c['cols']})"
    if c["type"] == "c":
        return c["definition"].replace(" NOT VALID", "")
    if c["ref_schema"] != schema:
        raise SchemaError(f"foreign key {c['name']} of {table} references {c['ref_schema']}.{c['ref_table']}, "
                          f"outside the schema {schema!r} being read")
    return f"FOREIGN KEY ({c['cols']}) REFERENCES {_pg_ident(c['ref_table'])}({c['ref_cols']})"


# --------------------------------------------------------------------------- MySQL / MariaDB

_MYSQL_TABLES = ("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema} "
                 "AND TABLE_TYPE = 'BASE TABLE' ORDER BY CREATE_TIME, TABLE_NAME")
# MariaDB spells JSON as LONGTEXT with a json_valid CHECK; the model's type is JSON
_MARIADB_JSON = re.compile(r"longtext(?:\s+CHARACTER SET \w+)?(?:\s+COLLATE \w+)?(.*?)\s+CHECK\s*\(json_valid\(`[^`]+`\)\)",
                           re.I)


def _mysql_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def mysql_ddl(con: duckdb.DuckDBPyConnection, alias: str, schema: str) -> str:
    """The DDL (MySQL dialect) of every table of database ``schema`` on the server attached as ``alias``."""
    tables = _query(con, "mysql_query", alias, _MYSQL_TABLES.format(schema=_literal(schema)))
    if not tables:
        raise InputError(f"database {schema!r} holds no table")
    statements = []
    for t in tables:
        rows = _query(con, "mysql_query", alias, f"SHOW CREATE TABLE {_mysql_ident(schema)}.{_mysql_ident(t['name'])}")
        statements.append(_MARIADB_JSON.sub(r"json\1", rows[0]["Create Table"]) + ";")
    return "\n".join(statements) + "\n"


# --------------------------------------------------------------------------- SQLite


def sqlite_ddl(path: Path) -> str:
    """The CREATE TABLE and CREATE INDEX statements of a SQLite file, read from ``sqlite_master``."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index') "
                               "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid").fetchall()
        finally:
            con.close()
    except sqlite3.Error as err:
        raise InputError(f"cannot read the SQLite file {path}: {err}") from None
    if not any(kind == "table" for kind, _, _ in rows):
        raise InputError(f"the SQLite file {path} holds no table")
    return "\n".join(text.rstrip(";") + ";" for _, _, text in rows) + "\n"
