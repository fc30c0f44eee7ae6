"""Values the table models do not see whole: BIT strings keep their widths and bits, TIME WITH
TIME ZONE keeps its offsets, a one-row table is repeated and says so, and synth/fit refuse a DDL
file (no rows) in one line."""

import subprocess
import sys
from collections import Counter

import duckdb
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS
from .conftest import query as rows

SOURCE = """
CREATE TABLE reading (id INTEGER PRIMARY KEY, flags BIT, seen TIMETZ, site VARCHAR);
INSERT INTO reading SELECT i,
    CASE WHEN i % 3 = 0 THEN '1010' WHEN i % 3 = 1 THEN '100000001' END,
    CASE WHEN i % 4 = 0 THEN TIMETZ '10:00:00+02' ELSE TIMETZ '11:30:00-05:30' END + INTERVAL (i) MINUTE,
    'site ' || (i % 3) FROM range(1, 121) r(i);
CREATE TABLE settings (id INTEGER PRIMARY KEY, currency VARCHAR, rate DOUBLE);
INSERT INTO settings VALUES (1, 'EUR', 1.25);
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("kinds") / "source.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SOURCE)
    con.close()
    return path


@pytest.fixture(scope="module")
def synthetic(source, tmp_path_factory):
    """Rows sampled from a model that was saved and loaded again (what `sample` writes)."""
    work = tmp_path_factory.mktemp("out")
    DatabaseModel(seed=0, iters=ITERS).fit(source).save(work / "model")
    out = work / "synth.duckdb"
    DatabaseModel.load(work / "model").sample(out, scale=4)
    return out



def test_bit_strings_keep_their_widths_and_bits(synthetic):
    widths = Counter(n for (n,) in rows(synthetic, "SELECT bit_length(flags) FROM reading WHERE flags IS NOT NULL"))
    assert set(widths) == {4, 9}  # DuckDB's internal bytes (2 and 3 of them) are not the widths
    # every 9-bit value is 1.......1 with zeros between, as every real one is
    nine = [v for (v,) in rows(synthetic, "SELECT flags::VARCHAR FROM reading WHERE bit_length(flags) = 9")]
    assert nine and all(v[0] == "1" and v[-1] == "1" and v[1:-1] == "0" * 7 for v in nine)


def test_time_with_time_zone_keeps_the_real_offsets(synthetic):
    offsets = dict(rows(synthetic, "SELECT date_part('timezone', seen), count(*) FROM reading GROUP BY ALL"))
    assert set(offsets) == {7200, -19800}  # +02 and -05:30, never +00
    assert 0.1 < offsets[7200] / sum(offsets.values()) < 0.45  # a quarter of the real values


def cli(*args):
    return subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)


def test_a_one_row_table_is_repeated_and_said_to_be(source, tmp_path):
    done = cli("synth", source, "-o", tmp_path / "out.duckdb", "--text-steps", "5")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "has 1 row" in line]
    assert notes == ["note: table 'settings' has 1 row: a model of one row can only repeat it, so the synthetic "
                     "rows (and a saved model) carry that row's values"]
    assert rows(tmp_path / "out.duckdb", "SELECT currency, rate FROM settings") == [("EUR", 1.25)]
    done = cli("fit", source, "-o", tmp_path / "model", "--text-steps", "5")
    assert done.returncode == 0 and "table 'settings' has 1 row" in done.stderr


@pytest.mark.parametrize("command", ["synth", "fit"])
def test_synth_and_fit_say_a_ddl_file_has_no_rows(tmp_path, command):
    ddl = tmp_path / "shop.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);")
    done = cli(command, ddl, "-o", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr == (f"error: {ddl} is a DDL file: it has no rows to learn from; use clone-schema for an empty "
                           "database with its schema, or give a DuckDB database with data\n")
