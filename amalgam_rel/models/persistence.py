"""Save a fitted :class:`TableModel` as one ``.npz`` file: numpy arrays plus a JSON document.

The JSON (parameters, column specs, codec parameters, junction tree, ledger) is stored as a
UTF-8 byte array next to the numeric arrays; arrow column types travel as a serialized arrow
schema (IPC bytes). Loading uses ``allow_pickle=False`` and parses only JSON and arrow IPC, so a
model file can never execute code.

>>> import numpy as np, pyarrow as pa, tempfile, os
>>> from amalgam_rel.models.table_model import TableModel
>>> model = TableModel().fit(pa.table({"a": np.arange(100) % 3, "b": np.arange(100) % 2 == 0}))
>>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
>>> save_model(model, path)
>>> load_model(path).sample(50, seed=3).equals(model.sample(50, seed=3))
True
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow as pa
from pydantic import Field

from amalgam_rel.errors import InputError
from amalgam_rel.models.codecs import CODECS, CodecOptions, ColumnSpec, codec_kind
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.sampler import JunctionTreeSampler
from amalgam_rel.saved import reading, typed

FORMAT = "amalgam-rel/table-model"
VERSION = 1


def save_model(model, path: str | Path) -> None:
    """Write ``model`` to ``path`` (a ``.npz`` file)."""
    if not hasattr(model, "sampler_"):
        raise InputError("only a fitted TableModel can be saved")
    arrays: dict[str, np.ndarray] = {}
    codecs = []
    for i, codec in enumerate(model.codecs_):
        params, arrs = codec.state()
        for k, v in arrs.items():
            arrays[f"codec{i}.{k}"] = np.asarray(v)
        codecs.append({"kind": codec_kind(codec), "spec": codec.spec.to_json(), "params": params,
                       "arrays": sorted(arrs), "options": vars(codec.options)})
    sampler = model.sampler_
    for i, pot in enumerate(sampler.log_potentials):
        arrays[f"potential{i}"] = pot
    doc = {
        "format": FORMAT, "version": VERSION, "params": model.get_params(), "codecs": codecs,
        "left_out": model.left_out_, "n_rows": model.n_rows_,
        "ledger": model.ledger_.to_json() if model.ledger_ is not None else None,
        "sampler": {"attrs": sampler.attrs, "sizes": [sampler.sizes[a] for a in sampler.attrs],
                    "cliques": [list(c) for c in sampler.cliques], "edges": [list(e) for e in sampler.edges]},
        "pairs": [list(p) for p in model.summary_.pairs],
    }
    schema = pa.schema([pa.field(s.name, s.arrow_type) for s in model.specs_])
    arrays["__json__"] = np.frombuffer(json.dumps(doc, default=_jsonable).encode("utf-8"), dtype=np.uint8)
    arrays["__schema__"] = np.frombuffer(schema.serialize().to_pybytes(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def load_model(path: str | Path):
    """Read a model written by :func:`save_model` (no code is executed)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise InputError(f"{path} is not a saved TableModel: {err}") from None
    if "__json__" not in arrays or "__schema__" not in arrays:
        raise InputError(f"{path} is not a saved TableModel")
    with reading(path):
        doc = json.loads(arrays["__json__"].tobytes().decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
            kind = (doc.get("format"), doc.get("version")) if isinstance(doc, dict) else (None, None)
            raise InputError(f"{path} is a {kind[0]} file of version {kind[1]}, expected {FORMAT} v{VERSION}")
        return _from_doc(doc, arrays)


def _from_doc(doc: dict, arrays: dict[str, np.ndarray]):
    from amalgam_rel.models.table_model import FitSummary, TableModel

    schema = pa.ipc.read_schema(pa.py_buffer(arrays["__schema__"].tobytes()))
    params = doc["params"]
    if params.get("budget_split") is not None:
        params["budget_split"] = tuple(params["budget_split"])
    model = TableModel(**params)
    specs, codecs = [], []
    for i, entry in enumerate(doc["codecs"]):
        spec = ColumnSpec.from_json(entry["spec"], schema.field(entry["spec"]["name"]).type)
        options = typed(CodecOptions, entry["options"], f"codecs[{i}].options")
        arrs = {k: arrays[f"codec{i}.{k}"] for k in entry["arrays"]}
        specs.append(spec)
        codecs.append(CODECS[entry["kind"]].from_state(spec, options, entry["params"], arrs))
    s = doc["sampler"]
    pots = [arrays[f"potential{i}"] for i in range(len(s["cliques"]))]
    _check_sampler(s, pots)
    model.specs_, model.codecs_ = specs, codecs
    model.left_out_ = dict(doc["left_out"])
    model.n_rows_ = typed(Annotated[int, Field(ge=0)], doc["n_rows"], "n_rows")
    model.ledger_ = Ledger.from_json(doc["ledger"]) if doc["ledger"] is not None else None
    model._set_sampler(JunctionTreeSampler(s["attrs"], s["sizes"], [tuple(c) for c in s["cliques"]], pots,
                                           [tuple(e) for e in s["edges"]]))
    model.summary_ = FitSummary(model.n_rows_, tuple(s["attrs"]), tuple(s["sizes"]),
                                tuple(tuple(p) for p in doc["pairs"]), tuple(tuple(c) for c in s["cliques"]), {})
    return model


def _check_sampler(s: dict, potentials: list[np.ndarray]) -> None:
    """Each clique's potential has one axis per attribute, of that attribute's size; each edge
    joins two cliques. Sampling indexes by both, so a mismatch fails here, not there."""
    sizes = dict(zip(typed(list[str], s["attrs"], "sampler.attrs"),
                     typed(list[Annotated[int, Field(ge=1)]], s["sizes"], "sampler.sizes"), strict=True))
    cliques = typed(list[list[str]], s["cliques"], "sampler.cliques")
    for clique, potential in zip(cliques, potentials):
        if potential.shape != tuple(sizes[a] for a in clique):
            raise ValueError(f"the potential of clique {clique} has shape {potential.shape}, "
                             f"not the attribute sizes {[sizes[a] for a in clique]}")
    for edge in typed(list[tuple[int, int]], s["edges"], "sampler.edges"):
        if not all(0 <= i < len(cliques) for i in edge):
            raise ValueError(f"sampler edge {edge} joins cliques that do not exist")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a model file")
