"""How well can any synthetic database answer a query that lists entities by identity?

A query such as TPC-H q10 (the 20 customers who returned most, with their key, name, phone and
address) or q21 (suppliers by name whose orders waited) is answered right only where the clone
puts the real behaviour on the same entity — the same key, the same name. A synthetic database
cannot do that and should not: its keys are fresh, and which real customer is which is exactly
what it hides. The best a synthesizer can reach on such a query is the error of the *real
database with its entities relabelled*: every row kept, every distribution, join and dependency
exact, only the keys of the named tables permuted at random (foreign keys follow, and a text
column that spells the key — ``Supplier#000000074`` — is respelled). This script measures that
bound, over a few random relabellings, with the error ``evaluate`` uses.

    python -m benchmarks.relabel_bound --dataset tpch_sf0.01 --tables customer supplier --queries q10 q21

A bound near 1.0 is a property of the query, not of a synthesizer: no clone that hides identities
can answer it, so such a query is excluded from a realism target rather than chased.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

import duckdb

from amalgam_rel.connection import connect
from amalgam_rel.evaluation.workload import Query, _compare, load_queries
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import read_duckdb
from benchmarks.datasets import resolve


def _q(name: str) -> str:
    return sql.render(sql.ident(name))


def _copy_without_constraints(source: Path, target: Path, tables: list[str]) -> duckdb.DuckDBPyConnection:
    con = connect(target)
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    for t in tables:
        con.execute(f"CREATE TABLE {_q(t)} AS SELECT * FROM src.{_q(t)}")
    con.execute("DETACH src")
    return con


def _spelled_columns(con, table: str, key: str, columns: list[str]) -> list[str]:
    """Text columns whose every value ends with the key's digits (``Supplier#000000074``)."""
    out = []
    for c in columns:
        hit = con.execute(
            f"SELECT bool_and(regexp_matches(CAST({_q(c)} AS VARCHAR), '0*' || CAST({_q(key)} AS VARCHAR) || '$')) "
            f"FROM {_q(table)}").fetchone()[0]
        if hit:
            out.append(c)
    return out


def relabel(con, db, table: str, seed: int) -> None:
    """Permute ``table``'s single-column integer key at random; foreign keys and spellings follow."""
    t = db.table(table)
    (key,) = t.primary_key
    keys = [r[0] for r in con.execute(f"SELECT {_q(key)} FROM {_q(table)}").fetchall()]
    shuffled = keys[:]
    random.Random(seed).shuffle(shuffled)
    con.execute("CREATE OR REPLACE TEMP TABLE relabel_map (old BIGINT, new BIGINT)")
    con.executemany("INSERT INTO relabel_map VALUES (?, ?)", list(zip(keys, shuffled)))
    text = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND data_type = 'VARCHAR'", [table]).fetchall()]
    for c in _spelled_columns(con, table, key, text):
        con.execute(
            f"UPDATE {_q(table)} SET {_q(c)} = regexp_replace({_q(c)}, '[0-9]+$', "
            f"lpad(CAST(m.new AS VARCHAR), CAST(length(regexp_extract({_q(c)}, '[0-9]+$')) AS INTEGER), '0')) "
            f"FROM relabel_map m WHERE m.old = {_q(table)}.{_q(key)}")
    _follow(con, db, table, key)


def _follow(con, db, table: str, column: str) -> None:
    """Map ``table.column`` through ``relabel_map``, and every key column that references it, transitively.

    TPC-H's lineitem references partsupp by (part, supplier), not supplier itself: its supplier
    column follows through partsupp's.
    """
    con.execute(f"UPDATE {_q(table)} SET {_q(column)} = m.new FROM relabel_map m WHERE m.old = {_q(table)}.{_q(column)}")
    for fk in db.foreign_keys:
        if fk.ref_table == table and column in fk.ref_columns and not fk.is_self_reference:
            _follow(con, db, fk.table, fk.columns[fk.ref_columns.index(column)])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="tpch_sf0.01")
    ap.add_argument("--tables", nargs="+", required=True, help="entity tables whose keys are relabelled")
    ap.add_argument("--queries", nargs="+", required=True, help="query names (files in the dataset's query directory)")
    ap.add_argument("--draws", type=int, default=5)
    args = ap.parse_args(argv)
    ds = resolve(args.dataset)
    db = read_duckdb(ds.path)
    queries = [q for q in load_queries(ds.queries) if q.name in args.queries]
    real = connect(ds.path, read_only=True)
    errors: dict[str, list[float]] = {q.name: [] for q in queries}
    with tempfile.TemporaryDirectory() as tmp:
        for draw in range(args.draws):
            path = Path(tmp) / f"relabelled{draw}.duckdb"
            con = _copy_without_constraints(ds.path, path, [t.name for t in db.tables])
            for i, table in enumerate(args.tables):
                relabel(con, db, table, seed=1000 * draw + i)
            for q in queries:
                errors[q.name].append(_compare({"real": real.cursor(), "synth": con.cursor()}, Query(q.name, q.sql)).error)
            con.close()
    print(f"relabelled: {', '.join(args.tables)}; {args.draws} draws; error of the real database relabelled")
    print("| query | mean | min | max |\n|---|---|---|---|")
    for name, errs in errors.items():
        print(f"| {name} | {sum(errs) / len(errs):.3f} | {min(errs):.3f} | {max(errs):.3f} |")


if __name__ == "__main__":
    main()
