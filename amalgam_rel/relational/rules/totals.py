"""Rule: parent columns that total their children (:mod:`amalgam_rel.relational.totals`):
``orders.total = SUM(lines.qty * lines.price)``. A database rule: found once over every table,
and applied by the database sampler once a child table is complete (:class:`~.totals.TotalsWriter`)."""

from __future__ import annotations

from amalgam_rel.relational.totals import Total, find_totals
from amalgam_rel.saved import typed

NAME = "totals"
FIT_AT = "database"


def find(ctx) -> tuple[Total, ...]:
    return find_totals(ctx.con, ctx.db, ctx.max_rows)


def claims(records) -> tuple[str, ...]:
    return ()  # the parent's columns, not the table's own: the database sampler writes them


def computed(records) -> tuple[str, ...]:
    return ()  # the parent's model draws them (its children's context reads them), then they are overwritten


def apply_at(record, ft) -> str:
    return "database"


def apply(draft, records) -> None:
    """Nothing per table: DatabaseModel.sample sums each child table into its parents (TotalsWriter)."""


def describe(records, db) -> list[tuple[str, str]]:
    return []


def to_json(records) -> dict:
    return {"totals": [t.to_json() for t in records]}


def from_json(entry: dict, where: str) -> tuple[Total, ...]:
    return typed(tuple[Total, ...], entry.get("totals", []), "totals")  # absent in older models
