"""``subset``: copy a referentially complete subset of the REAL rows of a database (``amalgam-rel subset``).

Unlike :class:`~amalgam_rel.api.Synthesizer`, nothing here is synthetic: every row written is a
row of the source, so use it only where real rows are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from amalgam_rel.errors import InputError
from amalgam_rel.locations import Location, parse_location


@dataclass(frozen=True)
class Subset:
    """What :func:`subset` wrote: rows per table, rows each ``--where`` matched (or each table's
    sampled rows with a fraction), the rounds the upward closure took, the writer's notes."""

    rows: dict[str, int]
    started: dict[str, int]
    rounds: int
    notes: list[str] = field(default_factory=list)


def subset(source: str | Path | Location, output: str | Path | Location, *, where: list[str] | tuple[str, ...] = (),
           fraction: float | None = None, children: str = "none", seed: int = 0, force: bool = False,
           sidecar: str | Path | None = None, dialect: str | None = None) -> Subset:
    """Write to ``output`` (a DuckDB file or any ``-o`` location) the source's DDL and a subset
    of its REAL rows that satisfies every constraint.

    Start rows: those each ``where`` condition (``"Customer.Country = 'Germany'"``, DuckDB SQL
    over one table) matches, or with ``fraction`` a seeded share (at least one row) of every
    table no other table references. ``children``: also keep the rows pointing at kept rows,
    ``"direct"`` (one level) or ``"all"`` (transitively). Then every row a kept row references
    is kept, transitively. The same source, options and ``seed`` give the same rows.
    """
    from amalgam_rel.relational.subset import CHILDREN, SubsetKeys, parse_condition
    from amalgam_rel.schema.duckdb_reader import source_reads
    from amalgam_rel.schema.graph import fk_graph
    from amalgam_rel.schema.sidecar import apply_sidecar
    from amalgam_rel.schema.sources import open_source
    from amalgam_rel.seeds import checked_seed
    from amalgam_rel.writing.writer import DatabaseWriter

    where = [where] if isinstance(where, str) else list(where)
    if bool(where) == (fraction is not None):
        raise InputError("give the start rows either as --where conditions or as --fraction, exactly one of them")
    if fraction is not None and not 0 < fraction <= 1:
        raise InputError(f"--fraction must be above 0 and at most 1, got {fraction}")
    if children not in CHILDREN:
        raise InputError(f"--children must be one of {', '.join(CHILDREN)}, got {children!r}")
    seed = checked_seed(seed)
    location = source if isinstance(source, Location) else parse_location(source)
    with open_source(location) as src, source_reads(location.text if location.kind == "duckdb" else None):
        db = apply_sidecar(src.database, sidecar, con=src.con) if sidecar else src.database
        conditions = [parse_condition(db, text) for text in where]  # every one checked before any work
        keys = SubsetKeys(src.con, db)
        if conditions:
            started = {c.text: keys.start_where(c) for c in conditions}
        else:
            started = keys.start_fraction(fraction, seed)
        keys.add_children(children)
        rounds = keys.close_upwards()
        local = None if location.is_server else location.path
        with DatabaseWriter(db, output, force=force, source=local, dialect=dialect) as writer:
            graph = fk_graph(db)
            self_referencing = {fk.table for fk in graph.self_references}
            for table in graph.order:
                rows = keys.rows(table)
                # a self-referencing table goes in whole: the writer orders its rows parents first
                for batch in [rows.read_all()] if table in self_referencing else rows:
                    writer.append(table, batch)
    return Subset(dict(writer.rows_written), started, rounds, list(writer.notes))
