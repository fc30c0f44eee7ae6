"""The source's views in a target's dialect: their tables under the target's names, or a note.

A view is DuckDB SQL in the catalog; a target gets it transpiled by sqlglot, its tables and
itself under their target names in the target schema. One the dialect cannot express is left
out with a one-line note instead of failing the write.
"""

from __future__ import annotations

from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database
from amalgam_rel.writing.spelling import parsed_duckdb, table_ref, target_table_name, transpiled


def view_statements(db: Database, dialect: str, schema: str | None, notes: list[str]) -> list[tuple[str, str]]:
    """``(view, CREATE VIEW)`` for each view ``dialect`` can say; a note for each other."""
    statements = []
    for view in db.views:
        statement = _view(db, view, dialect, schema)
        if statement is None:
            notes.append(f"view {view.name}: not written ({dialect} cannot express it)")
        else:
            statements.append((view.name, statement))
    return statements


def _view(db: Database, view, dialect: str, schema: str | None) -> str | None:
    """The view's ``CREATE VIEW`` in ``dialect``: its tables and itself in ``schema`` under their
    target names (a table keeps its old name as alias, so qualified columns still resolve)."""
    parsed = parsed_duckdb(view.sql)
    if not isinstance(parsed, exp.Create):
        return None
    tables = {(t.schema.lower(), t.name.lower()): t for t in db.tables}
    for ref in list(parsed.expression.find_all(exp.Table)):
        table = tables.get(((ref.db or "main").lower(), ref.name.lower()))
        if table is not None:
            target = table_ref(target_table_name(table), schema)
            target.set("alias", exp.TableAlias(this=sql.ident(ref.alias_or_name)))
            ref.replace(target)
    for column in parsed.expression.find_all(exp.Column):  # as written: PostgreSQL would fold them
        for part in column.find_all(exp.Identifier):
            part.set("quoted", True)
    for count in list(parsed.find_all(exp.Anonymous)):
        if count.name.lower() == "count_star":  # DuckDB's spelling of count(*) in its catalog
            count.replace(exp.Count(this=exp.Star()))
    name = view.name if view.schema == "main" else f"{view.schema}.{view.name}"
    parsed.set("this", table_ref(name, schema))
    return transpiled(parsed, dialect)
