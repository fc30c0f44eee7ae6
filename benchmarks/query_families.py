"""Is a query that comes back empty a model gap, or one empty cell of a family the clone reproduces?

TPC-H q02, q18, q19 and q20 fix constants (a size and a metal, a nation and a colour, a brand and a
container, a threshold) that pick out a few rows at sf 0.01. Each query here is run over its whole
parameter family at once: the rows it would return, grouped by the constants it fixes, over every
value of them. Where the real and synthetic databases have the same share of empty groups and the
same mean size, the one empty answer is chance at that size, not a missing dependency.

    python -m benchmarks.query_families REAL.duckdb SYNTH.duckdb
"""

from __future__ import annotations

import argparse

from amalgam_rel.connection import connect

_REGION_OFFERS = """SELECT p_partkey, p_size, split_part(p_type, ' ', 3) w, r_name, ps_supplycost c
  FROM part JOIN partsupp ON ps_partkey = p_partkey JOIN supplier ON s_suppkey = ps_suppkey
  JOIN nation ON n_nationkey = s_nationkey JOIN region ON r_regionkey = n_regionkey"""

FAMILIES = {
    # q02: cheapest suppliers in a region of parts of one size and metal
    "q02 size x metal x region": f"""
    WITH best AS (SELECT *, min(c) OVER (PARTITION BY p_partkey, r_name) m FROM ({_REGION_OFFERS})),
    answer AS (SELECT p_size, w, r_name, count(*) n FROM best WHERE c = m GROUP BY ALL),
    cell AS (SELECT DISTINCT p_size, split_part(p_type, ' ', 3) w, r_name FROM part, region)
    SELECT count(*), avg((n IS NULL)::INT), avg(coalesce(n, 0)) FROM cell LEFT JOIN answer USING (p_size, w, r_name)""",
    # q19: revenue of lines of a brand and container size, in a quantity window, parts up to a size
    "q19 brand x container size x window": """
    WITH windows(lo, most) AS (VALUES (1, 5), (10, 10), (20, 15)),
    line AS (SELECT p_brand, split_part(p_container, ' ', 1) cs, lo FROM lineitem JOIN part ON p_partkey = l_partkey, windows
             WHERE l_quantity BETWEEN lo AND lo + 10 AND p_size BETWEEN 1 AND most
               AND l_shipmode IN ('AIR', 'AIR REG') AND l_shipinstruct = 'DELIVER IN PERSON'),
    answer AS (SELECT p_brand, cs, lo, count(*) n FROM line GROUP BY ALL),
    cell AS (SELECT DISTINCT p_brand, split_part(p_container, ' ', 1) cs, lo FROM part, windows)
    SELECT count(*), avg((n IS NULL)::INT), avg(coalesce(n, 0)) FROM cell LEFT JOIN answer USING (p_brand, cs, lo)""",
    # q20: suppliers of a nation with stock of parts of a colour above half of a year's shipments
    "q20 nation x colour": """
    WITH shipped AS (SELECT l_partkey, l_suppkey, sum(l_quantity) q FROM lineitem
                     WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' GROUP BY ALL),
    answer AS (SELECT split_part(p_name, ' ', 1) word, s_nationkey nat, count(DISTINCT ps_suppkey) n
               FROM partsupp JOIN part ON ps_partkey = p_partkey JOIN supplier ON ps_suppkey = s_suppkey
               JOIN shipped ON l_partkey = ps_partkey AND l_suppkey = ps_suppkey WHERE ps_availqty > 0.5 * q GROUP BY ALL),
    cell AS (SELECT DISTINCT split_part(p_name, ' ', 1) word, n_nationkey nat FROM part, nation)
    SELECT count(*), avg((n IS NULL)::INT), avg(coalesce(n, 0)) FROM cell LEFT JOIN answer USING (word, nat)""",
}
# q18: orders over 300 units; its family is the tail of units per order at other thresholds
TAIL = """WITH units AS (SELECT sum(l_quantity) q FROM lineitem GROUP BY l_orderkey)
SELECT count(*) FILTER (WHERE q > 300), count(*) FILTER (WHERE q > 250), count(*) FILTER (WHERE q > 200) FROM units"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("real")
    ap.add_argument("synth")
    args = ap.parse_args(argv)
    sides = {"real": connect(args.real, read_only=True), "synthetic": connect(args.synth, read_only=True)}
    print("| family | side | groups | share empty | mean rows |\n|---|---|---|---|---|")
    for name, query in FAMILIES.items():
        for side, con in sides.items():
            groups, empty, mean = con.execute(query).fetchone()
            print(f"| {name} | {side} | {groups} | {empty:.3f} | {mean:.2f} |")
    for side, con in sides.items():
        print(f"q18 orders over 300 / 250 / 200 units, {side}: {' / '.join(map(str, con.execute(TAIL).fetchone()))}")


if __name__ == "__main__":
    main()
