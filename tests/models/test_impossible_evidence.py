"""Evidence a model has never seen falls back to the model itself, not to a uniform guess."""

import collections

import numpy as np
import pyarrow as pa

from amalgam_rel.models.table_model import TableModel


def test_impossible_evidence_draws_from_the_unconditioned_model():
    rng = np.random.default_rng(0)
    a = rng.choice(["x", "y"], 3000)
    b = np.where(a == "x", "p", "q")  # (x, q) and (y, p) never occur
    c = np.where(rng.random(3000) < 0.95, 7, 6)
    model = TableModel().fit(pa.table({"a": a, "b": b, "c": c}))
    evidence = {"a": ["x"] * 500 + ["x"] * 500, "b": ["q"] * 500 + ["p"] * 500}
    out = model.sample(evidence=evidence, seed=1)
    impossible = collections.Counter(out.column("c").to_pylist()[:500])
    possible = collections.Counter(out.column("c").to_pylist()[500:])
    assert impossible[7] / 500 > 0.9  # a uniform fallback would give about one half
    assert possible[7] / 500 > 0.9
    assert out.column("a").to_pylist() == evidence["a"] and out.column("b").to_pylist() == evidence["b"]
