"""Where :meth:`Synthesizer.sample <amalgam_rel.api.synthesizer.Synthesizer.sample>` puts the
synthetic database, and the :class:`Sample` it returns.

- a path: a new DuckDB file, written atomically, replaced only with ``force``;
- any other location (``sqlite:PATH``, ``postgresql://…``, ``mysql://…``, ``parquet:DIR``,
  ``csv:DIR``, a ``.sql`` script): built and checked in DuckDB, then copied there whole
  (:mod:`amalgam_rel.writing.targets`);
- an open DuckDB connection: its current database, in one transaction; tables (views, sequences,
  ENUM types) it already holds under the same names are replaced only with ``force``;
- ``None``: in memory, as Arrow tables (``Sample.tables``).

Every way writes the same DDL and the same rows for the same seed: the in-memory tables are
read back from an in-memory DuckDB database, so DuckDB has checked every key and constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from amalgam_rel.connection import connect
from amalgam_rel.errors import InputError
from amalgam_rel.locations import Location, parse_location
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database


@dataclass(frozen=True)
class Sample:
    """What one :meth:`~amalgam_rel.api.synthesizer.Synthesizer.sample` made.

    - ``output``: the DuckDB file written (a Path), the other location written (a
      :class:`~amalgam_rel.locations.Location`), the connection written into, or None (in memory).
    - ``tables``: table name (``schema.name`` outside ``main``) -> its rows as an Arrow table, in
      the order they were generated (parents first); filled only in memory. HUGEINT, UHUGEINT
      and BIGNUM columns come as text: Arrow has no type that holds all of their values.
    - ``report``: per table, the rows and seconds, and what writing its text took
      (:class:`~amalgam_rel.pipeline.sample_report.SampleReport`).
    """

    output: Path | duckdb.DuckDBPyConnection | None
    report: object
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        """Rows written per table."""
        return dict(self.report.rows)


def write_sample(model, out, *, force: bool, **options) -> Sample:
    """``model.sample`` (a fitted :class:`DatabaseModel`) into ``out``, with the checked ``options``."""
    if out is None:
        con = connect()  # an in-memory database of our own, dropped once its tables are read
        try:
            report = model.sample(con, **options)
            return Sample(None, report, read_tables(con, model.output_schema))
        finally:
            con.close()
    if isinstance(out, duckdb.DuckDBPyConnection):
        return Sample(out, model.sample(out, force=force, **options))
    if not isinstance(out, (str, Path, Location)):
        raise InputError(f"out must be a file's path, a location (postgresql://…, sqlite:PATH, …), an open DuckDB "
                         f"connection or None (in memory), not {type(out).__name__}")
    location = out if isinstance(out, Location) else parse_location(out)
    if options.get("dialect") is not None and location.kind != "ddl":
        raise InputError(f"dialect applies to a .sql script, not to {location.shown()}")
    if location.kind == "duckdb":
        path = location.path if isinstance(out, Location) else Path(out)
        return Sample(path, model.sample(path, force=force, **options))
    return Sample(location, model.sample(location, force=force, **options))


def read_tables(con: duckdb.DuckDBPyConnection, db: Database) -> dict[str, pa.Table]:
    """Every table of ``db`` in ``con``, in generation order, as Arrow (without loss)."""
    from amalgam_rel.schema.graph import fk_graph
    from amalgam_rel.writing.copy import select_rows

    return {key: con.execute(sql.render(select_rows(db.table(key)))).to_arrow_table() for key in fk_graph(db).order}
