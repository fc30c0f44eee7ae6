"""The ``amalgam-rel`` commands: a thin shell over the public API (:mod:`amalgam_rel.api`).

Every command catches :class:`~amalgam_rel.errors.AmalgamError` and prints it as one line on
stderr with a non-zero exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from amalgam_rel.cli.options import (SOURCE_HELP, BlockRowsOpt, DeltaOpt, DialectOpt, EpsilonOpt, EpsilonTextOpt,
                                     LlmOpt, MaxChildrenOpt, MaxRowsOpt, MinWordRowsOpt, OutDialectOpt, OutputOpt,
                                     OutSchemaOpt, PartRowsOpt, PrivacyUnitOpt, PublicOpt, RowsOpt, ScaleOpt,
                                     SchemaOpt, SeedOpt, ShardByOpt, ShardsOpt, SidecarOpt, SynthesizeOpt,
                                     TextStepsOpt, TextValuesOpt, check_server_target, inputs, ledger_for,
                                     local_path, output_target, parse_rows, sample_out, source_location,
                                     synth_target, synthesizer_of, text_values_of, written_to)
from amalgam_rel.cli.printing import (print_computed, print_kept, print_ledger, print_notes, print_sampled,
                                      print_schema_summary, print_single_rows, print_suggested_keys, print_text_summary, progress_bars,
                                      suggestions_json)
from amalgam_rel.errors import InputError
from amalgam_rel.cli.shell import app, console, err_console, user_errors


@app.command()
@user_errors
def inspect(
    source: Annotated[str, typer.Argument(help="A DDL file (.sql), or a database: " + SOURCE_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    sidecar: SidecarOpt = None,
    dialect: DialectOpt = None,
    schema: SchemaOpt = None,
    suggest_keys: Annotated[bool, typer.Option(
        "--suggest-keys", help="Write the keys the data suggests (not declared) as a sidecar to stdout, to review "
                               "and pass with --sidecar.")] = False,
) -> None:
    """Summarize a database: tables, keys, column kinds, the FK graph, and keys its data suggests."""
    from amalgam_rel.schema.key_discovery import sidecar_toml
    from amalgam_rel.schema.load import load_schema, load_with_suggestions
    from amalgam_rel.schema.summary import summarize

    location = source_location(source, schema)
    if location.kind == "ddl":
        if suggest_keys:
            raise InputError(f"--suggest-keys reads the data, and the DDL file {location.text} has none")
        db, found = load_schema(location, sidecar=sidecar, dialect=dialect), None
    else:
        db, found = load_with_suggestions(location, sidecar=sidecar)
    if suggest_keys:
        sys.stdout.write(sidecar_toml(found, location.shown()))
        err_console.print(f"{len(found.primary_keys)} primary keys and {len(found.foreign_keys)} foreign keys found "
                          "in the data; review them, then pass the file with --sidecar", highlight=False)
        return
    summary = summarize(db)
    if as_json:
        if found is not None:
            summary["suggested_keys"] = suggestions_json(found)
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        return
    print_schema_summary(location.shown() if location.is_server else location.path.name, summary)
    if found is not None and not found.empty:
        print_suggested_keys(found)


@app.command("clone-schema")
@user_errors
def clone_schema(
    source: Annotated[str, typer.Argument(help="A DDL file (.sql), or a database: " + SOURCE_HELP)],
    output: OutputOpt,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    sidecar: SidecarOpt = None,
    dialect: DialectOpt = None,
    schema: SchemaOpt = None,
    out_schema: OutSchemaOpt = None,
    out_dialect: OutDialectOpt = None,
) -> None:
    """Write an empty database with the same DDL as SOURCE (a DuckDB file, or any -o target)."""
    from amalgam_rel.schema.load import load_schema
    from amalgam_rel.writing.writer import DatabaseWriter

    location = source_location(source, schema)
    target, script_dialect = output_target(output, out_schema, out_dialect, force=force,
                                           sources={"source database": local_path(location), "sidecar": sidecar})
    db = load_schema(location, sidecar=sidecar, dialect=dialect)
    check_server_target(target, db, force=force, source=location)
    with DatabaseWriter(db, sample_out(target), force=force, source=local_path(location),
                        dialect=script_dialect) as writer:
        pass
    err_console.print(f"wrote {written_to(target)}: {len(db.tables)} tables, no rows", highlight=False)
    print_notes(writer.notes)


@app.command()
@user_errors
def subset(
    source: Annotated[str, typer.Argument(help=SOURCE_HELP)],
    output: OutputOpt,
    where: Annotated[Optional[list[str]], typer.Option(
        "--where", help="Start rows: a SQL condition over one table, e.g. \"Customer.Country = 'Germany'\" "
                        "(repeatable).")] = None,
    fraction: Annotated[Optional[float], typer.Option(
        "--fraction", help="Start rows: this share (0 to 1, at least one row) of every table no other table "
                           "references, drawn with --seed.")] = None,
    children: Annotated[str, typer.Option(
        "--children", help="Also keep the rows pointing at kept rows: none, direct (one level) or all "
                           "(transitively).")] = "none",
    seed: SeedOpt = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    sidecar: SidecarOpt = None,
    schema: SchemaOpt = None,
    out_schema: OutSchemaOpt = None,
    out_dialect: OutDialectOpt = None,
) -> None:
    """Copy a subset of the REAL rows of SOURCE (not synthetic: use synth/sample for that), with
    every row they reference, so every key and constraint holds; same seed, same rows."""
    from amalgam_rel.api.subset import subset as run_subset
    from amalgam_rel.schema.load import load_schema

    location = source_location(source, schema)
    target, script_dialect = output_target(output, out_schema, out_dialect, force=force,
                                           sources={"source database": local_path(location), "sidecar": sidecar})
    if target.is_server:
        check_server_target(target, load_schema(location, sidecar=sidecar), force=force, source=location)
    result = run_subset(location, sample_out(target), where=where or (), fraction=fraction, children=children,
                        seed=seed, force=force, sidecar=sidecar, dialect=script_dialect)
    for table, rows in result.rows.items():
        err_console.print(f"  {table}: {rows} rows", highlight=False)
    err_console.print(f"wrote {written_to(target)}: {sum(result.rows.values())} REAL rows in "
                      f"{len(result.rows)} tables ({result.rounds} rounds of parents)", highlight=False)
    print_notes(result.notes)


def _fit(synthesizer, source, sidecar, progress, n_tables: int):
    task = progress.add_task("fit tables", total=n_tables, table="")

    def step(stage: str, table: str) -> None:
        if stage == "fit":
            progress.update(task, advance=1, table=table)
        else:
            progress.update(task, description="train text model", table=table)

    model = synthesizer.fit(source, sidecar=sidecar, progress=step).model_
    progress.update(task, description="fitted", table=f"{model.fit_seconds_:.1f} s")
    return model


def _sample(synthesizer, output, scale: float, rows: dict[str, int], seed, force: bool, progress,
            text_values="fitted", part_rows: int | None = None, guard_source: Path | None = None,
            dialect: str | None = None, where: tuple[str, ...] = ()):
    task = progress.add_task("sample tables", total=len(synthesizer.model_.db.tables), table="")
    return synthesizer.sample(output, scale=scale, rows=rows, seed=seed, force=force, text_values=text_values,
                              part_rows=part_rows, guard_source=guard_source, dialect=dialect, where=where,
                              progress=lambda stage, table: progress.update(task, advance=1, table=table)).report



def _prestart_text_worker(llm) -> None:
    """The text worker's interpreter starts while the model is fitted or loaded, so that it is
    ready when the text is drawn (:mod:`amalgam_rel.generation.text_jobs`); values do not change."""
    from amalgam_rel.generation.text_worker import cores, prestart

    if llm is None and cores() > 1:
        prestart()


def _sample_shards(model_dir: Path, location, shards: int, block_rows, shard_by, seed, scale: float, text_values,
                   force: bool) -> None:
    """The model is loaded inside, by its directory: the workers start and load it meanwhile."""
    from amalgam_rel.api.params import check_sample_options
    from amalgam_rel.api.shards import DEFAULT_BLOCK_ROWS, sample_shards

    budget = "fitted" if text_values is None else text_values_of(text_values)
    check_sample_options(budget, None)
    result = sample_shards(model_dir, location, shards=shards, block_rows=block_rows or DEFAULT_BLOCK_ROWS,
                           shard_by=shard_by, seed=seed, scale=scale, text_values=budget, force=force)
    report = result.report
    err_console.print(f"wrote {written_to(location)}: {len(report.rows)} tables, {sum(report.rows.values()):,} rows "
                      f"in {max(report.parts.values(), default=1)} blocks on {shards} shard(s)", highlight=False)


@app.command()
@user_errors
def synth(
    source: Annotated[str, typer.Argument(help=SOURCE_HELP)],
    output: OutputOpt,
    scale: ScaleOpt = 1.0,
    rows: RowsOpt = None,
    seed: SeedOpt = 0,
    llm: LlmOpt = None,
    text_steps: TextStepsOpt = None,
    min_word_rows: MinWordRowsOpt = 2,
    max_rows: MaxRowsOpt = None,
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
    privacy_unit: PrivacyUnitOpt = None,
    schema: SchemaOpt = None,
    out_schema: OutSchemaOpt = None,
    out_dialect: OutDialectOpt = None,
) -> None:
    """Fit models on SOURCE and write a synthetic database with the same DDL to OUTPUT."""
    # every option is checked before minutes of fitting, not after
    parsed_rows = parse_rows(rows)
    source = source_location(source, schema)
    location, script_dialect = synth_target(output, out_schema, out_dialect, force=force, report=report,
                                            ledger=epsilon is not None, sources=inputs(source, sidecar, llm))
    synthesizer = synthesizer_of(seed, llm, text_steps, min_word_rows, epsilon, delta, max_children, epsilon_text,
                               synthesize, public, privacy_unit, max_rows).check(source, scale=scale, rows=parsed_rows)
    check_server_target(location, synthesizer.source_schema_, force=force, source=source)
    _prestart_text_worker(llm)
    with progress_bars() as progress:
        model = _fit(synthesizer, source, sidecar, progress, len(synthesizer.source_schema_.tables))
        result = _sample(synthesizer, sample_out(location), scale, parsed_rows, seed, force, progress,
                         text_values_of(text_values), part_rows, dialect=script_dialect)
    if model.privacy_ is not None:
        print_ledger(model.privacy_)
        err_console.print(f"wrote {model.privacy_.write(ledger_for(location))}", highlight=False)
    total = sum(result.rows.values())
    err_console.print(f"wrote {written_to(location)}: {len(result.rows)} tables, {total:,} rows "
                      f"(fit {model.fit_seconds_:.1f} s, sample {sum(result.seconds.values()):.1f} s)", highlight=False)
    print_notes(result.notes)
    print_text_summary(result, model)
    print_kept(model)
    print_sampled(model)
    print_single_rows(model)
    if report:
        from amalgam_rel.evaluation import evaluate as run_evaluation
        from amalgam_rel.evaluation.console import print_summary
        from amalgam_rel.evaluation.report import write_report

        evaluation = run_evaluation(source, location, schema=model.db)  # read back from wherever -o wrote
        write_report(evaluation, report)
        print_summary(console, evaluation.to_dict())
        err_console.print(f"wrote {report}", highlight=False)


@app.command()
@user_errors
def fit(
    source: Annotated[str, typer.Argument(help=SOURCE_HELP)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to save the fitted model in.")],
    seed: SeedOpt = 0,
    llm: LlmOpt = None,
    text_steps: TextStepsOpt = None,
    min_word_rows: MinWordRowsOpt = 2,
    max_rows: MaxRowsOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the model directory if it exists.")] = False,
    sidecar: SidecarOpt = None,
    epsilon: EpsilonOpt = None,
    delta: DeltaOpt = 1e-9,
    max_children: MaxChildrenOpt = None,
    epsilon_text: EpsilonTextOpt = "refuse",
    synthesize: SynthesizeOpt = None,
    public: PublicOpt = None,
    privacy_unit: PrivacyUnitOpt = None,
    schema: SchemaOpt = None,
) -> None:
    """Fit models on SOURCE and save them for `amalgam-rel sample` (no real rows; docs/privacy.md says what is kept)."""
    from amalgam_rel.pipeline.persistence import check_model_dir

    source = source_location(source, schema)
    check_model_dir(output, force=force, option="-o", sources=inputs(source, sidecar, llm))
    synthesizer = synthesizer_of(seed, llm, text_steps, min_word_rows, epsilon, delta, max_children, epsilon_text,
                               synthesize, public, privacy_unit, max_rows).check(source)
    with progress_bars() as progress:
        model = _fit(synthesizer, source, sidecar, progress, len(synthesizer.source_schema_.tables))
    synthesizer.save(output, force=force)
    if model.privacy_ is not None:
        print_ledger(model.privacy_)
        err_console.print(f"the privacy ledger is saved with the model: {output / 'privacy.json'}", highlight=False)
    err_console.print(f"saved the fitted model to {output} (fit {model.fit_seconds_:.1f} s)", highlight=False)
    print_computed(model)
    print_kept(model)
    print_sampled(model)
    print_single_rows(model)


@app.command()
@user_errors
def sample(
    model_dir: Annotated[Path, typer.Argument(help="A model directory written by `amalgam-rel fit`.")],
    output: OutputOpt,
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
    out_schema: OutSchemaOpt = None,
    out_dialect: OutDialectOpt = None,
    where: Annotated[Optional[list[str]], typer.Option(
        "--where", help="Every synthetic row of a table meets this SQL condition, e.g. \"Customer.Country = "
                        "'Germany'\" or \"count(Invoice) >= 3\" (a customer's invoices); one per table, "
                        "repeatable. Synthetic rows, unlike `subset`.")] = None,
    shards: ShardsOpt = None,
    block_rows: BlockRowsOpt = None,
    shard_by: ShardByOpt = None,
) -> None:
    """Write a synthetic database from a saved model."""
    from amalgam_rel.api.synthesizer import Synthesizer
    from amalgam_rel.seeds import checked_seed

    parsed_rows = parse_rows(rows)
    if seed is not None:  # Synthesizer.sample checks it too; here before the model loads
        checked_seed(seed)
    location, script_dialect = output_target(output, out_schema, out_dialect, force=force,
                                             sources={"model directory": model_dir, "--guard-source": guard_source})
    if shards is None and (block_rows is not None or shard_by is not None):
        raise InputError("--block-rows and --shard-by apply to a sample in shards: add --shards N")
    if shards is not None and (location.kind != "parquet" or parsed_rows or part_rows or guard_source or where):
        raise InputError("--shards writes a Parquet dataset: -o parquet:DIR, without --rows, --part-rows, "
                         "--guard-source or --where")
    if shards is not None:
        _sample_shards(model_dir, location, shards, block_rows, shard_by, seed, scale, text_values, force)
        return
    _prestart_text_worker(None)  # a model fitted with --llm is not shared: the spare just ends
    synthesizer = Synthesizer.load(model_dir)
    model = synthesizer.model_
    check_server_target(location, model.output_schema, force=force)
    with progress_bars() as progress:
        budget = "fitted" if text_values is None else text_values_of(text_values)
        result = _sample(synthesizer, sample_out(location), scale, parsed_rows, seed, force, progress, budget,
                         part_rows, guard_source, dialect=script_dialect, where=tuple(where or ()))
    err_console.print(f"wrote {written_to(location)}: {len(result.rows)} tables, {sum(result.rows.values()):,} rows",
                      highlight=False)
    for condition in result.conditions:
        err_console.print(condition.line(), highlight=False, markup=False)
    print_notes(result.notes)
    print_text_summary(result, model)
    print_kept(model)
    if model.text_unscreened:  # after the output is written: an error stays the one line it is
        err_console.print("note: the text was not screened against real values (a saved model holds none); "
                          "--guard-source SRC screens it", highlight=False, markup=False)





@app.command()
@user_errors
def evaluate(
    real: Annotated[str, typer.Argument(help=SOURCE_HELP)],
    synth: Annotated[str, typer.Argument(help="The synthetic database (same tables and columns): a DuckDB file, or "
                                               "any -o location (see --synth-schema).")],
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
    schema: SchemaOpt = None,
    synth_schema: Annotated[Optional[str], typer.Option(
        "--synth-schema", help="The PostgreSQL schema of a postgresql:// SYNTH (default public).")] = None,
) -> None:
    """Compare SYNTH with REAL: validity, fidelity, SQL-workload answers and privacy."""
    from amalgam_rel.api.evaluate import evaluate as run_evaluation
    from amalgam_rel.evaluation.console import print_summary

    result = run_evaluation(source_location(real, schema), source_location(synth, synth_schema), sidecar=sidecar,
                            queries=queries, holdout=holdout, report=report, force=force)
    summary = result.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        return
    print_summary(console, summary)
    if report:
        err_console.print(f"wrote {report}", highlight=False)


def main() -> None:  # pragma: no cover - the console script calls app directly
    app()

