"""Parent columns that total their children: ``Invoice.Total = SUM(line.UnitPrice * line.Quantity)``.

A synthetic invoice whose total is not the sum of its synthetic lines is wrong to anyone who
runs the application on it, whatever its distribution. So at fit time every numeric parent
column is tested against the per-parent sums of its children's numeric columns and of their
pairwise products; a relation that holds for at least 99 % of the real parents (to the parent
column's precision, a childless parent totalling 0), with at least 20 parents of two or more
children to show it is a sum and not a copy, becomes a :class:`Total`. At sample time, once every
row of the child table exists, the parent column is recomputed from them and updated in the
written output (and in the rows later tables read).

Only an exact fit reads the data this way: a private fit never looks for totals.

>>> Total(fk=0, column="Total", terms=("UnitPrice", "Quantity")).describe("InvoiceLine")
'Total = SUM(InvoiceLine.UnitPrice * InvoiceLine.Quantity)'
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.models.codecs.scale import from_numeric
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, ForeignKey, Table
from amalgam_rel.schema.types import NUMERIC_KINDS, Kind

HOLD_SHARE = 0.99  # share of real parents the relation must hold for
MIN_SUMMED_PARENTS = 20  # parents with 2+ children it holds for: a sum, not a copy of one child
MAX_TERMS = 8  # child columns tried (and their pairwise products)


@dataclass(frozen=True)
class Total:
    fk: int  # index of the foreign key in ``db.foreign_keys``
    column: str  # the parent's column
    terms: tuple[str, ...]  # child columns multiplied together, then summed per parent

    def describe(self, child: str) -> str:
        return f"{self.column} = SUM({' * '.join(f'{child}.{t}' for t in self.terms)})"

    def to_json(self) -> dict:
        return {"fk": self.fk, "column": self.column, "terms": list(self.terms)}

    @classmethod
    def from_json(cls, doc: dict) -> Total:
        return cls(int(doc["fk"]), doc["column"], tuple(doc["terms"]))


def find_totals(con: duckdb.DuckDBPyConnection, db: Database) -> tuple[Total, ...]:
    """Every (parent column, child product) relation that holds in the real data."""
    found = []
    for i, fk in enumerate(db.foreign_keys):
        if fk.is_self_reference:
            continue
        parent, child = db.table(fk.ref_table), db.table(fk.table)
        targets = _numeric_columns(db, parent)
        terms = _numeric_columns(db, child)[:MAX_TERMS]
        if not targets or not terms:
            continue
        # products first: where a quantity is always 1 both hold, and the product is the meaning
        candidates = list(itertools.combinations(terms, 2)) + [(t,) for t in terms]
        rows, sums, children = _child_sums(con, fk, parent, child, candidates)
        parent_values = _read(con, parent, targets)
        for column in targets:
            value = parent_values[column][rows]
            tolerance = _tolerance(parent.column(column).type, value)
            for candidate, total in zip(candidates, sums):
                if _holds(value, total, children, tolerance):
                    found.append(Total(i, column, candidate))
                    break
    return tuple(found)


def _numeric_columns(db: Database, table: Table) -> list[str]:
    keys = {c for s in table.unique_sets() for c in s}
    keys |= {c for fk in db.foreign_keys if fk.table == table.key for c in fk.columns}
    keys |= {c for fk in db.foreign_keys if fk.ref_table == table.key for c in fk.ref_columns}
    return [c.name for c in table.columns if c.type.kind in NUMERIC_KINDS and c.name not in keys]


def _read(con, table: Table, columns: list[str]) -> dict[str, np.ndarray]:
    data = con.execute(sql.render(sql.select_columns(table.name, columns, table.schema))).to_arrow_table()
    return {c: _floats(data.column(c)) for c in columns}


def _floats(values) -> np.ndarray:
    return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)


def _child_sums(con, fk: ForeignKey, parent: Table, child: Table, candidates):
    """Per parent row (in the parent's scan order): each candidate's sum over its children, and
    the number of children. Parent rows come back as positions into the parent's scan."""
    keys = con.execute(sql.render(sql.select_columns(parent.name, fk.ref_columns, parent.schema))).to_arrow_table()
    keys = keys.rename_columns([f"k{j}" for j in range(len(fk.ref_columns))])
    keys = keys.append_column("parent", pa.array(np.arange(keys.num_rows, dtype=np.int64)))
    used = sorted({c for cand in candidates for c in cand})
    rows = con.execute(sql.render(sql.select_columns(child.name, list(fk.columns) + used, child.schema))).to_arrow_table()
    # positional names: a user column called "parent" or "k0" cannot clash
    rows = rows.rename_columns([f"k{j}" for j in range(len(fk.columns))] + [f"u{j}" for j in range(len(used))])
    joined = rows.join(keys, keys=[f"k{j}" for j in range(len(fk.columns))], join_type="inner")
    owner = joined.column("parent").to_numpy()
    n = keys.num_rows
    values = {c: np.nan_to_num(_floats(joined.column(f"u{j}"))) for j, c in enumerate(used)}
    sums = [np.bincount(owner, weights=np.prod([values[c] for c in cand], axis=0), minlength=n) for cand in candidates]
    return np.arange(n), sums, np.bincount(owner, minlength=n)


def _tolerance(sql_type, value: np.ndarray) -> np.ndarray:
    if sql_type.kind is Kind.DECIMAL:
        return np.full(len(value), 0.5 * 10.0 ** -(sql_type.scale or 0))
    if sql_type.kind is Kind.INTEGER:
        return np.full(len(value), 0.5)
    return 1e-6 * np.maximum(1.0, np.abs(np.nan_to_num(value)))


def _holds(value: np.ndarray, total: np.ndarray, children: np.ndarray, tolerance: np.ndarray) -> bool:
    known = ~np.isnan(value)
    if known.sum() == 0 or len(np.unique(value[known])) < 3:  # a constant column equals many sums by chance
        return False
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
            weight = np.prod([np.nan_to_num(_floats(rows.column(c))) for c in t.terms], axis=0)
            kept = owner >= 0
            n = sampled[fk.ref_table].num_rows
            self._sums[t] = self._sums.get(t, np.zeros(n)) + np.bincount(owner[kept], weights=weight[kept], minlength=n)

    def write(self, child: str, sampled: dict[str, pa.Table], writer) -> None:
        for t in self.totals:
            fk = self.db.foreign_keys[t.fk]
            if fk.table != child:
                continue
            parent = sampled[fk.ref_table]
            sums = self._sums.pop(t, np.zeros(parent.num_rows))
            values = _as_column(sums, self.db.table(fk.ref_table).column(t.column).type,
                                parent.column(t.column).type if t.column in parent.column_names else None)
            data = pa.table({c: parent.column(c) for c in fk.ref_columns} | {t.column: values})
            writer.update(fk.ref_table, fk.ref_columns, data)
            if t.column in parent.column_names:  # later tables read the corrected parent
                at = parent.column_names.index(t.column)
                sampled[fk.ref_table] = parent.set_column(at, t.column, values.cast(parent.column(t.column).type))


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
