"""Key paths: two ways from a row to the same rows that agree in the real data."""

import duckdb
import pytest

from amalgam_rel.evaluation import evaluate

DDL = """
CREATE TABLE store (id INTEGER PRIMARY KEY);
CREATE TABLE customer (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(id));
CREATE TABLE rental (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id));
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                      rental_id INTEGER REFERENCES rental(id), store_id INTEGER REFERENCES store(id));
INSERT INTO store SELECT i FROM range(4) t(i);
INSERT INTO customer SELECT i, i % 4 FROM range(40) t(i);
INSERT INTO rental SELECT i, (i * 7) % 40 FROM range(200) t(i);
"""


def build(path, agree: bool):
    con = duckdb.connect(str(path))
    con.execute(DDL)
    # a payment's customer is its rental's (or, when ``agree`` is off, another one); its store is
    # random: no relation to keep there
    shift = 0 if agree else 1
    con.execute(f"INSERT INTO payment SELECT i, ((i * 7) % 40 + {shift} * (i % 3)) % 40, i, (i * 5) % 4 FROM range(200) t(i)")
    con.close()
    return path


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return build(tmp_path_factory.mktemp("paths") / "real.duckdb", agree=True)


def test_a_relation_the_real_rows_keep_is_scored_on_the_synthetic_rows(real, tmp_path):
    broken = build(tmp_path / "broken.duckdb", agree=False)
    d = evaluate(real, broken, stages=("key_paths",)).to_dict()["key_paths"]
    assert [p["relation"] for p in d["paths"]] == ["customer_id = rental_id -> rental.customer_id"]
    assert d["paths"][0]["real"] == 1.0
    assert d["score"] == pytest.approx(1 / 3, abs=0.01)  # one payment in three keeps its rental's customer
    assert evaluate(real, real, stages=("key_paths",)).to_dict()["key_paths"]["score"] == 1.0
