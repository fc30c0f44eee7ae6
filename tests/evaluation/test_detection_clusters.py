"""Detection groups a child table's folds by parent: rows repeating their parent's attribute are
not recognised by the parent they came from."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from amalgam_rel.evaluation import evaluate

DDL = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, score DOUBLE NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                     score DOUBLE NOT NULL, amount DOUBLE NOT NULL);
"""


def _database(path: Path, seed: int) -> Path:
    """200 customers with a score of their own; 8 orders each repeating it. Two seeds: two
    draws of the same distribution, which no classifier should tell apart."""
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.execute(f"SELECT setseed({seed / 10})")
    con.execute("INSERT INTO customer SELECT i, round(random() * 1000) FROM range(200) t(i)")
    con.execute("""INSERT INTO orders SELECT j, c.id, c.score, round(random() * 50, 1)
                   FROM range(1600) t(j) JOIN customer c ON c.id = j % 200""")
    con.close()
    return path


def test_orders_repeating_their_customers_score_are_not_told_apart_by_customer(tmp_path):
    real, other = _database(tmp_path / "real.duckdb", 1), _database(tmp_path / "other.duckdb", 2)
    tables = {t["table"]: t["auc"] for t in evaluate(real, other, stages=("detection",)).to_dict()["detection"]["tables"]}
    # split row by row, an order's score names its customer, seen in training with its other orders
    assert tables["orders"] == pytest.approx(0.5, abs=0.1)
    assert tables["customer"] == pytest.approx(0.5, abs=0.1)
