"""An FK cycle is broken at a nullable edge and closed afterwards (issue 6, property 4).

``city.country_id -> country.id`` is declared; ``country.capital -> city.id`` cannot be (DuckDB
has no ALTER TABLE ADD FOREIGN KEY, and either table would need the other first), so a sidecar
names it. In the real data 85 % of countries have a capital, always one of their own cities;
countries without cities have none.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import CAPITAL_SIDECAR, create, fit, query, validity_violations

DDL = """
CREATE TABLE country (id INTEGER PRIMARY KEY, continent VARCHAR NOT NULL, capital INTEGER);
CREATE TABLE city (id INTEGER PRIMARY KEY, country_id INTEGER NOT NULL REFERENCES country (id),
                   population BIGINT NOT NULL, coastal BOOLEAN NOT NULL);
"""
SIDECAR = CAPITAL_SIDECAR
NULL_SHARE = "SELECT avg((capital IS NULL)::INTEGER) FROM country"
OWN_CAPITAL = ("SELECT avg((c.country_id = k.id)::INTEGER) FROM country k JOIN city c ON k.capital = c.id")


def build(path):
    rng = np.random.default_rng(8)
    n_country = 150
    continent = rng.choice(["africa", "americas", "asia", "europe", "oceania"], n_country)
    per_country = np.where(rng.random(n_country) < 0.1, 0, rng.geometric(0.2, n_country))
    city_country = np.repeat(np.arange(n_country), per_country)
    n_city = len(city_country)
    population = np.round(rng.lognormal(11, 1.2, n_city)).astype(np.int64)
    # the capital is the country's largest city, and 5 % of countries with cities name none
    order = np.lexsort((-population, city_country))
    first = np.r_[True, city_country[order][1:] != city_country[order][:-1]]
    capital = np.zeros(n_country, dtype=np.int64)
    capital[city_country[order][first]] = order[first] + 1
    missing = (capital == 0) | (rng.random(n_country) < 0.05)
    create(path, DDL, {
        "country": {"id": np.arange(1, n_country + 1), "continent": continent,
                    "capital": np.ma.masked_array(capital, missing)},
        "city": {"id": np.arange(1, n_city + 1), "country_id": city_country + 1, "population": population,
                 "coastal": rng.random(n_city) < 0.3},
    })
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cycle")
    real = build(folder / "real.duckdb")
    sidecar = folder / "world.amalgam.toml"
    sidecar.write_text(SIDECAR)
    model = fit(real, sidecar)
    synth = [folder / f"synth{seed}.duckdb" for seed in range(5)]
    for seed, path in enumerate(synth):  # a few draws: a stray foreign capital is a rare event
        model.sample(path, seed=seed)
    return real, model, synth


def test_the_cycle_is_broken_at_the_logical_edge(world):
    _, model, _ = world
    (broken,) = model.plan_.graph.broken
    assert (broken.table, broken.columns, broken.kind) == ("country", ("capital",), "logical")


def test_the_broken_edge_is_filled_with_the_real_share_of_nulls(world):
    real, _, synth = world
    real_share = query(real, NULL_SHARE)[0][0]
    assert 0.1 <= real_share <= 0.25
    for path in synth:
        synth_share = query(path, NULL_SHARE)[0][0]
        assert abs(synth_share - real_share) <= 0.07, (path.name, real_share, synth_share)


def test_capitals_exist_and_belong_to_their_country(world):
    real, _, synth = world
    orphans = "SELECT count(*) FROM country WHERE capital IS NOT NULL AND capital NOT IN (SELECT id FROM city)"
    distinct = "SELECT count(capital) = count(DISTINCT capital) FROM country"
    assert query(real, OWN_CAPITAL)[0][0] == 1.0
    for path in synth:
        assert query(path, orphans)[0][0] == 0
        assert query(path, OWN_CAPITAL)[0][0] == 1.0, path.name
        assert query(path, distinct)[0][0]


def test_synthetic_cycle_is_valid(world):
    real, model, synth = world
    assert validity_violations(real, synth[0], schema=model.db) == []


LARGEST_CAPITAL = """SELECT avg((c.population = (SELECT max(o.population) FROM city o WHERE o.country_id = k.id))::INTEGER)
                     FROM country k JOIN city c ON k.capital = c.id
                     WHERE (SELECT count(*) FROM city o WHERE o.country_id = k.id) >= 2"""


def test_a_capital_is_the_largest_own_city_as_often_as_in_real_data(world):
    real, model, synth = world
    ((column, direction, share),) = model.tables_["country"].own_parent_tops.values()
    assert (column, direction) == ("population", 1) and share == 1.0
    assert query(real, LARGEST_CAPITAL)[0][0] == 1.0
    for path in synth:  # a random own city: about 1 / (cities per country)
        assert query(path, LARGEST_CAPITAL)[0][0] == 1.0, path.name
