"""Profile the real database once: which features each table has and how to bin them.

Every metric reads the same :class:`Profile`, so a column is numeric, categorical or text in
all of them alike, and both databases are binned with the real data's edges. Generated identity
columns (:mod:`.identity`) get the role ``identity`` and no bins, whatever their number of
distinct values: they are not categories of the real rows.

>>> from amalgam_rel.evaluation.features import Feature
>>> TableProfile("t", (), {}).binned
()
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.features import BINNED_ROLES, BINS, Binning, Feature, candidate_features, fn, string_role
from amalgam_rel.evaluation.identity import identity_columns, parent_copies
from amalgam_rel.schema import sql

PAIR_FEATURES = 25  # 300 pairs at most per table


@dataclass(frozen=True)
class TableProfile:
    table: str
    features: tuple[Feature, ...]
    bins: dict[str, Binning]  # by feature name, for numeric, temporal and categorical features
    # identity features whose number of distinct values reads as a category: scored (and
    # paired) as categories before identity columns were told apart
    identity_categories: tuple[str, ...] = ()

    @property
    def binned(self) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.name in self.bins)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every pair of binned features; wide tables keep their first PAIR_FEATURES features."""
        names = [f.name for f in self.binned][:PAIR_FEATURES]
        return list(combinations(names, 2))

    def binned_or_identity(self, limit: int) -> list[str]:
        """The first ``limit`` binned features and identity categories, in column order: the
        features that were binned before identity columns were told apart."""
        paired = set(self.identity_categories)
        return [f.name for f in self.features if f.name in self.bins or f.name in paired][:limit]

    @property
    def identity_pairs(self) -> list[tuple[str, str]]:
        """The pairs the identity categories would make were they binned (left out of pair trends)."""
        paired = set(self.identity_categories)
        return [p for p in combinations(self.binned_or_identity(PAIR_FEATURES), 2) if paired & set(p)]

    def of_role(self, *roles: str) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.role in roles)


@dataclass(frozen=True)
class Profile:
    tables: dict[str, TableProfile]

    def __getitem__(self, table: str) -> TableProfile:
        return self.tables[table]


def profile(ctx: Context) -> Profile:
    fk_cols: dict[str, set[str]] = {}
    for fk in ctx.schema.foreign_keys:
        fk_cols.setdefault(fk.table, set()).update(fk.columns)
    return Profile({t.key: _table_profile(ctx, t.key, fk_cols.get(t.key, set())) for t in ctx.schema.tables})


def _table_profile(ctx: Context, key: str, fk_cols: set[str]) -> TableProfile:
    cands = candidate_features(ctx.table(key), fk_cols)
    strings = [f for f, _ in cands if f.role == "string"]
    roles = {}
    if strings:
        aggs = []
        for f in strings:
            aggs += [exp.Count(this=exp.Distinct(expressions=[f.value()])), exp.Count(this=f.value())]
        row = ctx.query(exp.select(*aggs).from_(ctx.ref("real", key)))[0]
        for i, f in enumerate(strings):
            roles[f.name] = string_role(row[2 * i], row[2 * i + 1])
        roles |= _copy_roles(ctx, key, [f for f in strings if f.path == (f.name,)])
    identities = {c: i for (t, c), i in identity_columns(ctx).items() if t == key}
    features = tuple(
        Feature(f.table, f.name, f.path, "identity", f.tag, identities[f.name].type)
        if f.path == (f.name,) and f.name in identities else Feature(f.table, f.name, f.path, roles.get(f.name, f.role), f.tag)
        for f, _ in cands
    )
    bins: dict[str, Binning] = {}
    for f in features:
        if f.role in ("numeric", "temporal"):
            bins[f.name] = _numeric_bins(ctx, key, f)
        elif f.role == "categorical":
            bins[f.name] = _categorical_bins(ctx, key, f)
    categories = tuple(f.name for f in features if f.role == "identity" and roles.get(f.name) == "categorical")
    return TableProfile(key, features, bins, categories)


def _copy_roles(ctx: Context, key: str, strings: list[Feature]) -> dict[str, str]:
    """String columns that repeat a column of their parent row (``Invoice.BillingCity =
    Customer.City`` in >= 99 % of real rows, :mod:`amalgam_rel.relational.parent_copies`) take
    that column's role: the fan-out repeats each parent's value, which would make a city or an
    address held by one customer look like a category of its invoices - scored by reproducing
    the real addresses - while the customer's own column is text, scored by its lengths."""
    out: dict[str, str] = {}
    names = {f.name for f in strings}
    for column, (parent, source) in parent_copies(ctx, key).items():
        if column not in names:
            continue
        value = sql.column(source)
        distinct, non_null = ctx.query(exp.select(exp.Count(this=exp.Distinct(expressions=[value])),
                                                  exp.Count(this=value.copy())).from_(ctx.ref("real", parent)))[0]
        out[column] = string_role(distinct, non_null)
    return out


def _numeric_bins(ctx: Context, key: str, f: Feature) -> Binning:
    """Quantile edges of the real values; with few distinct values, one bin per value."""
    number, v = f.number(), sql.column(sql.internal("v"))
    distinct = (exp.select(number.as_(v.this.copy())).distinct().from_(ctx.ref("real", key))
                .where(exp.Not(this=exp.Is(this=number.copy(), expression=exp.Null()))))
    values = [r[0] for r in ctx.query(exp.select(v).from_(distinct.subquery(sql.internal("d"))).order_by(v.copy())
                                      .limit(BINS + 1))]
    if len(values) <= BINS:
        return Binning(f, edges=tuple(values[1:]))
    qs = exp.Array(expressions=[exp.Literal.number(i / BINS) for i in range(1, BINS)])
    quantiles = ctx.scalar(exp.select(fn("quantile_disc", number, qs)).from_(ctx.ref("real", key)))
    return Binning(f, edges=tuple(sorted(set(quantiles or ()))))


def _categorical_bins(ctx: Context, key: str, f: Feature) -> Binning:
    # grouped and ordered by its aliases, in the scope of the table's own columns: reserved names
    label, v, n = f.label(), sql.column(sql.internal("v")), sql.column(sql.internal("n"))
    q = (
        exp.select(label.as_(v.this.copy()), exp.Count(this=exp.Star()).as_(n.this.copy()))
        .from_(ctx.ref("real", key))
        .where(exp.Not(this=exp.Is(this=label.copy(), expression=exp.Null())))
        .group_by(v.copy())
        .order_by(exp.Ordered(this=n, desc=True), v)
        .limit(BINS)
    )
    return Binning(f, labels=tuple(r[0] for r in ctx.query(q)))


def is_binned(f: Feature) -> bool:
    return f.role in BINNED_ROLES
