"""The schema model as plain JSON and back, so a fitted model can write DDL without its source.

Types travel as DuckDB spellings (ENUMs with their labels spelled out, then matched back to
named ENUM types, exactly as the DuckDB reader does); CHECKs travel as DuckDB SQL.

>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> db = Database((Table("t", (Column("id", parse_type("INTEGER"), False),), ("id",), row_count=2),))
>>> database_from_json(database_to_json(db)) == db
True
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from amalgam_rel.saved import typed
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Database, EnumType, ForeignKey, Index, Sequence, Table, View
from amalgam_rel.schema.types import parse_type


def database_to_json(db: Database) -> dict:
    return {
        "tables": [
            {
                "name": t.name,
                "schema": t.schema,
                "rows": t.row_count,
                "primary_key": list(t.primary_key),
                "unique": [list(u) for u in t.unique],
                "checks": [sql.render(c) for c in t.checks],
                "logical_checks": [sql.render(c) for c in t.logical_checks],
                "columns": [
                    {"name": c.name, "type": c.type.sql(named_enums=False), "nullable": c.nullable, "default": c.default, "generated": c.generated,
                     "length": c.type.length}
                    for c in t.columns
                ],
            }
            for t in db.tables
        ],
        "foreign_keys": [
            {"table": f.table, "columns": list(f.columns), "ref_table": f.ref_table, "ref_columns": list(f.ref_columns),
             "nullable": f.nullable, "kind": f.kind}
            for f in db.foreign_keys
        ],
        "enum_types": [{"name": e.name, "labels": list(e.labels), "schema": e.schema} for e in db.enum_types],
        "sequences": [
            {"name": s.name, "start": s.start, "increment": s.increment, "min_value": s.min_value,
             "max_value": s.max_value, "cycle": s.cycle, "schema": s.schema}
            for s in db.sequences
        ],
        "indexes": [{"name": i.name, "table": i.table, "sql": i.sql} for i in db.indexes],
        "views": [{"name": v.name, "schema": v.schema, "sql": v.sql} for v in db.views],
        "schemas": list(db.schemas),
    }


Names = list[str]


class _Column(TypedDict):
    name: str
    type: str
    nullable: bool
    default: str | None
    generated: NotRequired[str | None]
    length: NotRequired[Annotated[int, Field(ge=0)] | None]


class _Table(TypedDict):
    name: str
    schema: str
    rows: Annotated[int, Field(ge=0)] | None
    primary_key: Names
    unique: list[Names]
    checks: Names
    logical_checks: NotRequired[Names]
    columns: list[_Column]


class _ForeignKey(TypedDict):
    table: str
    columns: Names
    ref_table: str
    ref_columns: Names
    nullable: bool
    kind: str


class _Enum(TypedDict):
    name: str
    labels: Names
    schema: str


class _Index(TypedDict):
    name: str
    table: str
    sql: str


class _View(TypedDict):
    name: str
    schema: str
    sql: str


class _Sequence(TypedDict):
    name: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cycle: bool
    schema: str


class SavedDatabase(TypedDict):
    """The document :func:`database_to_json` writes, as :func:`database_from_json` checks it
    (a saved model's schema may have been edited by hand)."""

    tables: list[_Table]
    foreign_keys: list[_ForeignKey]
    enum_types: list[_Enum]
    sequences: list[_Sequence]
    indexes: list[_Index]
    views: NotRequired[list[_View]]
    schemas: Names


def database_from_json(doc: dict) -> Database:
    doc = typed(SavedDatabase, doc, "schema")
    enum_types = tuple(EnumType(e["name"], tuple(e["labels"]), e["schema"]) for e in doc["enum_types"])
    enum_names: dict[tuple[str, ...], str] = {}
    for e in enum_types:
        enum_names.setdefault(e.labels, e.name)
    tables = []
    for t in doc["tables"]:
        columns = []
        for c in t["columns"]:
            ctype = parse_type(c["type"], enum_names=enum_names)
            if c.get("length") is not None:
                ctype = replace(ctype, length=c["length"])
            columns.append(Column(c["name"], ctype, c["nullable"], c["default"], c.get("generated")))
        checks = tuple(sql.parse_expression(s, where=f"CHECK on {t['name']}") for s in t["checks"])
        logical = tuple(sql.parse_expression(s, where=f"CHECK on {t['name']}") for s in t.get("logical_checks", ()))
        tables.append(Table(t["name"], tuple(columns), tuple(t["primary_key"]), tuple(tuple(u) for u in t["unique"]),
                            checks, t["rows"], t["schema"], logical))
    fks = tuple(ForeignKey(f["table"], tuple(f["columns"]), f["ref_table"], tuple(f["ref_columns"]), f["nullable"], f["kind"])
                for f in doc["foreign_keys"])
    sequences = tuple(Sequence(s["name"], s["start"], s["increment"], s["min_value"], s["max_value"], s["cycle"], s["schema"])
                      for s in doc["sequences"])
    indexes = tuple(Index(i["name"], i["table"], i["sql"]) for i in doc["indexes"])
    views = tuple(View(v["name"], v["schema"], v["sql"]) for v in doc.get("views", ()))
    return Database(tuple(tables), fks, enum_types, sequences, indexes, tuple(doc["schemas"]), views)
