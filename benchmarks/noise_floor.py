"""How far apart are two real samples of the same database on a query? The noise floor.

A query that sums a few dozen rows (TPC-H q05's revenue per Asian nation in one year, q17's two
parts of one brand and container at sf 0.01) gives different answers on two databases drawn from
the same process, however faithful: a synthetic database cannot be expected to come closer to the
real answer than another real sample of the same size would. This script splits the rows of one
table (``--split``, e.g. TPC-H's ``orders``) into two halves by a hash of the key, every table
that references it following its rows (an order's line items go with it) and every other table
kept whole, and reports each query's error between the two halves with ``evaluate``'s measure.
Both halves hold half the rows, so their sums are comparable with each other; the error of a
full-size sample is about this figure divided by sqrt(2) (noise of a sum falls as the square root
of the rows it sums).

    python -m benchmarks.noise_floor --dataset tpch_sf0.01 --split orders

It is a floor, not the whole noise: the tables kept whole (customers, parts) vary between real
samples too.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import duckdb

from amalgam_rel.connection import connect
from amalgam_rel.evaluation.workload import Query, _compare, load_queries
from amalgam_rel.schema.duckdb_reader import read_duckdb
from benchmarks.datasets import resolve
from benchmarks.relabel_bound import _q


def _followers(db, table: str) -> dict[str, tuple]:
    """Tables whose rows follow ``table``'s through foreign keys: table -> (fk, parent it follows)."""
    found: dict[str, tuple] = {}
    frontier = [table]
    while frontier:
        parent = frontier.pop()
        for fk in db.foreign_keys:
            if fk.ref_table == parent and fk.table not in found and fk.table != table and not fk.is_self_reference:
                found[fk.table] = (fk, parent)
                frontier.append(fk.table)
    return found


def write_half(source: Path, target: Path, db, table: str, half: int) -> duckdb.DuckDBPyConnection:
    """A copy of ``source`` holding one half of ``table``'s rows and of the rows that follow them."""
    con = connect(target)
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    key = ", ".join(_q(c) for c in db.table(table).primary_key)
    con.execute(f"CREATE TABLE {_q(table)} AS SELECT * FROM src.{_q(table)} WHERE hash({key}) % 2 = {half}")
    followers = _followers(db, table)
    for name in db.table_names:
        if name == table or name in followers:
            continue
        con.execute(f"CREATE TABLE {_q(name)} AS SELECT * FROM src.{_q(name)}")
    done = {table}
    while len(done) < len(followers) + 1:
        for name, (fk, parent) in followers.items():
            if name in done or parent not in done:
                continue
            on = " AND ".join(f"c.{_q(a)} = p.{_q(b)}" for a, b in zip(fk.columns, fk.ref_columns))
            con.execute(f"CREATE TABLE {_q(name)} AS SELECT c.* FROM src.{_q(name)} c SEMI JOIN {_q(parent)} p ON {on}")
            done.add(name)
    con.execute("DETACH src")
    return con


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="tpch_sf0.01")
    ap.add_argument("--split", required=True, help="the table whose rows are halved (its followers go with them)")
    ap.add_argument("--queries", nargs="*", help="query names (default: every query of the dataset)")
    args = ap.parse_args(argv)
    ds = resolve(args.dataset)
    db = read_duckdb(ds.path)
    queries = [q for q in load_queries(ds.queries) if not args.queries or q.name in args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        halves = [write_half(ds.path, Path(tmp) / f"half{h}.duckdb", db, args.split, h) for h in (0, 1)]
        print(f"{ds.name}: {args.split} halved by key hash ({', '.join(sorted(_followers(db, args.split)))} follow)")
        print("| query | error between halves | full-size estimate (/sqrt 2) |\n|---|---|---|")
        for q in queries:
            r = _compare({"real": halves[0].cursor(), "synth": halves[1].cursor()}, Query(q.name, q.sql))
            if r.error is None:
                print(f"| {q.name} | {r.shape}: {r.message} | |")
                continue
            print(f"| {q.name} | {r.error:.3f} | {r.error / math.sqrt(2):.3f} |")
        for con in halves:
            con.close()


if __name__ == "__main__":
    main()
