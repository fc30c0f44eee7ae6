"""A ``--where`` of ``sample``: a condition every synthetic row of one table must meet.

``sample --where "Customer.Country = 'Germany'"`` draws customers from the Customer model
conditioned on that evidence, then keeps the rows the exact condition holds for. Three parts:

- :func:`parse_sample_condition` checks the SQL as ``subset`` does (one boolean expression over
  one table's columns, :mod:`.subset`) and turns each ``count(CHILD)`` into the table's model
  column for that number of children (``#i``, the cardinality model of CHILD's driving foreign
  key): ``count(Invoice) >= 3`` conditions how many invoices each customer is drawn with;
- :func:`evidence_values`: each top-level ``AND`` term that names one modelled column becomes the
  values the term holds for among those the column's codes decode to (checked by DuckDB,
  :meth:`~amalgam_rel.models.table_model.TableModel.code_values`), the evidence of the model;
- :func:`matching_rows`: the rows of a sampled table the whole condition holds for, by DuckDB.

Terms the evidence cannot say (text columns, keys, several columns in one term, ``OR`` across
columns) are left to the final filter. A ``count`` must be a top-level term comparing the count
with a whole number (the bounds go to the children's degrees), and CHILD must be drawn per row of
the table (its driving foreign key): children matched to existing rows afterwards have no count
the model draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from amalgam_rel.errors import InputError
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.relational.subset import bind_condition, parse_sql_condition, table_named
from amalgam_rel.schema import sql
from amalgam_rel.schema.internal_names import count_column

_PROBES = sql.internal("probes")
_ROWS = sql.internal("rows")
_ROW = sql.internal("row")


@dataclass(frozen=True)
class ChildCount:
    """``count(CHILD)`` bounded: each row of the condition's table has from ``low`` to ``high``
    (None: unbounded) children in ``child`` through the foreign key ``fk`` (its index)."""

    child: str
    fk: int
    column: str  # the model column of that count on the condition's table
    low: int | None
    high: int | None


@dataclass(frozen=True)
class SampleCondition:
    table: str
    text: str
    expression: exp.Expression  # over the table's own columns and its count columns
    counts: tuple[ChildCount, ...] = ()


def parse_sample_condition(plan: DatabasePlan, text: str) -> SampleCondition:
    """``TABLE.COLUMN … AND count(CHILD) >= k``, checked; a one-line error names what is wrong."""
    db = plan.db
    parsed, shown = parse_sql_condition(text)
    counted = [(node, table_named(db, _counted_table(node, shown), shown)) for node in parsed.find_all(exp.Count)]
    named = {table_named(db, f"{c.db}.{c.table}" if c.db and c.db != "main" else c.table, shown).key
             for c in parsed.find_all(exp.Column) if c.table and not _inside_count(c)}
    parents = named or {fk.ref_table for _, child in counted if (fk := plan.tables[child.key].driver) is not None}
    if counted and len(parents) != 1:
        raise InputError(f"--where {shown!r}: count(CHILD) counts the children of the condition's table: name its "
                         f"columns as TABLE.COLUMN, or count a table that has a parent")
    links = []  # (child table, index of its driving foreign key) per count
    for node, child in counted:
        parent = next(iter(parents))
        driver = plan.tables[child.key].driver
        if driver is None or driver.ref_table != parent or driver.is_self_reference:
            raise InputError(f"--where {shown!r}: count({child.key}) is not supported: {child.key}'s rows are not "
                             f"drawn per {parent} row (its foreign keys to {parent} are matched afterwards), so the "
                             f"model has no count of them to condition")
        links.append((child.key, plan.fk_index(driver)))
        node.replace(sql.column(count_column(plan.fk_index(driver))))
    derived = frozenset(count_column(i) for _, i in links)
    if named or not counted:
        bound = bind_condition(db, parsed, shown, derived)
        table, expression = bound.table, bound.expression
    else:  # only counts: they are the parent's, and no other column may be named
        loose = [c.name for c in parsed.find_all(exp.Column) if c.name not in derived]
        if loose:
            raise InputError(f"--where {shown!r}: name the columns of exactly one table, as TABLE.COLUMN "
                             f"({loose[0]!r} names none)")
        table, expression = next(iter(parents)), parsed
    counts = _count_bounds(expression, {count_column(i): (child, i) for child, i in links}, shown)
    return SampleCondition(table, shown, expression, counts)


def _counted_table(node: exp.Count, shown: str) -> str:
    arg = node.this
    if isinstance(arg, exp.Column) and not arg.table and not isinstance(arg.this, exp.Star):
        return arg.name
    if isinstance(arg, exp.Column) and isinstance(arg.this, exp.Star) and arg.table:
        return arg.table
    raise InputError(f"--where {shown!r}: count() takes a table's name, as count(Invoice)")


def _inside_count(node: exp.Expression) -> bool:
    return node.find_ancestor(exp.Count) is not None


_FLIPPED = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def _count_bounds(expression: exp.Expression, columns: dict[str, tuple[str, int]], shown: str) -> tuple[ChildCount, ...]:
    """The bounds each count term sets; a count anywhere but a top-level comparison with a number is refused."""
    bounds: dict[str, list] = {name: [None, None] for name in columns}
    for term in conjuncts(expression):
        used = {c.name for c in term.find_all(exp.Column)} & columns.keys()
        if not used:
            continue
        low, high, name = _comparison(term, columns.keys())
        if name is None or len(used) > 1:
            raise InputError(f"--where {shown!r}: a count must be its own AND term comparing it with a whole "
                             f"number (count(T) >= 3, count(T) BETWEEN 1 AND 2), not {term.sql(sql.DIALECT)!r}")
        now = bounds[name]
        now[0] = low if now[0] is None else max(now[0], low) if low is not None else now[0]
        now[1] = high if now[1] is None else min(now[1], high) if high is not None else now[1]
    out = []
    for name, (low, high) in bounds.items():
        if low is not None and high is not None and low > high:
            raise InputError(f"--where {shown!r}: no number of {columns[name][0]} rows is at least {low} and at most {high}")
        out.append(ChildCount(columns[name][0], columns[name][1], name, low, high))
    return tuple(out)


def _comparison(term: exp.Expression, names) -> tuple[int | None, int | None, str | None]:
    """(low, high, count column) of ``count op number`` (either side) or ``count BETWEEN a AND b``."""
    if isinstance(term, exp.Between) and isinstance(term.this, exp.Column) and term.this.name in names:
        low, high = _number(term.args.get("low")), _number(term.args.get("high"))
        if low is None or high is None:
            return None, None, None
        return math.ceil(low), math.floor(high), term.this.name
    kind = type(term)
    if kind not in _FLIPPED:
        return None, None, None
    left, right = term.this, term.expression
    if isinstance(right, exp.Column) and right.name in names:
        left, right, kind = right, left, _FLIPPED[kind]
    value = _number(right)
    if not (isinstance(left, exp.Column) and left.name in names) or value is None:
        return None, None, None
    if kind is exp.EQ:
        return (int(value), int(value), left.name) if value == int(value) else (1, 0, left.name)
    if kind in (exp.GT, exp.GTE):
        return (math.floor(value) + 1 if kind is exp.GT else math.ceil(value)), None, left.name
    return None, (math.ceil(value) - 1 if kind is exp.LT else math.floor(value)), left.name


def _number(node) -> float | None:
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal) and not node.is_string:
        return float(node.this)
    return None


def conjuncts(expression: exp.Expression) -> list[exp.Expression]:
    """The top-level ``AND`` terms (parentheses unwrapped)."""
    while isinstance(expression, exp.Paren):
        expression = expression.this
    if isinstance(expression, exp.And):
        return conjuncts(expression.left) + conjuncts(expression.right)
    return [expression]


def evidence_values(model, condition: SampleCondition, con: duckdb.DuckDBPyConnection) -> dict[str, np.ndarray]:
    """Per modelled column a term names alone, which of the values its codes decode to
    (:meth:`~amalgam_rel.models.table_model.TableModel.code_values`, a bool each) every such term holds for."""
    held: dict[str, np.ndarray] = {}
    owned = set(model.columns_) if model is not None else set()
    for term in conjuncts(condition.expression):
        names = {c.name for c in term.find_all(exp.Column)}
        if len(names) != 1 or not names <= owned:
            continue
        name = names.pop()
        _, values = model.code_values(name)
        con.register(_PROBES, pa.table({name: values, _ROW: pa.array(np.arange(len(values), dtype=np.int64))}))
        try:
            rows = con.execute(f"SELECT {_q(_ROW)} FROM {_q(_PROBES)} WHERE ({sql.render(term)})").fetchall()
        except duckdb.Error as err:
            raise InputError(f"--where {condition.text!r}: {str(err).splitlines()[0]}") from None
        finally:
            con.unregister(_PROBES)
        mask = np.zeros(len(values), dtype=bool)
        mask[[int(r[0]) for r in rows]] = True
        held[name] = held[name] & mask if name in held else mask
    return held


def matching_rows(con: duckdb.DuckDBPyConnection, rows: pa.Table, condition: SampleCondition) -> np.ndarray:
    """Positions (ascending) of the ``rows`` the whole condition holds for."""
    numbered = rows.append_column(_ROW, pa.array(np.arange(rows.num_rows, dtype=np.int64)))
    con.register(_ROWS, numbered)
    try:
        found = con.execute(f"SELECT {_q(_ROW)} FROM {_q(_ROWS)} WHERE ({sql.render(condition.expression)}) "
                            f"ORDER BY {_q(_ROW)}").fetchnumpy()[_ROW]
    except duckdb.Error as err:
        raise InputError(f"--where {condition.text!r}: {str(err).splitlines()[0]}") from None
    finally:
        con.unregister(_ROWS)
    return np.asarray(found, dtype=np.int64)


def _q(name: str) -> str:
    return sql.render(sql.ident(name))
