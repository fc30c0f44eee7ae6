"""What the private fit's ledger says besides its spending: the privacy unit, each table's role,
share and bound (:func:`unit_ledger`), and how each step decided without data was made
(:func:`note_public_steps`). Notes only: nothing here reads data or spends rho."""

from __future__ import annotations

from amalgam_rel.dp.accounting import database_ledger
from amalgam_rel.dp.options import PrivacyOptions
from amalgam_rel.dp.public_parents import MAX_KEYS
from amalgam_rel.dp.sensitivity import Contributions
from amalgam_rel.dp.unit import PrivacyUnit
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.pipeline.fitting import FittedTable
from amalgam_rel.relational.plan import DatabasePlan


def unit_ledger(privacy: PrivacyOptions, rho: float, plan: DatabasePlan, unit: PrivacyUnit, shares: dict[str, float],
                contributions: Contributions) -> Ledger:
    """The empty ledger with the unit, why it was chosen, and every table's role, share and bound."""
    db = plan.db
    ledger = database_ledger(privacy.epsilon, privacy.delta, rho, unit.table)
    ledger.note("", "privacy unit", f"{unit.table}: {unit.reason}")
    for key in plan.graph.order:
        if key in shares:
            ledger.tables[key] = {"role": "unit" if key == unit.table else "private", "rho": shares[key],
                                  "sensitivity": contributions.sensitivity[key], "rows_per_unit": contributions.rows[key],
                                  "bound": contributions.why[key],
                                  "caps": {db.foreign_keys[i].label: contributions.caps[i]
                                           for i in plan.tables[key].count_columns}}
        else:
            declared = " (declared --public)" if key in unit.declared else f" (outside the reach of every {unit.table})"
            ledger.tables[key] = {"role": "public", "rho": 0.0, "sensitivity": 0,
                                  "disclosed": "kept verbatim: its content is disclosed" + declared}
    return ledger


def note_public_steps(plan: DatabasePlan, fitted: dict[str, FittedTable], ledger: Ledger,
                      labels: dict[int, tuple[str, ...]]) -> None:
    """List what was decided without data, so the ledger says how each part was made."""
    db = plan.db
    for key in plan.graph.order:
        if key not in fitted:
            continue
        tp, ft = plan.tables[key], fitted[key]
        for fk in tp.attributes:
            how = (f"the key is an attribute of the {key} model, its labels the public keys"
                   if plan.fk_index(fk) in labels else f"more than {MAX_KEYS:,} keys: drawn uniformly, without data")
            ledger.note(key, f"public key:{fk.label}", f"{fk.ref_table} is public: {how}")
        for i, name in tp.count_columns.items():
            fk = db.foreign_keys[i]
            role = "driving" if plan.tables[fk.table].driver == fk else "matched"
            where = f"column {name} of the {key} model" if name in ft.modelled else "no model column (1 per parent)"
            ledger.note(key, f"cardinality:{fk.label}", f"{role} FK; children per parent are {where}, "
                        f"covered by the {key} share; capped at {ledger.tables[key]['caps'][fk.label]}")
        for fk in tp.self_references:
            ledger.note(key, f"self-reference:{fk.label}", "left empty (no private hierarchy model yet)")
        for fk in tp.deferred:
            ledger.note(key, f"cycle edge:{fk.label}", "filled after sampling without data (own-parent share 1)")
        if ft.keys or ft.sequences:
            ledger.note(key, "keys", "generated from the type and CHECK bounds only: "
                        + ", ".join(list(ft.keys) + [f"{c} (1, 2, ... per parent)" for c in ft.sequences]))
        if ft.context:
            ledger.note(key, "context", "parent columns chosen by a fixed rule: " + ", ".join(ft.context))
        if ft.fillers:
            ledger.note(key, "fillers", "values from the type only: " + ", ".join(ft.fillers))
