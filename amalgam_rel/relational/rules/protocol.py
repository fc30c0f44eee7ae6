"""What a rule is: one module that finds, claims, applies and saves one kind of determined column.

A rule (a derived column, a date part, a parent copy, ...) is a module with these names; the
registry :data:`amalgam_rel.relational.rules.RULES` lists them in the order their ``find`` runs,
so a later rule never claims a column an earlier one writes. Everything that used to be wired
by hand per rule — the fitted table's state, the model's excluded columns, later rules' skip
sets, the saved model, :meth:`DatabaseModel.computed_columns` — iterates that registry.

``find`` returns frozen records; the fitting stage stores them in ``FittedTable.rules[NAME]``
(or, for a rule over the whole database, ``DatabaseModel.rules_[NAME]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
from sqlglot import exp

from amalgam_rel.schema.model import Database, Table

# Where in fitting a rule's ``find`` runs (``FIT_AT``):
#   "database": once, before any table is fitted (it reads several tables);
#   "keys": after the training frame is built, before temporal orders and context are chosen;
#   "dates": after parent sequences, before the context is chosen (the context must carry anchors);
#   "columns": after keys are fitted, before the table model;
#   "model": after the table model is fitted (it reads the model's columns).
FIT_POINTS = ("database", "keys", "dates", "columns", "model")

# Where in sampling a record is applied (``apply_at``), in the order sampling reaches them:
#   "matching": consulted while foreign keys are matched (no separate apply);
#   "drawn": right after the model drew the rows;
#   "parents": once keys, parents and CHECK repairs are final (values copied from parent rows);
#   "dates": then (values read off the row's dates);
#   "values": then (arithmetic over the row's values);
#   "filled": once fillers gave the columns no model owns;
#   "text": once the language model wrote its text (a rule over text that keeps its own values);
#   "finished": last, over every other value of the row;
#   "database": by the database sampler, once a whole child table exists.
APPLY_POINTS = ("matching", "drawn", "parents", "dates", "values", "filled", "text", "finished", "database")


@dataclass(frozen=True)
class FitContext:
    """What a table rule's ``find`` reads: the table being fitted, its fitted parents, the
    training frames and the options, and the columns the rules that ran before claimed."""

    ft: Any  # the FittedTable being fitted (its frame, plan, keys, ...)
    frames: Any  # TrainingFrames: the source connection, every table's training frame
    fitted: dict  # key -> FittedTable of the tables fitted before (its parents among them)
    options: Any  # FitOptions
    claimed: frozenset[str] = frozenset()  # columns earlier rules write: a later rule never takes them

    def records(self, name: str) -> tuple:
        """The records an earlier rule found for this table (empty if it found none or runs later)."""
        return self.ft.rules.get(name, ())


@dataclass(frozen=True)
class DatabaseContext:
    """What a database rule's ``find`` reads: the source and its schema (stored columns only)."""

    con: duckdb.DuckDBPyConnection
    db: Database
    max_rows: int | None = None  # a table of more rows is not read whole (:mod:`..large_tables`)


class Rule(Protocol):
    """The names a rule module defines (a module satisfies this protocol structurally)."""

    NAME: str  # key of its records in FittedTable.rules and in the saved model
    FIT_AT: str  # one of FIT_POINTS

    def find(self, ctx: FitContext | DatabaseContext) -> tuple: ...

    def claims(self, records: tuple) -> set[str]:
        """Columns of the table its records write (later rules skip them)."""

    def computed(self, records: tuple) -> set[str]:
        """Of those, the ones the table model leaves out (written for every row)."""

    def apply_at(self, record: Any, ft: Any) -> str:
        """The APPLY_POINTS entry at which ``record`` is applied to a table of ``ft``."""

    def apply(self, draft: Any, records: tuple) -> None:
        """Write ``records``' columns into the draft (all due at the same point)."""

    def describe(self, records: tuple, db: Database) -> list[tuple[str, str]]:
        """(column, how) for each column it computes, for the CLI's list of computed columns."""

    def to_json(self, records: tuple) -> dict:
        """The saved-model entries holding ``records`` (keys of a table entry or the manifest)."""

    def from_json(self, entry: dict, where: str) -> tuple:
        """``records`` back from a table entry (or the manifest), checked; ``where`` names it."""


def checked_columns(table: Table) -> set[str]:
    """Columns a CHECK reads: a computed value is never repaired, so no rule writes them."""
    return {col.name for check in table.checks for col in check.find_all(exp.Column)}


def unique_columns(table: Table) -> set[str]:
    return {c for s in table.unique_sets() for c in s}
