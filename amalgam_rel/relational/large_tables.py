"""Tables too large to read whole: a repeatable sample of their rows, and counts of all of them.

With a row limit (``synth``/``fit --max-rows N``), a table of more than ``N`` rows is not read
into memory. Its training frame holds a sample of about ``N`` of its rows, chosen by a hash of
each row's key: ``md5`` of the key's text, kept when its upper 64 bits fall below ``share * 2**64``
- the same rows from the same data on any machine, whatever the engine's thread order, and read
in key order like every frame. What the models estimate from counts comes from all rows instead,
computed by the engine holding them (:mod:`amalgam_rel.models.aggregates`): the row count, empty
foreign keys, the per-parent child counts (``#i`` columns are ``GROUP BY`` joins already) and the
table model's codecs and marginals.

A table driven by a sampled parent is sampled through it: the rows whose parent row is in the
parent's sample (so every sampled child finds its parent's row and context), and the same share
of the rows without a parent; its model is fitted on that sample. No table matches on a sampled
parent's columns (most rows would find none).

>>> from sqlglot import exp
>>> selection(["id"], 0.25, "t").sql("duckdb")
'MD5_NUMBER_UPPER(CAST(LIST_VALUE(CAST("t"."id" AS TEXT)) AS TEXT)) < 4611686018427387904'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from amalgam_rel.schema import sql


@dataclass(frozen=True)
class SampledRows:
    """How a large table's frame was read: ``sample_rows`` of its ``rows``, a ``share`` of its keys.

    ``by_parent``: sampled through its driving parent's sample (its model sees only the sample);
    ``empty`` and ``filled``: counts over all rows of an empty driving FK and of each filled FK
    (by FK index), which the sample would only estimate.
    """

    rows: int
    sample_rows: int
    share: float
    key: tuple[str, ...]
    by_parent: bool
    empty: int = 0
    filled: dict[int, int] = field(default_factory=dict)


def selection(key: list[str] | tuple[str, ...], share: float, alias: str | None) -> exp.Expression:
    """True for a repeatable ``share`` of the rows: by the md5 of the text of their ``key`` values."""
    text = exp.cast(exp.Anonymous(this="list_value", expressions=[exp.cast(sql.column(c, alias), "VARCHAR") for c in key]),
                    "VARCHAR")
    bound = min(int(share * 2**64), 2**64 - 1)
    return exp.LT(this=exp.Anonymous(this="md5_number_upper", expressions=[text]), expression=exp.Literal.number(bound))


def whole_counts(con, source: exp.Table, driver_index: int | None, fks: dict[int, tuple[str, ...]]) -> tuple[int, int, dict[int, int]]:
    """(rows, rows with the driving FK ``driver_index`` empty, rows with each FK filled) over all rows."""
    select = [exp.Count(this=exp.Star())]
    for columns in fks.values():
        filled = exp.and_(*(sql.column(c).is_(exp.null()).not_() for c in columns))
        select.append(exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=filled)))
    row = con.execute(sql.render(exp.select(*select).from_(source.copy()))).fetchone()
    filled = {i: int(n) for i, n in zip(fks, row[1:])}
    rows = int(row[0])
    return rows, rows - filled[driver_index] if driver_index is not None else rows, filled
