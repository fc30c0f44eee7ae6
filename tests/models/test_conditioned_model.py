"""Conditioning a table model on evidence (``sample --where``): the restricted junction tree draws
only the allowed codes, the others given them, and says the evidence's exact probability."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from amalgam_rel.models.sampler import JunctionTreeSampler
from amalgam_rel.models.table_model import TableModel


def _chain(rng):
    """a - b - c, two cliques over a junction tree, random positive potentials."""
    pots = [np.log(rng.random((3, 4)) + 0.05), np.log(rng.random((4, 2)) + 0.05)]
    return JunctionTreeSampler(["a", "b", "c"], [3, 4, 2], [("a", "b"), ("b", "c")], pots, [(0, 1)]), pots


def test_the_probability_of_evidence_is_the_enumerated_one():
    sampler, pots = _chain(np.random.default_rng(3))
    joint = np.exp(pots[0])[:, :, None] * np.exp(pots[1])[None, :, :]
    allowed = {"a": np.array([True, False, True]), "c": np.array([False, True])}
    restricted = sampler.restricted(allowed)
    expected = joint[np.ix_(allowed["a"], np.ones(4, bool), allowed["c"])].sum() / joint.sum()
    assert np.isclose(np.exp(restricted.log_mass() - sampler.log_mass()), expected)
    rows = restricted.sample(4000, np.random.default_rng(0))
    assert set(rows["a"].tolist()) <= {0, 2} and set(rows["c"].tolist()) == {1}
    # b follows its conditional distribution given the evidence, not its marginal
    given = joint[np.ix_(allowed["a"], np.ones(4, bool), allowed["c"])].sum(axis=(0, 2))
    assert np.allclose(np.bincount(rows["b"], minlength=4) / 4000, given / given.sum(), atol=0.03)


def test_nothing_allowed_has_probability_zero():
    sampler, _ = _chain(np.random.default_rng(4))
    assert sampler.restricted({"b": np.zeros(4, bool)}).log_mass() == float("-inf")


def test_a_rare_value_held_is_the_only_one_drawn():
    kinds = ["common"] * 50 + ["other"] * 40 + ["x1", "x2", "x3", "x4", "x5"]  # x1..x5 share the rare code
    model = TableModel(rare_min_count=2).fit(pa.table({"kind": kinds, "n": np.arange(95)}))
    _, values = model.code_values("kind")
    held = np.array([v == "x3" for v in values.to_pylist()])
    conditioned, probability = model.conditioned({"kind": held})
    assert np.isclose(probability, 1 / 95)  # x3 is one of the 95 rows
    drawn = conditioned.sample(50, seed=1).column("kind").to_pylist()
    assert set(drawn) == {"x3"}
