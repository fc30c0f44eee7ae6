"""Contribution bounding under a privacy unit, in SQL, parents first (see docs/privacy.md).

Every row of a private table gets the unit it belongs to (``+unit``: the unit row's rank in key
order, joined down from its private parents). A row is kept only when

1. every private parent it names was kept (a dropped row takes its subtree with it);
2. its parents name exactly one unit: a row that reaches two units (a bridge between two
   customers) or none (every private FK empty) is dropped. A bridge row belongs to both units
   (removing either removes it), and had it been kept it would compete for the cap of a parent
   in the other unit, letting one unit's rows push out another's; so its cap is 0;
3. for every private FK ``f``, it is among the first ``cap(f)`` children of its parent in key
   order. All the children left after step 2 share their parent's unit, so adding or removing
   another unit never moves a row in or out of a cap.

Hence, for a database D and D' = D plus one unit u, the kept rows of D' are the kept rows of D
plus some rows of u: nothing outside u changes. The kept rows of each private table become a TEMP
table of the source connection, which :class:`~amalgam_rel.relational.training.TrainingFrames`
reads in place of the source table; public tables are read as they are.
"""

from __future__ import annotations

from typing import Callable

import duckdb
import numpy as np
from sqlglot import exp

from amalgam_rel.dp.caps import CAP_GRID, ROW_GRID, child_histogram
from amalgam_rel.dp.bounding import bounded_name, child_order, source_relation
from amalgam_rel.dp.sensitivity import private_fks, unit_rows
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import ForeignKey

UNIT = sql.internal("unit")
# (fk index, kept parents by number of children, rows(P) in one unit) -> the cap (see bound_units)
CapPicker = Callable[[int, np.ndarray, int], int]
# (table key, units by their rows, the caps' bound on rows per unit) -> rows kept per unit
RowPicker = Callable[[str, np.ndarray, int], int]


def bound_units(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, unit: str, private: set[str],
                caps: dict[int, int | None], pick: CapPicker | None = None, pick_rows: RowPicker | None = None,
                limits: dict[str, int] | None = None) -> dict[str, str]:
    """Create the bounded rows of every private table; table key -> TEMP table name.

    A cap of ``None`` (no ``--max-children``) is chosen here, parents first, by ``pick(fk index,
    children-per-parent histogram of the kept parents, rows(P))`` (:mod:`.caps`), and written back
    into ``caps``: the histogram counts only rows that steps 1-2 keep, so it changes by the new
    unit's own parent rows alone. With ``pick_rows(table, rows-per-unit histogram, the caps'
    bound)`` each table then keeps only the first ``K`` rows of each unit (step 4, in key order),
    ``K`` written into ``limits`` where it is below the caps' bound: a unit adds one value to that
    histogram and moves no other unit's rows. Only below a child of the unit (:func:`below_children`)."""
    sources: dict[str, str] = {}
    rows: dict[str, int] = {}
    for key in plan.graph.order:
        if key not in private:
            continue
        if key == unit:
            query = _unit_rows(plan, key)
        else:
            reached = _reached_rows(plan, key, private, sources)
            for fk in private_fks(plan, key, private):
                i = plan.fk_index(fk)
                if caps.get(i) is None:
                    if pick is None:
                        raise ValueError(f"{fk.label}: no cap and nothing to choose one")
                    caps[i] = pick(i, _children_histogram(con, plan, fk, reached, sources), rows[fk.ref_table])
            query = _capped_rows(plan, key, private, caps, reached)
            if pick_rows is not None and limits is not None and below_children(plan, key, unit, private):
                bound = unit_rows(plan, key, unit, private, caps, rows)[0]
                limit = pick_rows(key, _unit_histogram(con, query, sources[unit]), bound)
                if limit < bound:
                    limits[key] = limit
                    query = _first_of_each_unit(plan, key, query, limit)
        rows[key] = unit_rows(plan, key, unit, private, caps, rows, limits)[0]
        name = bounded_name(key)
        con.execute(sql.render(exp.Create(this=exp.Table(this=sql.ident(name)), kind="TABLE", replace=True,
                                          properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
                                          expression=query)))
        sources[key] = name
    return sources


def below_children(plan: DatabasePlan, key: str, unit: str, private: set[str]) -> bool:
    """Whether ``key`` hangs from the unit through another private table (the caps then multiply:
    a rows-per-unit limit can be tighter); a child of the unit row alone has its cap as limit."""
    return key != unit and any(fk.ref_table != unit for fk in private_fks(plan, key, private))


def _children_histogram(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, fk: ForeignKey, reached: exp.Select,
                        sources: dict[str, str]) -> np.ndarray:
    """Kept parent rows of ``fk`` by their number of children among the ``reached`` rows (zeros
    included; past the grid's largest cap in one bin)."""
    parent = plan.db.table(fk.ref_table)
    on = exp.and_(*(exp.EQ(this=sql.column(c, "r"), expression=sql.column(r, "p"))
                    for c, r in zip(fk.columns, fk.ref_columns)))
    per_parent = (exp.select(exp.Count(this=sql.column(fk.columns[0], "r")).as_(sql.ident("n")))
                  .from_(source_relation(parent, sources, "p"))
                  .join(reached.subquery("r"), on=on, join_type="left")
                  .group_by(*(sql.column(r, "p") for r in fk.ref_columns)))
    top = exp.Literal.number(max(CAP_GRID) + 1)
    clipped = exp.Least(this=sql.column("n"), expressions=[top])
    query = (exp.select(clipped.as_(sql.ident("k")), exp.Count(this=exp.Star()).as_(sql.ident("parents")))
             .from_(per_parent.subquery("c")).group_by(clipped.copy()))
    return child_histogram(con.execute(sql.render(query)).fetchall())


def _unit_histogram(con: duckdb.DuckDBPyConnection, rows: exp.Select, units: str) -> np.ndarray:
    """Units by their number of ``rows`` (zeros included; past the rows grid in one bin)."""
    top = exp.Literal.number(max(ROW_GRID) + 1)
    per_unit = exp.select(exp.Least(this=exp.Count(this=exp.Star()), expressions=[top]).as_(sql.ident("k"))) \
        .from_(rows.subquery("r")).group_by(sql.column(UNIT))
    query = exp.select(sql.column("k"), exp.Count(this=exp.Star())).from_(per_unit.subquery("u")).group_by(sql.column("k"))
    found = con.execute(sql.render(query)).fetchall()
    total = con.execute(sql.render(exp.select(exp.Count(this=exp.Star())).from_(exp.Table(this=sql.ident(units))))).fetchone()[0]
    return child_histogram(found + [(0, total - sum(n for _, n in found))], top=max(ROW_GRID))


def _first_of_each_unit(plan: DatabasePlan, key: str, rows: exp.Select, limit: int) -> exp.Select:
    """The first ``limit`` of each unit's ``rows`` in key order (step 4)."""
    table = plan.db.table(key)
    order = exp.Order(expressions=[exp.Ordered(this=sql.column(c)) for c in child_order(table)])
    rank = exp.Window(this=exp.RowNumber(), partition_by=[sql.column(UNIT)], order=order).as_(sql.ident(f"{UNIT}rows"))
    ranked = exp.select(exp.Star(), rank).from_(rows.subquery("f"))
    return (exp.select(*(sql.column(c) for c in table.column_names), sql.column(UNIT)).from_(ranked.subquery("g"))
            .where(exp.LTE(this=sql.column(f"{UNIT}rows"), expression=exp.Literal.number(limit))))


def _unit_rows(plan: DatabasePlan, key: str) -> exp.Select:
    table = plan.db.table(key)
    order = exp.Order(expressions=[exp.Ordered(this=sql.column(c)) for c in child_order(table)])
    return exp.select(*(sql.column(c) for c in table.column_names),
                      exp.Window(this=exp.RowNumber(), order=order).as_(sql.ident(UNIT))).from_(source_relation(table, {}))


def _reached_rows(plan: DatabasePlan, key: str, private: set[str], sources: dict[str, str]) -> exp.Select:
    """Rows of ``key`` whose named private parents were all kept, in one unit (steps 1-2), with it."""
    table = plan.db.table(key)
    fks = private_fks(plan, key, private)
    units = [sql.column(UNIT, f"p{j}") for j in range(len(fks))]
    first = exp.Coalesce(this=units[0], expressions=units[1:]) if len(units) > 1 else units[0]
    conditions = [first.copy().is_(exp.null()).not_()]
    for j, fk in enumerate(fks):
        empty = exp.or_(*(sql.column(c, "t").is_(exp.null()) for c in fk.columns))
        # a named parent was kept, and it is in the same unit as every other named parent
        conditions.append(exp.or_(empty, exp.EQ(this=units[j].copy(), expression=first.copy())))
    reached = exp.select(*(sql.column(c, "t") for c in table.column_names), first.as_(sql.ident(UNIT))).from_(
        source_relation(table, sources, "t"))
    for j, fk in enumerate(fks):
        parent = plan.db.table(fk.ref_table)
        on = exp.and_(*(exp.EQ(this=sql.column(c, "t"), expression=sql.column(r, f"p{j}"))
                        for c, r in zip(fk.columns, fk.ref_columns)))
        reached = reached.join(source_relation(parent, sources, f"p{j}"), on=on, join_type="left")
    return reached.where(exp.and_(*conditions))


def _capped_rows(plan: DatabasePlan, key: str, private: set[str], caps: dict[int, int], reached: exp.Select) -> exp.Select:
    """The ``reached`` rows among the first ``cap(f)`` children of their parent, for every FK (step 3)."""
    table = plan.db.table(key)
    fks = private_fks(plan, key, private)
    order = exp.Order(expressions=[exp.Ordered(this=sql.column(c)) for c in child_order(table)])
    ranks = [exp.Window(this=exp.RowNumber(), partition_by=[sql.column(c) for c in fk.columns], order=order.copy())
             .as_(sql.ident(f"{UNIT}rank{j}")) for j, fk in enumerate(fks)]
    ranked = exp.select(exp.Star(), *ranks).from_(reached.subquery("r"))
    within = [exp.or_(*(sql.column(c).is_(exp.null()) for c in fk.columns),
                      exp.LTE(this=sql.column(f"{UNIT}rank{j}"), expression=exp.Literal.number(caps[plan.fk_index(fk)])))
              for j, fk in enumerate(fks)]
    return (exp.select(*(sql.column(c) for c in table.column_names), sql.column(UNIT))
            .from_(ranked.subquery("k")).where(exp.and_(*within)))
