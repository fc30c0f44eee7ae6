"""Places and companies repeat over rows as the real ones do (amalgam_rel.generation.semantic.pools)."""

from collections import Counter, defaultdict

import numpy as np
import pytest

from amalgam_rel.generation.semantic.generate import SemanticColumn, generate
from amalgam_rel.generation.semantic.pools import Repeat, coarsen, learn_repeat, member_counts, pool_sizes, row_labels

CITY = Repeat(0.2, (0.4, 0.2, 0.1))  # 40 rows: 8 cities, the first in 16 rows
STATE = Repeat(0.05, (0.6,))  # ... in 2 states
PLACE = [SemanticColumn("city", "city", repeat=CITY), SemanticColumn("state", "state", repeat=STATE),
         SemanticColumn("zip", "postcode")]


def test_the_profile_holds_shares_only():
    assert learn_repeat(["a", "b", None, "c"]) is None  # nothing repeats: a fresh value per row, as before
    r = learn_repeat(["Calgary"] * 5 + ["Lethbridge"] * 2 + ["Edmonton", None])
    assert r == Repeat(0.375, (0.625, 0.25, 0.125))
    assert all(isinstance(x, float) for x in (r.distinct, *r.top))
    with pytest.raises(ValueError):
        Repeat(0.0)
    with pytest.raises(ValueError):
        Repeat(0.5, (0.2, 0.6))


def test_pool_sizes_add_up_over_locales_and_rows_follow_the_top_shares():
    assert pool_sizes(0.2, {"en_US": 30, "de_DE": 10}) == {"de_DE": 2, "en_US": 6}
    assert sum(pool_sizes(0.5, {f"l{i}": 1 for i in range(10)}).values()) == 10  # each locale keeps one
    assert member_counts(40, 8, CITY.top).tolist() == [16, 8, 4, 3, 3, 2, 2, 2]
    labels = row_labels(40, 8, CITY.top, np.random.default_rng(1))
    assert sorted(np.bincount(labels).tolist(), reverse=True) == [16, 8, 4, 3, 3, 2, 2, 2]
    assert row_labels(5, 9, (), np.random.default_rng(1)).tolist() != [0] * 5  # never more members than rows
    rep = coarsen(np.arange(8), labels, 2, STATE.top)
    assert len(set(rep.tolist())) == 2


def test_rows_share_whole_places_from_a_pool():
    out = generate(PLACE, ["en_US"] * 40, np.random.default_rng(3))
    cities = Counter(out["city"])
    assert len(cities) == 8 and max(cities.values()) == 16
    assert len(set(out["state"])) == 2
    states_of = defaultdict(set)
    for city, state in zip(out["city"], out["state"]):
        states_of[city].add(state)
    assert all(len(s) == 1 for s in states_of.values())  # a city keeps its state
    assert len(set(out["zip"])) > 30  # a column whose real values do not repeat stays fresh per row
    assert out == generate(PLACE, ["en_US"] * 40, np.random.default_rng(3))
    assert out != generate(PLACE, ["en_US"] * 40, np.random.default_rng(4))


def test_without_a_profile_every_row_is_a_fresh_place():
    plain = [SemanticColumn("city", "city"), SemanticColumn("state", "state"), SemanticColumn("zip", "postcode")]
    assert len(set(generate(plain, ["en_US"] * 40, np.random.default_rng(3))["city"])) > 30


def test_pools_are_per_locale_and_shared_among_the_rows_holding_a_value():
    locales = ["de_DE"] * 20 + ["pt_BR"] * 20
    present = np.arange(40) % 2 == 0  # half the rows will be NULL
    out = generate(PLACE[:1], locales, np.random.default_rng(5), present={"city": present})
    held = [c for c, p in zip(out["city"], present) if p]
    assert len(set(held)) == 4  # a fifth of the 20 rows holding a value
    assert not set(out["city"][:20]) & set(out["city"][20:])


def test_a_unique_column_never_repeats_and_companies_keep_their_web_sites():
    unique = generate([SemanticColumn("city", "city", unique=True, repeat=CITY)], ["en_US"] * 40,
                      np.random.default_rng(6))
    assert len(set(unique["city"])) == 40
    firms = [SemanticColumn("firm", "company", repeat=Repeat(0.1, (0.5,))), SemanticColumn("site", "url")]
    out = generate(firms, ["en_US"] * 30, np.random.default_rng(6))
    assert len(set(out["firm"])) == 3 and Counter(out["firm"]).most_common(1)[0][1] == 15
    sites = defaultdict(set)
    for firm, site in zip(out["firm"], out["site"]):
        sites[firm].add(site.split(".")[1])  # https://www.WORD.tld/: the company's word
    assert all(len(s) == 1 for s in sites.values())


def test_one_name_is_one_place_across_locales():
    # US and Brazilian state codes overlap (AL, MA, PA, SC...): a pooled code belongs to one country
    states = [SemanticColumn("state", "state", style="abbr", repeat=Repeat(0.5, (0.1,)))]
    out = generate(states, ["en_US"] * 40 + ["pt_BR"] * 40, np.random.default_rng(2))
    assert len(set(out["state"][:40])) >= 15 and len(set(out["state"][40:])) >= 15
    assert not set(out["state"][:40]) & set(out["state"][40:])
