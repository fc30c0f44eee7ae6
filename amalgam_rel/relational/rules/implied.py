"""Rule: matched foreign keys that follow another key of their row (:mod:`amalgam_rel.relational.implied`).

A payment's rental follows its customer: the followed key's parent is read off the row's other
parent instead of being matched by degree. Its records are consulted while keys are matched
(``apply_at`` "matching"), and they also say the order the matched keys are filled in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from amalgam_rel.relational.implied import Implied, find_implied
from pydantic import Field
from typing import Annotated

from amalgam_rel.saved import typed

NAME = "implied"
FIT_AT = "keys"


@dataclass(frozen=True)
class FollowedKeys:
    rules: tuple[Implied, ...]  # one per followed key
    order: tuple[int, ...]  # matched fk indexes in the order they are filled (empty: the plan's)


def find(ctx) -> tuple[FollowedKeys, ...]:
    ft, frames, options = ctx.ft, ctx.frames, ctx.options
    driver = ft.plan.driver
    if options.epsilon is not None or driver is None or not ft.plan.matched or ft.frame.num_rows == 0:
        return ()  # a private fit never reads the data for this

    def filled_first(key: str):  # FKs a table's rows carry when its children are sampled
        tp = frames.plan.tables[key]
        return [(frames.plan.fk_index(fk), fk) for fk in ((tp.driver,) if tp.driver else ()) + tp.matched]

    # a key in a unique set with other columns (a bridge's pair) is matched, so that pairs can be repaired
    paired = {c for u in ft.table.unique_sets() if len(u) > 1 for c in u}
    matched = [(frames.plan.fk_index(fk), fk) for fk in ft.plan.matched if not set(fk.columns) & paired]
    chosen, order = find_implied(ft.frame, (frames.plan.fk_index(driver), driver), matched, frames.frames,
                                 {key: filled_first(key) for key in frames.frames})
    return (FollowedKeys(tuple(chosen.values()), order),)


def followed(ft) -> dict[int, Implied]:
    """Matched fk index -> the key it follows."""
    return {r.fk: r for found in ft.rules.get(NAME, ()) for r in found.rules}


def match_order(ft) -> tuple[int, ...]:
    return next((found.order for found in ft.rules.get(NAME, ())), ())


def empty_keys(ft, plan) -> set[int]:
    """Nullable foreign keys (database indexes) of ``ft`` that a synthetic row may leave empty
    where no real row did: one that follows another key (the followed parent may have no such
    row; ``--rows`` makes that likely) or a self-reference (a forest's roots). Any other key is
    empty on the real share of rows only, and a column is never NULL where its real values never
    were: a rule reading such a key then holds where it did."""
    keys = plan.db.foreign_keys
    return {i for i in followed(ft) if keys[i].nullable} | {plan.fk_index(fk) for fk in ft.plan.self_references if fk.nullable}


def claims(records) -> tuple[str, ...]:
    return ()  # foreign key columns: the plan's already


def computed(records) -> tuple[str, ...]:
    return ()


def apply_at(record, ft) -> str:
    return "matching"


def apply(draft, records) -> None:
    """Nothing to write: :func:`amalgam_rel.pipeline.sampling.match_foreign_keys` follows them."""


def describe(records, db) -> list[tuple[str, str]]:
    return []


def to_json(records) -> dict:
    found = records[0] if records else FollowedKeys((), ())
    return {"implied": [asdict(r) for r in found.rules], "match_order": list(found.order)}


def from_json(entry: dict, where: str) -> tuple[FollowedKeys, ...]:
    rules = typed(tuple[Implied, ...], entry.get("implied", []), f"{where}.implied")
    order = typed(tuple[Annotated[int, Field(ge=0)], ...], entry.get("match_order", []), f"{where}.match_order")
    return (FollowedKeys(rules, order),) if rules or order else ()
