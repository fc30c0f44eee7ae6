"""Benchmark and baseline figures for ``amalgam-rel evaluate``.

For each development dataset: a random half that keeps referential integrity
(:func:`~amalgam_rel.evaluation.subset.random_subset`, logical FKs from NAME.meta.json
included) is evaluated against the full database; wall time and per-area scores are printed.
``--tpch`` generates TPC-H at sf 0.01, halves it the same way (with TPC-H's FKs as logical
keys) and runs its 22 queries through ``--queries``.

    python benchmarks/bench_evaluate.py berka            # the "under a minute on 2 cores" figure
    python benchmarks/bench_evaluate.py --all --tpch --json out.json

Generated data goes to a temporary directory and is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


from amalgam_rel.connection import connect, load_local_extension
from amalgam_rel.evaluation import evaluate
from amalgam_rel.evaluation.subset import random_subset
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.model import Column, Database, ForeignKey, Table

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
NAMES = ("chinook", "northwind", "berka", "openflights", "world", "movielens_small", "mutagenesis", "imdb_ctu")
AREAS = ("validity", "column_shapes", "pair_trends", "cardinality", "intertable_trends", "detection", "workload")

TPCH_FKS = [  # (child, columns, parent, columns)
    ("nation", ["n_regionkey"], "region", ["r_regionkey"]),
    ("supplier", ["s_nationkey"], "nation", ["n_nationkey"]),
    ("customer", ["c_nationkey"], "nation", ["n_nationkey"]),
    ("partsupp", ["ps_partkey"], "part", ["p_partkey"]),
    ("partsupp", ["ps_suppkey"], "supplier", ["s_suppkey"]),
    ("orders", ["o_custkey"], "customer", ["c_custkey"]),
    ("lineitem", ["l_orderkey"], "orders", ["o_orderkey"]),
    ("lineitem", ["l_partkey", "l_suppkey"], "partsupp", ["ps_partkey", "ps_suppkey"]),
]
TPCH_PKS = {"region": ["r_regionkey"], "nation": ["n_nationkey"], "supplier": ["s_suppkey"], "customer": ["c_custkey"],
            "part": ["p_partkey"], "partsupp": ["ps_partkey", "ps_suppkey"], "orders": ["o_orderkey"],
            "lineitem": ["l_orderkey", "l_linenumber"]}


def with_meta_fks(db: Database, meta: Path) -> Database:
    """Add the logical FKs listed in a dataset's NAME.meta.json."""
    if not meta.exists():
        return db
    extra = []
    for fk in json.loads(meta.read_text())["fks"]:
        if not fk["declared"]:
            nullable = any(db.table(fk["child"]).column(c).nullable for c in fk["cols"])
            extra.append(ForeignKey(fk["child"], tuple(fk["cols"]), fk["parent"], tuple(fk["ref_cols"]), nullable, "logical"))
    return db.with_foreign_keys(tuple(extra))


def tpch_schema(db: Database) -> Database:
    tables = tuple(Table(t.name, t.columns, tuple(TPCH_PKS.get(t.name, ())), row_count=t.row_count) for t in db.tables)
    fks = tuple(ForeignKey(c, tuple(cc), p, tuple(pc), False, "logical") for c, cc, p, pc in TPCH_FKS)
    return Database(tables, fks)


def run(name: str, real: Path, workdir: Path, schema: Database, queries: Path | None = None) -> dict:
    half = workdir / f"{name}-half.duckdb"
    random_subset(real, half, fraction=0.5, seed=0, schema=schema)
    start = time.perf_counter()
    d = evaluate(real, half, schema=schema, queries=queries).to_dict()
    seconds = time.perf_counter() - start
    row = {"dataset": name, "seconds": round(seconds, 1), "overall": d["overall"]["score"]}
    row |= {a: d[a]["score"] for a in AREAS}
    row |= {"violations": d["validity"]["violations"], "detection_auc": d["detection"]["auc"],
            "amalgam_chi2_p": d["amalgam_chi2_p"]["mean"], "strict_chi2_p": d["amalgam_chi2_p"]["strict_mean"],
            "queries": d["workload"]["queries"], "median_rel_error": d["workload"]["median_rel_error"],
            "p90_rel_error": d["workload"]["p90_rel_error"], "failed": d["workload"]["failed"],
            "exact_copy_rate": d["privacy"]["exact_copy_rate"], "stage_seconds": d["seconds"]}
    if queries is not None:
        user = [r for r in d["workload"]["results"] if r["name"].startswith("q")]
        row["user_queries"] = {r["name"]: (r["shape"], r["error"]) for r in user}
    return row


def tpch(workdir: Path) -> dict:
    real = workdir / "tpch.duckdb"
    con = connect(real)
    load_local_extension(con, "tpch")
    con.execute("CALL dbgen(sf=0.01)")
    qdir = workdir / "tpch-queries"
    qdir.mkdir()
    for nr, text in con.execute("SELECT query_nr, query FROM tpch_queries()").fetchall():
        (qdir / f"q{nr:02d}.sql").write_text(text)
    con.close()
    return run("tpch_sf0.01", real, workdir, tpch_schema(read_duckdb(real)), qdir)


def show(row: dict) -> None:
    scores = " ".join(f"{a}={row[a]:.3f}" if row[a] is not None else f"{a}=-" for a in AREAS)
    print(f"{row['dataset']:16s} {row['seconds']:6.1f}s overall={row['overall']:.3f} {scores} "
          f"auc={row['detection_auc']:.3f} chi2p={row['amalgam_chi2_p']:.3f} strict={row['strict_chi2_p']:.3f} "
          f"viol={row['violations']} q={row['queries']} med={row['median_rel_error']:.3f} p90={row['p90_rel_error']:.3f} "
          f"failed={row['failed']} copies={row['exact_copy_rate']:.3f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"datasets (default berka); any of {', '.join(NAMES)}")
    parser.add_argument("--all", action="store_true", help="all eight datasets")
    parser.add_argument("--tpch", action="store_true", help="TPC-H sf 0.01 with its 22 queries")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    names = NAMES if args.all else tuple(args.names or (() if args.tpch else ("berka",)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            real = DATASETS / f"{name}.duckdb"
            if not real.exists():
                print(f"skip {name}: {real} is absent", file=sys.stderr)
                continue
            rows.append(run(name, real, Path(tmp), with_meta_fks(read_duckdb(real), DATASETS / f"{name}.meta.json")))
            show(rows[-1])
        if args.tpch:
            rows.append(tpch(Path(tmp)))
            show(rows[-1])
            print("TPC-H queries (shape, error):", rows[-1]["user_queries"])
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
