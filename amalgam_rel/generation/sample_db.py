"""A small shop database using every type the language model fills (tests, benchmarks, docs).

It plants a dependency between ``category`` and the text: each category's descriptions and tags
draw on their own vocabulary, so a model that conditions on the row reproduces it.

>>> from amalgam_rel.connection import connect
>>> con = connect()
>>> make_shop(con, rows=30)
>>> con.execute("SELECT count(*) FROM products").fetchone()[0]
30
"""

from __future__ import annotations

import json
import random

import duckdb

WORDS = {
    "fruit": ["apple", "pear", "juicy", "ripe", "orchard", "sweet", "plum", "fresh", "citrus"],
    "dairy": ["milk", "cheese", "creamy", "butter", "yogurt", "aged", "cow", "cultured", "whey"],
    "bakery": ["bread", "crust", "flour", "baked", "sourdough", "rye", "oven", "loaf", "yeast"],
}
TAGS = {
    "fruit": ["vegan", "seasonal", "organic", "local"],
    "dairy": ["chilled", "organic", "protein", "local"],
    "bakery": ["gluten", "daily", "vegan", "artisan"],
}
NAMES = ["anna", "ben", "carla", "dev", "elif", "femi", "gus", "hana", "ivo", "jun", "kofi", "lena"]

DDL = """
CREATE TYPE size_t AS ENUM ('S', 'M', 'L');
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    category VARCHAR NOT NULL,
    price DECIMAL(8,2),
    description VARCHAR NOT NULL CHECK (length(description) >= 10),
    code VARCHAR(8) NOT NULL UNIQUE CHECK (code LIKE 'P-%'),
    phone VARCHAR,
    email VARCHAR,
    grade VARCHAR CHECK (grade IN ('A', 'B', 'C')),
    sku VARCHAR CHECK (regexp_matches(sku, '^[A-Z]{3}[0-9]{2}$')),
    label VARCHAR(12) CHECK (length(label) BETWEEN 3 AND 12),
    size size_t,
    dims STRUCT(w INTEGER, h INTEGER, unit VARCHAR) CHECK (struct_extract(dims, 'w') > 0),
    tags VARCHAR[] CHECK (len(tags) <= 4),
    scores SMALLINT[3],
    attrs MAP(VARCHAR, INTEGER),
    meta JSON,
    extra STRUCT(made DATE, seen TIMESTAMP, uid UUID, ratio DOUBLE, small TINYINT, ok BOOLEAN, lvl ENUM('x', 'y')),
    CHECK (price IS NULL OR price < 1000 OR length(label) > 3)
);
"""


def _row(i: int, rng: random.Random) -> tuple:
    cat = rng.choice(list(WORDS))
    words = rng.sample(WORDS[cat], rng.randint(3, 7))
    description = " ".join(words).capitalize() + "."
    name = rng.choice(NAMES)
    meta = {"origin": rng.choice(["north", "south", "east"])}
    if rng.random() < 0.5:
        meta["organic"] = rng.random() < 0.5
    if rng.random() < 0.3:
        meta["ratings"] = [rng.randint(1, 5) for _ in range(rng.randint(1, 3))]
    return (
        i, cat, round(rng.uniform(0.5, 40), 2), description,
        f"P-{rng.randint(0, 9999):04d}{rng.choice('ABCDEFGH')}",
        f"({rng.randint(100, 999)}) 555-{rng.randint(0, 9999):04d}",
        f"{name}.{rng.choice(NAMES)}@example.com",
        rng.choice("ABC"), "".join(rng.choice("ABCDEFGHIJ") for _ in range(3)) + f"{rng.randint(0, 99):02d}",
        rng.choice(["small", "family pack", "single", "bulk", "mini"]), rng.choice(["S", "M", "L"]),
        {"w": rng.randint(1, 60), "h": rng.randint(1, 60), "unit": rng.choice(["cm", "mm"])},
        rng.sample(TAGS[cat], rng.randint(0, 3)), [rng.randint(0, 100) for _ in range(3)],
        {f"k{j}": rng.randint(0, 50) for j in rng.sample(range(5), rng.randint(0, 3))},
        json.dumps(meta),
        {"made": f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
         "seen": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:15:00",
         "uid": f"{rng.getrandbits(128):032x}", "ratio": round(rng.random(), 3), "small": rng.randint(-50, 50),
         "ok": rng.random() < 0.5, "lvl": rng.choice("xy")},
    )


def make_shop(con: duckdb.DuckDBPyConnection, rows: int = 300, seed: int = 0) -> None:
    """Create and fill ``products`` (and its ENUM type) in ``con``."""
    rng = random.Random(seed)
    con.execute(DDL)
    data = [_row(i, rng) for i in range(rows)]
    codes, fixed = set(), []
    for r in data:
        while r[4] in codes:  # code is UNIQUE
            r = r[:4] + (f"P-{rng.randint(0, 9999):04d}Z",) + r[5:]
        codes.add(r[4])
        fixed.append(list(r[:14]) + [json.dumps(r[14]), r[15], r[16]])
    con.executemany(
        "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::JSON::MAP(VARCHAR, INTEGER), ?, ?)",
        fixed,
    )
