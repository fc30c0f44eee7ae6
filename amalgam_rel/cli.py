"""The ``amalgam-rel`` command line.

Every command catches :class:`~amalgam_rel.errors.AmalgamError` and prints it as one line on
stderr with a non-zero exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click.exceptions import NoArgsIsHelpError, UsageError
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from amalgam_rel.errors import AmalgamError

# transformers warns about settings of our own compact model that are deliberate (padding
# without attention masks, a default loss); users who want them can set the variable.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

# Piped output would otherwise be wrapped at 80 columns, which folds table and column names.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 400)


class _OneLineUsage(TyperGroup):
    """Usage errors (an unknown option, a value out of an option's range or of the wrong type) as
    the one line every other bad input gets, not click's boxed usage block."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as err:  # bare `amalgam-rel`: the help is the answer
            err.show()
            sys.exit(err.exit_code)
        except UsageError as err:
            where = f" (see {err.ctx.command_path} --help)" if err.ctx is not None else ""
            err_console.print(f"[bold red]error:[/] {escape(err.format_message())}{escape(where)}",
                              highlight=False, soft_wrap=True)
            sys.exit(err.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    name="amalgam-rel",
    cls=_OneLineUsage,
    help="Clone a relational DuckDB database as synthetic data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SidecarOpt = Annotated[
    Optional[Path],
    typer.Option("--sidecar", help="TOML file declaring logical foreign keys, CHECKs (validated against the data) and "
                              "columns' semantic types."),
]
DialectOpt = Annotated[
    Optional[str],
    typer.Option("--dialect", help="SQL dialect of a DDL file: duckdb, postgres, mysql or sqlite (default: guessed)."),
]


def user_errors(command):
    """Turn an AmalgamError into one line on stderr and exit code 2; an interruption (Ctrl-C or
    SIGTERM, after the temporary outputs are removed) into one line and exit code 130 or 143."""
    from amalgam_rel.interrupts import exit_code, interrupted_line, terminate_as_interrupt

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with terminate_as_interrupt():
                return command(*args, **kwargs)
        except AmalgamError as err:
            err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt as interrupt:
            line = interrupted_line([kwargs.get("output"), kwargs.get("report")])
            err_console.print(line, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(exit_code(interrupt)) from None

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
    from amalgam_rel.writing.outputs import check_outputs
    from amalgam_rel.writing.writer import DatabaseWriter

    check_outputs({"-o": output}, force=force, sources={"source database": source, "sidecar": sidecar})
    db = load_schema(source, sidecar=sidecar, dialect=dialect)
    with DatabaseWriter(db, output, force=force, source=source):
        pass
    err_console.print(f"wrote {output}: {len(db.tables)} tables, no rows", highlight=False)

ScaleOpt = Annotated[float, typer.Option("--scale", help="Multiply the size of every root table (0.01 to 100).")]
RowsOpt = Annotated[
    Optional[list[str]], typer.Option("--rows", help="TABLE=N: exact row count of a table (repeatable).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives identical tables.")]
LlmOpt = Annotated[
    Optional[str],
    typer.Option("--llm", help="A local directory of a causal language model (saved with save_pretrained; "
                               "never downloaded) for text columns; default: a compact model trained on the "
                               "source's own text."),
]
TextStepsOpt = Annotated[
    Optional[int],
    typer.Option("--text-steps", min=1, help="Training steps of a language model that is trained (default: by "
                                             "data size); the default word model is counted, not trained."),
]
MinWordRowsOpt = Annotated[
    int, typer.Option("--min-word-rows", min=1, help="Free text is written in words that at least K real rows of "
                                                      "the column hold, or public words (default 2).", metavar="K"),
]
TextValuesOpt = Annotated[
    Optional[int],
    typer.Option("--text-values", min=0,
                 help="At most N language-model values per text column; other rows reuse a value drawn for a "
                      "similar row (UNIQUE columns never do). 0: no limit. Default: 4000 (synth), "
                      "the fitted model's (sample)."),
]
PartRowsOpt = Annotated[
    Optional[int],
    typer.Option("--part-rows", min=1,
                 help="Tables no other table references are sampled and written this many rows at a time, "
                      "so memory does not grow with them (default 200000)."),
]


EpsilonOpt = Annotated[
    Optional[float],
    typer.Option("--epsilon", help="Differential privacy per root entity (docs/privacy.md): the budget epsilon > 0. "
                                   "The privacy ledger is printed and saved next to the output."),
]
DeltaOpt = Annotated[float, typer.Option("--delta", help="The delta of (epsilon, delta)-DP, 0 < delta < 1 (with --epsilon).")]
MaxChildrenOpt = Annotated[
    Optional[list[str]],
    typer.Option("--max-children", help="N or TABLE=N: children kept per parent row for each FK (of TABLE) under "
                                        "--epsilon; the rest are dropped before fitting (default 8; repeatable)."),
]
EpsilonTextOpt = Annotated[
    str,
    typer.Option("--epsilon-text", help="Text and nested columns under --epsilon: 'refuse' (an error naming them) "
                                        "or 'schema' (placeholder values made from the schema alone, no data)."),
]
SynthesizeOpt = Annotated[Optional[list[str]], typer.Option(
    "--synthesize", help="TABLE: synthesize it even if it is a small reference table kept verbatim by default (repeatable).")]
PublicOpt = Annotated[Optional[list[str]], typer.Option(
    "--public", help="TABLE: under --epsilon, its rows are public (a list of countries): a reference table may be "
                     "kept verbatim (repeatable).")]


def _max_children(items: list[str] | None) -> dict[str, int] | None:
    """``--max-children`` as the API's ``max_children``: ``["5", "orders=2"]`` -> ``{"*": 5, "orders": 2}``."""
    from amalgam_rel.dp.options import parse_max_children

    if not items:
        return None
    default, per_table = parse_max_children(items)
    return {"*": default, **dict(per_table)}


def _synthesizer(seed, llm, text_steps, min_word_rows, epsilon, delta, max_children, epsilon_text, synthesize, public):
    """The API's Synthesizer for the options of ``synth`` and ``fit``."""
    from amalgam_rel.api.synthesizer import Synthesizer

    return Synthesizer(seed=seed, llm=llm, text_steps=text_steps, min_word_rows=min_word_rows, epsilon=epsilon,
                       delta=delta, max_children=_max_children(max_children), epsilon_text=epsilon_text,
                       synthesize=synthesize or (), public=public or ())


def _print_ledger(ledger) -> None:
    """Every spend of a private fit, then the total (which is the whole budget rho)."""
    table = RichTable(title=f"privacy ledger: (epsilon={ledger.epsilon:g}, delta={ledger.delta:g})-DP per root entity, "
                            f"zCDP rho={ledger.rho:.4g}", title_justify="left")
    for col in ("table", "step", "mechanism", "rho", "sigma", "sensitivity", "detail"):
        table.add_column(col, overflow="fold", no_wrap=col in ("rho", "sigma", "sensitivity"))
    for e in ledger.entries:
        table.add_row(escape(e.table), escape(e.step), escape(e.mechanism), f"{e.rho:.3g}",
                      "-" if e.sigma is None else f"{e.sigma:.3g}", f"{e.sensitivity:g}", escape(e.detail))
    table.add_row("total", "", "", f"{ledger.spent:.4g}", "", "", f"of rho {ledger.rho:.4g}; delta spent {ledger.delta_spent:.3g}")
    console.print(table)


def _inputs(source: Path, sidecar: Path | None, llm: str | None) -> dict:
    """What a fitting command reads, which none of its outputs may be written onto."""
    return {"source database": source, "sidecar": sidecar,
            "--llm model": llm if llm is not None and Path(llm).exists() else None}


def _text_values(n: int | None):
    return None if n == 0 else n


def _parse_rows(rows: list[str] | None) -> dict[str, int]:
    parsed = {}
    for item in rows or []:
        table, sep, n = item.rpartition("=")
        if not sep or not table or not n.strip().isdigit():
            raise AmalgamError(f"--rows expects TABLE=N with N a whole number, got {item!r}")
        parsed[table] = int(n)
    return parsed


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[table]}"), console=err_console, transient=False,
                    disable=not sys.stderr.isatty())


def _print_kept(model) -> None:
    from amalgam_rel.relational.reference import kept_line
    from amalgam_rel.relational.repoint import repointed_line

    for line in filter(None, [kept_line(model.reference_), repointed_line(model.db, model.reference_)]):
        err_console.print(line, highlight=False, markup=False)


def _print_single_rows(model) -> None:
    """A table of one row can only be repeated (its model holds that row's values): say so."""
    single = model.single_row_tables()
    if single:
        names = ", ".join(repr(t) for t in single)
        what = f"table {names} has" if len(single) == 1 else f"tables {names} have"
        err_console.print(f"note: {what} 1 row: a model of one row can only repeat it, so the synthetic rows "
                          "(and a saved model) carry that row's values", highlight=False, markup=False)


def _fit(synthesizer, source: Path, sidecar, progress):
    from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb

    con = open_duckdb(source)
    try:
        n_tables = len(read_duckdb(con, count_rows=False).tables)
    finally:
        con.close()
    task = progress.add_task("fit tables", total=n_tables, table="")

    def step(stage: str, table: str) -> None:
        if stage == "fit":
            progress.update(task, advance=1, table=table)
        else:
            progress.update(task, description="train text model", table=table)

    model = synthesizer.fit(source, sidecar=sidecar, progress=step).model_
    progress.update(task, description="fitted", table=f"{model.fit_seconds_:.1f} s")
    return model


def _sample(synthesizer, output: Path, scale: float, rows: dict[str, int], seed, force: bool, progress,
            text_values="fitted", part_rows: int | None = None, guard_source: Path | None = None):
    task = progress.add_task("sample tables", total=len(synthesizer.model_.db.tables), table="")
    return synthesizer.sample(output, scale=scale, rows=rows, seed=seed, force=force, text_values=text_values,
                              part_rows=part_rows, guard_source=guard_source,
                              progress=lambda stage, table: progress.update(task, advance=1, table=table)).report


def _print_text_summary(report, model) -> None:
    if report.parts:
        parts = ", ".join(f"{t} {n}" for t, n in report.parts.items())
        err_console.print(f"sampled and written in parts (memory bounded): {parts}", highlight=False, markup=False)
    from amalgam_rel.relational.semantic_columns import copy_line

    for line in (report.text_summary(), copy_line(report.semantic)):
        if line:
            err_console.print(line, highlight=False, markup=False)
    if model.null_columns():
        err_console.print(f"warning: written NULL, not synthesized (UNION values): {', '.join(model.null_columns())}",
                          highlight=False, markup=False)
    _print_computed(model)


_SHOWN = 8  # computed columns named in full; a date dimension or a sales fact table has dozens


def _print_computed(model) -> None:
    from amalgam_rel.relational.semantic_columns import type_lines

    for line in type_lines(model.tables_):
        err_console.print(f"semantic types (values from Faker): {line}", highlight=False, markup=False)
    computed = model.computed_columns()
    if computed:
        shown = ", ".join(f"{c} = {how}" for c, how in computed[:_SHOWN])
        more = f" (+{len(computed) - _SHOWN} more)" if len(computed) > _SHOWN else ""
        err_console.print(f"computed from other columns, not drawn: {shown}{more}", highlight=False, markup=False)


@app.command()
@user_errors
def synth(
    source: Annotated[Path, typer.Argument(help="The real DuckDB database (opened read-only).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The synthetic DuckDB database to write.")],
    scale: ScaleOpt = 1.0,
    rows: RowsOpt = None,
    seed: SeedOpt = 0,
    llm: LlmOpt = None,
    text_steps: TextStepsOpt = None,
    min_word_rows: MinWordRowsOpt = 2,
    text_values: TextValuesOpt = 4000,
    part_rows: PartRowsOpt = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Evaluate the result and write an HTML report.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    sidecar: SidecarOpt = None,
    epsilon: EpsilonOpt = None,
    delta: DeltaOpt = 1e-9,
    max_children: MaxChildrenOpt = None,
    epsilon_text: EpsilonTextOpt = "refuse",
    synthesize: SynthesizeOpt = None,
    public: PublicOpt = None,
) -> None:
    """Fit models on SOURCE and write a synthetic database with the same DDL to OUTPUT."""
    from amalgam_rel.dp.accounting import ledger_path
    from amalgam_rel.writing.outputs import check_outputs

    # every option is checked before minutes of fitting, not after
    parsed_rows = _parse_rows(rows)
    ledger = ledger_path(output) if epsilon is not None else None
    check_outputs({"-o": output, "--report": report, "the privacy ledger": ledger}, force=force,
                  sources=_inputs(source, sidecar, llm))
    synthesizer = _synthesizer(seed, llm, text_steps, min_word_rows, epsilon, delta, max_children, epsilon_text,
                               synthesize, public).check(source, scale=scale, rows=parsed_rows)
    with _progress() as progress:
        model = _fit(synthesizer, source, sidecar, progress)
        result = _sample(synthesizer, output, scale, parsed_rows, seed, force, progress, _text_values(text_values),
                         part_rows)
    if model.privacy_ is not None:
        _print_ledger(model.privacy_)
        err_console.print(f"wrote {model.privacy_.write(ledger_path(output))}", highlight=False)
    total = sum(result.rows.values())
    err_console.print(f"wrote {output}: {len(result.rows)} tables, {total:,} rows "
                      f"(fit {model.fit_seconds_:.1f} s, sample {sum(result.seconds.values()):.1f} s)", highlight=False)
    _print_text_summary(result, model)
    _print_kept(model)
    _print_single_rows(model)
    if report:
        from amalgam_rel.evaluation import evaluate as run_evaluation
        from amalgam_rel.evaluation.console import print_summary
        from amalgam_rel.evaluation.report import write_report

        evaluation = run_evaluation(source, output, schema=model.db)
        write_report(evaluation, report)
        print_summary(console, evaluation.to_dict())
        err_console.print(f"wrote {report}", highlight=False)


@app.command()
@user_errors
def fit(
    source: Annotated[Path, typer.Argument(help="The real DuckDB database (opened read-only).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to save the fitted model in.")],
    seed: SeedOpt = 0,
    llm: LlmOpt = None,
    text_steps: TextStepsOpt = None,
    min_word_rows: MinWordRowsOpt = 2,
    force: Annotated[bool, typer.Option("--force", help="Replace the model directory if it exists.")] = False,
    sidecar: SidecarOpt = None,
    epsilon: EpsilonOpt = None,
    delta: DeltaOpt = 1e-9,
    max_children: MaxChildrenOpt = None,
    epsilon_text: EpsilonTextOpt = "refuse",
    synthesize: SynthesizeOpt = None,
    public: PublicOpt = None,
) -> None:
    """Fit models on SOURCE and save them for `amalgam-rel sample` (no real rows; docs/privacy.md says what is kept)."""
    from amalgam_rel.relational.persistence import check_model_dir

    check_model_dir(output, force=force, option="-o", sources=_inputs(source, sidecar, llm))
    synthesizer = _synthesizer(seed, llm, text_steps, min_word_rows, epsilon, delta, max_children, epsilon_text,
                               synthesize, public).check(source)
    with _progress() as progress:
        model = _fit(synthesizer, source, sidecar, progress)
    synthesizer.save(output, force=force)
    if model.privacy_ is not None:
        _print_ledger(model.privacy_)
        err_console.print(f"the privacy ledger is saved with the model: {output / 'privacy.json'}", highlight=False)
    err_console.print(f"saved the fitted model to {output} (fit {model.fit_seconds_:.1f} s)", highlight=False)
    _print_computed(model)
    _print_kept(model)
    _print_single_rows(model)


@app.command()
@user_errors
def sample(
    model_dir: Annotated[Path, typer.Argument(help="A model directory written by `amalgam-rel fit`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The synthetic DuckDB database to write.")],
    scale: ScaleOpt = 1.0,
    rows: RowsOpt = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the one used to fit).")] = None,
    text_values: TextValuesOpt = None,
    part_rows: PartRowsOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    guard_source: Annotated[Optional[Path], typer.Option(
        "--guard-source", help="The real DuckDB database the model was fitted on (opened read-only): generated "
                               "text that repeats one of its values verbatim is redrawn, as in `synth`. A saved "
                               "model holds no copy of the real values to screen against.")] = None,
) -> None:
    """Write a synthetic database from a saved model."""
    from amalgam_rel.api.synthesizer import Synthesizer
    from amalgam_rel.seeds import checked_seed
    from amalgam_rel.writing.outputs import check_outputs

    parsed_rows = _parse_rows(rows)
    if seed is not None:  # Synthesizer.sample checks it too; here before the model loads
        checked_seed(seed)
    check_outputs({"-o": output}, force=force, sources={"model directory": model_dir, "--guard-source": guard_source})
    synthesizer = Synthesizer.load(model_dir)
    model = synthesizer.model_
    with _progress() as progress:
        budget = "fitted" if text_values is None else _text_values(text_values)
        result = _sample(synthesizer, output, scale, parsed_rows, seed, force, progress, budget, part_rows,
                         guard_source)
    err_console.print(f"wrote {output}: {len(result.rows)} tables, {sum(result.rows.values()):,} rows", highlight=False)
    _print_text_summary(result, model)
    _print_kept(model)
    if model.text_unscreened:  # after the output is written: an error stays the one line it is
        err_console.print("note: the text was not screened against real values (a saved model holds none); "
                          "--guard-source SRC screens it", highlight=False, markup=False)



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
    force: Annotated[bool, typer.Option("--force", help="Replace the --report file if it exists.")] = False,
    sidecar: SidecarOpt = None,
) -> None:
    """Compare SYNTH with REAL: validity, fidelity, SQL-workload answers and privacy."""
    from amalgam_rel.api.evaluate import evaluate as run_evaluation
    from amalgam_rel.evaluation.console import print_summary

    result = run_evaluation(real, synth, sidecar=sidecar, queries=queries, holdout=holdout, report=report, force=force)
    summary = result.to_dict()
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
