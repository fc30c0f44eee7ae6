"""Small databases built in the tests: a customers -> orders schema with every kind of column."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest


DDL = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, segment VARCHAR NOT NULL, age INTEGER, income DOUBLE, signup DATE,
    email VARCHAR UNIQUE, notes VARCHAR, tags VARCHAR[], meta JSON, empty_col DOUBLE, feeling mood,
    CHECK (age >= 0));
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), amount DECIMAL(10,2),
    placed TIMESTAMP, express BOOLEAN);
CREATE TABLE "odd ""name"" table" ("weird col" VARCHAR, "ü" INTEGER);
"""


def _customers(rng: np.random.Generator, n: int) -> list[tuple]:
    segs = np.array(["retail", "pro", "gov"])
    rows = []
    for i in range(n):
        seg = segs[rng.choice(3, p=[0.6, 0.3, 0.1])]
        age = int(rng.integers(18, 80))
        income = float(age * 1000 + rng.normal(0, 3000) + (20000 if seg == "pro" else 0))
        notes = None if rng.random() < 0.3 else " ".join(rng.choice(["alpha", "beta", "gamma", "delta"], rng.integers(1, 12)))
        tags = list(rng.choice(["a", "b", "c"], rng.integers(0, 4)))
        meta = '{"k": 1, "v": 2}' if age > 40 else '{"k": 1}'
        rows.append((i, seg, age, income, f"2020-01-{1 + i % 28:02d}", f"user{i}@x.org", notes, tags, meta, None,
                     ["sad", "ok", "happy"][i % 3]))
    return rows


def build(path: Path, n: int = 1500, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    con.execute(DDL)
    _insert(con, "customers", _customers(rng, n))
    orders, oid = [], 0
    for c in range(n):
        for _ in range(int(rng.poisson(0.5 + (c % 5)))):  # zero-inflated-ish, depends on the parent
            orders.append((oid, c, round(float(rng.gamma(2, 50)), 2), f"2021-0{1 + oid % 9}-01 10:00:00", bool(c % 2)))
            oid += 1
    _insert(con, "orders", orders)
    con.close()
    return path


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert ``rows`` in one statement: ``executemany`` runs one INSERT per row (seconds per table)."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    frame = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})  # noqa: F841 - read by DuckDB
    con.execute(f"INSERT INTO {table} SELECT * FROM frame")


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("real") / "real.duckdb")


def derive(real: Path, dst: Path, statements: list[str]) -> Path:
    """A copy of ``real`` (constraints dropped) changed by SQL run against ``src``/``dst``."""
    con = duckdb.connect(str(dst))
    con.execute(f"ATTACH '{real}' AS src (READ_ONLY)")
    con.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    for table in ("customers", "orders", '"odd ""name"" table"'):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table} LIMIT 0")
    for s in statements:
        con.execute(s)
    con.close()
    return dst


def copy(real: Path, dst: Path) -> Path:
    shutil.copy(real, dst)
    return dst
