"""benchmarks/relabel_bound.py: relabelling keeps every join and respells names built from the key."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from amalgam_rel.schema.duckdb_reader import read_duckdb  # noqa: E402
from benchmarks.relabel_bound import _copy_without_constraints, relabel  # noqa: E402

DDL = """
CREATE TABLE supplier (s_suppkey INTEGER PRIMARY KEY, s_name VARCHAR, s_nation VARCHAR);
CREATE TABLE part (p_partkey INTEGER PRIMARY KEY);
CREATE TABLE partsupp (ps_partkey INTEGER REFERENCES part, ps_suppkey INTEGER REFERENCES supplier,
                       PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE lineitem (l_partkey INTEGER, l_suppkey INTEGER, l_qty INTEGER,
                       FOREIGN KEY (l_partkey, l_suppkey) REFERENCES partsupp (ps_partkey, ps_suppkey));
INSERT INTO supplier SELECT i, 'Supplier#' || lpad(i::VARCHAR, 9, '0'), CASE WHEN i < 4 THEN 'FR' ELSE 'DE' END FROM range(1, 9) t(i);
INSERT INTO part SELECT i FROM range(1, 4) t(i);
INSERT INTO partsupp SELECT p, s FROM range(1, 4) a(p), range(1, 9) b(s);
INSERT INTO lineitem SELECT 1 + i % 3, 1 + i % 8, i FROM range(60) t(i);
"""

ANSWER = """SELECT s_nation, s_name, sum(l_qty) FROM lineitem JOIN partsupp ON l_partkey = ps_partkey AND l_suppkey = ps_suppkey
            JOIN supplier ON ps_suppkey = s_suppkey GROUP BY ALL ORDER BY ALL"""


def test_relabel_moves_identities_but_keeps_every_join(tmp_path):
    source = tmp_path / "src.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute(DDL)
        real = con.execute(ANSWER).fetchall()
    db = read_duckdb(source)
    con = _copy_without_constraints(source, tmp_path / "copy.duckdb", list(db.table_names))
    relabel(con, db, "supplier", seed=1)
    moved = con.execute(ANSWER).fetchall()
    # the same per-nation totals and the same multiset of per-supplier totals: only who is who changed
    per_nation = lambda rows: sorted((n, sum(q for m, _, q in rows if m == n)) for n in {r[0] for r in rows})  # noqa: E731
    assert per_nation(moved) == per_nation(real)
    assert sorted(q for *_, q in moved) == sorted(q for *_, q in real)
    assert moved != real
    # names follow the new key, keeping its zero padding
    names = con.execute("SELECT s_suppkey, s_name FROM supplier").fetchall()
    assert all(name == f"Supplier#{key:09d}" for key, name in names)
    # every lineitem still finds its partsupp row
    assert con.execute("SELECT count(*) FROM lineitem l ANTI JOIN partsupp p "
                       "ON l.l_partkey = p.ps_partkey AND l.l_suppkey = p.ps_suppkey").fetchone()[0] == 0
