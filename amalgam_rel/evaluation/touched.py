"""What a query reads: its tables, columns and foreign-key joins, and how faithful those are.

The query is qualified against the real schema with sqlglot (every column bound to its table),
then each column of each scope is resolved to ``table.column``; an equality of two columns (in
``JOIN ... ON`` or ``WHERE``, correlated subqueries included) or ``col IN (SELECT col ...)``
that matches a foreign key on all its columns is a join along that key; grouping by a key's
child columns reads its children per parent, and lists it too. ``SELECT *`` is not
expanded: a star reads rows, not particular columns.

:func:`with_fidelity` then attaches the scores the evaluation already has: column shapes per
column, cardinality per foreign key, pair and inter-table trends per pair of columns it computes
with, and names the weakest of them (``points_at``; columns the query only shows in its outer
SELECT list are left out of that choice): the model a failing
query most likely depends on. SQL that cannot be qualified (an unknown column, a
function sqlglot cannot read) gets a ``note`` saying so instead, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database


@dataclass(frozen=True)
class Touched:
    tables: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # "table.column"
    joins: tuple[str, ...] = ()  # labels of the foreign keys it joins along or groups by (children per parent)
    shown: tuple[str, ...] = ()  # of ``columns``, those only listed in the outer SELECT (not filtered or computed with)
    note: str = ""  # why the rest is empty: the SQL could not be qualified
    scores: dict = field(default_factory=dict)  # column or FK label -> its fidelity score
    points_at: str = ""  # the touched column or join of the lowest score


class SchemaNames:
    """The schema as sqlglot sees it (lower-cased) and the way back to amalgam-rel's names."""

    def __init__(self, db: Database):
        self.mapping: dict = {}
        self.tables: dict[tuple[str, str], str] = {}
        self.columns: dict[tuple[str, str], str] = {}
        for t in db.tables:
            self.mapping.setdefault(t.schema, {})[t.name] = {c.name: c.type.sql() for c in t.columns}
            self.tables[t.schema.lower(), t.name.lower()] = t.key
            for c in t.columns:
                self.columns[t.key, c.name.lower()] = c.name


def touched(text: str, db: Database, names: SchemaNames | None = None) -> Touched:
    """The tables, columns and FK joins ``text`` reads, or a note why they are unknown.

    ``names``: ``SchemaNames(db)``, built once where many queries are read.
    """
    names = names or SchemaNames(db)
    try:
        tree = qualify(sqlglot.parse_one(text, dialect=sql.DIALECT), schema=names.mapping, dialect=sql.DIALECT,
                       db="main", expand_stars=False)
        scopes = traverse_scope(tree)
    except Exception as err:  # noqa: BLE001 - any SQL sqlglot cannot bind: the query just lacks this part
        return Touched(note=f"not qualified against the schema: {str(err).splitlines()[0][:160]}")
    tables, columns, used, pairs, grouped = set(), set(), set(), set(), set()
    by_select = {id(s.expression): s for s in scopes}
    for scope in scopes:
        tables |= {_table_key(src, names) for src in scope.sources.values() if isinstance(src, exp.Table)} - {None}
        for col in scope.columns:
            bound = _resolve(scope, col, names)
            if bound:
                columns.add(bound)
                if not _only_shown(col, tree):
                    used.add(bound)
        pairs |= _equated(scope, names, by_select)
        group = scope.expression.args.get("group")
        grouped |= {_resolve(scope, c, names) for c in group.find_all(exp.Column)} if group else set()
    joins = tuple(fk.label for fk in db.foreign_keys
                  if all(frozenset({(fk.table, c), (fk.ref_table, r)}) in pairs for c, r in zip(fk.columns, fk.ref_columns))
                  or all((fk.table, c) in grouped for c in fk.columns))
    label = lambda cols: tuple(sorted(f"{t}.{c}" for t, c in cols))  # noqa: E731
    return Touched(tuple(sorted(tables)), label(columns), joins, label(columns - used))


def _only_shown(col: exp.Column, root: exp.Expression) -> bool:
    """Is this occurrence a plain item of the outermost SELECT list (shown, not computed with)?"""
    node = col
    while node.parent is not None and node.parent is not root:
        node = node.parent
        if isinstance(node, (exp.AggFunc, exp.Window, exp.Select, exp.Subquery)):
            return False
    return node.parent is root and node.arg_key == "expressions"


def _table_key(node: exp.Table, names: SchemaNames) -> str | None:
    return names.tables.get(((node.db or "main").lower(), node.name.lower()))


def _resolve(scope: Scope, col: exp.Column, names: SchemaNames) -> tuple[str, str] | None:
    """(table key, column name) of a column, looking through the enclosing scopes (correlation)."""
    while scope is not None:
        source = scope.sources.get(col.table)
        if isinstance(source, exp.Table):
            key = _table_key(source, names)
            name = names.columns.get((key, col.name.lower())) if key else None
            return (key, name) if name else None
        if source is not None:  # a derived table or CTE: its own scope reads the base columns
            return None
        scope = scope.parent
    return None


def _equated(scope: Scope, names: SchemaNames, by_select: dict) -> set[frozenset]:
    """Pairs of base columns this scope's own predicates set equal (a = b, a IN (SELECT b ...))."""
    out = set()
    for node in scope.expression.find_all(exp.EQ, exp.In):
        if _owner(node) is not scope.expression:
            continue  # a nested SELECT's predicate: its own scope sees it
        left, right = node.this, node.expression if isinstance(node, exp.EQ) else None
        other_scope = scope
        if isinstance(node, exp.In) and isinstance(node.args.get("query"), exp.Expression):
            inner = node.args["query"].unnest()
            if isinstance(inner, exp.Select) and len(inner.expressions) == 1:
                right, other_scope = inner.expressions[0].unalias(), by_select.get(id(inner))
        if isinstance(left, exp.Column) and isinstance(right, exp.Column) and other_scope is not None:
            a, b = _resolve(scope, left, names), _resolve(other_scope, right, names)
            if a and b and a != b:
                out.add(frozenset({a, b}))
    return out


def _owner(node: exp.Expression) -> exp.Expression | None:
    """The nearest enclosing SELECT (or set operation) of a predicate."""
    parent = node.parent
    while parent is not None and not isinstance(parent, (exp.Select, exp.SetOperation)):
        parent = parent.parent
    return parent


def with_fidelity(t: Touched, column_scores: dict[str, float], join_scores: dict[str, float],
                  pair_scores: dict[frozenset, float] | None = None) -> Touched:
    """``t`` with the scores of the columns, joins and pairs of columns it touches, and the
    weakest of them named.

    A pair (``pair_scores``: two ``table.column`` names -> the pair or inter-table trend score)
    counts where the query computes with both columns: a query on the share of domestic routes
    reads two countries whose shapes are right and whose pair is not, and points at the pair.
    """
    scores = {c: column_scores[c] for c in t.columns if c in column_scores}
    scores |= {j: join_scores[j] for j in t.joins if j in join_scores}
    used = sorted(c for c in t.columns if c not in t.shown)
    pairs = {f"{a} × {b}": pair_scores[frozenset((a, b))] for i, a in enumerate(used) for b in used[i + 1:]
             if frozenset((a, b)) in (pair_scores or {})}
    scores |= pairs
    weakest = min((k for k in scores if k not in t.shown), key=lambda k: scores[k], default="")
    return replace(t, scores=scores, points_at=weakest)
