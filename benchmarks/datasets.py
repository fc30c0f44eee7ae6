"""The benchmark's datasets: the shared development databases and TPC-H with declared keys.

A dataset is a real DuckDB file, an optional sidecar of logical FKs (for amalgam-rel), the
schema to evaluate against (declared + logical FKs) and an optional directory of workload
queries: ``benchmarks/workloads/NAME`` for the development databases, the 22 queries for TPC-H. TPC-H is generated offline by DuckDB's ``tpch`` extension, whose tables carry no keys,
so the tables are re-created with the PRIMARY and FOREIGN KEYs of the TPC-H specification and
filled with ``INSERT ... SELECT``; generated files are cached outside git.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from amalgam_rel.connection import connect, load_local_extension


ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
CACHE = Path(os.environ.get("AMALGAM_BENCH_CACHE", ROOT / "benchmarks" / ".cache"))
WORKLOADS = ROOT / "benchmarks" / "workloads"  # an analyst's queries per development database: NAME/*.sql
SHARED_NAMES = ("chinook", "northwind", "berka", "openflights", "world", "movielens_small", "mutagenesis", "imdb_ctu")
TPCH_SCALES = {"tpch_sf0.01": 0.01, "tpch_sf0.1": 0.1, "tpch_sf1": 1.0}

# TPC-H specification 1.4: primary keys and foreign keys, parents first.
TPCH_DDL = """
CREATE TABLE region (r_regionkey INTEGER PRIMARY KEY, r_name VARCHAR NOT NULL, r_comment VARCHAR);
CREATE TABLE nation (n_nationkey INTEGER PRIMARY KEY, n_name VARCHAR NOT NULL,
  n_regionkey INTEGER NOT NULL REFERENCES region (r_regionkey), n_comment VARCHAR);
CREATE TABLE part (p_partkey BIGINT PRIMARY KEY, p_name VARCHAR NOT NULL, p_mfgr VARCHAR NOT NULL,
  p_brand VARCHAR NOT NULL, p_type VARCHAR NOT NULL, p_size INTEGER NOT NULL, p_container VARCHAR NOT NULL,
  p_retailprice DECIMAL(15,2) NOT NULL, p_comment VARCHAR NOT NULL);
CREATE TABLE supplier (s_suppkey BIGINT PRIMARY KEY, s_name VARCHAR NOT NULL, s_address VARCHAR NOT NULL,
  s_nationkey INTEGER NOT NULL REFERENCES nation (n_nationkey), s_phone VARCHAR NOT NULL,
  s_acctbal DECIMAL(15,2) NOT NULL, s_comment VARCHAR NOT NULL);
CREATE TABLE partsupp (ps_partkey BIGINT NOT NULL REFERENCES part (p_partkey),
  ps_suppkey BIGINT NOT NULL REFERENCES supplier (s_suppkey), ps_availqty BIGINT NOT NULL,
  ps_supplycost DECIMAL(15,2) NOT NULL, ps_comment VARCHAR NOT NULL, PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE customer (c_custkey BIGINT PRIMARY KEY, c_name VARCHAR NOT NULL, c_address VARCHAR NOT NULL,
  c_nationkey INTEGER NOT NULL REFERENCES nation (n_nationkey), c_phone VARCHAR NOT NULL,
  c_acctbal DECIMAL(15,2) NOT NULL, c_mktsegment VARCHAR NOT NULL, c_comment VARCHAR NOT NULL);
CREATE TABLE orders (o_orderkey BIGINT PRIMARY KEY, o_custkey BIGINT NOT NULL REFERENCES customer (c_custkey),
  o_orderstatus VARCHAR NOT NULL, o_totalprice DECIMAL(15,2) NOT NULL, o_orderdate DATE NOT NULL,
  o_orderpriority VARCHAR NOT NULL, o_clerk VARCHAR NOT NULL, o_shippriority INTEGER NOT NULL,
  o_comment VARCHAR NOT NULL);
CREATE TABLE lineitem (l_orderkey BIGINT NOT NULL REFERENCES orders (o_orderkey), l_partkey BIGINT NOT NULL,
  l_suppkey BIGINT NOT NULL, l_linenumber BIGINT NOT NULL, l_quantity DECIMAL(15,2) NOT NULL,
  l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL, l_tax DECIMAL(15,2) NOT NULL,
  l_returnflag VARCHAR NOT NULL, l_linestatus VARCHAR NOT NULL, l_shipdate DATE NOT NULL,
  l_commitdate DATE NOT NULL, l_receiptdate DATE NOT NULL, l_shipinstruct VARCHAR NOT NULL,
  l_shipmode VARCHAR NOT NULL, l_comment VARCHAR NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber),
  FOREIGN KEY (l_partkey, l_suppkey) REFERENCES partsupp (ps_partkey, ps_suppkey));
"""
TPCH_ORDER = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")


@dataclass(frozen=True)
class Dataset:
    name: str
    path: Path
    sidecar: Path | None = None  # TOML of logical FKs, for amalgam-rel
    queries: Path | None = None  # directory of .sql files for the workload metric

    def schema(self):
        """The schema to evaluate against: declared FKs plus the logical ones of the sidecar."""
        from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
        from amalgam_rel.schema.sidecar import apply_sidecar

        con = open_duckdb(self.path)
        try:
            db = read_duckdb(con)
            return apply_sidecar(db, self.sidecar, con) if self.sidecar else db
        finally:
            con.close()


def resolve(name: str) -> Dataset | str:
    """The dataset called ``name`` (or a path to any DuckDB file), or why it is not available."""
    if name.endswith(".duckdb"):
        path = Path(name)
        return Dataset(path.stem, path.resolve()) if path.exists() else f"{path} is absent"
    if name in TPCH_SCALES:
        return tpch(TPCH_SCALES[name])
    if name not in SHARED_NAMES:
        return f"unknown dataset {name!r}"
    path = SHARED / f"{name}.duckdb"
    if not path.exists():
        return f"{path} is absent"
    workload = WORKLOADS / name
    return Dataset(name, path, sidecar_from_meta(SHARED / f"{name}.meta.json", name),
                   workload if workload.is_dir() else None)


def sidecar_from_meta(meta: Path, name: str) -> Path | None:
    """Write the meta file's logical (undeclared) FKs as an amalgam-rel sidecar TOML."""
    if not meta.exists():
        return None
    fks = [fk for fk in json.loads(meta.read_text())["fks"] if not fk["declared"]]
    if not fks:
        return None
    lines = []
    for fk in fks:
        lines += ["[[foreign_keys]]", f'table = "{fk["child"]}"', f"columns = {json.dumps(fk['cols'])}",
                  f'ref_table = "{fk["parent"]}"', f"ref_columns = {json.dumps(fk['ref_cols'])}", ""]
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"{name}.sidecar.toml"
    out.write_text("\n".join(lines))
    return out


def tpch(sf: float) -> Dataset:
    """TPC-H at scale factor ``sf`` with declared keys, and its 22 queries (cached)."""
    name = f"tpch_sf{sf:g}"
    path, qdir = CACHE / f"{name}.duckdb", CACHE / "tpch-queries"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        build_tpch(sf, path)
    if not qdir.exists():
        write_tpch_queries(qdir)
    return Dataset(name, path, None, qdir)


def build_tpch(sf: float, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = connect(tmp)
    try:
        load_local_extension(con, "tpch")
        con.execute("CREATE SCHEMA gen")
        con.execute(f"CALL dbgen(sf={sf}, schema='gen')")
        con.execute(TPCH_DDL)
        for table in TPCH_ORDER:  # parents first, so every FK is checked against present rows
            con.execute(f"INSERT INTO main.{table} SELECT * FROM gen.{table}")
        con.execute("DROP SCHEMA gen CASCADE")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.rename(path)


def write_tpch_queries(qdir: Path) -> None:
    tmp = qdir.with_name(qdir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    con = connect()
    load_local_extension(con, "tpch")
    for nr, text in con.execute("SELECT query_nr, query FROM tpch_queries()").fetchall():
        (tmp / f"q{nr:02d}.sql").write_text(text)
    con.close()
    tmp.rename(qdir)
