"""Every development database survives read -> write -> read with identical DDL and rows."""

import pytest

NAMES = ["chinook", "northwind", "berka", "openflights", "world", "movielens_small", "mutagenesis", "imdb_ctu"]


@pytest.mark.datasets
@pytest.mark.parametrize("name", NAMES)
def test_dataset_roundtrip(name, tmp_path, roundtrip, dataset):
    db, copied, diffs, same_constraints = roundtrip(dataset(name), tmp_path / f"{name}.duckdb")
    assert same_constraints
    assert copied == db
    assert diffs == {t: 0 for t in db.table_names}
