"""A child model conditioned on a synthetic parent's context it never saw together.

A synthetic parent mixes real parents' values freely, so the combination of context columns a
child row is drawn for may have no training row. The row must keep what it can of its
conditioning, not fall back to the table's unconditioned model.
"""

import collections

import numpy as np
import pyarrow as pa

from amalgam_rel.models.table_model import TableModel


def _frame(n: int = 4000) -> pa.Table:
    rng = np.random.default_rng(0)
    region = rng.choice(["north", "south"], n)
    size = np.where(region == "north", "big", "small")  # (north, small), (south, big) never occur
    flip = rng.random(n) < 0.05
    value = np.where((region == "north") ^ flip, 1, 2)  # the child's column follows the region
    return pa.table({"^region": region, "^size": size, "value": value})


def test_unseen_context_backs_off_to_the_most_informative_columns():
    model = TableModel(extra_edges=3).fit(_frame())  # one clique over all three columns
    evidence = {"^region": ["south"] * 1000, "^size": ["big"] * 1000}  # impossible together
    out = collections.Counter(model.sample(evidence=evidence, seed=1).column("value").to_pylist())
    # drawn given region alone: ~95 % twos; the unconditioned model would give about half
    assert out[2] / 1000 > 0.9

