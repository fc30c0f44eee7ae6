"""Data-independent replacements for the fit steps that read real data outside a table model.

Under ``--epsilon`` each of these is a function of the schema (types, keys, CHECK bounds) and of
earlier private outputs only, so it costs no budget:

- key generators: integer keys count from 1 (or the CHECK lower bound), string keys use a fixed
  alphabet (fitted on no values: ``keys.fit_key_generator`` falls back to its defaults), dates
  and timestamps step by one unit from the epoch; the real minimum, alphabets and step are never
  read;
- per-parent sequences: an INTEGER column that, with the driving FK, forms a unique set is
  numbered from 1 within each parent (the non-private fit checks the data for this);
- fillers: blobs of 16 bytes, BIT columns at their declared width, UUIDs, never NULL (a value
  every schema accepts) - instead of the real NULL share and lengths;
- context: which parent columns a child model sees, by a fixed rule on the parent's modelled
  columns instead of mutual information on real rows.
"""

from __future__ import annotations

import pyarrow as pa

from amalgam_rel.models.columns import check_facts
from amalgam_rel.relational.fillers import Filler
from amalgam_rel.relational.keys import IntegerSequence, fit_key_generator
from amalgam_rel.relational.plan import DatabasePlan, TablePlan
from amalgam_rel.schema.internal_names import context_column, is_count_column
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import TEMPORAL_KINDS, Kind

_BLOB_BYTES = 16


def public_key_generator(table: Table, column: str, arrow_type: pa.DataType):
    """A key generator fitted on no values (its defaults), starting inside the CHECK bounds."""
    generator = fit_key_generator(pa.chunked_array([], type=arrow_type), table.column(column).type)
    if isinstance(generator, IntegerSequence):
        low = check_facts(table)[0].get(column, (None, None))[0]
        if isinstance(low, float):
            generator.start = max(generator.start, int(low) + (0 if float(low).is_integer() else 1))
    return generator


def public_sequences(table: Table, plan: TablePlan) -> dict[str, int]:
    """Columns numbered 1, 2, ... within each driving parent, from the key shape alone."""
    driver = plan.driver
    if driver is None:
        return {}
    out = {}
    for unique in table.unique_sets():
        rest = [c for c in unique if c not in driver.columns]
        if len(rest) == 1 and set(driver.columns) < set(unique) and rest[0] not in plan.fk_columns \
                and table.column(rest[0]).type.kind is Kind.INTEGER:
            out[rest[0]] = 1
    return out


def public_filler(table: Table, column: str) -> Filler:
    sql_type = table.column(column).type
    if sql_type.kind is Kind.BLOB:
        return Filler("blob", 0.0, [_BLOB_BYTES])
    if sql_type.kind is Kind.UUID:
        return Filler("uuid", 0.0, [16])
    if sql_type.kind is Kind.BIT:
        return Filler("bit", 0.0, [sql_type.length or 8])
    return Filler("null", 1.0, [])  # only for types no generator knows; NOT NULL ones fail on write


def mutable_columns(plan: DatabasePlan, table_key: str) -> set[str]:
    """Frame columns of ``table_key`` that change on rows outside a removed entity: the child
    counts of matched FKs (see :mod:`.sensitivity`)."""
    tp = plan.tables[table_key]
    return {name for i, name in tp.count_columns.items() if plan.tables[plan.db.foreign_keys[i].table].driver
            != plan.db.foreign_keys[i]}


def public_context(plan: DatabasePlan, child: Table, parent_key: str, candidates: tuple[str, ...], k: int) -> tuple[str, ...]:
    """At most ``k`` of the parent's modelled columns, by a fixed order of preference:

    1. parent dates/timestamps of a type a child column also has (a child date usually
       follows its parent's, and the model can only learn that with the parent date in view);
    2. the parent's own attributes with public labels (ENUM, BOOLEAN), then its other own
       attributes, in declaration order;
    3. the parent's driving child counts, then its own context (grandparent columns).

    Matched child counts are never offered: they change on rows outside a removed entity, and
    as context they would carry that change into every child row (see :mod:`.sensitivity`).
    """
    parent = plan.db.table(parent_key)
    mutable = mutable_columns(plan, parent_key)
    child_kinds = {(c.type.kind, c.type.name) for c in child.columns if c.type.kind in TEMPORAL_KINDS}

    def rank(name: str) -> tuple[int, int]:
        if parent.has_column(name):
            column = parent.column(name)
            order = parent.column_names.index(name)
            if (column.type.kind, column.type.name) in child_kinds:
                return 0, order
            return (1 if column.type.kind in (Kind.ENUM, Kind.BOOLEAN) else 2), order
        return (3 if is_count_column(name) else 4), candidates.index(name)

    usable = [c for c in candidates if c not in mutable]
    return tuple(context_column(c) for c in sorted(usable, key=rank)[:k])
