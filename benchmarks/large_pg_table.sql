-- A 10 M-row PostgreSQL table for benchmarks/bench_large.py: PG database `test`, schema :schema.
-- Columns depend on one another and on a 100-row parent, so a model that loses a pair shows it.
DROP SCHEMA IF EXISTS :schema CASCADE;
CREATE SCHEMA :schema;
SET search_path = :schema;
CREATE TABLE store (
  store_id integer PRIMARY KEY,
  region text NOT NULL,
  tier smallint NOT NULL CHECK (tier BETWEEN 1 AND 3)
);
INSERT INTO store
SELECT s, (ARRAY['north', 'south', 'east', 'west'])[1 + s % 4], 1 + (s * 7) % 3
FROM generate_series(1, 100) AS s;
CREATE TABLE sale (
  sale_id bigint PRIMARY KEY,
  store_id integer NOT NULL REFERENCES store (store_id),
  sold_on date NOT NULL,
  quantity integer NOT NULL,
  status text NOT NULL,
  amount numeric(12, 2) NOT NULL
);
INSERT INTO sale
SELECT i,
       1 + (hashint4(i::int) & 2147483647) % 100,
       DATE '2020-01-01' + (hashint4((i * 3)::int) & 2147483647) % 1461,
       q,
       CASE WHEN q > 8 THEN 'bulk' WHEN q > 3 THEN 'regular' WHEN i % 17 = 0 THEN 'returned' ELSE 'single' END,
       round((q * (5 + (hashint4((i * 7)::int) & 2147483647) % 5000 / 100.0))::numeric, 2)
FROM (SELECT i, 1 + ((hashint4((i * 5)::int) & 2147483647) % 1000) / 100 AS q
      FROM generate_series(1, :rows) AS i) AS g;
ANALYZE store;
ANALYZE sale;
