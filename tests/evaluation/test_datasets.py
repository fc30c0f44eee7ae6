"""Real databases from ../shared/datasets: chinook and world against a random half of themselves."""

from __future__ import annotations

import pytest

from amalgam_rel.evaluation import evaluate
from amalgam_rel.evaluation.subset import random_subset
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.model import ForeignKey

pytestmark = pytest.mark.datasets


def test_chinook_vs_a_random_half(tmp_path, dataset):
    real = dataset("chinook")
    kept = random_subset(real, tmp_path / "half.duckdb", seed=1)
    assert kept["InvoiceLine"] < 2240 * 0.6
    d = evaluate(real, tmp_path / "half.duckdb").to_dict()
    assert d["validity"]["violations"] == 0  # the subset keeps every referenced parent
    assert d["column_shapes"]["score"] > 0.95
    assert d["pair_trends"]["score"] > 0.92  # an 8-row Employee table moves pairs by 1/8
    assert d["amalgam_chi2_p"]["mean"] > 0.95
    assert d["cardinality"]["score"] < 0.95  # children per parent roughly halve
    assert d["privacy"]["exact_copy_rate"] == 1.0
    assert d["workload"]["failed"] == 0


def test_world_logical_fk_from_a_passed_schema(tmp_path, dataset):
    real = dataset("world")
    schema = read_duckdb(real)
    capital = ForeignKey("country", ("Capital",), "city", ("ID",), nullable=True, kind="logical")
    schema = schema.with_foreign_keys((capital,))
    random_subset(real, tmp_path / "half.duckdb", schema=schema)
    d = evaluate(real, tmp_path / "half.duckdb", schema=schema, stages=("validity", "cardinality")).to_dict()
    fks = [c["fk"] for c in d["cardinality"]["foreign_keys"]]
    assert "country(Capital) -> city(ID)" in fks
    assert d["validity"]["violations"] == 0  # the subset kept every capital city
