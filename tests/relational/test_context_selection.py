"""Which parent columns a child model sees (:mod:`amalgam_rel.relational.context`)."""

import numpy as np
import pyarrow as pa

from amalgam_rel.relational.context import choose_context


def _frame(seed=0, parents=200, per_parent=5):
    rng = np.random.default_rng(seed)
    population = rng.integers(1_000, 10_000_000, parents)  # every parent its own value
    names = np.array([f"country {i}" for i in range(parents)])
    noise = rng.integers(0, 4, parents)
    p = np.repeat(np.arange(parents), per_parent)
    child = (np.log(population[p]) * 3 + rng.normal(0, 1, len(p))).astype(np.int64)
    return pa.table({"^Population": population[p], "^Name": names[p], "^Noise": noise[p], "size": child}), parents


def test_an_integer_parent_column_with_many_values_is_a_candidate_like_a_float():
    """It is binned like any number, so it describes the parent rather than naming it
    (world: country.Population, 232 values for 239 countries, was never offered to cities)."""
    frame, parents = _frame()
    assert choose_context(frame, ["^Population", "^Noise"], ["size"], k=1, parents=parents) == ("^Population",)
    as_float = frame.set_column(0, "^Population", frame.column("^Population").cast(pa.float64()))
    assert choose_context(as_float, ["^Population", "^Noise"], ["size"], k=1, parents=parents) == ("^Population",)


def test_a_string_column_naming_each_parent_is_left_out():
    frame, parents = _frame()
    chosen = choose_context(frame, ["^Name", "^Noise"], ["size"], k=2, parents=parents)
    assert "^Name" not in chosen
