"""Detection sees what text says, not only how long it is: letter soup is told from names."""

from __future__ import annotations

from pathlib import Path

import duckdb

from amalgam_rel.evaluation import evaluate

from .test_realism import faker_names, letter_soup


def names_db(path: Path, names: list[str]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE artist (id INTEGER PRIMARY KEY, name VARCHAR)")
    con.executemany("INSERT INTO artist VALUES (?, ?)", list(enumerate(names)))
    con.close()
    return path


def test_letter_soup_names_are_detected_and_fresh_names_are_not(tmp_path):
    real = names_db(tmp_path / "real.duckdb", faker_names(1, 600))
    soup = names_db(tmp_path / "soup.duckdb", letter_soup(faker_names(2, 600)))  # same lengths, same letters
    fresh = names_db(tmp_path / "fresh.duckdb", faker_names(2, 600))
    auc = evaluate(real, soup, stages=("detection",)).to_dict()["detection"]["auc"]
    assert auc > 0.9
    assert evaluate(real, fresh, stages=("detection",)).to_dict()["detection"]["auc"] < 0.65
    assert evaluate(real, real, stages=("detection",)).to_dict()["detection"]["auc"] == 0.5
