"""The benchmark runner end to end on a tiny database: baselines only (no SDV, no language model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import run  # noqa: E402
from benchmarks.independent import column_groups  # noqa: E402
from amalgam_rel.schema.duckdb_reader import read_duckdb  # noqa: E402

DDL = """
CREATE TABLE artist (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, country VARCHAR);
CREATE TABLE album (id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL REFERENCES artist (id),
  year INTEGER CHECK (year >= 1900), price DECIMAL(6, 2));
CREATE TABLE tag (id INTEGER PRIMARY KEY, label VARCHAR UNIQUE);
CREATE TABLE album_tag (album_id INTEGER REFERENCES album (id), tag_id INTEGER REFERENCES tag (id),
  weight DOUBLE, PRIMARY KEY (album_id, tag_id));
INSERT INTO artist SELECT i, 'artist ' || i, ['FR', 'US', 'JP'][1 + i % 3] FROM range(40) t(i);
INSERT INTO album SELECT i, i % 40, 1950 + i % 60, (i % 17) + 0.99 FROM range(200) t(i);
INSERT INTO tag SELECT i, 'tag ' || i FROM range(10) t(i);
INSERT INTO album_tag SELECT a, t, a * 0.1 + t FROM range(200) x(a), range(10) y(t) WHERE (a + t) % 4 = 0;
"""


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.close()
    return path


def test_bridge_keys_are_drawn_together(tiny: Path) -> None:
    db = read_duckdb(tiny)
    fixed, groups = column_groups(db, db.table("album_tag"))
    assert fixed == set()
    assert sorted(["album_id", "tag_id"]) in [sorted(g) for g in groups]
    fixed, _ = column_groups(db, db.table("album"))
    assert fixed == {"id"}


def test_runner_writes_results_and_docs(tiny: Path, tmp_path: Path) -> None:
    results, docs = tmp_path / "results", tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## A colleague's section\n\nkept\n")
    argv = ["--datasets", str(tiny), "--methods", "independent", "floor", "--repeats", "2",
            "--results", str(results), "--docs", str(docs)]
    assert run.main(argv) == 0
    stored = json.loads((results / "tiny.json").read_text())
    assert stored["tables"] == 4
    for method in ("independent", "floor"):
        record = stored["methods"][method]
        assert record["status"] == "ok", record
        assert record["median"]["runs"] == 2 and record["median"]["peak_rss_mb"] > 0
        assert record["quality"]["validity"] == 1.0
    assert stored["methods"]["floor"]["quality"]["exact_copy_rate"] == 1.0
    text = docs.read_text()
    assert "A colleague's section" in text and "tiny (4 tables" in text
    assert run.main(argv[:-2] + ["--docs", str(docs), "--report-only"]) == 0  # re-render keeps one section
    assert docs.read_text().count("generated section, begin") == 1
