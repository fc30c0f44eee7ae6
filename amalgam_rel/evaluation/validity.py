"""Validity: does the synthetic data satisfy the real schema's constraints? (expected: 100 %)

Every constraint of the real schema (or of the schema passed in, with logical FKs) is checked
on the synthetic data with one counting query, whether or not the synthetic database declares
it: primary-key and UNIQUE duplicates (rows beyond the first of each key), NULLs in NOT NULL
and key columns, orphans of declared and logical FKs (a child whose non-NULL key has no
parent), CHECK expressions that are false, and values that do not fit the real column type
(ENUM members, STRUCT/LIST/MAP shape, integer range: ``TRY_CAST`` to the real type fails)
plus JSON that does not parse. The score is the share of checks with no violation.

>>> Violation("t", "primary key", "id", 2).count
2
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlglot import exp

from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.features import fn
from amalgam_rel.schema import sql
from amalgam_rel.schema.types import Kind


@dataclass(frozen=True)
class Violation:
    table: str
    constraint: str  # primary key | unique | not null | foreign key | check | type | json
    detail: str
    count: int


@dataclass(frozen=True)
class Validity:
    checks: tuple[Violation, ...]  # one per check, count 0 when it holds

    @property
    def violations(self) -> int:
        return sum(c.count for c in self.checks)

    @property
    def score(self) -> float | None:
        return sum(c.count == 0 for c in self.checks) / len(self.checks) if self.checks else None

    def to_dict(self) -> dict:
        return {"violations": self.violations, "score": self.score, "checks": len(self.checks),
                "failed": [asdict(c) for c in self.checks if c.count]}


def validity(ctx: Context) -> Validity:
    out = []
    for t in ctx.schema.tables:
        for cols in t.unique_sets():
            kind = "primary key" if cols == t.primary_key else "unique"
            out.append(Violation(t.key, kind, ", ".join(cols), _duplicates(ctx, t.key, cols, kind == "primary key")))
        not_null = [c.name for c in t.columns if not c.nullable or c.name in t.primary_key]
        for name in not_null:
            out.append(Violation(t.key, "not null", name, _count(ctx, t.key, exp.Is(this=sql.column(name), expression=exp.Null()))))
        for check in t.checks:
            false = exp.Is(this=exp.Paren(this=check.copy()), expression=exp.false())
            out.append(Violation(t.key, "check", check.sql(sql.DIALECT), _count(ctx, t.key, false)))
        out += _type_checks(ctx, t)
    for fk in ctx.schema.foreign_keys:
        out.append(Violation(fk.table, "foreign key", f"{fk.label} ({fk.kind})", _orphans(ctx, fk)))
    return Validity(tuple(out))


def _count(ctx: Context, table: str, where: exp.Expression) -> int:
    return int(ctx.scalar(exp.select(exp.Count(this=exp.Star())).from_(ctx.ref("synth", table)).where(where)))


def _duplicates(ctx: Context, table: str, cols: tuple[str, ...], primary: bool) -> int:
    """Rows beyond the first of each key value; UNIQUE ignores rows with a NULL in the key."""
    keys = [sql.column(c) for c in cols]
    q = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(ctx.ref("synth", table)).group_by(*keys)
    if not primary:
        q = q.where(exp.and_(*(exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys)))
    total = exp.select(fn("coalesce", exp.Sum(this=exp.Sub(this=exp.column("n"), expression=exp.Literal.number(1))),
                          exp.Literal.number(0))).from_(q.subquery("g")).where(exp.GT(this=exp.column("n"), expression=exp.Literal.number(1)))
    return int(ctx.scalar(total))


def _orphans(ctx: Context, fk) -> int:
    has_key = exp.and_(*(exp.Not(this=exp.Is(this=sql.column(c, "c"), expression=exp.Null())) for c in fk.columns))
    parent = exp.select(exp.Literal.number(1)).from_(ctx.ref("synth", fk.ref_table, "p")).where(join_on(fk, "c", "p"))
    where = exp.and_(has_key, exp.Not(this=exp.Exists(this=parent)))
    return int(ctx.scalar(exp.select(exp.Count(this=exp.Star())).from_(ctx.ref("synth", fk.table, "c")).where(where)))


def _type_checks(ctx: Context, t) -> list[Violation]:
    """Values that do not fit the real column's type, and JSON that does not parse."""
    out = []
    synth = ctx.synth_schema.table(t.key)
    for c in t.columns:
        col = sql.column(c.name)
        present = exp.Not(this=exp.Is(this=col.copy(), expression=exp.Null()))
        if c.type.kind is Kind.JSON:
            bad = exp.and_(present, exp.Not(this=fn("json_valid", col.copy())))
            out.append(Violation(t.key, "json", c.name, _count(ctx, t.key, bad)))
        elif synth.column(c.name).type.sql(named_enums=False) != c.type.sql(named_enums=False):
            target = exp.DataType.build(c.type.sql(named_enums=False), dialect=sql.DIALECT)
            bad = exp.and_(present, exp.Is(this=exp.TryCast(this=col.copy(), to=target), expression=exp.Null()))
            out.append(Violation(t.key, "type", f"{c.name} as {c.type.sql(named_enums=False)}", _count(ctx, t.key, bad)))
    return out
