"""Text under a privacy budget (``--epsilon-text words``): which string columns are text
candidates, the share of a table's rho they set aside together, and their released words.

The share is counted in the table model's columns (:func:`model_columns`), the unit every share
split of a private fit uses (docs/privacy.md). ``ctx`` is the private fit's
:class:`~amalgam_rel.pipeline.private_fit.PrivateContext` (named, not imported: that module
imports this one).
"""

from __future__ import annotations

from amalgam_rel.dp.private_words import fit_words
from amalgam_rel.dp.public import public_sequences
from amalgam_rel.dp.schema_text import declared_max_length
from amalgam_rel.models.columns import check_facts
from amalgam_rel.pipeline.fitting import FittedTable
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.relational.semantic_columns import private_semantics
from amalgam_rel.relational.training import TrainingFrames
from amalgam_rel.schema.types import Kind


def model_columns(plan: DatabasePlan, key: str, context_size: int) -> int:
    """Columns the table model may own, counted from the schema (for the split rule)."""
    tp, table = plan.tables[key], plan.db.table(key)
    own = [c for c in table.column_names if c not in tp.fk_columns and c not in tp.generated_keys]
    return (len(own) + len(tp.count_columns) + len(tp.null_columns) + len(tp.attributes)
            + (context_size if tp.driver else 0))


def fit_private_words(ft: FittedTable, frames: TrainingFrames, fitted: dict[str, FittedTable], ctx: PrivateContext) -> None:
    """Under ``--epsilon-text words``: each text column's released words (:mod:`amalgam_rel.dp.private_words`).
    The share set aside for the table's candidates (:func:`text_part`) is split over those the model
    left to text (until dp27g a candidate kept as a category left its share unspent)."""
    candidates = ctx.text.get(ft.key, ())
    columns = [c for c in ft.text_columns if c in candidates]
    if not columns or ft.frame.num_rows == 0:
        return
    part = text_part(ctx, frames.plan, ft.key) / len(columns)
    rho, delta = ctx.shares[ft.key] * part, ctx.release_delta[ft.key] * part
    s = ctx.contributions.sensitivity[ft.key]
    for name in columns:
        model = fit_words(ft.frame.column(name).to_pylist(), sensitivity=s, rho=rho, delta=delta, rng=ctx.rng,
                          max_length=declared_max_length(ft.table, name))
        ctx.words.setdefault(ft.key, {})[name] = model
        ctx.ledger.spend(f"text:{name}", "gaussian + threshold", rho, delta=delta, table=ft.key, sensitivity=float(s),
                         sigma=model["sigma"], detail=f"word counts and lengths; {model['source']}")


def text_part(ctx: PrivateContext, plan: DatabasePlan, key: str) -> float:
    """The share of ``key``'s rho its text candidates get under ``--epsilon-text words`` (0 otherwise):
    one column's share for them all, the row count counted as a column the model always keeps. (One
    each until dp27g: TPC-H's line items set aside five for one text column, the model keeping the
    four others as categories and paying for them again, and its pair trends fell 0.94 -> 0.90.)"""
    return 1 / (model_columns(plan, key, ctx.fit.context_size) + 1) if ctx.text.get(key) else 0.0


def text_candidates(plan: DatabasePlan, key: str, overrides) -> tuple[str, ...]:
    """String columns the model may leave to text, from the schema: not keys, labels or Faker's."""
    tp, table = plan.tables[key], plan.db.table(key)
    ft = FittedTable(key, table, tp, sequences=public_sequences(table, tp))
    taken = set(private_semantics(ft, overrides).names) | set(tp.fk_columns) | set(tp.generated_keys) \
        | set(ft.sequences) | set(check_facts(table)[1])
    return tuple(c.name for c in table.columns if c.type.kind is Kind.STRING and c.name not in taken)
