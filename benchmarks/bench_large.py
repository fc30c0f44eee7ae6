"""Peak memory and time of ``amalgam-rel fit`` of a PostgreSQL table too large to read, with and
without ``--max-rows`` (docs/benchmarks.md, "large25").

    PYTHONPATH=$PWD python benchmarks/bench_large.py --create [--rows 10000000] [--schema large25] [--max-rows 200000]

``--create`` (re)builds schema ``SCHEMA`` of the local server's database ``test``: ``store`` (100
rows) and ``sale`` (ROWS rows, built by ``generate_series`` inside the server, with an FK to
``store`` and columns that depend on one another). Then ``fit`` runs once reading every table
whole and once with ``--max-rows``; each is one process under ``/usr/bin/time``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import time_cli  # noqa: E402
from tests.servers import POSTGRES_URL, Server  # noqa: E402

TABLES = """
DROP SCHEMA IF EXISTS {schema} CASCADE;
CREATE SCHEMA {schema};
CREATE TABLE {schema}.store (store_id integer PRIMARY KEY, region text NOT NULL,
  tier smallint NOT NULL CHECK (tier BETWEEN 1 AND 3));
INSERT INTO {schema}.store SELECT s, (ARRAY['north', 'south', 'east', 'west'])[1 + s % 4], 1 + (s * 7) % 3
  FROM generate_series(1, 100) AS s;
CREATE TABLE {schema}.sale (sale_id bigint PRIMARY KEY, store_id integer NOT NULL REFERENCES {schema}.store (store_id),
  sold_on date NOT NULL, quantity integer NOT NULL, status text NOT NULL, amount numeric(12, 2) NOT NULL);
INSERT INTO {schema}.sale
  SELECT i, 1 + (hashint4(i::int) & 2147483647) % 100, DATE '2020-01-01' + (hashint4((i * 3)::int) & 2147483647) % 1461, q,
         CASE WHEN q > 8 THEN 'bulk' WHEN q > 3 THEN 'regular' WHEN i % 17 = 0 THEN 'returned' ELSE 'single' END,
         round((q * (5 + (hashint4((i * 7)::int) & 2147483647) % 5000 / 100.0))::numeric, 2)
  FROM (SELECT i, 1 + ((hashint4((i * 5)::int) & 2147483647) % 1000) / 100 AS q FROM generate_series(1, {rows}) AS i) AS g;
ANALYZE {schema}.store;
ANALYZE {schema}.sale
"""


def fit(args: list[str], out: Path) -> tuple[float, int, float, str]:
    """Wall seconds, peak resident MiB, CPU seconds of one ``fit`` process, and its aggregates line."""
    seconds, mib, cpu, lines = time_cli("fit", args, out, ROOT)
    notes = [line for line in lines if line.startswith("fitted from aggregates")]
    return seconds, mib, cpu, notes[0] if notes else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--create", action="store_true")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--schema", default="large25")
    parser.add_argument("--max-rows", default="200000")
    args = parser.parse_args()
    if args.create:
        server = Server("postgres", POSTGRES_URL)
        for statement in TABLES.format(schema=args.schema, rows=args.rows).split(";"):
            server.run(statement)
        server.close()
    work = Path(tempfile.mkdtemp(prefix="bench-large-"))
    source = [POSTGRES_URL, "--schema", args.schema]
    print("| fit | wall s | CPU s (this process) | peak RSS MiB |\n|---|---|---|---|")
    for name, extra in (("whole tables", []), (f"--max-rows {args.max_rows}", ["--max-rows", args.max_rows])):
        seconds, mib, cpu, note = fit([*source, *extra], work / "model")
        print(f"| {name} | {seconds:.0f} | {cpu:.0f} | {mib} |", flush=True)
        if note:
            print(note, flush=True)


if __name__ == "__main__":
    main()
