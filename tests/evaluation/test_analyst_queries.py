"""The workload asks what an analyst asks: lookups by name, joins through them, LIKE on words."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from amalgam_rel.evaluation import evaluate

GENRES = ["Rock", "Jazz", "Metal", "Blues", "Latin", "Reggae", "Classical", "Soul"]


def music_db(path: Path, genres: list[str]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE genre (id INTEGER PRIMARY KEY, name VARCHAR)")
    con.execute("CREATE TABLE track (id INTEGER PRIMARY KEY, genre_id INTEGER REFERENCES genre(id), "
                "title VARCHAR, price DOUBLE)")
    con.executemany("INSERT INTO genre VALUES (?, ?)", list(enumerate(genres)))
    # Rock (id 0) holds the most tracks; titles mention love now and then
    rows = [(i, 0 if i % 3 == 0 else i % len(genres), f"Song of {'love' if i % 4 == 0 else 'night'} {i}", 0.99 + i % 2)
            for i in range(300)]
    con.executemany("INSERT INTO track VALUES (?, ?, ?, ?)", rows)
    con.close()
    return path


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    return music_db(tmp_path_factory.mktemp("music") / "real.duckdb", GENRES)


def workload_of(real: Path, synth: Path) -> dict:
    return evaluate(real, synth, stages=("workload",)).to_dict()["workload"]


def test_real_against_itself_answers_every_analyst_query(real):
    w = workload_of(real, real)
    names = [r["name"] for r in w["results"]]
    assert "analyst: filter genre.name = 'Rock'" in names
    assert "analyst: track -> genre where genre.name = 'Rock'" in names
    assert "analyst: track -> genre by genre.name" in names
    assert "analyst: track.title LIKE '%song%'" in names
    assert w["empty_answers"] == 0 and w["score"] == pytest.approx(1.0)


def test_invented_lookup_names_give_empty_answers_with_error_one(real, tmp_path):
    soup = music_db(tmp_path / "soup.duckdb", ["Rkoc", "Zajz", "Tamel", "Sbule", "Tilan", "Aeggre", "Sslacical", "Luso"])
    w = workload_of(real, soup)
    by_name = {r["name"]: r for r in w["results"]}
    for name in ("analyst: filter genre.name = 'Rock'", "analyst: track -> genre where genre.name = 'Rock'"):
        assert by_name[name]["error"] == 1.0 and by_name[name]["empty"], name
    assert by_name["analyst: track -> genre by genre.name"]["error"] == 1.0  # no group matches
    assert not by_name["analyst: track.title LIKE '%song%'"]["empty"]  # titles are untouched
    assert w["empty_answers"] >= 2


def test_a_value_is_quoted_by_sqlglot(tmp_path):
    real = music_db(tmp_path / "quote.duckdb", ["Rock'n'Roll", *GENRES[1:]])
    w = workload_of(real, real)
    assert any(r["name"] == "analyst: filter genre.name = \"Rock'n'Roll\"" and r["error"] == 0 for r in w["results"])


def test_empty_means_no_rows_or_only_zeros_and_nulls():
    from amalgam_rel.evaluation.workload import is_empty

    assert is_empty([]) and is_empty([(0, None)]) and is_empty(0)
    assert not is_empty([(None, 2)]) and not is_empty(3)


def test_people_names_and_contacts_get_no_analyst_queries(tmp_path):
    path = tmp_path / "staff.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE rep (id INTEGER PRIMARY KEY, first_name VARCHAR, contact_name VARCHAR, title VARCHAR)")
    con.execute("CREATE TABLE client (id INTEGER PRIMARY KEY, rep_id INTEGER REFERENCES rep(id), spend DOUBLE)")
    con.executemany("INSERT INTO rep VALUES (?, ?, ?, ?)",
                    [(i, n, f"{n} Smith", t) for i, (n, t) in enumerate([("Jane", "Sales Agent"), ("Tom", "Sales Manager"),
                                                                          ("Ann", "Sales Agent")])])
    con.executemany("INSERT INTO client VALUES (?, ?, ?)", [(i, i % 3, float(i)) for i in range(60)])
    con.close()
    names = [r["name"] for r in workload_of(path, path)["results"] if r["name"].startswith("analyst")]
    assert any("rep.title" in n for n in names)
    assert not any("first_name" in n or "contact_name" in n for n in names)
