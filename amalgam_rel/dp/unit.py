"""The privacy unit (``--privacy-unit TABLE``): which rows one protected person owns, and which
tables are public.

A *unit* is one row of the unit table plus every row that reaches it through foreign keys,
along every path (a customer, its orders, their line items). Self-references and broken cycle
edges are not paths (a private plan leaves them empty or fills them without data). The tables
that reach the unit table are *private*; every other table is outside every unit's reach and is
*public*: kept as it is, and disclosed (docs/privacy.md). ``--public TABLE`` declares a table
public; naming one that reaches the unit is an error (its rows belong to units).

Without ``--privacy-unit`` the unit is chosen from the schema and the tables' row counts
(:func:`choose_unit`): the tables holding people (named as people, ``customer``, ``account``,
or with a column the semantic detector reads as a person's name) if any, else every table something
hangs from, else every table; among them the one
with the largest ``sqrt(rows x rows hanging from it)``, so neither a five-row lookup table (few
units, each owning a fifth of the database) nor a leaf table (many units, owning nothing) wins.
That choice reads row counts, which the guarantee does not cover; the ledger says so.

>>> from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
>>> from amalgam_rel.schema.types import parse_type
>>> i, s = parse_type("INTEGER"), parse_type("VARCHAR")
>>> t = lambda name, *cols: Table(name, (Column("id", i, False),) + tuple(Column(c, i, False) for c in cols), ("id",))
>>> person = Table("customer", (Column("id", i, False), Column("email", s), Column("nation_id", i)), ("id",))
>>> db = Database((t("nation"), person, t("orders", "customer_id"), t("line", "order_id", "part_id"), t("part")),
...               (ForeignKey("customer", ("nation_id",), "nation", ("id",)),
...                ForeignKey("orders", ("customer_id",), "customer", ("id",)),
...                ForeignKey("line", ("order_id",), "orders", ("id",)), ForeignKey("line", ("part_id",), "part", ("id",))))
>>> unit = privacy_unit(db, None, (), {"nation": 25, "customer": 1500, "orders": 15000, "line": 60000, "part": 2000})
>>> unit.table, unit.private, unit.public
('customer', ('customer', 'orders', 'line'), ('nation', 'part'))
>>> privacy_unit(db, "customer", ("orders",), {})
Traceback (most recent call last):
...
amalgam_rel.errors.InputError: --public orders: it reaches the privacy unit customer through foreign keys, so its rows belong to units
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from amalgam_rel.errors import InputError
from amalgam_rel.generation.semantic.detect import people_table, semantic_type
from amalgam_rel.relational.kept_contacts import CONTACTS
from amalgam_rel.schema.model import Database


@dataclass(frozen=True)
class PrivacyUnit:
    table: str  # the unit table's key
    private: tuple[str, ...]  # the unit table and every table that reaches it (schema order)
    public: tuple[str, ...]  # every other table: kept as it is
    declared: tuple[str, ...]  # the tables named by --public
    reason: str  # why this table is the unit, for the output and the ledger

    def describe(self) -> str:
        public = ", ".join(self.public) or "none"
        return f"privacy unit: {self.table} ({self.reason}); public, kept verbatim and disclosed: {public}"


def reaching(db: Database, unit: str) -> set[str]:
    """The unit table and every table with a foreign-key path to it (self-references excluded)."""
    found, grew = {unit}, True
    while grew:
        grew = False
        for fk in db.foreign_keys:
            if not fk.is_self_reference and fk.ref_table in found and fk.table not in found:
                found.add(fk.table)
                grew = True
    return found


def holds_people(db: Database, key: str) -> list[str]:
    """Why the table's rows are people: its name (``customer``, ``account``, ``staff``), or its
    columns holding people's names (a contact alone, an invoice's billing address, is not one)."""
    table = db.table(key)
    names = [c.name for c in table.columns
             if (found := semantic_type(c.name, c.type, table=key, columns=table.column_names)) is not None
             and found.person_like and found.name not in CONTACTS]
    return ([f"a table of {key}"] if people_table(key) else []) + names


def choose_unit(db: Database, counts: dict[str, int], public: tuple[str, ...] = ()) -> tuple[str, str]:
    """The automatic unit and the reason (see the module doc); ``counts``: rows per table;
    ``public``: tables declared public, never the unit."""
    keys = [t.key for t in db.tables if not reaching(db, t.key) & set(public)]  # a public table is in no unit
    if not keys:
        raise InputError("--public leaves no table to protect under --epsilon (every table is public or "
                         "reached from a public one)")
    hanging = {k: sum(counts.get(t, 0) for t in reaching(db, k) - {k}) for k in keys}
    people = [k for k in keys if holds_people(db, k)]
    pool = people or [k for k in keys if hanging[k] > 0] or keys
    best = max(pool, key=lambda k: (math.sqrt(counts.get(k, 0) * hanging[k]), counts.get(k, 0), -keys.index(k)))
    who = f"holds people ({', '.join(holds_people(db, best)[:3])})" if people else "no table holds people"
    # the counts themselves stay out of the reason: it is printed, and saved with the ledger
    return best, (f"automatic: {who}; the largest sqrt(rows x rows hanging from them); chosen from row counts, "
                  "which epsilon does not cover (--privacy-unit TABLE avoids that)")


def privacy_unit(db: Database, name: str | None, declared_public, counts: dict[str, int]) -> PrivacyUnit:
    """The unit (``name``, or the automatic choice from ``counts``) and the private and public tables."""
    if name is not None:
        if not db.has_table(name):
            raise InputError(f"--privacy-unit names an unknown table {name!r}")
        table, reason = db.table(name).key, "--privacy-unit"
    declared = tuple(db.table(t).key for t in declared_public or ())
    if name is None:
        table, reason = choose_unit(db, counts, declared)
    private = reaching(db, table)
    for key in declared:
        if key in private:
            raise InputError(f"--public {key}: it reaches the privacy unit {table} through foreign keys, "
                             "so its rows belong to units")
    order = [t.key for t in db.tables]
    return PrivacyUnit(table, tuple(k for k in order if k in private), tuple(k for k in order if k not in private),
                       declared, reason)
