"""``DatabaseModel.fit`` under ``epsilon``: the private fit, then the text columns' fate.

Text and nested columns are what the table models leave to the language model, which trains on
the real text: not covered. ``text="refuse"`` (the default) stops with an error naming them;
``text="schema"`` fills them from the schema alone (:mod:`.schema_text`), says so in the ledger,
and costs nothing. The fit is returned as a :class:`PrivateFit`, which ``DatabaseModel.fit``
puts on the model (the ledger as ``privacy_``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from amalgam_rel.dp.options import DEFAULT_MAX_CHILDREN, PrivacyOptions
from amalgam_rel.dp.private_words import WordText
from amalgam_rel.dp.schema_text import SchemaText
from amalgam_rel.dp.unit import PrivacyUnit, privacy_unit
from amalgam_rel.errors import InputError
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.pipeline.fitting import FitOptions, FittedTable
from amalgam_rel.pipeline.private_fit import fit_private
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.relational.reference import read_reference_rows
from amalgam_rel.schema import sql
from amalgam_rel.schema.types import NESTED_KINDS


def privacy_options(model) -> PrivacyOptions:
    """The model's parameters as validated :class:`PrivacyOptions`."""
    caps = model.max_children
    default, per_table = DEFAULT_MAX_CHILDREN, ()
    if isinstance(caps, int):
        default = caps
    elif isinstance(caps, dict):
        default = caps.get("*", DEFAULT_MAX_CHILDREN)
        default = None if default is None else int(default)
        per_table = tuple((t, n) for t, n in caps.items() if t != "*")
    return PrivacyOptions(model.epsilon, model.delta, default, per_table, model.epsilon_text).validate()


def refuse_schema_text(db, options: PrivacyOptions) -> None:
    """Nested and JSON columns are text whatever the data says: refuse them before any fitting."""
    if options.text != "refuse":
        return
    nested = [f"{t.key}.{c.name}" for t in db.tables for c in t.columns if c.type.kind in NESTED_KINDS]
    if nested:
        raise InputError(_text_message(nested))


@dataclass(frozen=True)
class PrivateFit:
    """What a private fit gives ``DatabaseModel``: its plan, table models, ledger, kept tables and text model."""

    plan: DatabasePlan
    tables: dict[str, FittedTable]
    privacy: Ledger  # every note below is in it
    reference: dict[str, pa.Table]  # the public tables, kept verbatim
    text: SchemaText | None  # placeholders from the schema for the text columns, if any
    unit: PrivacyUnit


def fit_database_privately(model, con, db, progress=None) -> PrivateFit:
    """The private fit of ``db`` under ``model``'s parameters (read, never changed)."""
    options = privacy_options(model)
    refuse_schema_text(db, options)
    fit = FitOptions(model.context_size, None, model.delta, model.iters, None, model.seed,
                     semantic_overrides=getattr(model, "semantic_overrides_", {}))
    unit = resolve_unit(con, db, model)
    plan, tables, ledger, words = fit_private(con, db, fit, options, unit,
                                              progress=(lambda t: progress("fit", t)) if progress else None)
    # the public tables are kept as they are: outside every unit's reach, or declared --public
    reference = read_reference_rows(con, plan.db, unit.public)
    for key in reference:
        why = "declared public (--public)" if key in unit.declared else f"outside the reach of every {unit.table}"
        ledger.note(key, "kept verbatim", f"{why}: its real rows are written as they are, and disclosed")
    for key, ft in tables.items():
        for c in ft.semantic.columns if ft.semantic else ():
            ledger.note(key, f"semantic:{c.column}", f"{c.type} values from Faker, read off the column's name "
                        "alone (no data); only where it is NULL comes from the private model")
    text_columns = {k: list(ft.text_columns) for k, ft in tables.items() if ft.text_columns and k not in reference}
    nulls = {k: dict(ft.text_nulls) for k, ft in tables.items() if ft.text_nulls and k in text_columns}
    text = _schema_text(db, text_columns, options, ledger, model.seed, words, nulls)
    return PrivateFit(plan, tables, ledger, reference, text, unit)


def resolve_unit(con, db, model) -> PrivacyUnit:
    """The model's ``privacy_unit`` (None: chosen from the schema and the row counts, see :mod:`amalgam_rel.dp.unit`)."""
    counts = {} if model.privacy_unit is not None else {t.key: sql.count_rows(con, t.name, t.schema) for t in db.tables}
    return privacy_unit(db, model.privacy_unit, model.public, counts)


def _schema_text(db, text_columns: dict[str, list[str]], options: PrivacyOptions, ledger: Ledger,
                 seed: int, words: dict[str, dict[str, dict]], nulls: dict[str, dict[str, float]]) -> SchemaText | None:
    """The text columns' placeholders (noted in the ledger), or the refusal that names them."""
    if not text_columns:
        return None
    names = [f"{t}.{c}" for t, cols in text_columns.items() for c in cols]
    if options.text == "refuse":
        raise InputError(_text_message(names))
    text = (WordText(db, text_columns, seed, words, nulls) if options.text == "words"
            else SchemaText(db, text_columns, seed=seed, nulls=nulls))
    for table, cols in text_columns.items():
        for c in cols:
            share = nulls.get(table, {}).get(c)
            if share is not None:
                ledger.note(table, f"text nulls:{c}", f"NULL in {share:.1%} of rows, drawn independently: the share "
                            "the table model's noisy counts released (post-processing, no budget)")
            if c in words.get(table, {}):
                continue  # learned under the budget: its spend is in the ledger already
            ledger.note(table, f"text:{c}", "NOT LEARNED: placeholder values from the schema alone "
                        "(type, length, CHECKs); the language model is not covered by --epsilon")
    return text


def _text_message(columns: list[str]) -> str:
    shown = ", ".join(columns[:8]) + (f" and {len(columns) - 8} more" if len(columns) > 8 else "")
    return (f"text columns {shown} are not covered by --epsilon yet (the language model trains on the real text); "
            "pass --epsilon-text schema to fill them with placeholders made from the schema alone")
