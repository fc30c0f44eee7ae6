"""Copy a database's rows through the writer: the round-trip check and the speed floor.

Copying real rows through :class:`DatabaseWriter` exercises everything synthesis relies on (DDL,
generation order, self-references, cycle edges) and gives the time any synthesizer must at
least spend to write the same rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.graph import fk_graph
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.writing.writer import DatabaseWriter

CHUNK_ROWS = 200_000
# DuckDB exports these through Arrow as decimal128(38, 0), which overflows on their extremes;
# text is lossless, and the writer's INSERT casts it back.
_VIA_TEXT = {"HUGEINT", "UHUGEINT", "BIGNUM"}


def select_rows(table: Table) -> exp.Select:
    """``SELECT`` every column of ``table`` in a form Arrow carries without loss."""
    cols = [
        exp.cast(sql.column(c.name), "VARCHAR").as_(sql.ident(c.name)) if c.type.name in _VIA_TEXT else sql.column(c.name)
        for c in table.columns
    ]
    return exp.select(*cols).from_(sql.table_ref(table.name, table.schema))


def copy_rows(con: duckdb.DuckDBPyConnection, db: Database, writer: DatabaseWriter) -> None:
    """Stream every table of ``con`` into ``writer`` in generation order."""
    for key in fk_graph(db).order:
        table = db.table(key)
        reader = con.execute(sql.render(select_rows(table)))
        for batch in reader.to_arrow_reader(CHUNK_ROWS):
            writer.append(key, batch)


def copy_database(db: Database, con: duckdb.DuckDBPyConnection, output: str | Path, *, force: bool = False,
                  source: str | Path | None = None) -> dict[str, int]:
    """Write ``con``'s data, described by ``db``, to a new database at ``output``; rows per table."""
    with DatabaseWriter(db, output, force=force, source=source) as writer:
        copy_rows(con, db, writer)
    return writer.rows_written
