"""The realism area: real words against the real ceiling, placeholders, uncovered scripts, and
within-row consistency (issue #22 part 1)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from faker import Faker

from amalgam_rel.evaluation import evaluate

ROWS = 400


def people_db(path: Path, names: list[str], cities: list[str], countries: list[str]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR, city VARCHAR, country VARCHAR, "
                "phone VARCHAR)")
    con.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?)",
                    [(i, n, c, k, f"+1 555 {i:04d}") for i, (n, c, k) in enumerate(zip(names, cities, countries))])
    con.close()
    return path


def faker_names(seed: int, n: int = ROWS) -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return [fake.name() for _ in range(n)]


def places(seed: int, n: int = ROWS, shuffle_countries: bool = False) -> tuple[list[str], list[str]]:
    """Rows of 25 (fresh, invented) cities, each in one of 6 countries; optionally countries shuffled."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    towns = [fake.unique.city() for _ in range(25)]
    home = {t: ["France", "Germany", "Spain", "Italy", "Canada", "Brazil"][i % 6] for i, t in enumerate(towns)}
    cities = [towns[i] for i in rng.integers(0, len(towns), n)]
    countries = [home[c] for c in cities]
    if shuffle_countries:
        countries = list(rng.permutation(countries))
    return cities, countries


def letter_soup(values: list[str], seed: int = 0) -> list[str]:
    """Each value's letters shuffled: same lengths and letters, no words."""
    rng = np.random.default_rng(seed)
    out = []
    for v in values:
        letters = [ch for ch in v if ch != " "]
        mixed = "".join(rng.permutation(letters))
        cut = v.find(" ")
        out.append(mixed if cut < 0 else mixed[:cut] + " " + mixed[cut:])
    return out


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    cities, countries = places(1)
    return people_db(tmp_path_factory.mktemp("real") / "real.duckdb", faker_names(1), cities, countries)


def realism_of(real: Path, synth: Path) -> dict:
    return evaluate(real, synth, stages=("realism",)).to_dict()["realism"]


def column(d: dict, name: str) -> dict:
    return next(c for c in d["columns"] if c["column"] == name)


def test_fresh_real_names_score_near_their_ceiling_and_letter_soup_low(real, tmp_path):
    cities, countries = places(2)
    fresh = realism_of(real, people_db(tmp_path / "fresh.duckdb", faker_names(2), cities, countries))
    names = column(fresh, "name")
    assert names["ceiling"] > 0.9
    assert names["score"] > 0.9  # new names, none copied, still real words
    soup = realism_of(real, people_db(tmp_path / "soup.duckdb", letter_soup(faker_names(2)), cities, countries))
    assert column(soup, "name")["score"] < 0.3
    assert soup["score"] < fresh["score"] - 0.1


def test_a_repeated_placeholder_or_short_name_list_scores_low(real, tmp_path):
    cities, countries = places(2)
    placeholder = realism_of(real, people_db(tmp_path / "p.duckdb", [f"Person {i:05d}" for i in range(ROWS)],
                                             cities, countries))
    p = column(placeholder, "name")
    assert p["hits"] == 1.0  # "person" is a real word...
    assert p["score"] < 0.1  # ...repeated 400 times
    few = faker_names(3, 5) * (ROWS // 5)
    short = realism_of(real, people_db(tmp_path / "few.duckdb", few, cities, countries))
    assert column(short, "name")["score"] < 0.2


def test_numeric_looking_and_key_columns_are_skipped_with_a_reason(real, tmp_path):
    d = realism_of(real, real)
    assert {(s["column"], s["reason"]) for s in d["skipped"]} == {("phone", "numeric-looking")}
    assert d["score"] == pytest.approx(1.0)  # real against itself


def test_a_script_the_lexicon_does_not_cover_is_not_scored(tmp_path):
    japanese = ["東京都港区", "大阪市北区", "山田太郎", "佐藤花子", "京都市左京区"] * 40
    cities, countries = places(1, len(japanese))
    real = people_db(tmp_path / "ja.duckdb", japanese, cities, countries)
    synth = people_db(tmp_path / "ja_synth.duckdb", list(reversed(japanese)), cities, countries)
    d = realism_of(real, synth)
    c = column(d, "name")
    assert c["status"] == "not scored" and c["score"] is None and c["word_realism"] is None
    assert d["score"] is not None  # the other columns still are


def test_consistency_keeps_fresh_cities_in_one_country_and_catches_shuffled_ones(real, tmp_path):
    base = realism_of(real, real)
    dep = next(x for x in base["dependencies"] if (x["a"], x["b"]) == ("city", "country"))
    assert dep["real"] == pytest.approx(1.0) and dep["score"] == pytest.approx(1.0)
    cities, countries = places(7)  # other invented cities, each in one country: consistent
    fresh = realism_of(real, people_db(tmp_path / "fresh.duckdb", faker_names(2), cities, countries))
    assert _dependency(fresh, "city", "country")["score"] == pytest.approx(1.0)
    cities, countries = places(7, shuffle_countries=True)
    shuffled = realism_of(real, people_db(tmp_path / "shuffled.duckdb", faker_names(2), cities, countries))
    assert _dependency(shuffled, "city", "country")["score"] < 0.6
    assert shuffled["consistency"] < fresh["consistency"]


def _dependency(d: dict, a: str, b: str) -> dict:
    return next(x for x in d["dependencies"] if (x["a"], x["b"]) == (a, b))


def test_email_must_contain_a_word_of_its_rows_name(tmp_path):
    names = faker_names(4, 200)

    def db(path: Path, emails: list[str]) -> Path:
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR, email VARCHAR)")
        con.executemany("INSERT INTO users VALUES (?, ?, ?)", [(i, n, m) for i, (n, m) in enumerate(zip(names, emails))])
        con.close()
        return path

    own = [f"{n.split()[-1].lower()}{i}@example.org" for i, n in enumerate(names)]
    real = db(tmp_path / "real.duckdb", own)
    other = db(tmp_path / "other.duckdb", own[1:] + own[:1])  # every address belongs to another row
    dep = _dependency(realism_of(real, real), "email", "name")
    assert dep["kind"] == "email" and dep["score"] == pytest.approx(1.0)
    assert _dependency(realism_of(real, other), "email", "name")["score"] < 0.1


def test_realism_enters_the_overall_score(real, tmp_path):
    cities, countries = places(2)
    soup = people_db(tmp_path / "soup.duckdb", letter_soup(faker_names(2)), cities, countries)
    d = evaluate(real, soup, stages=("validity", "realism")).to_dict()
    assert set(d["overall"]["areas"]) == {"validity", "realism"}
    assert d["overall"]["score"] == pytest.approx((1.0 + d["realism"]["score"]) / 2)


def test_no_synthetic_words_where_real_has_some_scores_zero_not_skipped(real, tmp_path):
    cities, countries = places(2)
    d = realism_of(real, people_db(tmp_path / "digits.duckdb", [f"{i:06d}" for i in range(ROWS)], cities, countries))
    c = column(d, "name")
    assert c["status"] == "scored" and c["score"] == 0.0


def test_real_city_names_no_common_word_list_holds_are_real_words(tmp_path):
    # German towns (Mimesis lists them) for Brazilian real ones: none is a common word or a word
    # of the real column, yet each is a real place
    from mimesis import Address, Locale

    real_cities = [Address(Locale.PT_BR, seed=1).city() for _ in range(ROWS)]
    towns = [Address(Locale.DE, seed=2).city() for _ in range(ROWS)]
    names, countries = faker_names(1), ["Brazil"] * ROWS
    real = people_db(tmp_path / "r.duckdb", names, real_cities, countries)
    synth = people_db(tmp_path / "s.duckdb", names, towns, countries)
    assert column(realism_of(real, synth), "city")["hits"] > 0.95
