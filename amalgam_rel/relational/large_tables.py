"""Tables too large to read whole: a repeatable sample of their rows, and counts of all of them.

With a row limit (``synth``/``fit --max-rows N``), a table of more than ``N`` rows is not read
into memory. Its training frame holds a sample of about ``N`` of its rows, chosen by a hash of
each row's key (:func:`~amalgam_rel.schema.engines.repeatable_share`: ``md5`` of the key's text,
kept when its first 64 bits fall below ``share * 2**64``) - the same rows from the same data on
any machine, in DuckDB, PostgreSQL or MySQL, whatever the engine's thread order, and read in key
order like every frame. What the models estimate from counts comes from all rows instead,
computed by the engine holding them (:mod:`amalgam_rel.models.aggregates`, run inside a server
source by :class:`~amalgam_rel.schema.engines.Engine`): the row count, empty foreign keys, the
per-parent child counts (``#i`` columns are ``GROUP BY`` joins already) and the table model's
codecs and marginals.

A table driven by a sampled parent is sampled through it: the rows whose parent row is in the
parent's sample (so every sampled child finds its parent's row and context), and the same share
of the rows without a parent; its model is fitted on that sample. Where those would be more than
``N`` rows (four line items to an order: the children of ``N`` orders are ``4 N`` rows, and a
grandchild of a sampled parent multiplies again), only the children of a repeatable ``within``
share of the sampled parents are read: chosen by the hash of the parent's key with the child's
name written before it (a salt: the parent's own sample kept its rows by the unsalted hash of
the same key), so a child's rows still come whole families at a time, each with its parent's
row, and about ``N`` of them. No table matches on a sampled parent's columns (most rows would
find none).

>>> from amalgam_rel.connection import connect
>>> con = connect()
>>> _ = con.execute("CREATE TABLE t AS SELECT range AS id FROM range(1000)")
>>> whole_counts(Engine(con), exp.Table(this=exp.to_identifier("t")), None, {})
(1000, 1000, {})
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.engines import Engine, count_where, repeatable_share


@dataclass(frozen=True)
class SampledRows:
    """How a large table's frame was read: ``sample_rows`` of its ``rows``, a ``share`` of its keys.

    ``by_parent``: sampled through its driving parent's sample (its model sees only the sample),
    the children of a ``within`` share of the sampled parents (``share`` is the parent's times it);
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
    within: float = 1.0
    counted_in: str = "DuckDB"  # the engine its counts over all rows ran in (:class:`~amalgam_rel.schema.engines.Engine`)


def selection(key: list[str] | tuple[str, ...], share: float, alias: str | None, salt: str = "") -> exp.Expression:
    """True for a repeatable ``share`` of the rows: by the md5 of the text of their ``key`` values
    (after ``salt``, for a choice independent of the unsalted one)."""
    return repeatable_share(key, share, alias, salt)


def bounded_share(parent_share: float, rows: int, max_rows: int) -> float:
    """The share of a sampled parent's rows whose children a child of ``rows`` rows reads: all
    while its expected sample (the parent's share of its rows) is at most ``max_rows``, else a
    share that brings it to ``max_rows``.

    >>> bounded_share(0.1, 500_000, 100_000), bounded_share(0.1, 4_000_000, 100_000)
    (1.0, 0.25)
    """
    expected = parent_share * rows
    return 1.0 if expected <= max_rows else max_rows / expected


def whole_counts(engine: Engine, source: exp.Table, driver_index: int | None,
                 fks: dict[int, tuple[str, ...]]) -> tuple[int, int, dict[int, int]]:
    """(rows, rows with the driving FK ``driver_index`` empty, rows with each FK filled) over all
    rows, counted by ``engine`` (in the server for a server's table)."""
    select = [exp.Count(this=exp.Star()).as_(sql.ident("n"))]
    for k, columns in enumerate(fks.values()):
        filled = exp.and_(*(sql.column(c).is_(exp.null()).not_() for c in columns))
        select.append(count_where(filled).as_(sql.ident(f"f{k}")))
    query = exp.select(*select).from_(source.copy())
    if not engine.holds(query):  # a replaced source (a private fit's bounded rows) is DuckDB's
        engine = Engine(engine.con)
    row = [v[0] for v in engine.run(query).to_pydict().values()]  # one row, one value per name
    filled = {i: int(n) for i, n in zip(fks, row[1:])}
    rows = int(row[0])
    return rows, rows - filled[driver_index] if driver_index is not None else rows, filled
