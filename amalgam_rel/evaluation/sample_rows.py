"""A few real and synthetic rows of every table, for the report to show side by side.

Rows are the first ``ROWS`` of each side in the fixed hash order the other stages sample by;
values are rendered as text and cut to ``WIDTH`` characters (the report escapes them).

>>> cell(None), cell("x" * 100)[-1], cell(3.5)
('NULL', '…', '3.5')
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from amalgam_rel.evaluation.context import Context
from amalgam_rel.schema import sql

ROWS = 5
WIDTH = 60


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    real: tuple[tuple[str, ...], ...]
    synth: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SampleRows:
    tables: tuple[TableRows, ...]
    def to_dict(self) -> dict:
        return {"tables": [{"table": t.table, "columns": list(t.columns), "real": [list(r) for r in t.real],
                            "synth": [list(r) for r in t.synth]} for t in self.tables]}


def cell(value) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def sample_rows(ctx: Context) -> SampleRows:
    out = []
    for t in ctx.schema.tables:
        columns = tuple(t.column_names)
        sides = []
        for side in ("real", "synth"):
            query = (exp.select(*(sql.column(c) for c in columns)).from_(ctx.ref(side, t.key))
                     .order_by(ctx.row_hash(t.key, ctx.seed)).limit(ROWS))
            sides.append(tuple(tuple(cell(v) for v in row) for row in ctx.query(query)))
        out.append(TableRows(t.key, columns, *sides))
    return SampleRows(tuple(out))
