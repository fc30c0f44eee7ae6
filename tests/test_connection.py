"""Every DuckDB connection comes from amalgam_rel.connection (never autoloading an extension),
and a source that is not a DuckDB file is named for what it is, in one line, before DuckDB sees it."""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from amalgam_rel.connection import SCAN_MIB_PER_THREAD, connect, scan_memory
from amalgam_rel.errors import InputError
from amalgam_rel.schema.duckdb_reader import open_duckdb

ROOT = Path(__file__).resolve().parent.parent
# a call that opens DuckDB (or its module-level default connection) without the central opener
BYPASS = re.compile(r"\bduckdb\s*\.\s*(connect|sql|query|execute|default_connection|read_\w+|from_\w+)\s*\("
                    r"|from\s+duckdb\s+import\s+[^\n]*\b(connect|sql|query|execute|default_connection)\b")


def test_no_module_opens_duckdb_around_the_central_opener():
    files = [p for d in ("amalgam_rel", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 50  # the scan sees the package
    offenders = [f"{p.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
                 for p in files if p != ROOT / "amalgam_rel" / "connection.py"
                 for text in [p.read_text(encoding="utf-8")] for m in BYPASS.finditer(text)]
    assert offenders == []


def test_the_central_opener_turns_extension_autoloading_off(tmp_path):
    for con in (connect(), connect(tmp_path / "x.duckdb")):
        settings = con.execute("SELECT current_setting('autoload_known_extensions'), "
                               "current_setting('autoinstall_known_extensions')").fetchone()
        con.close()
        assert settings == (False, False)


def make_sqlite(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO t VALUES (1, 'a')")
    con.commit()
    con.close()


def make_parquet(path):
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS id) TO '{path}' (FORMAT PARQUET)")
    con.close()


SOURCES = {
    "shop.sqlite": (make_sqlite, "is a SQLite database; read it as sqlite:PATH"),
    "shop.db": (make_sqlite, "is a SQLite database;"),
    "t.parquet": (make_parquet, "is a Parquet file;"),
    "t.csv": (lambda p: p.write_text("id,name\n1,a\n"), "is a CSV file;"),
    "notes.txt": (lambda p: p.write_text("hello\n"), "is a text file;"),
    "empty.duckdb": (lambda p: p.write_bytes(b""), "is an empty file, not a DuckDB database file"),
    "folder": (lambda p: p.mkdir(), "is a directory, not a DuckDB database file"),
    "schema.sql": (lambda p: p.write_text("CREATE TABLE t (id INTEGER);"), "is a DDL file: it has no rows"),
    "noise.bin": (lambda p: p.write_bytes(bytes(range(256)) * 4), "is not a DuckDB database file;"),
}


@pytest.mark.parametrize("name", SOURCES)
def test_a_source_of_another_kind_is_named_in_one_line(tmp_path, name):
    make, expected = SOURCES[name]
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as info:
        open_duckdb(path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message
    assert "extension" not in message and "in-memory" not in message


def test_each_command_reads_a_sqlite_source_without_an_extension_download(tmp_path):
    """A SQLite file (by its header) is a source: its scanner is loaded from the local wheel."""
    source = tmp_path / "shop.sqlite"
    make_sqlite(source)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)

    for done in (run("synth", source, "-o", tmp_path / "out.duckdb"), run("fit", source, "-o", tmp_path / "model"),
                 run("evaluate", source, tmp_path / "out.duckdb", "--json")):
        assert done.returncode == 0, done.stderr
        assert "extension" not in done.stderr

def test_scan_memory_bounds_the_connection_by_its_threads_and_gives_its_limit_back():
    con = connect()
    con.execute("SET threads = 3")
    con.execute("SET memory_limit = '1GiB'")
    with scan_memory(con):
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == f"{3 * SCAN_MIB_PER_THREAD}.0 MiB"
        # a count whose hash table would pass the limit still comes out right: DuckDB spills it
        assert con.execute("SELECT count(DISTINCT md5(range::VARCHAR)) FROM range(400000)").fetchone()[0] == 400000
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "1.0 GiB"
