"""The options the commands share (``--seed``, ``--llm``, the privacy options, ...) and their
parsing into what the public API (:mod:`amalgam_rel.api`) takes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from amalgam_rel.errors import AmalgamError

SidecarOpt = Annotated[
    Optional[Path],
    typer.Option("--sidecar", help="TOML file declaring logical foreign keys, CHECKs (validated against the data) and "
                              "columns' semantic types."),
]
SOURCE_HELP = ("The real database, only read: a DuckDB file, sqlite:PATH (or a SQLite file), postgresql://..., "
               "mysql://..., parquet:DIR, csv:DIR or jsonl:DIR (one file per table).")
SchemaOpt = Annotated[
    Optional[str],
    typer.Option("--schema", help="The schema of a postgresql:// source (default: public); a mysql:// source's is its "
                              "URL's database."),
]
DialectOpt = Annotated[
    Optional[str],
    typer.Option("--dialect", help="SQL dialect of a DDL file: duckdb, postgres, mysql or sqlite (default: guessed)."),
]

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
MaxRowsOpt = Annotated[
    Optional[int],
    typer.Option("--max-rows", min=1, metavar="N",
                 help="A table of more than N rows is not read into memory: it is fitted from a repeatable sample of "
                      "about N rows and counts of all its rows computed inside the source (default: every table read "
                      "whole)."),
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
    typer.Option("--epsilon", help="Differential privacy per privacy unit (docs/privacy.md): the budget epsilon > 0. "
                                   "The privacy ledger is printed and saved next to the output."),
]
DeltaOpt = Annotated[float, typer.Option("--delta", help="The delta of (epsilon, delta)-DP, 0 < delta < 1 (with --epsilon).")]
MaxChildrenOpt = Annotated[
    Optional[list[str]],
    typer.Option("--max-children", help="N or TABLE=N: children kept per parent row for each FK (of TABLE) under "
                                        "--epsilon; the rest are dropped before fitting (default: chosen from the data "
                                        "under the budget; repeatable)."),
]
EpsilonTextOpt = Annotated[
    str,
    typer.Option("--epsilon-text", help="Text and nested columns under --epsilon: 'refuse' (an error naming them), "
                                        "'schema' (placeholder values made from the schema alone, no data) or 'words' "
                                        "(free text from words whose noisy counts clear a threshold, charged to the "
                                        "budget; nested values from the schema)."),
]
SynthesizeOpt = Annotated[Optional[list[str]], typer.Option(
    "--synthesize", help="TABLE: synthesize it even if it is a small reference table kept verbatim by default (repeatable).")]
PrivacyUnitOpt = Annotated[Optional[str], typer.Option(
    "--privacy-unit", help="TABLE: under --epsilon, protect one row of it plus every row that reaches it through "
                           "foreign keys (a customer, its orders, their lines); tables that do not reach it are public "
                           "and kept verbatim. Default: chosen from the schema, printed with the reason.")]
PublicOpt = Annotated[Optional[list[str]], typer.Option(
    "--public", help="TABLE: under --epsilon, its rows are public (a list of countries): a reference table may be "
                     "kept verbatim (repeatable).")]


def _max_children(items: list[str] | None) -> dict[str, int] | None:
    """``--max-children`` as the API's ``max_children``: ``["5", "orders=2"]`` -> ``{"*": 5, "orders": 2}``."""
    from amalgam_rel.dp.options import parse_max_children

    if not items:
        return None
    default, per_table = parse_max_children(items)
    return {**({} if default is None else {"*": default}), **dict(per_table)}


def synthesizer_of(seed, llm, text_steps, min_word_rows, epsilon, delta, max_children, epsilon_text, synthesize, public,
                   privacy_unit=None, max_rows=None):
    """The API's Synthesizer for the options of ``synth`` and ``fit``."""
    from amalgam_rel.api.synthesizer import Synthesizer

    return Synthesizer(seed=seed, llm=llm, text_steps=text_steps, min_word_rows=min_word_rows, epsilon=epsilon,
                       delta=delta, max_children=_max_children(max_children), epsilon_text=epsilon_text,
                       synthesize=synthesize or (), public=public or (), privacy_unit=privacy_unit,
                       max_rows=max_rows)


def source_location(source: str, schema: str | None):
    """The :class:`~amalgam_rel.locations.Location` a SRC argument (and ``--schema``) names."""
    from amalgam_rel.locations import parse_location

    return parse_location(source, schema=schema)


def local_path(location) -> Path | None:
    """A location's file or folder, which no output may be written onto (None: a server)."""
    return None if location.is_server else location.path


def inputs(source, sidecar: Path | None, llm: str | None) -> dict:
    """What a fitting command reads (``source``: a Location), which none of its outputs may be written onto."""
    return {"source database": local_path(source), "sidecar": sidecar,
            "--llm model": llm if llm is not None and Path(llm).exists() else None}


def text_values_of(n: int | None):
    return None if n == 0 else n


def parse_rows(rows: list[str] | None) -> dict[str, int]:
    parsed = {}
    for item in rows or []:
        table, sep, n = item.rpartition("=")
        if not sep or not table or not n.strip().isdigit():
            raise AmalgamError(f"--rows expects TABLE=N with N a whole number, got {item!r}")
        parsed[table] = int(n)
    return parsed


ShardsOpt = Annotated[Optional[int], typer.Option(
    "--shards", min=1, help="Sample in blocks of root entities on this many Dask worker processes (pip install "
                            "'amalgam-rel[dask]'; 1 runs here) and write a Parquet dataset: -o parquet:DIR, one folder "
                            "per table. Any number of shards gives the same rows (docs/sharding.md).")]
BlockRowsOpt = Annotated[Optional[int], typer.Option(
    "--block-rows", min=1, help="With --shards: root entities per block (default 10000); part of what the rows are.")]
ShardByOpt = Annotated[Optional[str], typer.Option(
    "--shard-by", help="With --shards: the table whose rows are cut into blocks (default: the highest table with "
                       ">= 1000 rows above the largest one).")]
OutputOpt = Annotated[str, typer.Option(
    "-o", "--output", help="Where the database goes: a DuckDB file, sqlite:PATH, postgresql://USER@HOST/DB "
                           "(see --out-schema), mysql://USER@HOST/DB, parquet:DIR, csv:DIR, jsonl:DIR (JSON lines), or a .sql script "
                           "(see --out-dialect).")]
OutSchemaOpt = Annotated[Optional[str], typer.Option(
    "--out-schema", help="The PostgreSQL schema -o writes into (default public); MySQL: the URL's database.")]
OutDialectOpt = Annotated[Optional[str], typer.Option(
    "--out-dialect", help="The dialect of a .sql -o script: postgres, mysql, sqlite or duckdb (default duckdb).")]


def output_target(output: str, out_schema: str | None, out_dialect: str | None, *, force: bool,
                  sources: dict, others: dict | None = None):
    """``(location, dialect)`` of ``-o``, with every check that needs no fitted model: an existing
    file or folder without ``--force``, an input or another output named twice, a bad dialect.
    A server is checked once its tables are known (:func:`check_server_target`)."""
    from amalgam_rel.outputs import check_outputs
    from amalgam_rel.writing.targets import check_target, target_of

    location, dialect = target_of(output, schema=out_schema, dialect=out_dialect)
    if location.kind == "duckdb":
        check_outputs({"-o": location.path, **(others or {})}, force=force, sources=sources)
        return location, dialect
    check_target(location, force=force, sources=sources)
    local = {} if location.is_server else {"-o": location.path}
    check_outputs(others or {}, force=force, sources={**sources, **local})
    return location, dialect


def synth_target(output: str, out_schema: str | None, out_dialect: str | None, *, force: bool, report,
                 ledger: bool, sources: dict):
    """:func:`output_target` for ``synth``, whose ``--report`` reads the output back (any target
    but a script) and whose privacy ledger goes beside it."""
    from amalgam_rel.errors import OutputError
    from amalgam_rel.writing.targets import target_of

    location, _ = target_of(output, schema=out_schema, dialect=out_dialect)
    if report is not None and location.kind == "ddl":
        raise OutputError(f"--report reads the written database back; {written_to(location)} is a SQL script "
                          f"(run it into a database, then `amalgam-rel evaluate` that)")
    others = {"--report": report, "the privacy ledger": ledger_for(location) if ledger else None}
    return output_target(output, out_schema, out_dialect, force=force, sources=sources, others=others)


def check_server_target(location, db, *, force: bool, source=None) -> None:
    """A server ``-o``: reachable, not the ``source`` location itself, and holding none of ``db``'s
    tables unless ``--force``."""
    from amalgam_rel.writing.targets import check_target

    if location.is_server:
        check_target(location, force=force, db=db, source=source)


def written_to(location):
    """What ``-o`` names in messages: the file, or the location with its password masked."""
    if location.kind == "postgres":
        return f"{location.shown()} (schema {location.schema})"
    return location.path if location.kind == "duckdb" else location.shown()


def sample_out(location):
    """What ``Synthesizer.sample`` is given for ``-o``: a DuckDB file's path, else the location."""
    return location.path if location.kind == "duckdb" else location


def ledger_for(location) -> Path:
    """Where the privacy ledger goes: beside a file or folder; for a server, ``SCHEMA.privacy.json`` here."""
    from amalgam_rel.dp.accounting import ledger_path

    return ledger_path(location.schema or "public") if location.is_server else ledger_path(location.path)
