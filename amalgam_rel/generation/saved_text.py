"""``text_model.json`` read back and checked before the language model's weights are loaded.

Generation uses a column plan as it stands: a token budget sizes a tensor (10**12 tokens asked
for 480 TB), a regex is compiled by outlines the first time its column is generated. So each
plan's types and ranges are checked here, and its regex compiled, so that a damaged file fails
at load with one line naming it, not minutes later with a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from amalgam_rel.errors import InputError
from amalgam_rel.generation.lm import TrainReport
from amalgam_rel.generation.text_plan import MAX_NEW_TOKENS, ColumnPlan
from amalgam_rel.saved import read_json, reading, typed
from amalgam_rel.seeds import MAX_SEED

META = "text_model.json"

Positive = Annotated[int, Field(ge=1)]


class SavedTextParams(TypedDict, total=False):
    llm: str | None
    fine_tune: bool
    train_steps: Positive | None
    budget_s: Annotated[float, Field(ge=0)] | None  # before train_steps; dropped below
    max_rows_per_column: Positive
    copy_guard: bool
    guard_max_count: Annotated[int, Field(ge=0)] | None
    max_distinct_per_context: Positive | None
    max_values_per_column: Annotated[int, Field(ge=0)] | None
    batch_size: Positive | None
    max_attempts: Positive
    temperature: Annotated[float, Field(gt=0)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    device: str | None
    num_threads: Positive | None
    min_word_rows: Positive


class SavedTextTable(TypedDict):
    name: str
    schema: str
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...]
    checks: tuple[str, ...]
    columns: tuple[tuple[str, str, bool], ...]


def read_text_model(path: Path, format_version: int) -> dict:
    """The checked contents of ``path / text_model.json``: params, plans (as ColumnPlans), tables,
    copy guard digests, train report; an :class:`InputError` naming the file otherwise."""
    file = path / META
    meta = read_json(file)
    if meta.get("format") != format_version:
        raise InputError(f"{path} holds a text model of format {meta.get('format')}, expected {format_version}")
    with reading(file):
        out = {
            # a model fitted under a wall-clock budget still samples: only fitting read ``budget_s``
            "params": {k: v for k, v in typed(SavedTextParams, meta["params"], "params").items() if k != "budget_s"},
            "llm_dir": typed(str | None, meta["llm_dir"], "llm_dir"),
            "plans": tuple(typed(ColumnPlan, p, f"plans[{_label(p, i)}]") for i, p in enumerate(meta["plans"])),
            "tables": typed(dict[str, SavedTextTable], meta["tables"], "tables"),
            "train_report": typed(TrainReport | None, meta["train_report"], "train_report"),
            "fit_seconds": typed(float, meta["fit_seconds"], "fit_seconds"),
        }
        for plan in out["plans"]:
            _check_plan(plan)
    return out


def _label(plan, i: int) -> str:
    """``'table.column'`` when the entry says it, else its index."""
    if isinstance(plan, dict) and isinstance(plan.get("table"), str) and isinstance(plan.get("column"), str):
        return repr(f"{plan['table']}.{plan['column']}")
    return str(i)


def _check_plan(plan) -> None:
    where = f"the plan of {plan.table}.{plan.column}"
    if not 0 <= plan.null_rate <= 1:
        raise ValueError(f"{where}: null_rate {plan.null_rate} is not between 0 and 1")
    if not 1 <= plan.max_new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"{where}: max_new_tokens {plan.max_new_tokens} is not between 1 and {MAX_NEW_TOKENS}")
    spec = plan.spec
    if spec.min_length < 0 or (spec.max_length is not None and spec.max_length < spec.min_length):
        raise ValueError(f"{where}: the length range {spec.min_length}..{spec.max_length} is empty")
    if spec.mode != "choice" and spec.regex is not None:
        problem = regex_problem(spec.regex)
        if problem:
            raise ValueError(f"{where}: its regex {spec.regex!r} does not compile ({problem})")


def regex_problem(pattern: str) -> str | None:
    """Why outlines cannot compile ``pattern``, or None when it can.

    outlines parses regexes with Rust's ``regex`` crate (not Python's ``re``, whose dialect
    differs), inside outlines_core's Index. Built over a one-token vocabulary the Index first
    compiles the pattern, then stops cheaply at the first state that token cannot spell, with a
    message of its own; a pattern that does not parse fails before that ("Failed to build DFA").
    The token is a byte no UTF-8 text holds, so it spells nothing.
    """
    from outlines_core import Index, Vocabulary

    try:
        Index(pattern, Vocabulary(0, {b"\xff": [1]}))
    except ValueError as err:
        text = str(err).splitlines()[0]
        return text if "Failed to build DFA" in text else None
    return None
