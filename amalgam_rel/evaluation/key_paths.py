"""Key paths: where two ways from a row to the same rows agree in the real data, do they in the synthetic?

A payment names its customer and its rental, and the rental names a customer: in the real data it
is the same one. Column metrics cannot see such a path, and a join through either key gives a
different answer when it breaks. For every table and every pair of its foreign keys, four kinds
of path are compared (the same relations :mod:`amalgam_rel.relational.implied` follows):

* the second key points into the first key's parent table (``order.cust_code`` and
  ``order.customer``): the same parent row?
* the first key's parent has a key to the second key's table: the child's key equals it?
* both parents have a key to one grandparent: the same grandparent?

A relation counts when the real rows (both sides filled, at least 20) agree in ≥ 99.5 % of
them and independent sides would not already agree in 90 % (one grandparent says nothing). The
score is the mean share of synthetic rows that agree, over those relations (None: there is none).
It is reported beside the overall score, not in it.

>>> KeyPath("payment", "customer_id = rental_id -> rental.customer_id", 1.0, 0.2, 4500).to_dict()["synth"]
0.2
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sqlglot import exp

from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.context import Context
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import ForeignKey

AGREEMENT, MIN_ROWS, MAX_CHANCE = 0.995, 20, 0.9


@dataclass(frozen=True)
class KeyPath:
    table: str
    relation: str
    real: float  # share of real rows that agree
    synth: float | None  # share of synthetic rows that agree (None: no row has both sides)
    rows: int  # real rows with both sides filled

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class KeyPaths:
    paths: tuple[KeyPath, ...]

    @property
    def score(self) -> float | None:
        held = [p.synth for p in self.paths if p.synth is not None]
        return float(np.mean(held)) if held else None

    def to_dict(self) -> dict:
        return {"score": self.score, "paths": [p.to_dict() for p in self.paths]}


# one side of a relation: the child's own columns (fk None) or columns of the fk's parent row
Side = tuple[ForeignKey | None, tuple[str, ...]]


def key_paths(ctx: Context) -> KeyPaths:
    out = []
    for table in ctx.schema.tables:
        for left, right in _relations(ctx, table.key):
            real, rows, chance = _agreement(ctx, "real", table.key, left, right)
            if rows < MIN_ROWS or real < AGREEMENT or chance > MAX_CHANCE:
                continue
            synth, synth_rows, _ = _agreement(ctx, "synth", table.key, left, right)
            out.append(KeyPath(table.key, f"{_label(left)} = {_label(right)}", round(real, 4),
                               round(synth, 4) if synth_rows else None, rows))
    return KeyPaths(tuple(out))


def _relations(ctx: Context, key: str) -> list[tuple[Side, Side]]:
    """Each equality between two paths from a row of ``key``, once."""
    db = ctx.schema
    fks = [fk for fk in db.foreign_keys_of(key) if not fk.is_self_reference]
    seen, out = set(), []

    def add(a: Side, b: Side) -> None:
        if frozenset((a, b)) not in seen and a != b:
            seen.add(frozenset((a, b)))
            out.append((a, b))

    for f1 in fks:
        for f2 in fks:
            if f1 == f2:
                continue
            if f2.ref_table == f1.ref_table:
                add((None, f2.columns), (f1, f2.ref_columns))
            for g in db.foreign_keys_of(f1.ref_table):
                if g.ref_table == f2.ref_table and g.ref_columns == f2.ref_columns and not g.is_self_reference:
                    add((None, f2.columns), (f1, g.columns))
                for h in db.foreign_keys_of(f2.ref_table):
                    if (h.ref_table, h.ref_columns) == (g.ref_table, g.ref_columns) and f1.ref_table != f2.ref_table \
                            and not (g.is_self_reference or h.is_self_reference):
                        add((f1, g.columns), (f2, h.columns))
    return out


def _agreement(ctx: Context, side: str, key: str, left: Side, right: Side) -> tuple[float, int, float]:
    """(share agreeing, rows with both sides filled, share independent sides would agree)."""
    source = exp.select(*(_side_columns(left, "a") + _side_columns(right, "b"))).from_(ctx.ref(side, key, "t"))
    for alias, (fk, _) in (("p", left), ("q", right)):
        if fk is not None:
            source = source.join(ctx.ref(side, fk.ref_table, alias), on=join_on(fk, "t", alias), join_type="left")
    n = len(left[1])
    filled = exp.and_(*(exp.not_(exp.column(f"{s}{j}").is_(exp.null())) for s in "ab" for j in range(n)))
    pairs = exp.select("*").from_(source.subquery("s")).where(filled)
    equal = exp.and_(*(exp.EQ(this=exp.column(f"a{j}"), expression=exp.column(f"b{j}")) for j in range(n)))
    counts = {s: exp.select(*(exp.column(f"{s}{j}") for j in range(n)), exp.Count(this=exp.Star()).as_("n"))
                  .from_("x").group_by(*(exp.column(f"{s}{j}") for j in range(n))).subquery(s) for s in "ab"}
    chance = (exp.select(exp.Sum(this=exp.Mul(this=exp.column("n", "a"), expression=exp.column("n", "b"))))
              .from_(counts["a"]).join(counts["b"], on=exp.and_(*(exp.EQ(this=exp.column(f"a{j}", "a"),
                                                                           expression=exp.column(f"b{j}", "b"))
                                                                    for j in range(n)))))
    query = exp.select(exp.Avg(this=exp.Cast(this=equal, to=exp.DataType.build("INTEGER"))), exp.Count(this=exp.Star()),
                       chance.subquery()).from_("x").with_("x", as_=pairs)
    share, rows, agree = ctx.query(query)[0]
    return float(share or 0.0), int(rows), float(agree or 0.0) / rows / rows if rows else 1.0


def _side_columns(side: Side, prefix: str) -> list[exp.Expression]:
    fk, columns = side
    table = "t" if fk is None else ("p" if prefix == "a" else "q")
    return [sql.column(c, table).as_(f"{prefix}{j}") for j, c in enumerate(columns)]


def _label(side: Side) -> str:
    fk, columns = side
    own = ", ".join(columns)
    return own if fk is None else f"{', '.join(fk.columns)} -> {fk.ref_table}.{own}"
