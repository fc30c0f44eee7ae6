"""Rule: columns read off a date of their row (:mod:`amalgam_rel.relational.date_parts`): a year,
a month name, a quarter label, or an integer key spelling the date (``20240131``)."""

from __future__ import annotations

from dataclasses import asdict, replace

import pyarrow as pa

from amalgam_rel.relational import date_parts
from amalgam_rel.relational.date_parts import DatePart, find_date_parts
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind

NAME = "date_parts"
FIT_AT = "columns"


def find(ctx) -> tuple[DatePart, ...]:
    ft = ctx.ft
    if ctx.options.epsilon is not None or ft.frame.num_rows == 0:
        return ()  # a private fit never reads the data for this
    skip = set(ft.plan.fk_columns) | set(ft.keys) | set(ft.sequences) | ctx.claimed \
        | checked_columns(ft.table) | unique_columns(ft.table)
    present = [c for c in ft.table.columns if c.name in ft.frame.column_names]
    dates = [c.name for c in present if c.type.kind in (Kind.DATE, Kind.TIMESTAMP, Kind.TIME)]
    if not dates:
        return ()
    parts = find_date_parts(ft.frame, dates, [c.name for c in present if c.name not in skip and c.name not in dates])
    # a NOT NULL part of a date drawn as a gap (:mod:`.offsets`) meets a NULL date where the
    # anchor is NULL, though the real date never was: its models give those rows
    gapped = {o.column for o in ctx.records("offsets")}
    parts = tuple(replace(p, only_where_set=True) if p.source in gapped and not ft.table.column(p.column).nullable else p
                  for p in parts)
    # an integer key that spells a unique, never-NULL date (date_key = 20240131, a julian day) is read off it
    # too, instead of counting on from the first real key (20240131, 20240132, ...): claimed, it is no longer issued
    days = [c for c in dates if (ft.table.is_unique((c,)) or c in ft.keys) and ft.frame.column(c).null_count == 0
            and ft.table.column(c).type.kind is not Kind.TIME]
    keyed = [c for c in ft.keys if c in ft.plan.generated_keys and ft.table.column(c).type.kind is Kind.INTEGER
             and c not in checked_columns(ft.table)]
    spelled = [p for p in (find_date_parts(ft.frame, days, keyed) if days and keyed else ())
               if p.part in ("yyyymmdd", "day_number")]
    return parts + tuple(spelled)


def claims(records) -> tuple[str, ...]:
    return tuple(p.column for p in records)


def computed(records) -> tuple[str, ...]:
    # one that holds only where its date is set leaves its column in the model, which gives the other rows
    return tuple(p.column for p in records if not p.only_where_set)


def apply_at(record: DatePart, ft) -> str:
    # one keeping language-model text where its date is NULL is written over that text, once it exists
    return "text" if record.only_where_set and record.column in ft.text_columns else "dates"


def apply(d, records) -> None:
    for f in records:
        kind = d.ft.table.column(f.column).type.kind
        target = pa.int64() if kind is Kind.INTEGER else pa.bool_() if kind is Kind.BOOLEAN else pa.string()
        d.values[f.column] = date_parts.compute(f, d.values[f.source], target, d.rng, d.values.get(f.column))


def describe(records, db) -> list[tuple[str, str]]:
    return [(p.column, f"{p.part} of {p.source}" + (" (looked up)" if p.lookup else "")
             + (f" {p.offset:+d}" if p.offset else "") + (" (rows with one)" if p.only_where_set else "")) for p in records]


def to_json(records) -> dict:
    return {"date_parts": [asdict(p) for p in records]}


def from_json(entry: dict, where: str) -> tuple[DatePart, ...]:
    return typed(tuple[DatePart, ...], entry.get("date_parts", []), f"{where}.date_parts")
