"""TableModel end to end on generated data with a planted conditional distribution."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.errors import AmalgamError, DataError, SchemaError
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.schema.model import Column, Table
from amalgam_rel.schema.types import parse_type
from sqlglot import parse_one

N = 6000
P_PREMIUM = {"north": 0.8, "south": 0.2, "east": 0.5}  # planted P(plan = premium | region)


def _data(seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    region = rng.choice(list(P_PREMIUM), N, p=[0.5, 0.3, 0.2])
    premium = rng.random(N) < np.vectorize(P_PREMIUM.get)(region)
    plan = np.where(premium, "premium", "basic")
    price = np.round(np.where(premium, rng.normal(100, 5, N), rng.normal(20, 3, N)), 2)
    start = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1000, N)]
    score = pa.array([None if rng.random() < 0.2 else int(v) for v in rng.integers(0, 10, N)], pa.int16())
    return pa.table({"id": np.arange(N), "region": region, "plan": plan, "price": price,
                     "start": pa.array(start, pa.date32()), "score": score,
                     "comment": [f"free text number {i}" for i in range(N)]})


def _schema() -> Table:
    cols = (Column("id", parse_type("BIGINT"), False), Column("region", parse_type("VARCHAR")),
            Column("plan", parse_type("VARCHAR")), Column("price", parse_type("DOUBLE")),
            Column("start", parse_type("DATE")), Column("score", parse_type("SMALLINT")),
            Column("comment", parse_type("VARCHAR")))
    return Table("subs", cols, primary_key=("id",), checks=(parse_one("price >= 0 AND price <= 150", read="duckdb"),))


@pytest.fixture(scope="module")
def model() -> TableModel:
    return TableModel().fit(_data(), _schema(), exclude=("id",))


def test_columns_are_owned_or_marked(model):
    assert model.columns_ == ("region", "plan", "price", "start", "score")
    assert model.left_out_["id"] == "excluded by caller"
    assert model.language_model_columns_ == {"comment": "language_model: high-cardinality string"}
    assert ("region", "plan") in model.summary_.pairs or ("plan", "region") in model.summary_.pairs


def test_samples_are_typed_and_in_range(model):
    out = model.sample(5000, seed=1)
    real = _data()
    for name in model.columns_:
        assert out.schema.field(name).type == real.schema.field(name).type
    price = out.column("price").to_numpy()
    assert price.min() >= real.column("price").to_numpy().min() and price.max() <= 150
    assert abs(out.column("score").null_count / 5000 - 0.2) < 0.03


def test_planted_conditional_is_reproduced(model):
    out = model.sample(20_000, seed=2)
    region = np.asarray(out.column("region").to_pylist())
    plan = np.asarray(out.column("plan").to_pylist())
    for r, p in P_PREMIUM.items():
        assert abs(np.mean(plan[region == r] == "premium") - p) < 0.03


def test_conditional_sampling_honours_evidence(model):
    regions = ["north"] * 4000 + ["south"] * 4000
    out = model.sample(evidence={"region": regions}, seed=3)
    assert out.column("region").to_pylist() == regions
    plan = np.asarray(out.column("plan").to_pylist())
    assert abs(np.mean(plan[:4000] == "premium") - 0.8) < 0.03
    assert abs(np.mean(plan[4000:] == "premium") - 0.2) < 0.03
    # evidence on a numeric column, in the original domain: high prices mean premium
    given = model.sample(evidence=pa.table({"price": pa.array([101.5] * 1000)}), seed=4)
    assert np.mean(np.asarray(given.column("plan").to_pylist()) == "premium") > 0.98
    assert given.column("price").to_pylist() == [101.5] * 1000


def test_same_seed_same_samples(model):
    assert model.sample(3000, seed=5).equals(model.sample(3000, seed=5))
    assert not model.sample(3000, seed=5).equals(model.sample(3000, seed=6))
    ev = {"region": ["east"] * 100}
    assert model.sample(evidence=ev, seed=7).equals(model.sample(evidence=ev, seed=7))


def test_user_errors_are_amalgam_errors(model):
    with pytest.raises(SchemaError):
        model.sample(evidence={"comment": ["x"]})
    with pytest.raises(DataError):
        model.sample(3, evidence={"region": ["north"] * 2})
    with pytest.raises(DataError):
        TableModel().fit(_data().slice(0, 0))
    with pytest.raises(AmalgamError):
        TableModel(estimator="nope").fit(_data())


def test_mirror_descent_agrees_with_closed_form():
    small = _data().select(["region", "plan"])
    md = TableModel(estimator="mirror_descent", iters=500).fit(small).sample(20_000, seed=1)
    region = np.asarray(md.column("region").to_pylist())
    plan = np.asarray(md.column("plan").to_pylist())
    for r, p in P_PREMIUM.items():
        assert abs(np.mean(plan[region == r] == "premium") - p) < 0.04


def test_table_without_modelled_columns_still_samples_rows():
    m = TableModel().fit(_data().select(["id", "comment"]), exclude=("id",))
    assert m.columns_ == () and m.sample(7, seed=0).num_rows == 7
