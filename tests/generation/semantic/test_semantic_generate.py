"""Faker values per row in the row's locale, consistent within the row (amalgam_rel.generation.semantic.generate)."""

import re
from dataclasses import replace

import numpy as np
import pytest

from amalgam_rel.generation.semantic.generate import SemanticColumn, generate
from amalgam_rel.generation.semantic.locales import locale_of
from amalgam_rel.relational.semantic_fill import row_locales

import pyarrow as pa

PERSON = [SemanticColumn("first", "first_name"), SemanticColumn("last", "last_name"), SemanticColumn("mail", "email"),
          SemanticColumn("full", "full_name"), SemanticColumn("city", "city"), SemanticColumn("zip", "postcode"),
          SemanticColumn("phone", "phone"), SemanticColumn("street", "street_address"), SemanticColumn("firm", "company")]


def ascii_lower(text):
    import unicodedata
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def test_locale_from_the_rows_country():
    locales = row_locales(pa.array(["Brazil", "Germany", "USA", None, "Atlantis"]), "country", 5)
    assert locales == ["pt_BR", "de_DE", "en_US", "en_US", "en_US"]
    out = generate(PERSON, ["pt_BR"] * 30 + ["de_DE"] * 30, np.random.default_rng(4))
    assert all(re.fullmatch(r"\d{5}-?\d{3}", z) for z in out["zip"][:30])  # Brazilian CEP
    assert all(re.fullmatch(r"\d{5}", z) for z in out["zip"][30:])  # German PLZ
    assert sum(p.startswith("+49") or p.startswith("0") for p in out["phone"][30:]) >= 25
    assert locale_of("Deutschland") == "de_DE" and locale_of("pt-BR", language=True) == "pt_BR"


def test_email_and_full_name_are_built_from_the_rows_own_names():
    out = generate(PERSON, ["en_US", "fr_FR", "es_ES", "de_DE"] * 25, np.random.default_rng(7))
    for first, last, mail, full in zip(out["first"], out["last"], out["mail"], out["full"]):
        local, domain = mail.split("@")
        a, b = ascii_lower(first), ascii_lower(last)
        assert (a in local or a[0] in local) and (b in local or b[0] in local), (first, last, mail)
        assert "." in domain
        assert full == f"{first} {last}"
    domains = [m.split("@")[1] for m in out["mail"]]
    assert 0.3 < np.mean([d in ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com")
                          for d in domains]) < 0.8  # free mail and company domains
    assert len(set(domains)) > 20


def test_same_seed_same_values_other_seed_other_values():
    locales = ["en_US", "pt_BR", "ja_JP"] * 20
    a = generate(PERSON, locales, np.random.default_rng(11))
    assert a == generate(PERSON, locales, np.random.default_rng(11))
    assert a["first"] != generate(PERSON, locales, np.random.default_rng(12))["first"]


def test_length_bounds_and_uniqueness():
    cols = [SemanticColumn("mail", "email", max_length=16, unique=True), SemanticColumn("city", "city", max_length=6),
            SemanticColumn("first", "first_name", unique=True)]
    out = generate(cols, ["en_US"] * 1000, np.random.default_rng(1))
    assert max(map(len, out["mail"])) <= 16 and max(map(len, out["city"])) <= 6
    assert len(set(out["mail"])) == 1000 and len(set(out["first"])) == 1000


def test_formats_read_off_the_real_values():
    cols = [SemanticColumn("h", "password", style="hex64"), SemanticColumn("s", "state", style="abbr"),
            SemanticColumn("ip", "ip_address")]
    out = generate(cols, ["en_US"] * 50, np.random.default_rng(2))
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in out["h"])
    assert all(re.fullmatch(r"[A-Z]{2}", s) for s in out["s"])
    assert all(re.fullmatch(r"\d+\.\d+\.\d+\.\d+", ip) for ip in out["ip"])


def test_not_a_type_a_generator_fills():
    with pytest.raises(ValueError, match="country"):
        SemanticColumn("c", "country")



def test_cities_are_real_ones_of_the_row_country_where_mimesis_lists_them():
    # Faker composes English-speaking cities from names (West Davidmouth); Mimesis lists real ones
    from mimesis import Address, Locale

    locales = ["en_US"] * 100 + ["de_DE"] * 100
    cities = generate([SemanticColumn("city", "city")], locales, np.random.default_rng(3))["city"]
    for locale, home in (("en_US", "en"), ("de_DE", "de")):
        listed = {c.strip() for c in Address(Locale(home))._dataset["city"]}
        mine = [c for c, loc in zip(cities, locales) if loc == locale]
        assert set(mine) <= listed, set(mine) - listed


def test_cities_of_a_country_mimesis_lacks_are_real_ones_from_the_time_zone_database():
    # Faker's en_CA towns are composed (West Davidmouth, South Anthonyfurt); pytz names Canada's cities by its zones
    import pytz

    listed = {zone.rsplit("/", 1)[-1].replace("_", " ") for zone in pytz.country_timezones["CA"]}
    cities = generate([SemanticColumn("city", "city")], ["en_CA"] * 50 + ["fr_CA"] * 50, np.random.default_rng(1))["city"]
    assert set(cities) <= listed, set(cities) - listed
    assert len(set(cities)) > 10


@pytest.mark.parametrize("kind", ["city", "street_address", "company", "full_name"])
def test_values_are_drawn_toward_the_lengths_the_table_model_asks_for(kind):
    n = 300
    rng = np.random.default_rng(4)
    plain = [len(v) for v in generate([SemanticColumn("x", kind)], ["en_US"] * n, rng)["x"]]
    wanted = np.array([int(np.quantile(plain, 0.2)), int(np.quantile(plain, 0.8))] * (n // 2), dtype=float)
    drawn = [len(v) for v in generate([SemanticColumn("x", kind)], ["en_US"] * n, rng, lengths={"x": wanted})["x"]]
    miss_plain = np.mean(np.abs(np.array(plain) - wanted))
    miss_drawn = np.mean(np.abs(np.array(drawn) - wanted))
    assert miss_drawn < 0.5 * miss_plain, (miss_plain, miss_drawn)
    # short and long rows differ as asked
    assert np.mean(drawn[1::2]) - np.mean(drawn[::2]) > 0.6 * (wanted[1] - wanted[0])


def test_an_e_mail_still_belongs_to_its_row_after_drawing_toward_lengths():
    cols = [SemanticColumn("first", "first_name"), SemanticColumn("last", "last_name"), SemanticColumn("mail", "email")]
    out = generate(cols, ["en_US"] * 100, np.random.default_rng(2), lengths={"first": np.full(100, 4.0)})
    assert np.mean([len(v) == 4 for v in out["first"]]) > 0.3  # one in seven without
    for first, last, mail in zip(out["first"], out["last"], out["mail"]):
        local = mail.split("@")[0]
        assert first.lower()[0] in local and (last.lower()[0] in local or first.lower() in local)


def test_values_are_drawn_toward_the_forms_real_values_have():
    # real companies written as capitalised words alone (Speedy Express): Faker's "Smith, Jones and Brown" and
    # "Johnson-Smith" are drawn again; real streets without "Apt."; real e-mails without digits or "_"
    from amalgam_rel.generation.semantic.toward import shape

    cols = [SemanticColumn("co", "company", forms=((" A", 1.0),)),
            SemanticColumn("street", "street_address", forms=((" 9A", 1.0),)),
            SemanticColumn("first", "first_name"), SemanticColumn("last", "last_name"),
            SemanticColumn("mail", "email", forms=((".@a", 1.0),))]
    out = generate(cols, ["en_US"] * 200, np.random.default_rng(6))
    plain = generate([replace(c, forms=()) for c in cols], ["en_US"] * 200, np.random.default_rng(6))
    for column, form in (("co", " A"), ("street", " 9A"), ("mail", ".@a")):
        share = np.mean([shape(v) == form for v in out[column]])
        assert share > 0.75 and share > np.mean([shape(v) == form for v in plain[column]]) + 0.2, column


def test_targets_faker_never_meets_cost_no_redraws(monkeypatch):
    # TPC-H's addresses: random letters (forms Faker never writes) of 10-40 characters. A street
    # address does not depend on its row, so values go to the rows they suit (toward_pooled); rows
    # asking what no value drawn meets are not drawn again: about one Faker call a value
    import amalgam_rel.generation.semantic.generate as g

    calls = []
    made = g._made
    monkeypatch.setattr(g, "_made", lambda columns, locale, n, *a: calls.append(n) or made(columns, locale, n, *a))
    n = 400
    rng = np.random.default_rng(5)
    wanted = np.array(rng.integers(10, 41, n), dtype=float)
    col = SemanticColumn("street", "street_address", forms=((",Aa", 0.5), (" ,9Aa", 0.5)))
    plain = generate([SemanticColumn("street", "street_address")], ["en_US"] * n, np.random.default_rng(5))["street"]
    calls.clear()
    out = generate([col], ["en_US"] * n, rng, lengths={"street": wanted})["street"]
    assert sum(calls) < 1.6 * n  # drawn toward each row alone: 5 calls a row
    miss = np.mean(np.abs(np.array([len(v) for v in out]) - wanted))
    assert miss < 0.7 * np.mean(np.abs(np.array([len(v) for v in plain]) - wanted))
    # the longest asked get the longest values
    long, short = wanted >= 30, wanted <= 15
    assert np.mean([len(v) for v, w in zip(out, long) if w]) > np.mean([len(v) for v, w in zip(out, short) if w]) + 8
