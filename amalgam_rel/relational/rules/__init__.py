"""The registry of rules: columns the data determines, found at fit time and written at sample time.

Each rule is one module of this package (see :mod:`.protocol` for the names it defines). ``RULES``
lists them in the order their ``find`` runs: a later rule skips the columns an earlier one claims.
Adding a rule = one module here + one line below.
"""

from __future__ import annotations

from amalgam_rel.relational.rules import (copies, date_parts, derived, fixed_sums, implied, offsets, prefixes, ratios, shared,
                                         spelled, totals)
from amalgam_rel.relational.rules.protocol import APPLY_POINTS, FIT_POINTS, DatabaseContext, FitContext, Rule

RULES: tuple[Rule, ...] = (
    totals,  # parent columns totalling their children (database-wide, before any table)
    implied,  # matched keys following another key of the row
    shared,  # matched keys whose parent shares a value with another parent of the row
    offsets,  # dates drawn as a gap to another date
    derived,  # arithmetic over the row (or a parent row)
    date_parts,  # parts of a date of the row
    spelled,  # integers of the row spelled as text
    copies,  # parent row's values repeated
    ratios,  # parent row's number (or a ratio of it) on a share of the rows, which ratio drawn by the model
    prefixes,  # a string's leading code that another column of the row decides
    fixed_sums,  # sums per parent kept constant (reads the fitted model's columns)
)

assert all(r.FIT_AT in FIT_POINTS for r in RULES)


def table_rules(point: str) -> tuple[Rule, ...]:
    """The rules whose ``find`` runs at fit point ``point``, in registry order."""
    return tuple(r for r in RULES if r.FIT_AT == point)


def claimed_columns(ft) -> frozenset[str]:
    """Columns of the table the rules found so far write."""
    return frozenset(c for r in RULES for c in r.claims(ft.rules.get(r.NAME, ())))


def computed_columns(ft) -> tuple[str, ...]:
    """Columns of the table the rules write on every row: the table model leaves them out."""
    return tuple(c for r in RULES for c in r.computed(ft.rules.get(r.NAME, ())))


def find_rules(point: str, ft, frames, fitted, options) -> None:
    """Run the rules of fit point ``point`` on a table, each seeing what the earlier ones claimed,
    and keep their records. A column a rule claims is no longer issued as a key."""
    for rule in table_rules(point):
        records = rule.find(FitContext(ft, frames, fitted, options, claimed_columns(ft)))
        ft.rules[rule.NAME] = records
        for column in rule.claims(records):
            ft.keys.pop(column, None)


def apply_rules(point: str, draft) -> None:
    """Apply every record due at sample point ``point``, rule by rule in registry order."""
    for rule in RULES:
        due = tuple(r for r in draft.ft.rules.get(rule.NAME, ()) if rule.apply_at(r, draft.ft) == point)
        if due:
            rule.apply(draft, due)


def find_database_rules(con, db, max_rows: int | None = None) -> dict[str, tuple]:
    """The records of the rules over the whole database (:data:`FIT_POINTS` "database")."""
    return {r.NAME: r.find(DatabaseContext(con, db, max_rows)) for r in table_rules("database")}


__all__ = ["APPLY_POINTS", "FIT_POINTS", "RULES", "Rule", "FitContext", "DatabaseContext", "apply_rules",
           "claimed_columns", "computed_columns", "find_database_rules", "find_rules", "table_rules"]
