"""``DatabaseModel.fit`` under ``epsilon``: the private fit, then the text columns' fate.

Text and nested columns are what the table models leave to the language model, which trains on
the real text: not covered. ``text="refuse"`` (the default) stops with an error naming them;
``text="schema"`` fills them from the schema alone (:mod:`.schema_text`), says so in the ledger,
and costs nothing. The ledger ends up on the model as ``privacy_``.
"""

from __future__ import annotations

from amalgam_rel.dp.options import DEFAULT_MAX_CHILDREN, PrivacyOptions
from amalgam_rel.dp.schema_text import SchemaText
from amalgam_rel.errors import InputError
from amalgam_rel.pipeline.fitting import FitOptions
from amalgam_rel.pipeline.private_fit import fit_private
from amalgam_rel.relational.reference import keep_reference_tables
from amalgam_rel.schema.types import NESTED_KINDS


def privacy_options(model) -> PrivacyOptions:
    """The model's parameters as validated :class:`PrivacyOptions`."""
    caps = model.max_children
    default, per_table = DEFAULT_MAX_CHILDREN, ()
    if isinstance(caps, int):
        default = caps
    elif isinstance(caps, dict):
        default = int(caps.get("*", DEFAULT_MAX_CHILDREN))
        per_table = tuple((t, n) for t, n in caps.items() if t != "*")
    return PrivacyOptions(model.epsilon, model.delta, default, per_table, model.epsilon_text).validate()


def refuse_schema_text(db, options: PrivacyOptions) -> None:
    """Nested and JSON columns are text whatever the data says: refuse them before any fitting."""
    if options.text != "refuse":
        return
    nested = [f"{t.key}.{c.name}" for t in db.tables for c in t.columns if c.type.kind in NESTED_KINDS]
    if nested:
        raise InputError(_text_message(nested))


def fit_database_privately(model, con, db, progress=None) -> None:
    options = privacy_options(model)
    refuse_schema_text(db, options)
    fit = FitOptions(model.context_size, None, model.delta, model.iters, None, model.seed,
                     semantic_overrides=getattr(model, "semantic_overrides_", {}))
    model.plan_, model.tables_, model.privacy_ = fit_private(
        con, db, fit, options, progress=(lambda t: progress("fit", t)) if progress else None)
    # only a table the user declared public may be kept verbatim (relational.reference)
    model.reference_ = keep_reference_tables(con, model.plan_, model, private=True)
    for key in model.reference_:
        model.privacy_.note(key, "kept verbatim", "declared public (--public): its real rows are written as they are")
    for key, ft in model.tables_.items():
        for c in ft.semantic.columns if ft.semantic else ():
            model.privacy_.note(key, f"semantic:{c.column}", f"{c.type} values from Faker, read off the column's name "
                                "alone (no data); only where it is NULL comes from the private model")
    text_columns = {k: list(ft.text_columns) for k, ft in model.tables_.items() if ft.text_columns and k not in model.reference_}
    model.text_ = None
    if not text_columns:
        return
    names = [f"{t}.{c}" for t, cols in text_columns.items() for c in cols]
    if options.text == "refuse":
        raise InputError(_text_message(names))
    model.text_ = SchemaText(db, text_columns, seed=model.seed)
    for table, cols in text_columns.items():
        for c in cols:
            model.privacy_.note(table, f"text:{c}", "NOT LEARNED: placeholder values from the schema alone "
                                "(type, length, CHECKs); the language model is not covered by --epsilon")


def _text_message(columns: list[str]) -> str:
    shown = ", ".join(columns[:8]) + (f" and {len(columns) - 8} more" if len(columns) > 8 else "")
    return (f"text columns {shown} are not covered by --epsilon yet (the language model trains on the real text); "
            "pass --epsilon-text schema to fill them with placeholders made from the schema alone")
