"""Parent columns that total their children: ``Invoice.Total = SUM(line.UnitPrice * line.Quantity)``.

A synthetic invoice whose total is not the sum of its synthetic lines is wrong to anyone who
runs the application on it, whatever its distribution. So at fit time every numeric parent
column is tested against the per-parent sums of its children's numeric columns and of their
pairwise products, then of those times rate factors ``(1 + r)`` / ``(1 - r)`` of child columns
whose values are fractions in [0, 1] (a tax, a discount: TPC-H's ``o_totalprice = SUM(l_extendedprice
* (1 + l_tax) * (1 - l_discount))``); a relation that holds for at least 99 % of the real parents
(to the parent column's precision, a childless parent totalling 0), with at least 20 parents of
two or more children to show it is a sum and not a copy, becomes a :class:`Total`. Where the
application keeps each child's amount to the parent's precision before adding them up (dbgen
truncates each line's charge to cents), the sum of the amounts cut to that precision must hold
within one unit per child instead. At sample time, once every
row of the child table exists, the parent column is recomputed from them and updated in the
written output (and in the rows later tables read). A parent whose total its column refuses —
a CHECK (``total > 0`` on an invoice left without lines by ``--rows``) or the type's range (the
lines of a DECIMAL(5,2) total passing 999.99, which DuckDB stored corrupt) — keeps the value its
model drew, which met them: the rule decides only what its column can hold.

Only an exact fit reads the data this way: a private fit never looks for totals.

>>> Total(fk=0, column="Total", terms=("UnitPrice", "Quantity")).describe("InvoiceLine")
'Total = SUM(InvoiceLine.UnitPrice * InvoiceLine.Quantity)'
>>> Total(0, "o_totalprice", ("l_extendedprice", "1+l_tax", "1-l_discount"), 0.01).describe("lineitem")
'o_totalprice = SUM(lineitem.l_extendedprice * (1 + lineitem.l_tax) * (1 - lineitem.l_discount), each cut to 0.01)'
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.models.codecs.scale import from_numeric, type_bounds
from amalgam_rel.relational.large_tables import selection
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey, Table
from amalgam_rel.schema.types import Kind

HOLD_SHARE = 0.99  # share of real parents the relation must hold for
MIN_SUMMED_PARENTS = 20  # parents with 2+ children it holds for: a sum, not a copy of one child
MAX_TERMS = 8  # child columns tried (and their pairwise products)
MAX_RATES = 3  # fraction-valued child columns tried as (1 + r) and (1 - r) factors


@dataclass(frozen=True)
class Total:
    fk: int  # index of the foreign key in ``db.foreign_keys``
    column: str  # the parent's column
    terms: tuple[str, ...]  # child columns (or "1+r", "1-r" of one) multiplied together, then summed per parent
    unit: float = 0.0  # when > 0: each child's product is cut (towards 0) to this precision before the sum

    def describe(self, child: str) -> str:
        def factor(t: str) -> str:
            return f"({t[0]} {t[1]} {child}.{t[2:]})" if t[:2] in ("1+", "1-") else f"{child}.{t}"
        cut = f", each cut to {self.unit:g}" if self.unit else ""
        return f"{self.column} = SUM({' * '.join(factor(t) for t in self.terms)}{cut})"

    def columns(self) -> list[str]:
        return [t[2:] if t[:2] in ("1+", "1-") else t for t in self.terms]

    def amounts(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Each child's amount, from its columns' ``values`` (NULL as 0)."""
        out = np.prod([_factor(values, t) for t in self.terms], axis=0)
        return np.trunc(np.round(out / self.unit, 6)) * self.unit if self.unit else out

    def to_json(self) -> dict:
        return {"fk": self.fk, "column": self.column, "terms": list(self.terms), "unit": self.unit}


def _factor(values: dict[str, np.ndarray], term: str) -> np.ndarray:
    if term[:2] == "1+":
        return 1.0 + values[term[2:]]
    if term[:2] == "1-":
        return 1.0 - values[term[2:]]
    return values[term]


def find_totals(con: duckdb.DuckDBPyConnection, db: Database, max_rows: int | None = None) -> tuple[Total, ...]:
    """Every (parent column, child product) relation that holds in the real data. A child table of
    more than ``max_rows`` rows is read only for a repeatable share of its parents (all of their
    children, so each one's sum is exact), about ``max_rows`` child rows (:mod:`.large_tables`)."""
    found = []
    for i, fk in enumerate(db.foreign_keys):
        if fk.is_self_reference:
            continue
        parent, child = db.table(fk.ref_table), db.table(fk.table)
        targets = _numeric_columns(db, parent)
        terms = _numeric_columns(db, child)[:MAX_TERMS]
        if not targets or not terms:
            continue
        share = _parent_share(con, child, max_rows)
        owner, children, values = _child_values(con, fk, parent, child, terms, share)
        # products first: where a quantity is always 1 both hold, and the product is the meaning
        plain = list(itertools.combinations(terms, 2)) + [(t,) for t in terms]
        rates = [t for t in terms if _is_rate(values[t])][:MAX_RATES]
        bases = [b for b in plain if not set(b) & set(rates)]
        forms = [(f"1+{a}", f"1-{b}") for a in rates for b in rates if a != b] \
            + [(f"1{sign}{r}",) for r in rates for sign in "-+"]
        candidates = plain + [b + f for b in bases for f in forms]
        parent_values = _read(con, parent, targets, _parents_kept(parent, fk, share))
        full, first = _Sums(owner, values, len(children)), _Sums.first_parents(owner, values, len(children))
        for column in targets:
            value = parent_values[column]
            known = ~np.isnan(value)
            if known.sum() == 0 or len(np.unique(value[known])) < 3:  # a constant column equals many sums by chance
                continue
            sql_type = parent.column(column).type
            tolerance = _tolerance(sql_type, value)
            unit = _unit(sql_type)
            tries = [Total(i, column, c) for c in candidates] + ([Total(i, column, c, unit) for c in candidates] if unit else [])
            for t in tries:
                slack = tolerance + (t.unit * children if t.unit else 0.0)  # each child's cut: up to a unit
                if _fails_already(value, first.of(t), slack, int(known.sum())):
                    continue
                if _holds(value, full.of(t), children, slack):
                    found.append(t)
                    break
    return tuple(found)


class _Sums:
    """Per-parent sums of the children's amounts under each tried :class:`Total`, computed once
    (the parent's columns share them); ``first_parents`` holds only the first parents' children."""

    SCREENED = 20  # the first 1/SCREENED of the parents screen every try before all parents do

    def __init__(self, owner: np.ndarray, values: dict[str, np.ndarray], parents: int):
        self.owner, self.values, self.parents = owner, values, parents
        self._sums: dict[tuple, np.ndarray] = {}  # (terms, unit) -> per-parent sums

    @classmethod
    def first_parents(cls, owner: np.ndarray, values: dict[str, np.ndarray], parents: int) -> _Sums:
        # the same children in the same order: a first parent's sum is exactly its sum over all rows
        screened = max(1, parents // cls.SCREENED)
        kept = owner < screened
        return cls(owner[kept], {c: v[kept] for c, v in values.items()}, screened)

    def of(self, t: Total) -> np.ndarray:
        key = (t.terms, t.unit)
        if key not in self._sums:
            self._sums[key] = np.bincount(self.owner, weights=t.amounts(self.values), minlength=self.parents)
        return self._sums[key]


def _fails_already(value: np.ndarray, first_sums: np.ndarray, tolerance: np.ndarray, known: int) -> bool:
    """Whether the first parents alone miss their sums more often than :func:`_holds` allows of
    all ``known`` parents: then the relation cannot hold, and the sums over every child
    (six million lines) need not be taken. Exact: those parents' sums are the full ones."""
    n = len(first_sums)
    misses = ~np.isnan(value[:n]) & ~(np.abs(value[:n] - first_sums) <= tolerance[:n])
    return not known - int(misses.sum()) >= HOLD_SHARE * known  # the most parents it could still hold for


def _is_rate(values: np.ndarray) -> bool:
    """Fractions in [0, 1], not all whole: a tax or a discount, a factor of ``1 + r`` or ``1 - r``."""
    return len(values) > 0 and bool(np.all((values >= 0) & (values <= 1))) and bool(np.any(values != np.round(values)))


def _unit(sql_type) -> float:
    """The parent column's precision, where it has one: a DECIMAL's scale, an integer's 1."""
    if sql_type.kind is Kind.DECIMAL:
        return 10.0 ** -(sql_type.scale or 0)
    return 1.0 if sql_type.kind is Kind.INTEGER else 0.0


def _numeric_columns(db: Database, table: Table) -> list[str]:
    keys = {c for s in table.unique_sets() for c in s}
    keys |= {c for fk in db.foreign_keys if fk.table == table.key for c in fk.columns}
    keys |= {c for fk in db.foreign_keys if fk.ref_table == table.key for c in fk.ref_columns}
    return [c.name for c in table.columns if c.type.reads_as_number and c.name not in keys]


def _parent_share(con, child: Table, max_rows: int | None) -> float | None:
    """The share of parents whose children are read (None: all of them)."""
    if max_rows is None:
        return None
    rows = sql.count_rows(con, child.name, child.schema)
    return max_rows / rows if rows > max_rows else None


def _parents_kept(parent: Table, fk: ForeignKey, share: float | None) -> exp.Expression | None:
    return None if share is None else selection(fk.ref_columns, share, None)


def _read(con, table: Table, columns: list[str], where: exp.Expression | None = None) -> dict[str, np.ndarray]:
    query = sql.select_columns(table.name, columns, table.schema)
    data = con.execute(sql.render(query.where(where) if where is not None else query)).to_arrow_table()
    return {c: _floats(data.column(c)) for c in columns}


def _floats(values) -> np.ndarray:
    # unsafe: a BIGINT past 2**53 is a float to within its last digits, which is all a total needs
    return pc.cast(values, pa.float64(), safe=False).to_numpy(zero_copy_only=False)


def _child_values(con, fk: ForeignKey, parent: Table, child: Table, used: list[str], share: float | None = None):
    """Each child row's parent (a position in the parent's scan order), the children per parent,
    and the child rows' ``used`` columns (NULL as 0); with ``share``, of that share of the parents."""
    kept = _parents_kept(parent, fk, share)
    query = sql.select_columns(parent.name, fk.ref_columns, parent.schema)
    keys = con.execute(sql.render(query.where(kept) if kept is not None else query)).to_arrow_table()
    keys = keys.rename_columns([f"k{j}" for j in range(len(fk.ref_columns))])
    keys = keys.append_column("parent", pa.array(np.arange(keys.num_rows, dtype=np.int64)))
    query = sql.select_columns(child.name, list(fk.columns) + used, child.schema)
    if kept is not None:  # the children of the kept parents: the same hash of the same key values
        query = query.where(selection(fk.columns, share, None))
    rows = con.execute(sql.render(query)).to_arrow_table()
    # positional names: a user column called "parent" or "k0" cannot clash
    rows = rows.rename_columns([f"k{j}" for j in range(len(fk.columns))] + [f"u{j}" for j in range(len(used))])
    rows = rows.append_column("row", pa.array(np.arange(rows.num_rows, dtype=np.int64)))
    # back in the child's order: Arrow's join hands rows in thread order, and the per-parent sums
    # of floats then differ in their last bits from run to run (a total at its tolerance flips)
    joined = rows.join(keys, keys=[f"k{j}" for j in range(len(fk.columns))], join_type="inner").sort_by("row")
    owner = joined.column("parent").to_numpy()
    values = {c: np.nan_to_num(_floats(joined.column(f"u{j}"))) for j, c in enumerate(used)}
    return owner, np.bincount(owner, minlength=keys.num_rows), values


def _tolerance(sql_type, value: np.ndarray) -> np.ndarray:
    if sql_type.kind is Kind.DECIMAL:
        return np.full(len(value), 0.5 * 10.0 ** -(sql_type.scale or 0))
    if sql_type.kind is Kind.INTEGER:
        return np.full(len(value), 0.5)
    return 1e-6 * np.maximum(1.0, np.abs(np.nan_to_num(value)))


def _holds(value: np.ndarray, total: np.ndarray, children: np.ndarray, tolerance: np.ndarray) -> bool:
    """Whether ``total`` matches ``value`` closely enough (the caller leaves out near-constant columns)."""
    known = ~np.isnan(value)
    ok = known & (np.abs(value - total) <= tolerance)
    return ok.sum() >= HOLD_SHARE * known.sum() and (ok & (children >= 2)).sum() >= MIN_SUMMED_PARENTS


class TotalsWriter:
    """Sums each parent row's synthetic children as a child table is sampled (whole or in
    parts), then writes the parent column once the child table is complete."""

    def __init__(self, db: Database, totals: tuple[Total, ...]):
        self.db = db
        self.totals = totals
        self._sums: dict[Total, np.ndarray] = {}

    def add(self, child: str, parent_of: dict[int, np.ndarray], rows: pa.Table, sampled: dict[str, pa.Table]) -> None:
        for t in self.totals:
            fk = self.db.foreign_keys[t.fk]
            if fk.table != child:
                continue
            owner = np.asarray(parent_of[t.fk], dtype=np.int64)
            weight = t.amounts({c: np.nan_to_num(_floats(rows.column(c))) for c in t.columns()})
            kept = owner >= 0
            n = sampled[fk.ref_table].num_rows
            self._sums[t] = self._sums.get(t, np.zeros(n)) + np.bincount(owner[kept], weights=weight[kept], minlength=n)

    def write(self, child: str, sampled: dict[str, pa.Table], writer) -> None:
        for t in self.totals:
            fk = self.db.foreign_keys[t.fk]
            if fk.table != child:
                continue
            parent, table = sampled[fk.ref_table], self.db.table(fk.ref_table)
            sums = self._sums.pop(t, np.zeros(parent.num_rows))
            sql_type, drawn = table.column(t.column).type, parent.column(t.column) if t.column in parent.column_names else None
            fits = _storable(sums, sql_type, drawn.type if drawn is not None else None)
            values = _as_column(np.where(fits, sums, 0.0), sql_type, drawn.type if drawn is not None else None)
            kept = fits & _accepted(table, parent, t.column, values)
            data = pa.table({c: parent.column(c) for c in fk.ref_columns} | {t.column: values}).filter(pa.array(kept))
            writer.update(fk.ref_table, fk.ref_columns, data)
            if drawn is not None:  # later tables read the corrected parent
                at = parent.column_names.index(t.column)
                drawn = drawn.combine_chunks()
                sampled[fk.ref_table] = parent.set_column(at, t.column, pc.if_else(pa.array(kept), values.cast(drawn.type), drawn))


def _storable(sums: np.ndarray, sql_type, arrow_type: pa.DataType | None) -> np.ndarray:
    """Which sums the column's type holds once rounded to it (a DECIMAL's digits, an integer's width)."""
    if sql_type.kind is Kind.DECIMAL:
        scale = sql_type.scale or 0
        return np.abs(np.round(sums, scale)) < 10.0 ** ((sql_type.precision or 38) - scale)
    if sql_type.kind is Kind.INTEGER:
        low, high = type_bounds(arrow_type if arrow_type is not None and pa.types.is_integer(arrow_type) else pa.int64())
        return (np.round(sums) >= low) & (np.round(sums) <= high)
    return np.isfinite(sums)


def _accepted(table: Table, parent: pa.Table, column: str, values: pa.Array) -> np.ndarray:
    """Which rows the table's CHECKs on ``column`` accept with ``values`` there (all: none reads
    it). A CHECK that also reads a column not kept in memory (language-model text) accepts none:
    the model's values met it."""
    checks = [c for c in table.checks if column in {col.name for col in c.find_all(exp.Column)}]
    if not checks:
        return np.ones(len(values), dtype=bool)
    needed = {col.name for c in checks for col in c.find_all(exp.Column)} - {column}
    if not needed <= set(parent.column_names):
        return np.zeros(len(values), dtype=bool)
    frame = pa.table({c: parent.column(c) for c in needed} | {column: values})
    rows, at = sql.fresh_name("__rows", frame.column_names), sql.fresh_name("__at", frame.column_names)
    frame = frame.append_column(at, pa.array(np.arange(frame.num_rows, dtype=np.int64)))
    holds = exp.Coalesce(this=exp.and_(*(exp.paren(c.copy()) for c in checks)), expressions=[exp.true()])
    query = exp.select(holds.as_("ok")).from_(sql.ident(rows)).order_by(sql.column(at))
    con = connect()
    try:
        con.register(rows, frame)
        return np.asarray(con.execute(sql.render(query)).fetchnumpy()["ok"], dtype=bool)
    finally:
        con.close()


def _as_column(sums: np.ndarray, sql_type, arrow_type: pa.DataType | None) -> pa.Array:
    """The sums in the parent column's own type: DECIMAL rounded to its scale, integers whole."""
    if sql_type.kind is Kind.DECIMAL:
        return from_numeric(sums, np.ones(len(sums), dtype=bool), pa.decimal128(sql_type.precision or 38, sql_type.scale or 0))
    if sql_type.kind is Kind.INTEGER:
        out = pa.array(np.round(sums).astype(np.int64))
    else:
        out = pa.array(sums)
    return out.cast(arrow_type) if arrow_type is not None else out


def outcomes(totals: tuple[Total, ...], plan) -> frozenset[tuple[str, str]]:
    """(child table, parent column) pairs a child model must not be conditioned on.

    A total is what its children add up to, not something they are drawn from: conditioned on
    the parent's sampled total, lines would be drawn towards it one by one, each as if it alone
    made it up, and their sum would land anywhere.
    """
    out = set()
    for t in totals:
        fk = plan.db.foreign_keys[t.fk]
        if plan.tables[fk.table].driver == fk:
            out.add((fk.table, t.column))
    return frozenset(out)
