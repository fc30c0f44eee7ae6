"""How many of a database's declared keys :mod:`amalgam_rel.schema.key_discovery` finds when
they are hidden: each table shown through a view without its keys, as a CSV or Parquet export is.

    PYTHONPATH=$PWD python benchmarks/bench_key_discovery.py chinook northwind world

Prints, per database, the declared single-column foreign keys found (recall), the suggested ones
that were not declared (which a reviewer would delete), the primary keys found, and the time.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from amalgam_rel.connection import connect
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.key_discovery import suggest_keys
from amalgam_rel.schema.model import Database

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


def hidden_keys(path: Path) -> dict:
    declared = read_duckdb(path)
    con = connect()
    try:
        con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
        for t in declared.tables:
            con.execute(f"CREATE VIEW {sql.ident(t.name).sql(sql.DIALECT)} AS SELECT * FROM "
                        f"src.{sql.ident(t.schema).sql(sql.DIALECT)}.{sql.ident(t.name).sql(sql.DIALECT)}")
        bare = Database(tuple(replace(t, primary_key=(), unique=(), schema="main") for t in declared.tables))
        start = time.perf_counter()
        found = suggest_keys(con, bare)
        seconds = time.perf_counter() - start
    finally:
        con.close()
    want = {(f.table, f.columns, f.ref_table) for f in declared.foreign_keys if len(f.columns) == 1}
    got = {(f.table, f.columns, f.ref_table) for f in found.foreign_keys}
    pks = {t.name: t.primary_key for t in declared.tables if t.primary_key}
    return {"fks declared": len(want), "found": len(want & got), "extra": len(got - want),
            "pks declared": len(pks), "pks found": sum(pks.get(k.table) == k.columns for k in found.primary_keys),
            "seconds": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["chinook"])
    args = parser.parse_args()
    for name in args.names:
        path = ROOT / "examples" / "chinook.duckdb" if name == "chinook" else DATASETS / f"{name}.duckdb"
        print(name, hidden_keys(path), flush=True)


if __name__ == "__main__":
    main()
