"""Save a fitted :class:`DatabaseModel` as a directory of plain files, and load it back.

``model.json`` holds the schema, the parameters and every table's relational state; each table
model is an ``.npz`` (see :mod:`amalgam_rel.models.persistence`) and the language model a
``text/`` directory (safetensors and JSON). Nothing is pickled, so loading runs no code.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from amalgam_rel.errors import InputError, OutputError
from amalgam_rel.models.persistence import load_model, save_model
from amalgam_rel.models.privacy import MAX_EPSILON
from amalgam_rel.outputs import check_output_path, mark_written, sweep_stale_temps, temp_path
from amalgam_rel.pipeline.fitting import FittedTable, TemporalOrder
from amalgam_rel.relational.fillers import Filler
from amalgam_rel.relational.keys import key_generator_from_json
from amalgam_rel.relational.plan import context_column, matched_column, plan_database
from amalgam_rel.relational.reference import load_reference, save_reference
from amalgam_rel.relational import rules as registry
from amalgam_rel.relational.semantic_columns import Semantics
from amalgam_rel.relational.sizes import MAX_TABLE_ROWS
from amalgam_rel.saved import read_json, reading, typed
from amalgam_rel.schema.serialize import database_from_json, database_to_json
from amalgam_rel.seeds import MAX_SEED

FORMAT = "amalgam-rel/database-model"
VERSION = 1
MANIFEST = "model.json"


def check_model_dir(path: str | Path, *, force: bool, option: str = "model directory",
                    sources: Mapping[str, Path | str | None] | None = None) -> None:
    """Refuse, before any fitting, a model directory that cannot or must not be written: with
    ``force`` an existing one is replaced only if it is a saved model and nothing else."""
    path = Path(path)
    check_output_path(path, option=option, force=force, sources=sources, directory=True)
    if path.exists():
        saved_files(path)


def saved_files(path: Path) -> list[str]:
    """Every file of the saved model at ``path`` (relative, ``/``-separated); an OutputError naming
    ``path`` if it is not one or holds anything a save did not write. An empty folder holds nothing."""
    try:
        if not any(path.iterdir()):
            return []
    except OSError as err:
        raise OutputError(f"cannot replace the model directory {path}: {err.strerror or err}") from None
    expected = _expected_files(path)
    if expected is None:
        raise OutputError(f"refusing to replace {path}: it is not an amalgam-rel model directory")
    folders = {parent.as_posix() for name in expected for parent in Path(name).parents}
    found = []
    for folder, dirs, files in os.walk(path):  # symlinked folders are listed, never followed
        for entry in (Path(folder) / name for name in files + dirs):
            relative = entry.relative_to(path).as_posix()
            if entry.is_symlink() or relative not in (folders if entry.is_dir() else expected):
                raise OutputError(f"refusing to replace the model directory {path}: it holds {relative}, "
                                  "which amalgam-rel did not write")
            if not entry.is_dir():
                found.append(relative)
    return found


def _expected_files(path: Path) -> set[str] | None:
    """The files a save wrote, as its manifest lists them (or, for models saved before the list,
    as their roles name them); None if ``path`` holds no manifest of this format."""
    try:
        doc = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return None
        if "files" in doc:
            return {MANIFEST, *map(str, doc["files"])}
        expected = {MANIFEST, *(t["model"] for t in doc["tables"] if t["model"])}
        if doc.get("privacy"):
            expected.add(str(doc["privacy"]))
        if doc.get("text"):
            text = Path(str(doc["text"]))
            expected.add((text / "text_model.json").as_posix())
            lm = path / text / "lm"  # what the language model library saved there, one level deep
            expected |= {(text / "lm" / f.name).as_posix() for f in (lm.iterdir() if lm.is_dir() else ()) if f.is_file()}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return expected


def save_database_model(model, path: str | Path, *, force: bool = False) -> Path:
    path = Path(path)
    check_model_dir(path, force=force, sources={"source database": getattr(model, "source_", None)})
    sweep_stale_temps(path)
    tmp = temp_path(path)
    try:
        tmp.mkdir()
        _write_model(model, tmp)
        _put_in_place(tmp, path)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write the model directory {path}: {err.strerror or err}") from None
    except BaseException:  # an interruption (SIGINT, SIGTERM) too: the half-written copy goes
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    mark_written(path)
    return path


def _put_in_place(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` to ``path``; an old model there is moved aside first and only its own files removed."""
    if not path.exists():
        tmp.rename(path)
        return
    old = saved_files(path)  # checked again: the directory may have changed while the model was fitted
    aside = path.with_name(f".{path.name}.amalgam-old-{os.getpid()}")
    path.rename(aside)
    try:
        tmp.rename(path)
    except BaseException:
        aside.rename(path)  # the old model goes back where it was
        raise
    for relative in old:
        (aside / relative).unlink(missing_ok=True)
    for folder, _, _ in sorted(os.walk(aside), key=lambda w: -len(w[0])):  # deepest first
        try:
            os.rmdir(folder)
        except OSError:  # something appeared there since the check: it is not ours to delete
            pass


def _write_model(model, tmp: Path) -> None:
    (tmp / "tables").mkdir()
    tables = [_table_entry(i, key, ft, tmp) for i, (key, ft) in enumerate(model.tables_.items())]
    # a schema-only text generator (private fits) is a few parameters, not a trained model
    schema_text = model.text_.to_json() if getattr(model.text_, "kind", None) in ("schema", "words") else None
    if model.text_ is not None and schema_text is None:
        model.text_.save(tmp / "text")
    reference = save_reference(model.reference_, tmp)  # the kept tables' real rows (docs/privacy.md)
    privacy = getattr(model, "privacy_", None)
    if privacy is not None:  # the ledger travels with the model, and is readable on its own
        privacy.write(tmp / "privacy.json")
    manifest = {
        "format": FORMAT, "version": VERSION, "params": model.get_params(), "source": model.source_,
        "fit_seconds": model.fit_seconds_, "schema": database_to_json(model.output_schema), "tables": tables,
        "text": "text" if model.text_ is not None and schema_text is None else None,
        "schema_text": schema_text, "privacy": "privacy.json" if privacy is not None else None,
        "privacy_unit": _unit_json(getattr(model, "privacy_unit_", None)),
        **_rules_json(model.rules_, "database"), "reference": reference,
        # every file this save wrote: `fit --force` replaces a directory holding these and nothing else
        "files": sorted((Path(folder) / f).relative_to(tmp).as_posix() for folder, _, files in os.walk(tmp)
                        for f in files),
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _table_entry(i: int, key: str, ft: FittedTable, tmp: Path) -> dict:
    file = None
    if ft.model is not None:
        file = f"tables/{i}.npz"
        save_model(ft.model, tmp / file)
    return {
        "key": key, "model": file, "context": list(ft.context), "text_columns": list(ft.text_columns),
        "keys": {c: g.to_json() for c, g in ft.keys.items()},
        "fillers": {c: f.to_json() for c, f in ft.fillers.items()},
        "real_rows": ft.real_rows, "null_driver_rows": ft.null_driver_rows,
        "temporal": [{"column": o.column, "parent_column": o.parent_column, "gaps": list(o.gaps), "step": o.step}
                     for o in ft.temporal],
        # JSON object keys are strings: FK indexes are written as such and read back as ints
        "mean_degrees": {str(i): v for i, v in ft.mean_degrees.items()},
        "own_parent_shares": {str(i): v for i, v in ft.own_parent_shares.items()},
        "own_parent_tops": {str(i): list(v) for i, v in ft.own_parent_tops.items()},
        "sequences": dict(ft.sequences),
        "matched": {str(i): c for i, c in ft.matched.items()},
        "matched_also": {str(i): list(cs) for i, cs in ft.matched_also.items()},
        "calendar": list(ft.calendar), **_rules_json(ft.rules, "table"),
        "time_zones": {c: [list(o) for o in offsets] for c, offsets in ft.time_zones.items()},
        "semantic": asdict(ft.semantic) if ft.semantic else None,
    }


def _rules_json(found: dict[str, tuple], level: str) -> dict:
    """The entries every rule of ``level`` ("table" or "database") saves its records in."""
    rules = [r for r in registry.RULES if (r.FIT_AT == "database") == (level == "database")]
    return {k: v for r in rules for k, v in r.to_json(found.get(r.NAME, ())).items()}


def _rules_from_json(entry: dict, where: str, level: str) -> dict[str, tuple]:
    rules = [r for r in registry.RULES if (r.FIT_AT == "database") == (level == "database")]
    return {r.NAME: r.from_json(entry, where) for r in rules}


def load_database_model(model_class: type, path: str | Path):
    """The model saved at ``path``, an instance of ``model_class`` (the caller's
    ``DatabaseModel``: this module sits below it and never imports it)."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise InputError(f"{path} is not a fitted amalgam-rel model (no {MANIFEST})")
    doc = read_json(manifest_path)
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise InputError(f"{path} holds a model of another format ({doc.get('format')} v{doc.get('version')})")
    # the files it names (table models, the text model, the ledger) name themselves when damaged
    with reading(manifest_path):
        return _from_manifest(model_class, path, doc)


Count = Annotated[int, Field(ge=0, le=MAX_TABLE_ROWS)]
Share = Annotated[float, Field(ge=0, le=1)]


class SavedParams(TypedDict, total=False):
    """``DatabaseModel``'s parameters as saved (an older model may lack the later ones)."""

    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    context_size: Annotated[int, Field(ge=0)]
    epsilon: Annotated[float, Field(gt=0, le=MAX_EPSILON)] | None
    delta: Annotated[float, Field(gt=0, lt=1)]
    iters: Annotated[int, Field(ge=0)]
    llm: str | None
    text_steps: NotRequired[Annotated[int, Field(ge=1)] | None]
    text_budget_s: NotRequired[Annotated[float, Field(ge=0)] | None]  # before steps; ignored (see below)
    text_values: Annotated[int, Field(ge=0)] | None
    max_children: Annotated[int, Field(ge=1)] | dict[str, Annotated[int, Field(ge=1)]] | None
    epsilon_text: Literal["refuse", "schema", "words"]
    reference_rows: NotRequired[Annotated[int, Field(ge=0)]]
    synthesize: NotRequired[tuple[str, ...]]
    public: NotRequired[tuple[str, ...]]
    min_word_rows: NotRequired[Annotated[int, Field(ge=1)]]
    privacy_unit: NotRequired[str | None]
    max_rows: NotRequired[Annotated[int, Field(ge=1)] | None]


class SavedTable(TypedDict):
    """One table's relational state as :func:`save_database_model` writes it; sampling uses
    these as they are, so each is checked here (the ``NotRequired`` ones came later)."""

    key: str
    model: str | None
    context: tuple[str, ...]
    text_columns: tuple[str, ...]
    keys: dict[str, dict]
    fillers: dict[str, Filler]
    real_rows: Count
    null_driver_rows: Count
    temporal: tuple[TemporalOrder, ...]
    mean_degrees: dict[int, Annotated[float, Field(ge=0, le=MAX_TABLE_ROWS)]]
    own_parent_shares: dict[int, Share]
    own_parent_tops: NotRequired[dict[int, tuple[str, int, float]]]
    sequences: dict[str, int]
    matched: NotRequired[dict[int, str]]
    matched_also: NotRequired[dict[int, tuple[str, ...]]]
    calendar: NotRequired[tuple[str, ...]]
    # and each rule's records, as its own from_json reads them (:mod:`.rules`)
    time_zones: NotRequired[dict[str, tuple[tuple[int, Annotated[float, Field(ge=0, le=1)]], ...]]]
    semantic: NotRequired[Semantics | None]


def _from_manifest(model_class: type, path: Path, doc: dict):
    params = typed(SavedParams, doc["params"], "params")
    # models fitted under a wall-clock text budget still sample: only fitting read it
    model = model_class(**{k: v for k, v in params.items() if k != "text_budget_s"})
    model.schema_ = database_from_json(doc["schema"])
    db = model.schema_.without_generated()
    model.privacy_unit_ = _unit_from_json(db, doc.get("privacy_unit"), model.public)
    public = frozenset(model.privacy_unit_.public) if model.privacy_unit_ is not None else frozenset()
    model.plan_ = plan_database(db, private=model.epsilon is not None, public=public)
    model.source_ = typed(str, doc["source"], "source")
    model.fit_seconds_ = typed(float, doc["fit_seconds"], "fit_seconds")
    model.tables_ = {}
    for i, entry in enumerate(doc["tables"]):
        named = isinstance(entry, dict) and isinstance(entry.get("key"), str)
        t = typed(SavedTable, entry, f"tables[{entry['key']!r}]" if named else f"tables[{i}]")
        model.tables_[t["key"]] = _fitted_table(t, db, model.plan_, path)
        model.tables_[t["key"]].rules.update(_rules_from_json(entry, f"tables[{t['key']!r}]", "table"))
    model.text_ = None
    model.privacy_ = None
    model.rules_ = _rules_from_json(doc, "", "database")
    model.reference_ = load_reference(path, typed(dict[str, str], doc.get("reference") or {}, "reference"), db)
    if doc.get("privacy"):
        from amalgam_rel.models.ledger import Ledger as DatabaseLedger

        ledger = path / doc["privacy"]
        with reading(ledger):
            model.privacy_ = DatabaseLedger.from_json(read_json(ledger))
    if doc.get("schema_text"):
        from amalgam_rel.dp.private_words import WordText
        from amalgam_rel.dp.schema_text import SchemaText

        kind = doc["schema_text"].get("kind") if isinstance(doc["schema_text"], dict) else None
        model.text_ = (WordText if kind == "words" else SchemaText).from_json(db, doc["schema_text"])
    if doc["text"]:
        from amalgam_rel.generation.text_model import TextFieldModel

        model.text_ = TextFieldModel.load(path / doc["text"])
    return model


def _unit_json(unit) -> dict | None:
    return None if unit is None else {"table": unit.table, "reason": unit.reason}


def _unit_from_json(db, doc, public):
    """The fit's privacy unit (its public tables follow from the schema), checked."""
    if doc is None:
        return None
    from dataclasses import replace

    from amalgam_rel.dp.unit import privacy_unit

    doc = typed(dict[str, str], doc, "privacy_unit")
    if set(doc) != {"table", "reason"} or not db.has_table(doc["table"]):
        raise ValueError(f"privacy_unit: bad entry {doc!r}")
    return replace(privacy_unit(db, doc["table"], public, {}), reason=doc["reason"])


def _fitted_table(t: SavedTable, db, plan, path: Path) -> FittedTable:
    key = t["key"]
    if t["null_driver_rows"] > t["real_rows"]:
        raise ValueError(f"table {key!r}: null_driver_rows {t['null_driver_rows']} exceeds real_rows {t['real_rows']}")
    ft = FittedTable(
        key, db.table(key), plan.tables[key], context=t["context"],
        model=load_model(path / t["model"]) if t["model"] else None,
        keys={c: key_generator_from_json(g, f"tables[{key!r}].keys.{c}") for c, g in t["keys"].items()},
        fillers=t["fillers"], text_columns=t["text_columns"],
        real_rows=t["real_rows"], null_driver_rows=t["null_driver_rows"], temporal=t["temporal"],
        mean_degrees=t["mean_degrees"], own_parent_shares=t["own_parent_shares"],
        own_parent_tops=t.get("own_parent_tops", {}), sequences=t["sequences"],
        matched=t.get("matched", {}), matched_also=t.get("matched_also", {}), calendar=t.get("calendar", ()),
        time_zones=t.get("time_zones", {}), semantic=t.get("semantic"),
    )
    # fitting keeps only the parent columns its model owns; sampling looks each one up there
    wanted = [context_column(c) for c in ft.context] + [matched_column(i, c) for i, c in ft.matched.items()] \
        + [matched_column(i, c) for i, cs in ft.matched_also.items() for c in cs]
    missing = [c for c in wanted if c not in ft.modelled]
    if missing:
        raise ValueError(f"table {key!r}: its model has no column {missing[0]!r}")
    return ft
