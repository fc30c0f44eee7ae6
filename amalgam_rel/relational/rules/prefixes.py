"""Rule: a string's leading code that another column of its row decides (:mod:`amalgam_rel.relational.prefixes`):
a TPC-H phone's country code from the customer's nation key.

The column stays the language model's (or the semantic generator's, or the table model's): the
rule only sets its leading code once every other value of the row exists (``finished``), so it
claims nothing.
"""

from __future__ import annotations

from dataclasses import asdict

from amalgam_rel.relational.prefixes import Prefix, apply_prefix, find_prefix
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind

NAME = "prefixes"
FIT_AT = "columns"


def find(ctx) -> tuple[Prefix, ...]:
    """Per string column no rule writes, the column of the row deciding its leading code, if any.
    A UNIQUE or CHECKed string is left alone (setting its code could repeat or break a value)."""
    ft = ctx.ft
    if ctx.options.epsilon is not None or ft.frame.num_rows == 0:
        return ()  # a private fit never reads the data for this
    present = [c for c in ft.table.columns if c.name in ft.frame.column_names]
    deferred = {c for fk in ft.plan.deferred for c in fk.columns}  # filled after the row is written
    skip = ctx.claimed | checked_columns(ft.table) | unique_columns(ft.table) | set(ft.plan.fk_columns)
    targets = [c.name for c in present if c.type.kind is Kind.STRING and c.name not in skip]
    sources = [c.name for c in present if c.name not in deferred and c.name not in ft.text_columns
               and c.type.kind in (Kind.INTEGER, Kind.STRING, Kind.BOOLEAN)]
    found = []
    for target in targets:
        rule = find_prefix(ft.frame.column(target), {s: ft.frame.column(s) for s in sources if s != target}, target)
        if rule is not None:
            found.append(rule)
    return tuple(found)


def claims(records) -> tuple[str, ...]:
    return ()  # the column is still written by its own generator; only its code is set


def computed(records) -> tuple[str, ...]:
    return ()


def apply_at(record, ft) -> str:
    return "finished"


def apply(d, records) -> None:
    for rule in records:
        if rule.column in d.values and rule.source in d.values:
            d.values[rule.column] = apply_prefix(rule, d.values[rule.column], d.values[rule.source])


def describe(records, db) -> list[tuple[str, str]]:
    return [(r.column, f"leading code from {r.source}") for r in records]


def to_json(records) -> dict:
    return {NAME: [asdict(r) for r in records]} if records else {}


def from_json(entry: dict, where: str) -> tuple[Prefix, ...]:
    return typed(tuple[Prefix, ...], entry.get(NAME, []), f"{where}.{NAME}")
