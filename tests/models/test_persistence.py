"""A saved model reloads into identical samples, and loading never unpickles."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.errors import InputError
from amalgam_rel.models.persistence import load_model, save_model
from amalgam_rel.models.table_model import TableModel


def _data() -> pa.Table:
    rng = np.random.default_rng(0)
    n = 3000
    kind = rng.choice(["a", "b", "c"], n)
    return pa.table({
        "kind": pa.array(kind).dictionary_encode(),
        "amount": pa.array(np.round(rng.gamma(2, 10, n), 2)),
        "when": pa.array([dt.datetime(2021, 1, 1) + dt.timedelta(seconds=int(s)) for s in rng.integers(0, 10**7, n)], pa.timestamp("us")),
        "flag": pa.array([None if v < 0.1 else bool(v > 0.5) for v in rng.random(n)]),
    })


def test_reload_gives_identical_samples(tmp_path):
    model = TableModel().fit(_data())
    save_model(model, tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    assert again.columns_ == model.columns_ and again.left_out_ == model.left_out_
    assert again.sample(2000, seed=11).equals(model.sample(2000, seed=11))
    ev = {"kind": ["b"] * 500}
    assert again.sample(evidence=ev, seed=12).equals(model.sample(evidence=ev, seed=12))


def test_private_model_keeps_its_ledger(tmp_path):
    model = TableModel(epsilon=2.0, iters=200).fit(_data().select(["kind", "amount"]))
    save_model(model, tmp_path / "p.npz")
    again = load_model(tmp_path / "p.npz")
    assert again.ledger_.entries == model.ledger_.entries
    assert again.sample(500, seed=1).equals(model.sample(500, seed=1))


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __json__=np.array([{"a": 1}], dtype=object), __schema__=np.zeros(1, np.uint8))
    with pytest.raises(InputError):
        load_model(path)


def test_not_a_model(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError):
        load_model(tmp_path / "x.npz")
    with pytest.raises(InputError):
        load_model(tmp_path / "missing.npz")
