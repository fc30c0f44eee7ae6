"""SQL templates whose slots are filled with sqlglot nodes, never with pasted names.

A template is fixed, trusted SQL in which ``__name__`` marks a slot: a column slot is
replaced by any expression, a table slot by a (quoted, catalog-qualified) table or subquery.

>>> from amalgam_rel.schema import sql
>>> fill("SELECT __v__ FROM __src__", v=sql.column("a'b"), src=sql.table_ref("t u")).sql("duckdb")
'SELECT "a\\'b" FROM "t u"'
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp


@lru_cache(maxsize=None)
def _parse(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, dialect="duckdb")


def fill(text: str, **slots: exp.Expression) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        slot = isinstance(node, exp.Column) and not node.table or isinstance(node, exp.Table) and not node.db
        key = node.name.strip("_") if slot and node.name.startswith("__") else None
        if key not in slots:
            return node
        new = slots[key].copy()
        if isinstance(node, exp.Table) and node.alias:  # keep the template's alias
            new.set("alias", node.args["alias"].copy())
        return new

    return _parse(text).copy().transform(swap)
