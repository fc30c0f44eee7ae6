"""How many rows of each training frame one root entity can change (the derivation is in
``docs/privacy.md``; this module is its formula).

With caps ``c(f)`` on children per parent for every driving FK ``f``:

- ``rows(T)``: rows of ``T`` in one entity = the product of the caps on the driving path from
  T's root table down to T (1 for a root table). Only entities of T's own root hold T rows.
- Removing an entity rooted at ``R`` *removes* ``rows(T)`` rows of T when T's root is R, and
  *modifies* rows of T outside the entity only through T's child-count columns for matched FKs:
  each removed row of a child table C (C's root is R) referencing T through matched FK ``i``
  lowers one T row's ``#i``. Driving counts change only on rows of the entity itself (removed
  anyway), self-references and broken cycle edges have no count column in a private plan, and
  context columns never carry a matched count (:func:`amalgam_rel.dp.public.public_context`),
  so nothing propagates further.
- A modified row is one removal and one addition, so the frame of T changes by
  ``g_R(T) = removed + 2 * modified`` rows, and ``sensitivity(T) = max over roots R of g_R(T)``.

>>> from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
>>> from amalgam_rel.schema.types import parse_type
>>> from amalgam_rel.relational.plan import plan_database
>>> i = parse_type("INTEGER")
>>> t = lambda name, *cols: Table(name, (Column("id", i, False),) + tuple(Column(c, i, False) for c in cols), ("id",))
>>> db = Database((t("customer"), t("product"), t("orders", "customer_id"), t("line", "order_id", "product_id")),
...               (ForeignKey("orders", ("customer_id",), "customer", ("id",)), ForeignKey("line", ("order_id",), "orders", ("id",)),
...                ForeignKey("line", ("product_id",), "product", ("id",))))
>>> c = entity_contributions(plan_database(db, private=True), {0: 4, 1: 5, 2: 5})
>>> c.rows["line"], c.sensitivity["line"], c.sensitivity["product"], c.sensitivity["customer"]
(20, 20, 40, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

from amalgam_rel.relational.plan import DatabasePlan


@dataclass(frozen=True)
class Contributions:
    caps: dict[int, int]  # FK index -> children kept per parent (driving) or count clip (matched)
    root: dict[str, str]  # table -> the root table of its entities
    rows: dict[str, int]  # table -> its rows in one entity
    sensitivity: dict[str, int]  # table -> frame rows one entity changes (removal 1, change 2)
    why: dict[str, str]  # table -> the worst entity's account, for the ledger and docs


def entity_contributions(plan: DatabasePlan, caps: dict[int, int]) -> Contributions:
    db = plan.db
    root: dict[str, str] = {}
    rows: dict[str, int] = {}
    for key in plan.graph.order:  # parents first
        fk = plan.tables[key].driver
        if fk is None:
            root[key], rows[key] = key, 1
        else:
            root[key] = root[fk.ref_table]
            rows[key] = rows[fk.ref_table] * caps[plan.fk_index(fk)]
    sensitivity, why = {}, {}
    for key, tp in plan.tables.items():
        per_root: dict[str, list[int]] = {root[key]: [rows[key], 0]}  # root -> [removed, modified]
        for i in tp.count_columns:
            fk = db.foreign_keys[i]
            child = plan.tables[fk.table]
            if child.driver == fk:
                continue  # a parent's driving children are in its own entity
            per_root.setdefault(root[fk.table], [0, 0])[1] += rows[fk.table]
        worst = max(per_root, key=lambda r: per_root[r][0] + 2 * per_root[r][1])
        removed, modified = per_root[worst]
        sensitivity[key] = removed + 2 * modified
        why[key] = f"entity of {worst}: {removed} rows removed, {modified} rows' child counts changed"
    return Contributions(dict(caps), root, rows, sensitivity, why)


def unit_contributions(plan: DatabasePlan, unit: str, private: set[str], caps: dict[int, int]) -> Contributions:
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
    from amalgam_rel.dp.unit_bounding import private_fks

    root, rows, sensitivity, why = {}, {}, {}, {}
    for key in plan.graph.order:
        if key not in private:
            root[key], rows[key], sensitivity[key] = key, 0, 0
            why[key] = "public: kept as it is, nothing learned from it"
            continue
        root[key] = unit
        fks = private_fks(plan, key, private)
        if key == unit:
            rows[key], how = 1, "the unit row itself"
        else:
            bounds = {fk.label: rows[fk.ref_table] * caps[plan.fk_index(fk)] for fk in fks}
            required = {label: n for fk, (label, n) in zip(fks, bounds.items()) if not fk.nullable}
            if required:
                label = min(required, key=required.get)
                rows[key], how = required[label], f"cap x parent rows through {label}"
            else:
                rows[key], how = sum(bounds.values()), "the sum over its nullable FKs " + ", ".join(bounds)
        sensitivity[key] = rows[key]
        why[key] = f"one {unit} unit holds at most {rows[key]} rows ({how}); no row outside it changes"
    return Contributions(dict(caps), root, rows, sensitivity, why)
