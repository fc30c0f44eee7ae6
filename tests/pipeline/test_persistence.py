"""A saved and reloaded model samples exactly what the fitted one does, and the CLI round-trips."""

import json
import subprocess
import sys

import duckdb
import numpy as np
import pytest

from amalgam_rel.errors import InputError, OutputError
from amalgam_rel.pipeline.database_model import DatabaseModel

from ..relational.conftest import CAPITAL_SIDECAR

SIDECAR = CAPITAL_SIDECAR


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A cycle (country.capital -> city, logical), line numbers per parent, a self-reference, a DECIMAL."""
    rng = np.random.default_rng(3)
    path = tmp_path_factory.mktemp("persist") / "src.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE country (id INTEGER PRIMARY KEY, continent VARCHAR NOT NULL, capital INTEGER);
        CREATE TABLE city (id INTEGER PRIMARY KEY, country_id INTEGER NOT NULL REFERENCES country (id),
                           size DECIMAL(9, 1) CHECK (size > 0));
        CREATE TABLE road (city_id INTEGER REFERENCES city (id), line_no INTEGER, lanes SMALLINT,
                           PRIMARY KEY (city_id, line_no));
        CREATE TABLE office (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES office (id), kind VARCHAR);
    """)
    n = 60
    con.executemany("INSERT INTO country VALUES (?, ?, NULL)",
                    [(i, str(rng.choice(["EU", "AS", "AF"]))) for i in range(1, n + 1)])
    cities = []
    for c in range(1, n + 1):
        for _ in range(int(rng.integers(1, 6))):
            cities.append((len(cities) + 1, c, float(np.round(rng.gamma(2, 50) + 1, 1))))
    con.executemany("INSERT INTO city VALUES (?, ?, ?)", cities)
    con.execute("UPDATE country SET capital = (SELECT min(id) FROM city WHERE country_id = country.id)")
    roads = [(cid, k + 1, int(rng.integers(1, 5))) for cid, _, _ in cities for k in range(int(rng.integers(0, 4)))]
    con.executemany("INSERT INTO road VALUES (?, ?, ?)", roads)
    con.execute("INSERT INTO office VALUES (1, NULL, 'hq')")
    for i in range(2, 40):
        con.execute("INSERT INTO office VALUES (?, ?, ?)", [i, int(rng.integers(1, i)), str(rng.choice(["branch", "desk"]))])
    con.close()
    sidecar = path.with_suffix(".toml")
    sidecar.write_text(SIDECAR)
    return path, sidecar


def tables(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in ("country", "city", "road", "office")}
    finally:
        con.close()


def test_saved_model_samples_identically(source, tmp_path):
    path, sidecar = source
    model = DatabaseModel(seed=5, iters=200).fit(path, sidecar=sidecar)
    model.sample(tmp_path / "a.duckdb", seed=11)
    model.save(tmp_path / "model")
    again = DatabaseModel.load(tmp_path / "model")
    again.sample(tmp_path / "b.duckdb", seed=11)
    a, b = tables(tmp_path / "a.duckdb"), tables(tmp_path / "b.duckdb")
    assert a == b
    assert any(row[2] is not None for row in a["country"])  # the cycle edge was filled after city existed
    with pytest.raises(OutputError, match="already exists"):
        model.save(tmp_path / "model")
    with pytest.raises(InputError, match="not a fitted amalgam-rel model"):
        DatabaseModel.load(tmp_path)
    manifest = tmp_path / "model" / "model.json"  # a hand-edited entry: one line naming the file, no traceback
    doc = json.loads(manifest.read_text())
    doc["tables"][0]["derived"] = [{"column": "x"}]
    manifest.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"model\.json is damaged: tables\[.+\]\.derived\[0\]\.op: Field required"):
        DatabaseModel.load(tmp_path / "model")


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_fit_then_sample_equals_synth(source, tmp_path):
    path, sidecar = source
    cli("synth", path, "-o", tmp_path / "s.duckdb", "--seed", 4, "--sidecar", sidecar)
    cli("fit", path, "-o", tmp_path / "m", "--seed", 4, "--sidecar", sidecar)
    cli("sample", tmp_path / "m", "-o", tmp_path / "t.duckdb")
    assert tables(tmp_path / "s.duckdb") == tables(tmp_path / "t.duckdb")
    cli("sample", tmp_path / "m", "-o", tmp_path / "half.duckdb", "--scale", 0.5, "--rows", "office=10")
    con = duckdb.connect(str(tmp_path / "half.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM office").fetchone()[0] == 10
    assert 20 <= con.execute("SELECT count(*) FROM country").fetchone()[0] <= 40


@pytest.mark.parametrize("args,message", [
    (["--scale", "1000"], "--scale must be between 0.01 and 100"),
    (["--rows", "nope=3"], "unknown table 'nope'"),
    (["--rows", "office"], "--rows expects TABLE=N"),
])
def test_cli_sample_option_errors(source, tmp_path, args, message):
    path, _ = source
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "synth", str(path), "-o", str(tmp_path / "x.duckdb"), *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
