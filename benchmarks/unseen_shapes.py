"""Databases unlike the dev set, built from seeded SQL, synthesized and evaluated end to end.

Each one once broke ``amalgam-rel synth`` (session 6): a UNIQUE column of sequential codes, a
``LIKE '%@%.%'`` CHECK whose constraint grew past 17 GB, a generated column, views. Run it after
changes that touch keys, constraints or text; every database must come out valid.

    python benchmarks/unseen_shapes.py [--only NAME ...] [--out DIR]

- ``shop``: a 6-level chain (region > country > city > store > employee > shift), a 120-column
  table, a 3-parent sale table with a composite key, a self-reference, CHECKs, a LIST column and
  a UNIQUE ``SKU-000123`` code column;
- ``checks``: seven CHECK forms (date + INTERVAL, a product, upper(), a three-wildcard LIKE,
  IN-or-NULL, coalesce, date_part);
- ``derived``: a generated column, a DEFAULT from a sequence, an ENUM type, two views, and a
  stored ``amount = price * qty`` (checked in every synthetic row);
- ``reviews``: 50,000 rows of short free text under one parent;
- ``rentals`` (session 7): a film-rental schema of 13 tables (bridges, a nullable second
  language, a LIST column, DEFAULTs, a three-column UNIQUE, a date CHECK) where a payment's
  customer and staff member are its rental's and it is paid after it, and a rental's staff member
  works at its copy's store: the script checks every synthetic row keeps both
  (``payment_follows_rental``, ``staff_at_copy_store``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from amalgam_rel.connection import connect


SHOP = [
    "CREATE TABLE region(region_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, gdp DOUBLE)",
    "CREATE TABLE country(country_id INTEGER PRIMARY KEY, region_id INTEGER NOT NULL REFERENCES region(region_id), "
    "code CHAR(3) NOT NULL UNIQUE, pop BIGINT CHECK (pop >= 0))",
    "CREATE TABLE city(city_id INTEGER PRIMARY KEY, country_id INTEGER NOT NULL REFERENCES country(country_id), "
    "name VARCHAR, founded DATE)",
    "CREATE TABLE store(store_id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(city_id), opened TIMESTAMP, "
    "size_m2 DECIMAL(8,2) CHECK (size_m2 > 0))",
    "CREATE TABLE employee(emp_id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(store_id), "
    "manager_id INTEGER REFERENCES employee(emp_id), salary DECIMAL(10,2), hired DATE, left_on DATE, "
    "CHECK (left_on IS NULL OR left_on >= hired))",
    "CREATE TABLE shift(emp_id INTEGER NOT NULL REFERENCES employee(emp_id), day DATE NOT NULL, "
    "hours REAL CHECK (hours BETWEEN 0 AND 24), PRIMARY KEY (emp_id, day))",
    "CREATE TABLE product(product_id INTEGER PRIMARY KEY, sku VARCHAR NOT NULL UNIQUE, price DECIMAL(9,2) NOT NULL, "
    "tags VARCHAR[])",
    "CREATE TABLE sale(store_id INTEGER NOT NULL REFERENCES store(store_id), product_id INTEGER NOT NULL "
    "REFERENCES product(product_id), emp_id INTEGER REFERENCES employee(emp_id), qty SMALLINT NOT NULL CHECK (qty > 0), "
    "sold_at TIMESTAMP NOT NULL, PRIMARY KEY (store_id, product_id, sold_at))",
    "CREATE TABLE metrics(metric_id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(store_id), "
    + ", ".join(f"m{i} {('DOUBLE', 'INTEGER', 'VARCHAR')[i % 3]}" for i in range(120)) + ")",
    "SELECT setseed(0.5)",
    "INSERT INTO region SELECT i, 'region ' || i, random() * 1000 FROM range(1, 9) t(i)",
    "INSERT INTO country SELECT i, 1 + (i % 8), chr((65 + (i % 26))::INTEGER) || chr((65 + ((i // 26) % 26))::INTEGER) "
    "|| chr((65 + (i % 7))::INTEGER), (random() * 1e8)::BIGINT FROM range(1, 61) t(i)",
    "INSERT INTO city SELECT i, 1 + (hash(i) % 60), 'City ' || i, DATE '1500-01-01' + (random() * 180000)::INTEGER "
    "FROM range(1, 601) t(i)",
    "INSERT INTO store SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE 1 + (hash(i * 3) % 600) END, "
    "TIMESTAMP '2000-01-01' + to_seconds((random() * 7e8)::BIGINT), round(20 + random() * 2000, 2) FROM range(1, 1501) t(i)",
    # managers first: DuckDB checks a self-reference against the rows already in the table
    "INSERT INTO employee SELECT i, 1 + (hash(i * 5) % 1500), NULL, round(20000 + random() * 80000, 2), h, NULL "
    "FROM (SELECT i, DATE '2000-01-01' + (random() * 8000)::INTEGER h FROM range(1, 6001) t(i)) WHERE i % 50 = 1",
    "INSERT INTO employee SELECT i, 1 + (hash(i * 5) % 1500), ((i - 1) // 50) * 50 + 1, round(20000 + random() * 80000, 2), "
    "h, CASE WHEN i % 4 = 0 THEN h + 100 + (random() * 900)::INTEGER END "
    "FROM (SELECT i, DATE '2000-01-01' + (random() * 8000)::INTEGER h FROM range(1, 6001) t(i)) WHERE i % 50 <> 1",
    "INSERT INTO shift SELECT e, DATE '2024-01-01' + d::INTEGER, round(4 + random() * 8, 1) "
    "FROM range(1, 2001) a(e), range(0, 10) b(d) WHERE hash(e * 31 + d) % 3 = 0",
    "INSERT INTO product SELECT i, 'SKU-' || lpad(i::VARCHAR, 6, '0'), round(1 + random() * 300, 2), "
    "CASE WHEN i % 3 = 0 THEN NULL ELSE ['red', 'blue', 'big', 'small', 'eco'][1:(1 + (i % 4))::INTEGER] END "
    "FROM range(1, 801) t(i)",
    "INSERT INTO sale SELECT DISTINCT ON (s, p, ts) s, p, CASE WHEN i % 9 = 0 THEN NULL ELSE 1 + (hash(i * 7) % 6000) END, "
    "(1 + (hash(i) % 5))::SMALLINT, ts FROM (SELECT i, 1 + (hash(i * 11) % 1500) s, 1 + (hash(i * 13) % 800) p, "
    "TIMESTAMP '2023-01-01' + to_seconds((hash(i * 17) % 31536000)::BIGINT) ts FROM range(1, 40001) t(i))",
    "INSERT INTO metrics SELECT i, 1 + (hash(i * 19) % 1500), "
    + ", ".join(("random() * 100", "(random() * 1000)::INTEGER", f"'v' || (hash(i * {i + 1}) % 12)")[i % 3]
                for i in range(120)) + " FROM range(1, 3001) t(i)",
]

CHECKS = [
    "CREATE TABLE booking(id INTEGER PRIMARY KEY, start_d DATE NOT NULL, end_d DATE NOT NULL, price DECIMAL(8,2) NOT NULL, "
    "qty INTEGER NOT NULL, discount DECIMAL(8,2), code VARCHAR NOT NULL, email VARCHAR, status VARCHAR, "
    "CHECK (end_d >= start_d + INTERVAL 1 DAY), CHECK (price * qty < 10000), CHECK (upper(code) = code), "
    "CHECK (email LIKE '%@%.%'), CHECK (status IN ('open', 'closed') OR status IS NULL), "
    "CHECK (coalesce(discount, 0) <= price), CHECK (date_part('year', start_d) >= 2020))",
    "INSERT INTO booking SELECT i, d, d + 1 + (i % 20)::INTEGER, p, q, CASE WHEN i % 3 = 0 THEN round(p * 0.1, 2) END, "
    "'BK' || (i % 97)::VARCHAR || chr((65 + i % 26)::INTEGER), 'user' || i || '@mail' || (i % 5) || '.com', "
    "CASE WHEN i % 4 = 0 THEN NULL WHEN i % 4 = 1 THEN 'open' ELSE 'closed' END "
    "FROM (SELECT i, DATE '2020-01-01' + (i * 7 % 1500)::INTEGER d, round(10 + (i * 37 % 900), 2) p, 1 + (i % 9) q "
    "FROM range(1, 1501) t(i))",
]

DERIVED = [
    "CREATE SEQUENCE seq_item START 100",
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE TABLE item(id INTEGER PRIMARY KEY DEFAULT nextval('seq_item'), price DOUBLE NOT NULL, qty INTEGER NOT NULL, "
    "total DOUBLE GENERATED ALWAYS AS (price * qty) VIRTUAL, m mood, note VARCHAR DEFAULT 'none')",
    "SELECT setseed(0.25)",
    "INSERT INTO item(price, qty, m, note) SELECT random() * 100, (random() * 10)::INTEGER, "
    "(['sad', 'ok', 'happy'])[1 + (i % 3)::INTEGER], 'note number ' || (i % 37) FROM range(500) t(i)",
    "CREATE TABLE line(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item(id), "
    "price DECIMAL(8,2) NOT NULL, qty INTEGER NOT NULL, amount DECIMAL(10,2) NOT NULL)",
    "INSERT INTO line SELECT i, 100 + (hash(i) % 500), p, q, p * q "
    "FROM (SELECT i, round(1 + random() * 99, 2)::DECIMAL(8,2) p, 1 + (hash(i * 3) % 9)::INTEGER q FROM range(2000) t(i))",
    "CREATE VIEW expensive AS SELECT * FROM item WHERE price > 50",
    "CREATE VIEW expensive_total AS SELECT sum(total) AS s FROM expensive",
]

_ADJ = "['great', 'terrible', 'okay', 'excellent', 'poor', 'decent', 'amazing', 'bad', 'solid', 'awful']"
_NOUN = "['battery', 'screen', 'price', 'delivery', 'support', 'design', 'sound', 'camera', 'fit', 'quality']"
REVIEWS = [
    "CREATE TABLE product(id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, category VARCHAR NOT NULL)",
    "CREATE TABLE review(id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES product(id), "
    "stars TINYINT CHECK (stars BETWEEN 1 AND 5), body TEXT, created DATE)",
    "SELECT setseed(0.75)",
    "INSERT INTO product SELECT i, 'Product ' || i, ['phone', 'tv', 'audio', 'laptop'][1 + (i % 4)::INTEGER] "
    "FROM range(1, 2001) t(i)",
    "INSERT INTO review SELECT i, 1 + (hash(i) % 2000), s, "
    f"'The ' || {_NOUN}[1 + (hash(i * 3) % 10)::INTEGER] || ' is ' || {_ADJ}[1 + (hash(i * 5) % 5)::INTEGER + "
    "CASE WHEN s >= 3 THEN 0 ELSE 5 END] || CASE WHEN i % 3 = 0 THEN '. the ' || "
    f"{_NOUN}[1 + (hash(i * 7) % 10)::INTEGER] || ' is ' || {_ADJ}[1 + (hash(i * 11) % 10)::INTEGER] ELSE '' END || '.', "
    "DATE '2016-07-20' + (hash(i * 13) % 3000)::INTEGER FROM (SELECT i, (1 + hash(i * 2) % 5)::TINYINT s "
    "FROM range(1, 50001) t(i))",
]

_FIRST = "['Mary', 'John', 'Linda', 'James', 'Susan', 'Robert', 'Karen', 'David', 'Lisa', 'Mark', 'Nancy', 'Paul']"
_LAST = "['Smith', 'Jones', 'Brown', 'Lee', 'Walker', 'Young', 'King', 'Wright', 'Hill', 'Green', 'Adams', 'Baker']"
_WORD = "['Academy', 'Dinosaur', 'Ace', 'Goldfinger', 'Airport', 'Pollock', 'Alone', 'Trip', 'Angels', 'Life', 'Bride', 'Intrigue']"
RENTALS = [
    "CREATE TABLE country(country_id INTEGER PRIMARY KEY, country VARCHAR NOT NULL)",
    "CREATE TABLE city(city_id INTEGER PRIMARY KEY, city VARCHAR NOT NULL, country_id INTEGER NOT NULL REFERENCES country(country_id))",
    "CREATE TABLE address(address_id INTEGER PRIMARY KEY, address VARCHAR NOT NULL, district VARCHAR, "
    "city_id INTEGER NOT NULL REFERENCES city(city_id), postal_code VARCHAR(10), phone VARCHAR NOT NULL)",
    "CREATE TABLE language(language_id INTEGER PRIMARY KEY, name CHAR(20) NOT NULL)",
    "CREATE TABLE film(film_id INTEGER PRIMARY KEY, title VARCHAR NOT NULL, release_year INTEGER, "
    "language_id INTEGER NOT NULL REFERENCES language(language_id), original_language_id INTEGER REFERENCES language(language_id), "
    "rental_duration SMALLINT NOT NULL DEFAULT 3, rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99, length SMALLINT, "
    "replacement_cost DECIMAL(5,2) NOT NULL, rating VARCHAR CHECK (rating IN ('G', 'PG', 'PG-13', 'R', 'NC-17')), "
    "special_features VARCHAR[])",
    "CREATE TABLE actor(actor_id INTEGER PRIMARY KEY, first_name VARCHAR NOT NULL, last_name VARCHAR NOT NULL)",
    "CREATE TABLE film_actor(actor_id INTEGER NOT NULL REFERENCES actor(actor_id), film_id INTEGER NOT NULL "
    "REFERENCES film(film_id), PRIMARY KEY (actor_id, film_id))",
    "CREATE TABLE store(store_id INTEGER PRIMARY KEY, address_id INTEGER NOT NULL REFERENCES address(address_id))",
    "CREATE TABLE staff(staff_id INTEGER PRIMARY KEY, first_name VARCHAR NOT NULL, address_id INTEGER NOT NULL "
    "REFERENCES address(address_id), store_id INTEGER NOT NULL REFERENCES store(store_id), active BOOLEAN NOT NULL DEFAULT true, "
    "username VARCHAR NOT NULL UNIQUE)",
    "CREATE TABLE customer(customer_id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(store_id), "
    "first_name VARCHAR NOT NULL, last_name VARCHAR NOT NULL, email VARCHAR UNIQUE, address_id INTEGER NOT NULL "
    "REFERENCES address(address_id), active BOOLEAN NOT NULL, create_date TIMESTAMP NOT NULL)",
    "CREATE TABLE inventory(inventory_id INTEGER PRIMARY KEY, film_id INTEGER NOT NULL REFERENCES film(film_id), "
    "store_id INTEGER NOT NULL REFERENCES store(store_id))",
    "CREATE TABLE rental(rental_id INTEGER PRIMARY KEY, rental_date TIMESTAMP NOT NULL, inventory_id INTEGER NOT NULL "
    "REFERENCES inventory(inventory_id), customer_id INTEGER NOT NULL REFERENCES customer(customer_id), return_date TIMESTAMP, "
    "staff_id INTEGER NOT NULL REFERENCES staff(staff_id), UNIQUE (rental_date, inventory_id, customer_id), "
    "CHECK (return_date IS NULL OR return_date >= rental_date))",
    "CREATE TABLE payment(payment_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(customer_id), "
    "staff_id INTEGER NOT NULL REFERENCES staff(staff_id), rental_id INTEGER REFERENCES rental(rental_id), "
    "amount DECIMAL(5,2) NOT NULL CHECK (amount >= 0), payment_date TIMESTAMP NOT NULL)",
    "SELECT setseed(0.125)",
    "INSERT INTO country SELECT i, 'Country ' || chr((65 + i)::INTEGER) FROM range(20) t(i)",
    "INSERT INTO city SELECT i, 'City ' || i, (hash(i) % 20)::INTEGER FROM range(120) t(i)",
    "INSERT INTO address SELECT i, (1 + hash(i) % 999)::VARCHAR || ' ' || " + _WORD + "[1 + (hash(i * 3) % 12)::INTEGER] || ' Street', "
    "CASE WHEN i % 9 = 0 THEN NULL ELSE 'District ' || (i % 15) END, (hash(i * 5) % 120)::INTEGER, "
    "lpad((hash(i * 7) % 99999)::VARCHAR, 5, '0'), '+1 ' || lpad((hash(i * 11) % 10000000000)::VARCHAR, 10, '0') FROM range(400) t(i)",
    "INSERT INTO language VALUES (0, 'English'), (1, 'Italian'), (2, 'Japanese'), (3, 'Mandarin'), (4, 'French'), (5, 'German')",
    "INSERT INTO film SELECT i, upper(" + _WORD + "[1 + (hash(i) % 12)::INTEGER] || ' ' || " + _WORD + "[1 + (hash(i * 2) % 12)::INTEGER] || ' ' || i), "
    "2000 + (hash(i * 3) % 7)::INTEGER, 0, CASE WHEN i % 7 = 0 THEN 1 + (hash(i) % 5)::INTEGER END, 3 + (hash(i * 5) % 5)::SMALLINT, "
    "[0.99, 2.99, 4.99][1 + (hash(i * 7) % 3)::INTEGER], 46 + (hash(i * 11) % 140)::SMALLINT, 9.99 + (hash(i * 13) % 21), "
    "['G', 'PG', 'PG-13', 'R', 'NC-17'][1 + (hash(i * 17) % 5)::INTEGER], "
    "list_slice(['Trailers', 'Commentaries', 'Deleted Scenes', 'Behind the Scenes'], 1 + (hash(i * 19) % 3)::INTEGER, "
    "2 + (hash(i * 23) % 3)::INTEGER) FROM range(300) t(i)",
    "INSERT INTO actor SELECT i, " + _FIRST + "[1 + (hash(i) % 12)::INTEGER], " + _LAST + "[1 + (hash(i * 3) % 12)::INTEGER] FROM range(100) t(i)",
    "INSERT INTO film_actor SELECT DISTINCT (hash(i) % 100)::INTEGER, (hash(i * 7) % 300)::INTEGER FROM range(1600) t(i)",
    "INSERT INTO store VALUES (0, 0), (1, 1)",
    "INSERT INTO staff SELECT i, " + _FIRST + "[1 + i], 2 + i, i % 2, i < 3, lower(" + _FIRST + "[1 + i]) || i FROM range(4) t(i)",
    "INSERT INTO customer SELECT i, (hash(i) % 2)::INTEGER, f, l, CASE WHEN i % 25 = 0 THEN NULL ELSE lower(f || '.' || l || i) || "
    "'@example.org' END, 6 + i, i % 30 <> 0, TIMESTAMP '2006-02-14 22:04:36' + to_days((hash(i) % 60)::INTEGER) "
    "FROM (SELECT i, " + _FIRST + "[1 + (hash(i * 3) % 12)::INTEGER] f, " + _LAST + "[1 + (hash(i * 5) % 12)::INTEGER] l "
    "FROM range(350) t(i))",
    "INSERT INTO inventory SELECT i, (hash(i) % 300)::INTEGER, (hash(i * 3) % 2)::INTEGER FROM range(1200) t(i)",
    # a rental is served by a staff member of the copy's store
    "INSERT INTO rental SELECT i, d, inv, (hash(i * 5) % 350)::INTEGER, "
    "CASE WHEN i % 40 = 0 THEN NULL ELSE d + to_hours((24 + hash(i * 7) % 200)::INTEGER) END, "
    "(SELECT store_id FROM inventory WHERE inventory_id = inv) + 2 * (hash(i * 11) % 2)::INTEGER "
    "FROM (SELECT i, (hash(i * 3) % 1200)::INTEGER inv, TIMESTAMP '2005-05-24 22:53:30' + to_minutes((i * 37 + hash(i) % 30)::INTEGER) d "
    "FROM range(5000) t(i))",
    # most rentals are paid once, by their customer, to their staff member; a few payments have no rental
    "INSERT INTO payment SELECT row_number() OVER () - 1, customer_id, staff_id, rental_id, amount, payment_date FROM ("
    "SELECT customer_id, staff_id, rental_id, [0.99, 2.99, 4.99, 5.99][1 + (hash(rental_id) % 4)::INTEGER] AS amount, "
    "rental_date + to_minutes((hash(rental_id * 3) % 600)::INTEGER) AS payment_date FROM rental WHERE rental_id % 10 <> 0 "
    "UNION ALL SELECT (hash(i) % 350)::INTEGER, (hash(i * 3) % 4)::INTEGER, NULL, 0.99 * (1 + (hash(i) % 9)::INTEGER), "
    "TIMESTAMP '2006-02-14 15:16:03' FROM range(200) t(i))",
]

DATABASES = {"shop": SHOP, "checks": CHECKS, "derived": DERIVED, "reviews": REVIEWS, "rentals": RENTALS}


def build(name: str, path: Path) -> Path:
    path.unlink(missing_ok=True)
    con = connect(path)
    for statement in DATABASES[name]:
        con.execute(statement)
    con.close()
    return path


def run(name: str, out: Path) -> dict:
    source = build(name, out / f"{name}.duckdb")
    synth = out / f"{name}_synth.duckdb"
    clock = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "synth", str(source), "-o", str(synth), "--force"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - clock
    if proc.returncode != 0:
        return {"database": name, "error": (proc.stderr.strip().splitlines() or ["?"])[-1], "seconds": round(seconds, 1)}
    report = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "evaluate", str(source), str(synth), "--json"],
                            capture_output=True, text=True, check=True)
    doc = json.loads(report.stdout)
    areas = doc["overall"]["areas"]
    row = {"database": name, "seconds": round(seconds, 1), "validity": areas.get("validity"),
           "shapes": round(areas["column_shapes"], 3), "detection_auc": round(doc["detection"]["auc"], 3)}
    if name == "derived":
        con = connect(synth, read_only=True)
        row["amount_is_price_times_qty"] = con.execute("SELECT avg((amount = price * qty)::INTEGER) FROM line").fetchone()[0]
        con.close()
    if name == "rentals":
        con = connect(synth, read_only=True)
        row["payment_follows_rental"] = con.execute(
            "SELECT avg((p.customer_id = r.customer_id AND p.staff_id = r.staff_id AND p.payment_date >= r.rental_date)::INTEGER) "
            "FROM payment p JOIN rental r USING (rental_id)").fetchone()[0]
        row["staff_at_copy_store"] = con.execute(
            "SELECT avg((s.store_id = i.store_id)::INTEGER) FROM rental JOIN staff s USING (staff_id) "
            "JOIN inventory i USING (inventory_id)").fetchone()[0]
        con.close()
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(DATABASES), default=list(DATABASES))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / ".cache" / "unseen")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.only:
        row = run(name, args.out)
        failed += "error" in row or row.get("validity") not in (None, 1.0) or row.get("amount_is_price_times_qty", 1) != 1 \
            or row.get("payment_follows_rental", 1) != 1 or row.get("staff_at_copy_store", 1) != 1
        print(json.dumps(row), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
