"""Small generated databases with one key shape each, and the measurements the tests share.

Every fixture database is built here with plain DuckDB SQL from seeded numpy data (no free
text, so no language model is trained), fitted once per session, and sampled to a file the
tests then query with plain SQL. Figures are compared as distributions: children per parent
(zeros included), tree depths and fan-outs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel

ITERS = 100  # estimation iterations per table model: plenty for tables this small
EPOCH = np.datetime64("2015-01-01", "D")
# country.capital -> city: the logical edge that closes the country <-> city cycle
CAPITAL_SIDECAR = """
[[foreign_keys]]
table = "country"
columns = "capital"
ref_table = "city"
ref_columns = "id"
"""


def create(path: Path, ddl: str, tables: dict[str, dict[str, np.ndarray]]) -> Path:
    """A DuckDB file with ``ddl`` run and each table filled from its columns (in DDL order)."""
    con = duckdb.connect(str(path))
    con.execute(ddl)
    con.close()
    for name, columns in tables.items():
        insert(path, name, columns)
    return path


def insert(path: Path, table: str, columns: dict[str, np.ndarray]) -> None:
    con = duckdb.connect(str(path))
    con.register("__rows", pa.table(columns))
    con.execute(f'INSERT INTO "{table}" SELECT * FROM __rows')
    con.close()


def fit(path: Path, sidecar: Path | None = None, seed: int = 0) -> DatabaseModel:
    return DatabaseModel(seed=seed, iters=ITERS).fit(path, sidecar=sidecar)


def synthesized(directory: Path, ddl: str, tables: dict[str, dict[str, np.ndarray]]) -> tuple[Path, DatabaseModel, Path]:
    """A database built in ``directory`` (see :func:`create`), its fitted model, and one synthetic copy."""
    path = create(directory / "real.duckdb", ddl, tables)
    model = fit(path)
    out = directory / "synth.duckdb"
    model.sample(out)
    return path, model, out


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def column(path: Path, sql: str) -> np.ndarray:
    return np.array([r[0] for r in query(path, sql)])


def degrees(path: Path, child: str, columns: tuple[str, ...], parent: str, keys: tuple[str, ...]) -> np.ndarray:
    """Children per parent row through ``child(columns) -> parent(keys)``, zeros included."""
    on = " AND ".join(f'c."{c}" = p."{k}"' for c, k in zip(columns, keys))
    return column(path, f'SELECT count(c."{columns[0]}") FROM "{parent}" p LEFT JOIN "{child}" c ON {on} '
                        f'GROUP BY {", ".join(f"p.{chr(34)}{k}{chr(34)}" for k in keys)}')


def ks_complement(real: np.ndarray, synth: np.ndarray) -> float:
    """1 - the largest gap between the two empirical CDFs (1: same distribution)."""
    real, synth = np.sort(np.asarray(real, float)), np.sort(np.asarray(synth, float))
    grid = np.union1d(real, synth)
    a = np.searchsorted(real, grid, side="right") / len(real)
    b = np.searchsorted(synth, grid, side="right") / len(synth)
    return float(1 - np.abs(a - b).max())


def validity_violations(real: Path, synth: Path, schema=None) -> list[dict]:
    from amalgam_rel.evaluation import evaluate

    result = evaluate(real, synth, schema=schema, stages=("validity",)).results["validity"]
    assert result.checks, "validity ran no checks"
    return result.to_dict()["failed"]


def dates(days: np.ndarray) -> pa.Array:
    return pa.array((EPOCH + np.asarray(days, dtype=np.int64)).astype("datetime64[D]"))


# -- the shop: several parents, zero-child parents, a three-level chain, temporal order ----------

SHOP_DDL = """
CREATE TABLE region (id INTEGER PRIMARY KEY, zone VARCHAR NOT NULL, climate VARCHAR NOT NULL, area DOUBLE NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, region_id INTEGER NOT NULL REFERENCES region (id),
                       since DATE NOT NULL, segment VARCHAR NOT NULL);
CREATE TABLE product (id INTEGER PRIMARY KEY, price DOUBLE NOT NULL, category VARCHAR NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                     product_id INTEGER NOT NULL REFERENCES product (id), order_date DATE NOT NULL,
                     amount DOUBLE NOT NULL CHECK (amount > 0));
"""
ZONE_AMOUNT = {"north": 20.0, "south": 60.0, "east": 120.0, "west": 240.0}


def build_shop(path: Path, seed: int = 11) -> Path:
    """40 % of customers never order; the others order a geometric number of times; products
    have Zipf popularity. A region's climate sets its customers' segment and its area their
    sign-up date, but its zone matters only two levels down: it sets an order's amount. An
    order follows its customer's sign-up date in 99.6 % of rows."""
    rng = np.random.default_rng(seed)
    n_region, n_customer, n_product = 200, 800, 120
    zones = np.array(list(ZONE_AMOUNT))
    region_zone = zones[np.arange(n_region) % len(zones)]
    region_wet = rng.random(n_region) < 0.5
    region_area = np.round(rng.lognormal(6, 1, n_region))
    customer_region = rng.integers(0, n_region, n_customer)
    since = (np.log(region_area[customer_region]) * 200 + rng.integers(0, 400, n_customer)).astype(np.int64)
    business = rng.random(n_customer) < np.where(region_wet[customer_region], 0.6, 0.1)
    per_customer = np.where(rng.random(n_customer) < 0.4, 0, rng.geometric(0.25, n_customer))
    order_customer = np.repeat(np.arange(n_customer), per_customer)
    n = len(order_customer)
    popularity = 1 / np.arange(1, n_product + 1) ** 1.1
    order_product = rng.choice(n_product, n, p=popularity / popularity.sum())
    gap = rng.integers(0, 400, n)
    gap[rng.random(n) < 0.004] *= -1
    base = np.array([ZONE_AMOUNT[z] for z in region_zone[customer_region[order_customer]]])
    return create(path, SHOP_DDL, {
        "region": {"id": np.arange(1, n_region + 1), "zone": region_zone,
                   "climate": np.where(region_wet, "wet", "dry"), "area": region_area},
        "customer": {"id": np.arange(1, n_customer + 1), "region_id": customer_region + 1, "since": dates(since),
                     "segment": np.where(business, "business", "retail")},
        "product": {"id": np.arange(1, n_product + 1), "price": np.round(rng.lognormal(3, 0.5, n_product), 2),
                    "category": rng.choice(["a", "b", "c"], n_product)},
        "orders": {"id": np.arange(1, n + 1), "customer_id": order_customer + 1, "product_id": order_product + 1,
                   "order_date": dates(since[order_customer] + gap),
                   "amount": np.round(base * rng.lognormal(0, 0.15, n), 2)},
    })


@pytest.fixture(scope="session")
def shop(tmp_path_factory):
    """(real path, fitted model, synthetic path at scale 1 with the model's seed)."""
    folder = tmp_path_factory.mktemp("shop")
    real = build_shop(folder / "real.duckdb")
    model = fit(real)
    synth = folder / "synth.duckdb"
    model.sample(synth)
    return real, model, synth
