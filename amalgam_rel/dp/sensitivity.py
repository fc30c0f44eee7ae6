"""How many rows of each training frame one privacy unit can change (the derivation is in
``docs/privacy.md``; this module is its formula, for the rows :mod:`.unit_bounding` keeps).
"""

from __future__ import annotations

from dataclasses import dataclass

from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.schema.model import ForeignKey


@dataclass(frozen=True)
class Contributions:
    caps: dict[int, int]  # private FK index -> children kept per parent
    root: dict[str, str]  # table -> the unit table (a public table: itself)
    rows: dict[str, int]  # table -> its rows in one unit (0: public)
    sensitivity: dict[str, int]  # table -> frame rows one unit changes
    why: dict[str, str]  # table -> the bound's account, for the ledger and docs


def unit_contributions(plan: DatabasePlan, unit: str, private: set[str], caps: dict[int, int],
                       limits: dict[str, int] | None = None) -> Contributions:
    """The same bounds under a privacy unit (:mod:`.unit_bounding`): a kept row names parents of
    one unit only, so removing a unit removes its rows and changes no other row of any frame
    (its child counts, flags and context all come from rows of its own unit). The rows of T in
    one unit are at most ``rows(P) * cap(f)`` for every NOT NULL private FK ``f`` into P (each
    such row has a parent there), else the sum of that over T's nullable private FKs (each kept
    row names at least one parent). Public tables release nothing: 0.

    >>> from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
    >>> from amalgam_rel.schema.types import parse_type
    >>> from amalgam_rel.relational.plan import plan_database
    >>> i = parse_type("INTEGER")
    >>> t = lambda name, *cols: Table(name, (Column("id", i, False),) + tuple(Column(c, i, False) for c in cols), ("id",))
    >>> db = Database((t("customer"), t("product"), t("orders", "customer_id"), t("line", "order_id", "product_id")),
    ...               (ForeignKey("orders", ("customer_id",), "customer", ("id",)), ForeignKey("line", ("order_id",), "orders", ("id",)),
    ...                ForeignKey("line", ("product_id",), "product", ("id",))))
    >>> plan = plan_database(db, private=True, public=frozenset({"product"}))
    >>> c = unit_contributions(plan, "customer", {"customer", "orders", "line"}, {0: 4, 1: 5})
    >>> c.rows["line"], c.sensitivity["line"], c.sensitivity["product"], c.sensitivity["customer"]
    (20, 20, 0, 1)
    """
    root, rows, sensitivity, why = {}, {}, {}, {}
    for key in plan.graph.order:
        if key not in private:
            root[key], rows[key], sensitivity[key] = key, 0, 0
            why[key] = "public: kept as it is, nothing learned from it"
            continue
        root[key] = unit
        rows[key], how = unit_rows(plan, key, unit, private, caps, rows, limits)
        sensitivity[key] = rows[key]
        why[key] = f"one {unit} unit holds at most {rows[key]} rows ({how}); no row outside it changes"
    return Contributions(dict(caps), root, rows, sensitivity, why)


def unit_rows(plan: DatabasePlan, key: str, unit: str, private: set[str], caps: dict[int, int],
              rows: dict[str, int], limits: dict[str, int] | None = None) -> tuple[int, str]:
    """The most rows of private table ``key`` in one unit, and how, from its parents' ``rows``
    (see :func:`unit_contributions`); at most ``limits[key]``, the rows kept per unit when one
    was chosen (:mod:`.unit_bounding`)."""
    if key == unit:
        return 1, "the unit row itself"
    n, how = _fk_rows(plan, key, private, caps, rows)
    limit = (limits or {}).get(key)
    if limit is not None and limit < n:
        return limit, f"the first {limit} rows of each unit kept"
    return n, how


def _fk_rows(plan: DatabasePlan, key: str, private: set[str], caps: dict[int, int],
             rows: dict[str, int]) -> tuple[int, str]:
    fks = private_fks(plan, key, private)
    bounds = {fk.label: rows[fk.ref_table] * caps[plan.fk_index(fk)] for fk in fks}
    required = {label: n for fk, (label, n) in zip(fks, bounds.items()) if not fk.nullable}
    if required:
        label = min(required, key=required.get)
        return required[label], f"cap x parent rows through {label}"
    return sum(bounds.values()), "the sum over its nullable FKs " + ", ".join(bounds)


def private_fks(plan: DatabasePlan, key: str, private: set[str]) -> list[ForeignKey]:
    """The FKs of ``key`` that make its rows part of a unit: into private tables, not
    self-references nor broken cycle edges."""
    tp = plan.tables[key]
    return [fk for fk in ((tp.driver,) if tp.driver else ()) + tp.matched if fk.ref_table in private]
