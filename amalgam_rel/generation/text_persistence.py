"""A fitted :class:`~.text_model.TextFieldModel` on disk: ``lm/`` (safetensors + tokenizer JSON)
and ``text_model.json`` (parameters, column plans, the fitted tables' schema); no pickle.

The tables keep this file's own compact format (a column is ``[name, type, nullable]``) rather
than :mod:`amalgam_rel.schema.serialize`'s: models saved before still load, and
:mod:`.saved_text` checks this format's fields before the weights load.
"""

from __future__ import annotations

import json
from pathlib import Path

from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.saved_text import META, read_text_model
from amalgam_rel.generation.text_plan import ColumnPlan
from amalgam_rel.saved import reading
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Table
from amalgam_rel.schema.types import parse_type

FORMAT_VERSION = 1


def save_text_model(model, path: str | Path) -> Path:
    """Write a fitted model to the directory ``path``; the copy guard is never saved (see :mod:`.copy_guard`)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    keep_lm = model.llm is None or model.fine_tune
    if keep_lm:
        lm_mod.save(model.model_, model.tokenizer_, path / "lm")
    meta = {
        "format": FORMAT_VERSION,
        "params": model.get_params(),
        "llm_dir": "lm" if keep_lm else None,
        "plans": [p.to_dict() for p in model.plans_.values()],
        "tables": {k: table_to_json(t) for k, t in model.tables_.items()},
        "train_report": model.train_report_.to_dict() if model.train_report_ else None,
        "fit_seconds": model.fit_seconds_,
    }
    (path / META).write_text(json.dumps(meta, indent=1, default=str))
    return path


def load_text_model(cls, path: str | Path, device: str | None = None):
    """A model :func:`save_text_model` wrote, as an instance of ``cls``; ``text_model.json`` is
    checked before the weights load."""
    path = Path(path)
    meta = read_text_model(path, FORMAT_VERSION)
    model = cls(**(meta["params"] | {"device": device or meta["params"].get("device")}))
    with reading(path / META):
        tables = {k: table_from_json(v) for k, v in meta["tables"].items()}
    device_ = lm_mod.select_device(model.device)
    if meta["llm_dir"]:
        lm, tokenizer = lm_mod.load_pretrained(str(path / meta["llm_dir"]), device_, what="the saved language model")
    else:
        lm, tokenizer = lm_mod.load_pretrained(model.llm, device_)
    plans: dict[tuple[str, str], ColumnPlan] = {(p.table, p.column): p for p in meta["plans"]}
    model.set_fitted(tables=tables, device=device_, lm=lm, tokenizer=tokenizer, plans=plans, guard=None,
                     train_report=meta["train_report"], fit_seconds=meta["fit_seconds"])
    return model


def table_to_json(t: Table) -> dict:
    return {"name": t.name, "schema": t.schema, "primary_key": list(t.primary_key),
            "unique": [list(u) for u in t.unique], "checks": [sql.render(c) for c in t.checks],
            "columns": [[c.name, c.type.sql(named_enums=False), c.nullable] for c in t.columns]}


def table_from_json(d: dict) -> Table:
    cols = tuple(Column(n, parse_type(t), nullable) for n, t, nullable in d["columns"])
    checks = tuple(sql.parse_expression(c, where=f"CHECK on {d['name']}") for c in d["checks"])
    return Table(d["name"], cols, tuple(d["primary_key"]), tuple(tuple(u) for u in d["unique"]), checks, None, d["schema"])
