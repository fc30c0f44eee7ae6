"""The write floor of each target: rows/s when copying a database's real rows through the writer
into DuckDB, SQLite, PostgreSQL, MariaDB, Parquet, CSV and .sql scripts, next to the same for a
synthetic copy of it and to ``sample`` writing straight into the target (issue 25).

    python -m benchmarks.write_targets [--source examples/chinook.duckdb] [--runs 3] [--scale 0.2]

Servers: $AMALGAM_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test) and
$AMALGAM_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test); each run writes into a schema /
database of its own, dropped after. A target whose server does not answer is reported as absent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from amalgam_rel.connection import connect, load_local_extension
from amalgam_rel.locations import parse_location
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.writing.copy import copy_database

POSTGRES = os.environ.get("AMALGAM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL = os.environ.get("AMALGAM_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")


def targets(folder: Path, name: str) -> dict[str, object]:
    return {
        "DuckDB file": folder / f"{name}.duckdb",
        "SQLite": f"sqlite:{folder / name}.sqlite",
        "PostgreSQL": parse_location(POSTGRES, schema=name),
        "MariaDB": f"{MYSQL.rsplit('/', 1)[0]}/{name}",
        "Parquet folder": f"parquet:{folder / name}.parquet.d",
        "CSV folder": f"csv:{folder / name}.csv.d",
        ".sql (postgres)": folder / f"{name}.pg.sql",
        ".sql (duckdb)": folder / f"{name}.sql",
    }


def drop(label: str, name: str) -> None:
    """Remove the server schema / database a run wrote."""
    if label not in ("PostgreSQL", "MariaDB"):
        return
    con = connect()
    kind = "postgres" if label == "PostgreSQL" else "mysql"
    load_local_extension(con, f"{kind}_scanner")
    con.execute(f"ATTACH '{POSTGRES if kind == 'postgres' else MYSQL}' AS s (TYPE {kind})")
    statement = f'DROP SCHEMA IF EXISTS "{name}" CASCADE' if kind == "postgres" else f"DROP DATABASE IF EXISTS `{name}`"
    con.execute(f"CALL {kind}_execute('s', ?)", [statement])
    con.close()


def copy_seconds(source: Path, target, label: str) -> tuple[float, int]:
    con = open_duckdb(source)
    db = read_duckdb(con)
    options = {"dialect": "postgres"} if label == ".sql (postgres)" else {}
    try:
        clock = time.perf_counter()
        if options:
            from amalgam_rel.writing.copy import copy_rows
            from amalgam_rel.writing.writer import DatabaseWriter

            with DatabaseWriter(db, target, force=True, **options) as writer:
                copy_rows(con, db, writer)
            rows = writer.rows_written
        else:
            rows = copy_database(db, con, target, force=True)
        return time.perf_counter() - clock, sum(rows.values())
    finally:
        con.close()


def measure(source: Path, folder: Path, runs: int) -> dict[str, tuple[float, int] | str]:
    """Median seconds and rows of copying ``source`` into each target, ``runs`` times."""
    out = {}
    for label in targets(folder, "x"):
        times, rows = [], 0
        for _ in range(runs):
            name = f"amalgam_bench_{uuid.uuid4().hex[:8]}"
            target = targets(folder, name)[label]
            try:
                seconds, rows = copy_seconds(source, target, label)
                times.append(seconds)
            except Exception as err:  # a server that does not answer: reported, not fatal
                out[label] = f"absent ({str(err).splitlines()[0][:80]})"
                break
            finally:
                drop(label, name)
        if times:
            out[label] = (statistics.median(times), rows)
    return out


def sample_seconds(model, folder: Path, scale: float) -> dict[str, tuple[float, int] | str]:
    """``sample`` (draw and write) straight into each target, once."""
    out = {}
    for label in targets(folder, "x"):
        name = f"amalgam_bench_{uuid.uuid4().hex[:8]}"
        target = targets(folder, name)[label]
        try:
            clock = time.perf_counter()
            report = model.sample(target, scale=scale, dialect="postgres" if label == ".sql (postgres)" else None)
            out[label] = (time.perf_counter() - clock, sum(report.rows.values()))
        except Exception as err:
            out[label] = f"absent ({str(err).splitlines()[0][:80]})"
        finally:
            drop(label, name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("examples/chinook.duckdb"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.2, help="scale of the synthetic database")
    args = parser.parse_args()
    from amalgam_rel.pipeline.database_model import DatabaseModel

    with tempfile.TemporaryDirectory(prefix="amalgam-write-") as tmp:
        folder = Path(tmp)
        model = DatabaseModel(seed=0).fit(args.source)
        synthetic = folder / "synthetic.duckdb"
        model.sample(synthetic, scale=args.scale)
        real = measure(args.source, folder, args.runs)
        synth = measure(synthetic, folder, args.runs)
        sampled = sample_seconds(model, folder, args.scale)
    print(f"| target | real rows copied: s | rows/s | synthetic rows (scale {args.scale}) copied: s | rows/s "
          f"| `sample --scale {args.scale}` into it: s |")
    print("|---|---:|---:|---:|---:|---:|")
    for label in real:
        cells = []
        for result in (real[label], synth[label]):
            cells += [f"{result[0]:.2f}", f"{result[1] / result[0]:,.0f}"] if isinstance(result, tuple) else [result, "–"]
        s = sampled[label]
        cells.append(f"{s[0]:.2f}" if isinstance(s, tuple) else s)
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
