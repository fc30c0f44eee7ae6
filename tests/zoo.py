"""A zoo of small-but-not-tiny databases with unusual schemas and data, for end-to-end synth tests.

Every database is plain DuckDB SQL over seeded numpy columns (registered as Arrow tables), 200 to
2000 rows per table, so the models really fit. ``python tests/zoo.py OUTDIR`` writes them all as
``OUTDIR/<name>.duckdb``; ``build(name, path)`` writes one.

- ``types``: the schema of fixtures/all_types.sql with hundreds of rows of every type (HUGEINT and
  UHUGEINT extremes, DECIMAL(38,10), TIMESTAMP_NS, TIMESTAMPTZ, INTERVAL, UUID, BLOB, ENUMs,
  STRUCT/LIST/MAP/JSON/ARRAY, many NULLs).
- ``keys``: composite primary and foreign keys, two FKs from one child to one parent, a
  self-reference, an empty table, a one-row table, an all-NULL column, a constant column, VARCHAR
  keys, a nullable mostly-NULL FK, a FK to a UNIQUE (non-key) column, a table without a key.
- ``checks``: CHECKs across two columns (a < b), BETWEEN, IN lists, LIKE on codes, length() on
  text, regexp, UNIQUE text columns.
- ``schemas``: identifiers that need quotes in several schemas; tables in other schemas
  referencing main through logical FKs (DuckDB declares none across schemas: ``SIDECARS``).
- ``odd``: odd values: NaN/inf doubles, empty strings, long and unicode text, dates far apart,
  duplicate rows, a one-column table, boolean-only columns, every child on one parent.
- ``exotic``: primary keys of type DOUBLE, ENUM, DATE, TIMESTAMPTZ and DECIMAL (and FKs to them), a
  UUID and a text UNIQUE column, BIT, UNION, TIMETZ, BIGNUM, TIMESTAMP_S/_MS, infinite dates and
  timestamps, NaN floats, a 300-value ENUM, nested lists, BLOB lists, integer-keyed maps, odd JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

FIXTURES = Path(__file__).resolve().parent / "fixtures"

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
         "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango")


def _words(rng: np.random.Generator, n: int, lo: int = 1, hi: int = 6) -> list[str]:
    return [" ".join(rng.choice(WORDS, size=rng.integers(lo, hi + 1))) for _ in range(n)]


def _nulls(rng: np.random.Generator, values, rate: float) -> list:
    mask = rng.random(len(values)) < rate
    return [None if m else (v.item() if isinstance(v, np.generic) else v) for v, m in zip(values, mask)]


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict) -> None:
    con.register(name, pa.table({k: list(v) if not isinstance(v, pa.Array) else v for k, v in columns.items()}))


def _insert_tree(con: duckdb.DuckDBPyConnection, sql: str, view: str, key: str, parents: tuple[str, ...]) -> None:
    """Insert ``sql`` (a SELECT over ``view``) in waves: DuckDB checks a self-referencing FK against
    the rows already in the table, so each row goes in once its parents are there."""
    con.execute(f"CREATE TEMP TABLE pending AS SELECT * FROM {view}")
    while con.execute("SELECT count(*) FROM pending").fetchone()[0]:
        ready = " AND ".join(f"({p} IS NULL OR {p} NOT IN (SELECT {key} FROM pending))" for p in parents)
        con.execute(f"CREATE OR REPLACE TEMP TABLE wave AS SELECT * FROM pending WHERE {ready}")
        con.execute(sql.replace(f"FROM {view}", "FROM wave"))
        con.execute(f"DELETE FROM pending WHERE {key} IN (SELECT {key} FROM wave)")
    con.execute("DROP TABLE pending; DROP TABLE wave")


def build_types(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    con.execute((FIXTURES / "all_types.sql").read_text(encoding="utf-8"))
    # warehouses: composite VARCHAR/SMALLINT key
    codes = [f"{a}{b}{c}" for a in "ABCDEFG" for b in "KLMN" for c in "XYZ"]
    _register(con, "w", {"code": codes * 3, "site": np.repeat([1, 2, 3], len(codes)).tolist(),
                         "cap": rng.integers(0, 2**40, size=3 * len(codes)).tolist()})
    con.execute("INSERT INTO warehouse SELECT code, site, cap::UBIGINT FROM w")
    # employees: a deep self-reference with two FKs to itself
    n = 300
    manager = [None] + [int(rng.integers(1, i + 1)) if rng.random() < 0.95 else None for i in range(1, n)]
    mentor = [int(rng.integers(1, i + 1)) if i > 0 and rng.random() < 0.4 else None for i in range(n)]
    _register(con, "e", {"id": list(range(101, 101 + n)), "name": _words(rng, n, 1, 2),
                         "manager": [m + 100 if m else None for m in manager],
                         "mentor": [m + 100 if m else None for m in mentor],
                         "days": _nulls(rng, rng.integers(0, 9000, size=n), 0.1)})
    _insert_tree(con, "INSERT INTO employee SELECT id, name, manager, mentor, DATE '2000-01-01' + days::INTEGER FROM e",
                 "e", "id", ("manager", "mentor"))
    # customers: every type
    n = 500
    big = rng.integers(-2**62, 2**62, size=n)
    huge_pick = rng.integers(0, 4, size=n)
    huge = [["170141183460469231731687303715884105727", "-170141183460469231731687303715884105728", "0",
             str(int(b) * 1234567)][k] for b, k in zip(big, huge_pick)]
    uhuge = [["340282366920938463463374607431768211455", "0", "1", str(abs(int(b)) * 98765)][k]
             for b, k in zip(big, huge_pick)]
    region = rng.choice(["north", "south", "east", "west", "ünï", "it's"], size=n)
    _register(con, "c", {
        "i": list(range(n)),
        "region": _nulls(rng, region, 0.1),
        "city": _words(rng, n, 1, 3),
        "tiny": _nulls(rng, rng.integers(-128, 128, size=n), 0.3),
        "small": _nulls(rng, rng.integers(-100, 101, size=n), 0.3),
        "big": _nulls(rng, big, 0.3),
        "huge": _nulls(rng, np.array(huge, dtype=object), 0.3),
        "utiny": _nulls(rng, rng.integers(0, 256, size=n), 0.3),
        "usmall": _nulls(rng, rng.integers(0, 65536, size=n), 0.3),
        "uint": _nulls(rng, rng.integers(0, 2**32, size=n), 0.3),
        "uhuge": _nulls(rng, np.array(uhuge, dtype=object), 0.3),
        "dec": _nulls(rng, np.round(rng.gamma(2.0, 30.0, size=n), 2), 0.3),
        "wide": _nulls(rng, np.array([f"{rng.integers(-10**15, 10**15)}.{rng.integers(0, 10**10):010d}"
                                      for _ in range(n)], dtype=object), 0.3),
        "flt": _nulls(rng, rng.normal(0, 1e6, size=n), 0.3),
        "dbl": _nulls(rng, rng.lognormal(0, 3, size=n), 0.3),
        "bool": _nulls(rng, rng.random(n) < 0.3, 0.3),
        "days": _nulls(rng, rng.integers(-200000, 200000, size=n), 0.3),
        "secs": _nulls(rng, rng.integers(0, 86400 * 10**6, size=n), 0.3),
        "ns": _nulls(rng, rng.integers(-10**18, 10**18, size=n), 0.3),
        "ival_m": rng.integers(-30, 30, size=n).tolist(),
        "ival_d": rng.integers(-400, 400, size=n).tolist(),
        "ival_us": _nulls(rng, rng.integers(-10**11, 10**11, size=n), 0.3),
        "blob": _nulls(rng, np.array([bytes(rng.integers(0, 256, size=rng.integers(0, 12)).astype(np.uint8))
                                      for _ in range(n)], dtype=object), 0.3),
        "enum": _nulls(rng, rng.choice(["bronze", "silver", "gold"], size=n, p=[0.7, 0.2, 0.1]), 0.3),
        "mood": rng.choice(["sad", "ok", "happy"], size=n).tolist(),
        "street": _nulls(rng, np.array(_words(rng, n, 1, 2), dtype=object), 0.2),
        "zip": _nulls(rng, np.array([f"{z:04d}" for z in rng.integers(0, 10000, size=n)], dtype=object), 0.2),
        "lat": rng.uniform(-90, 90, size=n).tolist(),
        "kind": rng.integers(0, 6, size=n).tolist(),
        "k": rng.integers(0, 5, size=n).tolist(),
        "tags": _words(rng, n, 0, 4),
    })
    con.execute("""
        INSERT INTO customer (id, email, region, city, t_tiny, t_small, t_big, t_huge, t_utiny, t_usmall, t_uint,
            t_uhuge, t_dec, t_wide_dec, t_float, t_double, t_bool, t_date, t_time, t_ts, t_tstz, t_ts_ns, t_interval,
            t_uuid, t_blob, t_enum, t_mood, t_struct, t_list, t_array, t_map, t_json, t_nested)
        SELECT 2000 + i, 'user' || i || '@' || (['example.org', 'mail.test', 'x.io'])[1 + i % 3],
            CASE WHEN i % 7 = 0 THEN NULL ELSE region END, city || ' ' || i,
            tiny::TINYINT, small::SMALLINT, big::BIGINT, huge::HUGEINT, utiny::UTINYINT, usmall::USMALLINT,
            uint::UINTEGER, uhuge::UHUGEINT, dec::DECIMAL(10, 2), wide::DECIMAL(38, 10), flt::FLOAT, dbl, bool,
            DATE '2000-01-01' + days::INTEGER, make_time(0, 0, 0) + to_microseconds(secs::BIGINT),
            TIMESTAMP '2000-01-01' + to_microseconds(secs::BIGINT * 37),
            TIMESTAMPTZ '2010-06-01 00:00:00+00' + to_microseconds(secs::BIGINT * 11),
            make_timestamp_ns(ns::BIGINT),
            CASE WHEN ival_us IS NULL THEN NULL
                 ELSE to_months(ival_m::INTEGER) + to_days(ival_d::INTEGER) + to_microseconds(ival_us::BIGINT) END,
            CASE WHEN i % 4 = 0 THEN NULL ELSE uuid() END, blob, enum, mood,
            CASE WHEN kind = 0 THEN NULL ELSE {'street': street, 'zip code': zip,
                 'geo': CASE WHEN kind = 1 THEN NULL ELSE {'lat': lat, 'lon': lat / 2} END} END,
            CASE WHEN kind = 0 THEN NULL WHEN tags = '' THEN [] ELSE string_split(tags, ' ') END,
            (CASE WHEN kind = 1 THEN NULL ELSE [k, k * 2, NULL] END)::INTEGER[3],
            CASE WHEN kind = 2 THEN NULL ELSE map_from_entries([{'k': 'a', 'v': k}, {'k': 'b' || k, 'v': -k}]) END,
            CASE kind WHEN 0 THEN NULL WHEN 1 THEN '[]' WHEN 2 THEN '{"plan": "free"}'
                 WHEN 3 THEN json_object('plan', 'pro', 'seats', k, 'tags', string_split(tags, ' '))
                 WHEN 4 THEN 'null' ELSE json_object('nested', json_object('x', k, 'y', [1, 2])) END,
            CASE WHEN kind = 5 THEN NULL WHEN kind = 4 THEN []
                 ELSE [{'tags': string_split(tags, ' '),
                        'scores': map_from_entries([{'k': 'q' || k, 'v': {'v': lat, 'w': mood::mood}}])}] END
        FROM c""")
    con.execute("""INSERT INTO customer_profile SELECT id, CASE WHEN id % 5 = 0 THEN NULL ELSE 'likes ' || city END
                   FROM customer WHERE id % 3 = 0""")
    n = 400
    _register(con, "p", {"i": list(range(3, 3 + n)), "price": np.round(rng.lognormal(3, 1, size=n) + 0.01, 2).tolist()})
    con.execute("INSERT INTO product SELECT i, 'SKU-' || lpad(i::VARCHAR, 5, '0'), price FROM p")
    n = 800
    _register(con, "s", {"i": list(range(3, 3 + n)), "f": rng.integers(0, len(codes) * 3, size=n).tolist(),
                         "t": _nulls(rng, rng.integers(0, len(codes) * 3, size=n), 0.5),
                         "h": _nulls(rng, rng.integers(101, 401, size=n), 0.2)})
    con.execute("""INSERT INTO shipment SELECT s.i, a.code, a.site, b.code, b.site, s.h FROM s
                   JOIN (SELECT row_number() OVER (ORDER BY code, site) - 1 AS r, * FROM warehouse WHERE code <> 'AMS' AND code <> 'LIS') a ON a.r = s.f
                   LEFT JOIN (SELECT row_number() OVER (ORDER BY code, site) - 1 AS r, * FROM warehouse WHERE code <> 'AMS' AND code <> 'LIS') b ON b.r = s.t""")
    pairs = {(int(c), int(p)) for c, p in zip(rng.integers(2000, 2500, size=1500), rng.integers(3, 403, size=1500))}
    cs, ps = zip(*sorted(pairs))
    _register(con, "cp", {"c": list(cs), "p": list(ps)})
    con.execute("INSERT INTO customer_product SELECT c, p FROM cp")


def build_keys(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    con.execute("""
        CREATE TABLE country (iso VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, continent VARCHAR,
                              nothing INTEGER, always VARCHAR, always_n INTEGER);
        CREATE TABLE singleton (id INTEGER PRIMARY KEY, setting VARCHAR, value DOUBLE);
        CREATE TABLE empty_one (id INTEGER PRIMARY KEY, label VARCHAR, iso VARCHAR REFERENCES country (iso));
        CREATE TABLE store (iso VARCHAR REFERENCES country (iso), store_no INTEGER, opened DATE,
                            size_m2 DOUBLE, PRIMARY KEY (iso, store_no));
        CREATE TABLE staff (login VARCHAR PRIMARY KEY, boss VARCHAR REFERENCES staff (login),
                            iso VARCHAR, store_no INTEGER, salary DECIMAL(9, 2),
                            FOREIGN KEY (iso, store_no) REFERENCES store (iso, store_no));
        CREATE TABLE transfer (id BIGINT PRIMARY KEY, from_iso VARCHAR NOT NULL, from_no INTEGER NOT NULL,
                               to_iso VARCHAR NOT NULL, to_no INTEGER NOT NULL, qty INTEGER, approver VARCHAR
                               REFERENCES staff (login), coupon VARCHAR REFERENCES country (iso),
                               singleton_id INTEGER REFERENCES singleton (id),
                               FOREIGN KEY (from_iso, from_no) REFERENCES store (iso, store_no),
                               FOREIGN KEY (to_iso, to_no) REFERENCES store (iso, store_no));
        CREATE TABLE line (transfer_id BIGINT REFERENCES transfer (id), line_no SMALLINT, item VARCHAR,
                           amount DOUBLE, PRIMARY KEY (transfer_id, line_no));
        CREATE TABLE line_note (transfer_id BIGINT, line_no SMALLINT, note VARCHAR,
                                FOREIGN KEY (transfer_id, line_no) REFERENCES line (transfer_id, line_no));
        CREATE TABLE badge (serial VARCHAR UNIQUE, holder VARCHAR REFERENCES staff (login), level TINYINT);
        CREATE TABLE scan (badge_serial VARCHAR REFERENCES badge (serial), "at" TIMESTAMP, ok BOOLEAN);
        CREATE TABLE log ("at" TIMESTAMP, level VARCHAR, message VARCHAR);
    """)
    n = 250
    iso = sorted({"".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), size=3)) for _ in range(n)})
    n = len(iso)
    _register(con, "c", {"iso": iso, "name": _words(rng, n, 1, 3),
                         "cont": rng.choice(["Europe", "Asia", "Africa", "Americas", "Oceania"], size=n).tolist()})
    con.execute("INSERT INTO country SELECT iso, name, cont, NULL, 'same', 7 FROM c")
    con.execute("INSERT INTO singleton VALUES (1, 'mode', 0.5)")
    stores = [(c, k) for c in iso for k in range(1, int(rng.integers(1, 5)))]
    _register(con, "s", {"iso": [s[0] for s in stores], "no": [s[1] for s in stores],
                         "days": rng.integers(0, 5000, size=len(stores)).tolist(),
                         "size": np.round(rng.lognormal(5, 1, size=len(stores)), 1).tolist()})
    con.execute("INSERT INTO store SELECT iso, no, DATE '2005-01-01' + days::INTEGER, size FROM s")
    n = 600
    logins = [f"u{i:04d}.{w}" for i, w in enumerate(rng.choice(WORDS, size=n))]
    pick = rng.integers(0, len(stores), size=n)
    boss = [None if i == 0 or rng.random() < 0.05 else logins[int(rng.integers(0, i))] for i in range(n)]
    _register(con, "st", {"login": logins, "boss": boss, "iso": _nulls(rng, np.array([stores[p][0] for p in pick]), 0.1),
                          "no": [stores[p][1] for p in pick], "sal": np.round(rng.normal(4000, 900, size=n), 2).tolist()})
    _insert_tree(con, "INSERT INTO staff SELECT login, boss, iso, CASE WHEN iso IS NULL THEN NULL ELSE no END, sal FROM st",
                 "st", "login", ("boss",))
    n = 1500
    f, t = rng.integers(0, len(stores), size=n), rng.integers(0, len(stores), size=n)
    _register(con, "tr", {"id": (np.arange(n) * 7919 + 10**12).tolist(),
                          "fi": [stores[x][0] for x in f], "fn": [stores[x][1] for x in f],
                          "ti": [stores[x][0] for x in t], "tn": [stores[x][1] for x in t],
                          "qty": _nulls(rng, rng.poisson(20, size=n), 0.05),
                          "appr": _nulls(rng, np.array(rng.choice(logins, size=n), dtype=object), 0.3),
                          "coupon": _nulls(rng, np.array(rng.choice(iso, size=n), dtype=object), 0.97),
                          "single": _nulls(rng, np.ones(n, dtype=int), 0.5)})
    con.execute("INSERT INTO transfer SELECT id, fi, fn, ti, tn, qty, appr, coupon, single FROM tr")
    ids = (np.arange(1500) * 7919 + 10**12)
    per = rng.integers(0, 3, size=len(ids))
    tid = np.repeat(ids, per)
    lno = np.concatenate([np.arange(1, k + 1) for k in per if k]).astype(int)
    m = len(tid)
    _register(con, "l", {"t": tid.tolist(), "n": lno.tolist(), "item": rng.choice(WORDS, size=m).tolist(),
                         "amt": np.round(rng.exponential(50, size=m), 2).tolist()})
    con.execute("INSERT INTO line SELECT t, n, item, amt FROM l")
    con.execute("INSERT INTO line_note SELECT transfer_id, line_no, 'check ' || item FROM line WHERE hash(transfer_id) % 3 = 0")
    n = 400
    _register(con, "b", {"serial": [f"B-{i:05d}" for i in rng.permutation(90000)[:n]],
                         "holder": rng.choice(logins, size=n).tolist(), "lvl": rng.integers(1, 4, size=n).tolist()})
    con.execute("INSERT INTO badge SELECT serial, holder, lvl FROM b")
    con.execute("INSERT INTO badge VALUES (NULL, NULL, 2), (NULL, 'u0000.' || (SELECT split_part(login, '.', 2) FROM staff LIMIT 1), NULL)")
    n = 1200
    _register(con, "sc", {"b": rng.choice([f"B-{i:05d}" for i in []] or con.execute("SELECT serial FROM badge WHERE serial IS NOT NULL").fetchnumpy()["serial"].tolist(), size=n).tolist(),
                          "s": rng.integers(0, 10**8, size=n).tolist(), "ok": (rng.random(n) < 0.9).tolist()})
    con.execute("INSERT INTO scan SELECT b, TIMESTAMP '2024-01-01' + to_seconds(s), ok FROM sc")
    n = 300
    _register(con, "lg", {"s": rng.integers(0, 10**7, size=n).tolist(),
                          "lvl": rng.choice(["INFO", "WARN", "ERROR"], size=n, p=[0.8, 0.15, 0.05]).tolist(),
                          "msg": _words(rng, n, 2, 8)})
    con.execute("INSERT INTO log SELECT TIMESTAMP '2024-01-01' + to_seconds(s), lvl, msg FROM lg")
    con.execute("INSERT INTO log SELECT * FROM log LIMIT 50")  # exact duplicate rows


def build_checks(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    con.execute("""
        CREATE TABLE booking (
            id INTEGER PRIMARY KEY,
            code VARCHAR NOT NULL UNIQUE CHECK (code LIKE 'BK-%' AND length(code) = 9),
            guest VARCHAR NOT NULL UNIQUE CHECK (length(guest) BETWEEN 3 AND 40),
            status VARCHAR NOT NULL CHECK (status IN ('new', 'paid', 'cancelled', 'no-show')),
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            check_in DATE NOT NULL,
            check_out DATE NOT NULL,
            nights INTEGER CHECK (nights > 0),
            price DECIMAL(10, 2) CHECK (price >= 0 AND price < 100000),
            discount DOUBLE CHECK (discount >= 0 AND discount <= 1),
            room VARCHAR CHECK (room SIMILAR TO '[A-D][0-9]{3}'),
            note VARCHAR CHECK (note IS NULL OR length(note) <= 60),
            lo INTEGER, hi INTEGER,
            CHECK (check_in < check_out),
            CHECK (lo < hi),
            CHECK (status <> 'cancelled' OR rating IS NULL)
        );
        CREATE TABLE payment (
            booking_id INTEGER NOT NULL REFERENCES booking (id),
            seq INTEGER NOT NULL CHECK (seq >= 1),
            method VARCHAR CHECK (method IN ('card', 'cash', 'transfer')),
            amount DECIMAL(10, 2) NOT NULL CHECK (amount > 0),
            paid_at TIMESTAMP,
            ref VARCHAR UNIQUE CHECK (ref LIKE 'P%'),
            PRIMARY KEY (booking_id, seq)
        );
    """)
    n = 900
    cin = rng.integers(0, 3000, size=n)
    nights = rng.integers(1, 15, size=n)
    status = rng.choice(["new", "paid", "cancelled", "no-show"], size=n, p=[0.2, 0.6, 0.15, 0.05])
    rating = [None if s == "cancelled" or rng.random() < 0.3 else int(rng.integers(1, 6)) for s in status]
    lo = rng.integers(-50, 50, size=n)
    notes = _words(rng, n, 1, 6)
    _register(con, "b", {
        "id": list(range(1, n + 1)), "code": [f"BK-{c:06d}" for c in rng.permutation(10**6)[:n]],
        "guest": [f"{w} {i}" for i, w in enumerate(_words(rng, n, 1, 3))], "status": status.tolist(),
        "rating": rating, "cin": cin.tolist(), "nights": nights.tolist(),
        "price": np.round(nights * rng.uniform(40, 300, size=n), 2).tolist(),
        "disc": _nulls(rng, np.round(rng.beta(1, 5, size=n), 3), 0.5),
        "room": _nulls(rng, np.array([f"{rng.choice(list('ABCD'))}{rng.integers(0, 1000):03d}" for _ in range(n)],
                                     dtype=object), 0.1),
        "note": _nulls(rng, np.array([s[:60] for s in notes], dtype=object), 0.6),
        "lo": lo.tolist(), "hi": (lo + rng.integers(1, 30, size=n)).tolist(),
    })
    con.execute("""INSERT INTO booking SELECT id, code, guest, status, rating, DATE '2018-01-01' + cin::INTEGER,
                   DATE '2018-01-01' + cin::INTEGER + nights::INTEGER, nights, price, disc, room, note, lo, hi FROM b""")
    con.execute("""INSERT INTO payment SELECT id, s.seq, (['card', 'cash', 'transfer', NULL])[1 + (id * s.seq) % 4],
                   round(price / 2 + s.seq, 2), check_in + to_hours(s.seq::BIGINT), 'P' || id || '-' || s.seq
                   FROM booking, (SELECT unnest([1, 2]) AS seq) s WHERE status = 'paid' OR s.seq = 1""")


def build_schemas(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    con.execute("""
        CREATE SCHEMA "Other Schema";
        CREATE SCHEMA other;
        CREATE TYPE "Level" AS ENUM ('low', 'mid', 'high');
        CREATE TABLE "User" ("ID" INTEGER PRIMARY KEY, "user name" VARCHAR NOT NULL, "level" "Level",
                             "group" VARCHAR, "from" DATE);
        CREATE TABLE other."User" ("ID" INTEGER PRIMARY KEY, "Owner" INTEGER NOT NULL, "select" DOUBLE, "x""y" VARCHAR);
        CREATE TABLE other."Event Log" ("event id" BIGINT PRIMARY KEY, "user" INTEGER REFERENCES other."User" ("ID"),
                                        "main user" INTEGER, "when" TIMESTAMP,
                                        "what?" VARCHAR CHECK ("what?" IN ('a', 'b', 'c')));
        CREATE TABLE "Other Schema".tag ("name" VARCHAR PRIMARY KEY, "weight" REAL);
        CREATE TABLE "Other Schema".tagging ("event" BIGINT, "tag" VARCHAR REFERENCES "Other Schema".tag ("name"),
                                              PRIMARY KEY ("event", "tag"));
    """)
    n = 300
    _register(con, "u", {"id": list(range(1, n + 1)), "name": [f"{w}_{i}" for i, w in enumerate(rng.choice(WORDS, size=n))],
                         "lvl": _nulls(rng, rng.choice(["low", "mid", "high"], size=n), 0.2),
                         "grp": rng.choice(["x", "y", "z"], size=n).tolist(), "d": rng.integers(0, 4000, size=n).tolist()})
    con.execute('INSERT INTO "User" SELECT id, name, lvl, grp, DATE \'2010-01-01\' + d::INTEGER FROM u')
    n = 500
    _register(con, "o", {"id": list(range(1, n + 1)), "owner": rng.integers(1, 301, size=n).tolist(),
                         "sel": rng.normal(size=n).tolist(), "xy": _words(rng, n, 1, 2)})
    con.execute('INSERT INTO other."User" SELECT * FROM o')
    n = 1200
    _register(con, "ev", {"id": (np.arange(n) + 5).tolist(), "u": _nulls(rng, rng.integers(1, 501, size=n), 0.2),
                          "mu": rng.integers(1, 301, size=n).tolist(), "s": rng.integers(0, 10**8, size=n).tolist(),
                          "what": rng.choice(["a", "b", "c"], size=n).tolist()})
    con.execute('INSERT INTO other."Event Log" SELECT id, u, mu, TIMESTAMP \'2020-01-01\' + to_seconds(s), what FROM ev')
    con.execute('INSERT INTO "Other Schema".tag SELECT w, length(w) / 3 FROM (SELECT unnest(?) AS w)', [list(WORDS)])
    pairs = sorted({(int(e), str(t)) for e, t in zip(rng.integers(5, 1205, size=1500), rng.choice(WORDS, size=1500))})
    _register(con, "tg", {"e": [p[0] for p in pairs], "t": [p[1] for p in pairs]})
    con.execute('INSERT INTO "Other Schema".tagging SELECT e, t FROM tg')


# DuckDB declares no foreign key across schemas: those go in a sidecar (``sidecar(name)``).
SIDECARS = {"schemas": """
[[foreign_keys]]
table = "other.User"
columns = ["Owner"]
ref_table = "User"
ref_columns = ["ID"]

[[foreign_keys]]
table = "other.Event Log"
columns = "main user"
ref_table = "User"
ref_columns = "ID"

[[foreign_keys]]
table = "Other Schema.tagging"
columns = ["event"]
ref_table = "other.Event Log"
ref_columns = ["event id"]
"""}


def build_odd(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    con.execute("""
        CREATE TABLE hub (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL);
        CREATE TABLE spoke (id INTEGER PRIMARY KEY, hub_id INTEGER NOT NULL REFERENCES hub (id),
                            x DOUBLE, y FLOAT, txt VARCHAR, born DATE, "at" TIMESTAMP, t TIME,
                            b1 BOOLEAN, b2 BOOLEAN, neg DECIMAL(4, 3), micro DECIMAL(18, 18));
        CREATE TABLE onecol (v INTEGER);
        CREATE TABLE keys_only (a INTEGER REFERENCES spoke (id), b INTEGER REFERENCES spoke (id), PRIMARY KEY (a, b));
        CREATE TABLE texts (id UUID PRIMARY KEY, body VARCHAR NOT NULL, title VARCHAR);
    """)
    con.execute("INSERT INTO hub VALUES (1, true), (2, false)")
    n = 1000
    x = rng.normal(size=n)
    x[rng.random(n) < 0.05] = np.nan
    x[:3] = [np.inf, -np.inf, -0.0]
    txt = [["", " ", "ünïcødé ✓ 中文", "tab\there", "new\nline", "quote ' \" \\"][k % 6] if k < 60 else w
           for k, w in enumerate(_words(rng, n, 1, 3))]
    _register(con, "s", {"id": list(range(n)), "hub": [1] * (n - 1) + [2], "x": x.tolist(),
                         "y": _nulls(rng, rng.normal(size=n).astype(np.float32), 0.2), "txt": txt,
                         "d": rng.choice([-700000, -1, 0, 1, 20000, 2900000], size=n).tolist(),
                         "s": rng.integers(-10**9, 10**9, size=n).tolist(), "b1": (rng.random(n) < 0.5).tolist(),
                         "neg": np.round(rng.uniform(-9.999, 9.999, size=n), 3).tolist(),
                         "micro": [f"0.{v:018d}" for v in rng.integers(0, 10**17, size=n)]})
    con.execute("""INSERT INTO spoke SELECT id, hub, x, y, txt, DATE '1970-01-01' + d::INTEGER,
                   TIMESTAMP '1970-01-01' + to_seconds(s), make_time(0, 0, 0) + to_seconds(abs(s) % 86400), b1, NOT b1,
                   neg::DECIMAL(4, 3), micro::DECIMAL(18, 18) FROM s""")
    con.execute("INSERT INTO onecol SELECT (i % 7) FROM range(700) t(i)")
    pairs = sorted({(int(a), int(b)) for a, b in zip(rng.integers(0, n, size=900), rng.integers(0, 50, size=900))})
    _register(con, "k", {"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]})
    con.execute("INSERT INTO keys_only SELECT a, b FROM k")
    n = 300
    _register(con, "t", {"body": [" ".join(_words(rng, 1, 5, 30)) * int(rng.integers(1, 4)) for _ in range(n)],
                         "title": _nulls(rng, np.array(_words(rng, n, 1, 4), dtype=object), 0.3)})
    con.execute("INSERT INTO texts SELECT uuid(), body, title FROM t")


def build_exotic(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    """Keys of unusual types, rarer column types and special values."""
    big_enum = ", ".join(f"'v{i:03d}'" for i in range(300))
    con.execute(f"""
        CREATE TYPE big AS ENUM ({big_enum});
        CREATE TYPE colour AS ENUM ('red', 'green', 'blue');
        CREATE TABLE by_double (x DOUBLE PRIMARY KEY, label VARCHAR);
        CREATE TABLE by_enum (c colour PRIMARY KEY, weight INTEGER);
        CREATE TABLE by_date (d DATE PRIMARY KEY, v INTEGER);
        CREATE TABLE by_tstz (t TIMESTAMPTZ PRIMARY KEY, v DOUBLE);
        CREATE TABLE by_decimal (k DECIMAL(12, 3) PRIMARY KEY, v INTEGER);
        CREATE TABLE by_uuid_text (u UUID UNIQUE, s VARCHAR UNIQUE, c colour REFERENCES by_enum (c),
                                   k DECIMAL(12, 3) REFERENCES by_decimal (k), x DOUBLE REFERENCES by_double (x),
                                   d DATE REFERENCES by_date (d));
        CREATE TABLE rare (id INTEGER PRIMARY KEY, bits BIT, u UNION(num INTEGER, str VARCHAR), ttz TIMETZ,
                           bn BIGNUM, ts_s TIMESTAMP_S, ts_ms TIMESTAMP_MS, inf_d DATE, inf_ts TIMESTAMP,
                           f FLOAT, e big, ll INTEGER[][], lb BLOB[], mi MAP(INTEGER, VARCHAR),
                           one_text VARCHAR, empties VARCHAR, st STRUCT(a INTEGER, b BOOLEAN), js JSON);
    """)
    n = 300
    con.execute(f"INSERT INTO by_double SELECT i / 7.0 + 0.001, 'x' || (i % 5) FROM range({n}) t(i)")
    con.execute("INSERT INTO by_enum VALUES ('red', 1), ('green', 5), ('blue', 2)")
    con.execute(f"INSERT INTO by_date SELECT DATE '1990-01-01' + (i * 3)::INTEGER, i % 11 FROM range({n}) t(i)")
    con.execute(f"INSERT INTO by_tstz SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_minutes(i * 17), i / 3 "
                f"FROM range({n}) t(i)")
    con.execute(f"INSERT INTO by_decimal SELECT (i * 1.25 - 50)::DECIMAL(12, 3), i % 4 FROM range({n}) t(i)")
    m = 600
    _register(con, "r", {"a": rng.integers(0, n, size=m).tolist(), "b": rng.integers(0, n, size=m).tolist(),
                         "c": rng.integers(0, 3, size=m).tolist(), "s": rng.permutation(10**5)[:m].tolist()})
    con.execute("""INSERT INTO by_uuid_text SELECT CASE WHEN s % 10 = 0 THEN NULL ELSE uuid() END,
                   CASE WHEN s % 9 = 0 THEN NULL ELSE 'code-' || s END, (['red', 'green', 'blue'])[1 + c],
                   (a * 1.25 - 50)::DECIMAL(12, 3), b / 7.0 + 0.001, DATE '1990-01-01' + (a * 3)::INTEGER FROM r""")
    m = 500
    _register(con, "x", {"i": list(range(m)), "k": rng.integers(0, 8, size=m).tolist(),
                         "f": rng.normal(size=m).astype(np.float32).tolist(), "e": rng.zipf(1.5, size=m).tolist()})
    con.execute("""INSERT INTO rare SELECT i, (CASE WHEN k = 0 THEN NULL ELSE bin(k * 37)::VARCHAR END)::BIT,
                   CASE WHEN k % 2 = 0 THEN k::INTEGER::UNION(num INTEGER, str VARCHAR) ELSE ('s' || k)::UNION(num INTEGER, str VARCHAR) END,
                   ('12:00:00+0' || (k % 5))::TIMETZ, (k::BIGNUM * 10::BIGNUM ** 30),
                   (TIMESTAMP '2001-01-01' + to_seconds(i * 999))::TIMESTAMP_S,
                   (TIMESTAMP '2001-01-01' + to_milliseconds(i * 99999))::TIMESTAMP_MS,
                   CASE k WHEN 0 THEN 'infinity'::DATE WHEN 1 THEN '-infinity'::DATE ELSE DATE '2020-01-01' + i::INTEGER END,
                   CASE k WHEN 0 THEN 'infinity'::TIMESTAMP ELSE TIMESTAMP '2020-01-01' + to_hours(i) END,
                   CASE k WHEN 0 THEN 'nan'::FLOAT WHEN 1 THEN 'inf'::FLOAT ELSE f END,
                   ('v' || lpad((e % 300)::VARCHAR, 3, '0'))::big,
                   CASE WHEN k = 0 THEN NULL ELSE [[k, k + 1], [], NULL, [NULL]] END,
                   [encode('ab' || k), NULL],
                   map_from_entries([{'k': k, 'v': 'val' || k}, {'k': -1, 'v': NULL}]),
                   'constant', CASE WHEN k < 4 THEN '' ELSE NULL END,
                   CASE WHEN k = 0 THEN NULL ELSE {'a': k, 'b': k > 3} END,
                   CASE k WHEN 0 THEN '"just a string"' WHEN 1 THEN '42' WHEN 2 THEN '[1, "a", null, {"b": []}]'
                        WHEN 3 THEN '{}' ELSE json_object('k', k, 'deep', json_object('a', json_object('b', k))) END
                   FROM x""")


BUILDERS = {"types": build_types, "keys": build_keys, "checks": build_checks, "schemas": build_schemas,
            "odd": build_odd, "exotic": build_exotic}


def build(name: str, path: Path, seed: int = 7) -> Path:
    """Write zoo database ``name`` to ``path`` (replaced if it exists)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        BUILDERS[name](con, np.random.default_rng(seed))
    finally:
        con.close()
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for name in (sys.argv[2:] or BUILDERS):
        print(build(name, out / f"{name}.duckdb"))
        if name in SIDECARS:
            (out / f"{name}.toml").write_text(SIDECARS[name], encoding="utf-8")
