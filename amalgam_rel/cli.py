"""The ``amalgam-rel`` command line.

Every command catches :class:`~amalgam_rel.errors.AmalgamError` and prints it as one line on
stderr with a non-zero exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from amalgam_rel.errors import AmalgamError

app = typer.Typer(
    name="amalgam-rel",
    help="Clone a relational DuckDB database as synthetic data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output would otherwise be wrapped at 80 columns, which folds table and column names.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 400)

SidecarOpt = Annotated[
    Optional[Path],
    typer.Option("--sidecar", help="TOML file declaring logical foreign keys (validated against the data)."),
]
DialectOpt = Annotated[
    Optional[str],
    typer.Option("--dialect", help="SQL dialect of a DDL file: duckdb, postgres, mysql or sqlite (default: guessed)."),
]


def user_errors(command):
    """Turn an AmalgamError into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AmalgamError as err:
            err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None

    return wrapper


@app.command()
@user_errors
def inspect(
    source: Annotated[Path, typer.Argument(help="A DuckDB database file, or a DDL file (.sql).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    sidecar: SidecarOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Summarize a database: tables, keys, column kinds and the FK graph."""
    from amalgam_rel.schema.load import load_schema
    from amalgam_rel.schema.summary import summarize

    summary = summarize(load_schema(source, sidecar=sidecar, dialect=dialect))
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        return
    _print_summary(source, summary)


@app.command("clone-schema")
@user_errors
def clone_schema(
    source: Annotated[Path, typer.Argument(help="A DuckDB database file, or a DDL file (.sql).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The new, empty DuckDB database.")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    sidecar: SidecarOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Write an empty DuckDB database with the same DDL as SOURCE."""
    from amalgam_rel.schema.load import load_schema
    from amalgam_rel.writing.writer import DatabaseWriter

    db = load_schema(source, sidecar=sidecar, dialect=dialect)
    with DatabaseWriter(db, output, force=force, source=source):
        pass
    err_console.print(f"wrote {output}: {len(db.tables)} tables, no rows", highlight=False)


def _print_summary(source: Path, s: dict) -> None:
    tables = RichTable(title=f"{source.name}: {len(s['tables'])} tables", title_justify="left")
    for col in ("table", "rows", "depth", "primary key", "unique", "checks", "columns by kind"):
        tables.add_column(col, overflow="fold", no_wrap=col in ("table", "rows"))
    bridges = set(s["graph"]["bridges"])
    self_refs = set(s["graph"]["self_references"])
    for t in s["tables"]:
        kinds: dict[str, int] = {}
        for c in t["columns"]:
            kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
        marks = (" (bridge)" if t["name"] in bridges else "") + (" (self-ref)" if t["name"] in self_refs else "")
        tables.add_row(
            escape(t["name"]) + marks,
            "-" if t["rows"] is None else f"{t['rows']:,}",
            str(t["depth"]),
            escape(", ".join(t["primary_key"])) or "-",
            escape("; ".join(", ".join(u) for u in t["unique"])) or "-",
            str(len(t["checks"])),
            " ".join(f"{k}×{n}" for k, n in sorted(kinds.items())),
        )
    console.print(tables)
    fks = RichTable(title=f"{len(s['foreign_keys'])} foreign keys", title_justify="left")
    for col in ("child", "parent", "nullable", "kind", "note"):
        fks.add_column(col, overflow="fold", no_wrap=col in ("child", "parent"))
    for fk in s["foreign_keys"]:
        note = "self-reference" if fk["self_reference"] else ("cycle edge, filled last" if fk["broken"] else "")
        fks.add_row(
            escape(f"{fk['table']}({', '.join(fk['columns'])})"),
            escape(f"{fk['ref_table']}({', '.join(fk['ref_columns'])})"),
            "yes" if fk["nullable"] else "no",
            fk["kind"],
            note,
        )
    console.print(fks)
    g = s["graph"]
    console.print(f"generation order: {' → '.join(g['order'])}", highlight=False, markup=False)
    console.print(f"max depth: {g['depth']}", highlight=False)
    console.print(f"self-references: {', '.join(g['self_references']) or 'none'}", highlight=False, markup=False)
    console.print(f"bridge tables: {', '.join(g['bridges']) or 'none'}", highlight=False, markup=False)
    for c in g["cycles"]:
        console.print(f"cycle: {' → '.join(c + c[:1])}", highlight=False, markup=False)
    for edge in g["broken_edges"]:
        console.print(f"cycle broken at {edge} (filled after both tables exist)", highlight=False, markup=False)


@app.command()
@user_errors
def evaluate(
    real: Annotated[Path, typer.Argument(help="The real DuckDB database.")],
    synth: Annotated[Path, typer.Argument(help="The synthetic DuckDB database (same tables and columns).")],
    queries: Annotated[
        Optional[Path], typer.Option("--queries", help="Directory of .sql files to run on both databases.")
    ] = None,
    holdout: Annotated[
        Optional[Path], typer.Option("--holdout", help="Real rows the synthesizer never saw, for the DCR share.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write a self-contained HTML report.")] = None,
    sidecar: SidecarOpt = None,
) -> None:
    """Compare SYNTH with REAL: validity, fidelity, SQL-workload answers and privacy."""
    from amalgam_rel.evaluation import evaluate as run_evaluation
    from amalgam_rel.evaluation.console import print_summary
    from amalgam_rel.evaluation.report import write_report
    from amalgam_rel.schema.load import load_schema

    schema = load_schema(real, sidecar=sidecar) if sidecar else None
    result = run_evaluation(real, synth, schema=schema, queries=queries, holdout=holdout)
    summary = result.to_dict()
    if report:
        write_report(result, report)
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        return
    print_summary(console, summary)
    if report:
        err_console.print(f"wrote {report}", highlight=False)


def main() -> None:  # pragma: no cover - the console script calls app directly
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
