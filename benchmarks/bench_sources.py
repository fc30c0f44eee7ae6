"""Time and peak memory of ``amalgam-rel synth`` of one database read from each kind of source.

    PYTHONPATH=$PWD python benchmarks/bench_sources.py [--scale 1.0]

The database (chinook by default) is loaded into a fresh PostgreSQL schema and MariaDB database
(local servers, dropped afterwards), a SQLite file and Parquet and CSV folders (the folders with
the keys ``inspect --suggest-keys`` finds, passed as a sidecar); ``synth`` then runs once from
each, the DuckDB file first and last (the spread of the two is the noise floor of the run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from amalgam_rel.schema.key_discovery import sidecar_toml, suggest_keys  # noqa: E402
from benchmarks.measure import time_cli  # noqa: E402
from amalgam_rel.schema.sources import open_source  # noqa: E402
from tests.sources.servers import (MYSQL_URL, PG_URL, drop_from_server, export_folder,  # noqa: E402
                                   load_into_server, load_into_sqlite)


def synth(args: list[str], out: Path) -> tuple[float, int]:
    """Wall seconds and peak resident MiB of one ``synth`` process."""
    seconds, mib, _, _ = time_cli("synth", args, out, ROOT)
    return seconds, mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=ROOT / "examples" / "chinook.duckdb")
    parser.add_argument("--scale", default="1.0")
    parser.add_argument("--kinds", nargs="+", help="only these sources (default: every kind), the DuckDB file first and last")
    args = parser.parse_args()
    name = f"amalgam_bench_{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="bench-sources-"))
    load_into_server(args.database, "postgres", PG_URL, name)
    load_into_server(args.database, "mysql", MYSQL_URL, name)
    try:
        load_into_sqlite(args.database, work / "db.sqlite")
        sources = {"duckdb": [str(args.database)], "postgres": [PG_URL, "--schema", name],
                   "mysql": [MYSQL_URL.rsplit("/", 1)[0] + "/" + name], "sqlite": [f"sqlite:{work / 'db.sqlite'}"]}
        for kind in ("parquet", "csv"):
            export_folder(args.database, work / kind, kind)
            with open_source(f"{kind}:{work / kind}") as src:
                (work / f"{kind}.toml").write_text(sidecar_toml(suggest_keys(src.con, src.database), kind))
            sources[kind] = [f"{kind}:{work / kind}", "--sidecar", str(work / f"{kind}.toml")]
        runs = [(k, v) for k, v in sources.items() if not args.kinds or k in args.kinds or k == "duckdb"]
        runs += [("duckdb (again)", sources["duckdb"])]
        for kind, source in runs:
            seconds, mib = synth([*source, "--scale", args.scale], work / "out.duckdb")
            print(f"| {kind} | {seconds:.1f} | {mib} |", flush=True)
    finally:
        drop_from_server("postgres", PG_URL, name)
        drop_from_server("mysql", MYSQL_URL, name)


if __name__ == "__main__":
    main()
