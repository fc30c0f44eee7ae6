"""Save a fitted :class:`DatabaseModel` as a directory of plain files, and load it back.

``model.json`` holds the schema, the parameters and every table's relational state; each table
model is an ``.npz`` (see :mod:`amalgam_rel.models.persistence`) and the language model a
``text/`` directory (safetensors and JSON). Nothing is pickled, so loading runs no code.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from amalgam_rel.errors import InputError, OutputError
from amalgam_rel.models.persistence import load_model, save_model
from amalgam_rel.relational.date_parts import DatePart
from amalgam_rel.relational.date_offsets import DateOffset
from amalgam_rel.relational.derived import Derived
from amalgam_rel.relational.implied import Implied
from amalgam_rel.relational.parent_copies import ParentCopy
from amalgam_rel.relational.spelled import Spelled
from amalgam_rel.relational.fillers import Filler
from amalgam_rel.relational.fitting import FittedTable, TemporalOrder
from amalgam_rel.relational.fixed_sums import FixedSum
from amalgam_rel.relational.keys import key_generator_from_json
from amalgam_rel.relational.plan import plan_database
from amalgam_rel.relational.totals import Total
from amalgam_rel.schema.serialize import database_from_json, database_to_json

FORMAT = "amalgam-rel/database-model"
VERSION = 1
MANIFEST = "model.json"


def save_database_model(model, path: str | Path, *, force: bool = False) -> Path:
    path = Path(path)
    if path.exists():
        if not force:
            raise OutputError(f"model directory {path} already exists (pass --force to replace it)")
        if not (path / MANIFEST).exists():
            raise OutputError(f"refusing to replace {path}: it is not an amalgam-rel model directory")
    tmp = path.with_name(f".{path.name}.amalgam-tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "tables").mkdir(parents=True)
    tables = []
    for i, (key, ft) in enumerate(model.tables_.items()):
        file = None
        if ft.model is not None:
            file = f"tables/{i}.npz"
            save_model(ft.model, tmp / file)
        tables.append({
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
            "fixed_sums": [asdict(f) for f in ft.fixed_sums],
            "derived": [asdict(f) for f in ft.derived], "date_parts": [asdict(f) for f in ft.date_parts],
            "calendar": list(ft.calendar), "spelled": [asdict(f) for f in ft.spelled],
            "offsets": [asdict(f) for f in ft.offsets],
            "copies": [asdict(f) for f in ft.copies],
            "implied": [asdict(f) for f in ft.implied.values()], "match_order": list(ft.match_order),
            "time_zones": {c: [list(o) for o in offsets] for c, offsets in ft.time_zones.items()},
        })
    # a schema-only text generator (private fits) is a few parameters, not a trained model
    schema_text = model.text_.to_json() if getattr(model.text_, "kind", None) == "schema" else None
    if model.text_ is not None and schema_text is None:
        model.text_.save(tmp / "text")
    privacy = getattr(model, "privacy_", None)
    if privacy is not None:  # the ledger travels with the model, and is readable on its own
        privacy.write(tmp / "privacy.json")
    manifest = {
        "format": FORMAT, "version": VERSION, "params": model.get_params(), "source": model.source_,
        "fit_seconds": model.fit_seconds_, "schema": database_to_json(model.output_schema), "tables": tables,
        "text": "text" if model.text_ is not None and schema_text is None else None,
        "schema_text": schema_text, "privacy": "privacy.json" if privacy is not None else None,
        "totals": [t.to_json() for t in getattr(model, "totals_", ())],
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    if path.exists():
        shutil.rmtree(path)
    tmp.rename(path)
    return path


def load_database_model(path: str | Path):
    from amalgam_rel.relational.database_model import DatabaseModel

    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise InputError(f"{path} is not a fitted amalgam-rel model (no {MANIFEST})")
    try:
        doc = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{manifest_path} is damaged: {err}") from None
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise InputError(f"{path} holds a model of another format ({doc.get('format')} v{doc.get('version')})")
    try:
        return _from_manifest(DatabaseModel, path, doc)
    except (KeyError, TypeError, ValueError, IndexError) as err:  # a hand-edited or truncated manifest
        raise InputError(f"{manifest_path} is damaged: {type(err).__name__}: {err}") from None


def _from_manifest(DatabaseModel, path: Path, doc: dict):  # noqa: N803 - the class, imported late
    model = DatabaseModel(**doc["params"])
    model.schema_ = database_from_json(doc["schema"])
    db = model.schema_.without_generated()
    model.plan_ = plan_database(db, private=model.epsilon is not None)
    model.source_ = doc["source"]
    model.fit_seconds_ = doc["fit_seconds"]
    model.tables_ = {}
    for t in doc["tables"]:
        key = t["key"]
        model.tables_[key] = FittedTable(
            key, db.table(key), model.plan_.tables[key],
            context=tuple(t["context"]),
            model=load_model(path / t["model"]) if t["model"] else None,
            keys={c: key_generator_from_json(g) for c, g in t["keys"].items()},
            fillers={c: Filler(**f) for c, f in t["fillers"].items()},
            text_columns=tuple(t["text_columns"]),
            real_rows=t["real_rows"], null_driver_rows=t["null_driver_rows"],
            temporal=tuple(TemporalOrder(o["column"], o["parent_column"], tuple(o["gaps"]), o.get("step", 1.0))
                           for o in t["temporal"]),
            mean_degrees={int(i): v for i, v in t["mean_degrees"].items()},
            own_parent_shares={int(i): v for i, v in t["own_parent_shares"].items()},
            own_parent_tops={int(i): (v[0], int(v[1]), float(v[2])) for i, v in t.get("own_parent_tops", {}).items()},
            sequences=dict(t["sequences"]),
            matched={int(i): c for i, c in t.get("matched", {}).items()},  # absent in older models
            fixed_sums=tuple(FixedSum(**f) for f in t.get("fixed_sums", [])),  # likewise
            derived=tuple(Derived(**f) for f in t.get("derived", [])),  # likewise
            date_parts=tuple(DatePart(**f) for f in t.get("date_parts", [])),  # likewise
            calendar=tuple(t.get("calendar", [])),  # likewise
            spelled=tuple(Spelled(**f) for f in t.get("spelled", [])),  # likewise
            copies=tuple(ParentCopy(**f) for f in t.get("copies", [])),  # likewise
            offsets=tuple(DateOffset(**f) for f in t.get("offsets", [])),  # likewise
            implied={f["fk"]: Implied(**f) for f in t.get("implied", [])},  # likewise
            match_order=tuple(t.get("match_order", [])),
            time_zones={c: tuple((int(s), float(p)) for s, p in o) for c, o in t.get("time_zones", {}).items()},
        )
    model.text_ = None
    model.privacy_ = None
    model.totals_ = tuple(Total.from_json(t) for t in doc.get("totals", []))  # absent in older models
    if doc.get("privacy"):
        from amalgam_rel.dp.accounting import DatabaseLedger

        model.privacy_ = DatabaseLedger.from_json(json.loads((path / doc["privacy"]).read_text(encoding="utf-8")))
    if doc.get("schema_text"):
        from amalgam_rel.dp.schema_text import SchemaText

        model.text_ = SchemaText.from_json(db, doc["schema_text"])
    if doc["text"]:
        from amalgam_rel.generation.text_model import TextFieldModel

        model.text_ = TextFieldModel.load(path / doc["text"])
    return model
