"""benchmarks/tpcds_keys.py on a tiny star schema named like dsdgen's tables, without keys."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.tpcds_keys import write_keyed  # noqa: E402

DDL = """
CREATE TABLE date_dim (d_date_sk INTEGER, d_date DATE);
CREATE TABLE item (i_item_sk BIGINT, i_brand VARCHAR);
CREATE TABLE store (s_store_sk INTEGER, s_closed_date_sk INTEGER);
CREATE TABLE store_sales (ss_sold_date_sk INTEGER, ss_item_sk INTEGER, ss_store_sk INTEGER, ss_ticket_number BIGINT,
                          ss_price DOUBLE);
INSERT INTO date_dim SELECT 2450000 + i, DATE '2000-01-01' + i::INTEGER FROM range(30) t(i);
INSERT INTO item SELECT i, 'brand ' || (i % 3) FROM range(10) t(i);
INSERT INTO store VALUES (1, NULL), (2, 2450003);
INSERT INTO store_sales SELECT 2450000 + i % 30, i % 10, CASE WHEN i = 7 THEN 9 ELSE 1 + i % 2 END, i // 3, i * 1.5
                        FROM range(90) t(i);
"""


def test_dsdgen_names_become_declared_keys(tmp_path):
    source, target = tmp_path / "ds.duckdb", tmp_path / "keyed.duckdb"
    con = duckdb.connect(str(source))
    con.execute(DDL)
    con.close()
    n_primary, n_foreign, skipped = write_keyed(source, target)
    keyed = duckdb.connect(str(target), read_only=True)
    keys = keyed.execute("SELECT table_name, constraint_type, constraint_column_names, referenced_table "
                         "FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') "
                         "ORDER BY ALL").fetchall()
    assert keys == [("date_dim", "PRIMARY KEY", ["d_date_sk"], None),
                    ("item", "PRIMARY KEY", ["i_item_sk"], None),
                    ("store", "FOREIGN KEY", ["s_closed_date_sk"], "date_dim"),
                    ("store", "PRIMARY KEY", ["s_store_sk"], None),
                    ("store_sales", "FOREIGN KEY", ["ss_item_sk"], "item"),
                    ("store_sales", "FOREIGN KEY", ["ss_sold_date_sk"], "date_dim"),
                    ("store_sales", "PRIMARY KEY", ["ss_item_sk", "ss_ticket_number"], None)]
    assert (n_primary, n_foreign) == (4, 3)
    assert skipped == ["store_sales.ss_store_sk -> store: 1 values the dimension lacks"]  # store 9 does not exist
    assert keyed.execute("SELECT count(*) FROM store_sales").fetchone() == (90,)
    # every surrogate key is BIGINT, so keys of mixed widths can reference each other
    assert {t for (t,) in keyed.execute("SELECT DISTINCT data_type FROM duckdb_columns() "
                                        "WHERE column_name LIKE '%\\_sk' ESCAPE '\\'").fetchall()} == {"BIGINT"}


def test_keys_that_form_a_cycle_are_refused_not_looped_on(tmp_path):
    source = tmp_path / "cycle.duckdb"
    con = duckdb.connect(str(source))
    # each dimension's second key names the other: store -> item -> store
    con.execute("CREATE TABLE item (i_item_sk INTEGER, i_store_sk INTEGER); CREATE TABLE store (s_store_sk INTEGER, s_item_sk INTEGER);"
                "INSERT INTO item VALUES (1, 1), (2, 1); INSERT INTO store VALUES (1, 2)")
    con.close()
    with pytest.raises(ValueError, match="cycle among item, store"):
        write_keyed(source, tmp_path / "keyed.duckdb")
