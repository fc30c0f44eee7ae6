"""benchmarks/noise_floor.py: the two halves partition the split table, and its followers go with their rows."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from amalgam_rel.schema.duckdb_reader import read_duckdb  # noqa: E402
from benchmarks.noise_floor import write_half  # noqa: E402

DDL = """
CREATE TABLE customer (c_id INTEGER PRIMARY KEY, c_nation VARCHAR);
CREATE TABLE orders (o_id INTEGER PRIMARY KEY, o_customer INTEGER REFERENCES customer);
CREATE TABLE line (l_order INTEGER REFERENCES orders, l_no INTEGER, l_price DOUBLE, PRIMARY KEY (l_order, l_no));
INSERT INTO customer SELECT i, CASE WHEN i % 3 = 0 THEN 'FR' ELSE 'DE' END FROM range(20) t(i);
INSERT INTO orders SELECT i, i % 20 FROM range(200) t(i);
INSERT INTO line SELECT i // 4, i % 4, i * 1.5 FROM range(800) t(i);
"""


def test_halves_partition_the_split_table_and_carry_their_lines(tmp_path):
    source = tmp_path / "src.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute(DDL)
    db = read_duckdb(source)
    halves = [write_half(source, tmp_path / f"h{h}.duckdb", db, "orders", h) for h in (0, 1)]
    orders = [{r[0] for r in h.execute("SELECT o_id FROM orders").fetchall()} for h in halves]
    assert orders[0].isdisjoint(orders[1]) and orders[0] | orders[1] == set(range(200))
    assert 60 < len(orders[0]) < 140  # a hash split, not all on one side
    for h, own in zip(halves, orders):
        lines = {r[0] for r in h.execute("SELECT DISTINCT l_order FROM line").fetchall()}
        assert lines == own  # every line went with its order, and only those
        assert h.execute("SELECT count(*) FROM line").fetchone()[0] == 4 * len(own)
        assert h.execute("SELECT count(*) FROM customer").fetchone()[0] == 20  # not following: kept whole
