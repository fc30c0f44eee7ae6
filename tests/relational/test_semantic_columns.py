"""People, contacts and places come from Faker, in the row's locale, never from real values
(amalgam_rel.relational.semantic_columns)."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest

from amalgam_rel.errors import InputError
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.semantic_columns import copy_line, type_lines

from .conftest import ITERS, create, query

DDL = """
CREATE TABLE person (id INTEGER PRIMARY KEY, FirstName VARCHAR NOT NULL, LastName VARCHAR NOT NULL CHECK (length(LastName) <= 12),
                     Email VARCHAR UNIQUE, Country VARCHAR NOT NULL, City VARCHAR, PostalCode VARCHAR,
                     nick VARCHAR NOT NULL, age INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person (id),
                     ShipCity VARCHAR, amount DOUBLE NOT NULL);
"""
# names no Faker locale has: any of them in the output came from the real rows
FIRST = ["Zorblax", "Quenthil", "Marvok", "Ilsandre", "Pruxa", "Teveran", "Golmira", "Yastrel"]
LAST = ["Vantrobe", "Kelmqvist", "Drossel", "Ulbrecht", "Pannifor", "Xerodat"]
CITIES = ["Frobville", "Narkstadt", "Quillport", "Zentham"]


def people(n: int, rng: np.random.Generator) -> dict:
    first, last = rng.choice(FIRST, n), rng.choice(LAST, n)
    country = rng.choice(["Germany", "Brazil"], n)
    city = np.where(country == "Germany", None, rng.choice(CITIES, n))  # German rows have no city
    return {"id": np.arange(n), "FirstName": first, "LastName": last,
            "Email": [f"{a.lower()}.{b.lower()}{i}@realmail.example" for i, (a, b) in enumerate(zip(first, last))],
            "Country": country, "City": city, "PostalCode": rng.choice(["K-1", "Q-22", "Z-333"], n),
            "nick": rng.choice(["Zee", "Bo", "Quax"], n), "age": rng.integers(18, 90, n)}


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    rng = np.random.default_rng(5)
    folder = tmp_path_factory.mktemp("semantic")
    p = people(300, rng)
    owner = rng.integers(0, 300, 900)
    return create(folder / "real.duckdb", DDL, {
        "person": p,
        "orders": {"id": np.arange(900), "person_id": owner, "ShipCity": np.array(p["City"], dtype=object)[owner],
                   "amount": rng.gamma(2, 20, 900)}})


@pytest.fixture(scope="module")
def synth(real, tmp_path_factory):
    model = DatabaseModel(seed=1, iters=ITERS).fit(real)
    out = tmp_path_factory.mktemp("semantic_out") / "synth.duckdb"
    report = model.sample(out)
    return model, out, report


def test_types_are_listed_and_saved(synth, tmp_path):
    model, out, _ = synth
    lines = type_lines(model.tables_)
    assert lines == ["person: FirstName first_name, LastName last_name, Email email, City city, PostalCode postcode "
                     "(locale: Country)"]
    model.save(tmp_path / "m")
    loaded = DatabaseModel.load(tmp_path / "m")
    assert type_lines(loaded.tables_) == lines
    report = loaded.sample(tmp_path / "again.duckdb", seed=1)
    assert query(tmp_path / "again.duckdb", "SELECT * FROM person ORDER BY id") == query(out, "SELECT * FROM person ORDER BY id")
    # a saved model holds no real value: copies are counted once the source is given again (--guard-source)
    assert not report.semantic["person.Email"].checked and "not counted" in copy_line(report.semantic)
    report = loaded.screen_text(model.source_).sample(tmp_path / "third.duckdb", seed=1)
    assert report.semantic["person.Email"].checked and report.semantic["person.Email"].copies == 0


def test_person_like_columns_never_emit_a_real_value(synth):
    _, out, report = synth
    rows = query(out, "SELECT FirstName, LastName, Email, City, PostalCode FROM person")
    assert len(rows) == 300
    assert not {r[0] for r in rows} & set(FIRST) and not {r[1] for r in rows} & set(LAST)
    assert not any(r[2] and r[2].endswith("@realmail.example") for r in rows)
    assert not {r[3] for r in rows} & set(CITIES) and not {r[4] for r in rows} & {"K-1", "Q-22", "Z-333"}
    assert max(len(r[1]) for r in rows) <= 12  # its CHECK
    assert len({r[2] for r in rows if r[2]}) == sum(1 for r in rows if r[2])  # UNIQUE
    assert report.semantic["person.FirstName"].checked and report.semantic["person.FirstName"].copies == 0
    assert "equal to a real value: 0 (0.00%)" in copy_line(report.semantic)


def test_rows_are_consistent_and_in_their_locale(synth):
    _, out, _ = synth
    rows = query(out, "SELECT FirstName, LastName, Email, Country, City, PostalCode FROM person")
    for first, last, email, country, city, postcode in rows:
        local = email.split("@")[0]
        plain = [re.sub(r"[^a-z]", "", n.lower().translate(str.maketrans("äöüéèáàãâçíóõú", "aoueeaaaacioou")))
                 for n in (first, last)]
        assert any(p and p[:3] in local or p[:1] == local[:1] for p in plain), (first, last, email)
        if country == "Germany":
            assert city is None  # the table model still decides where a value is missing
            assert re.fullmatch(r"\d{5}", postcode)
        else:
            assert city is not None and re.fullmatch(r"\d{5}-?\d{3}", postcode), (city, postcode)


def test_a_child_copy_still_copies_its_parent(synth):
    _, out, _ = synth
    mismatched = query(out, "SELECT count(*) FROM orders o JOIN person p ON o.person_id = p.id "
                            "WHERE o.ShipCity IS DISTINCT FROM p.City")
    assert mismatched == [(0,)]


def test_sidecar_overrides(real, tmp_path):
    sidecar = tmp_path / "types.toml"
    sidecar.write_text('[[columns]]\ntable = "person"\ncolumn = "nick"\ntype = "first_name"\n\n'
                       '[[columns]]\ntable = "PERSON"\ncolumn = "firstname"\ntype = "text"\n')
    model = DatabaseModel(seed=1, iters=ITERS).fit(real, sidecar=sidecar)
    assert {c.column for c in model.tables_["person"].semantic.columns} == {"nick", "LastName", "Email", "City", "PostalCode"}
    model.sample(tmp_path / "out.duckdb")
    rows = query(tmp_path / "out.duckdb", "SELECT FirstName, nick FROM person")
    assert {r[0] for r in rows} <= set(FIRST)  # back to the model: its real categories
    assert not {r[1] for r in rows} & {"Zee", "Bo", "Quax"}


@pytest.mark.parametrize("entry, message", [
    ('table = "person"\ncolumn = "nick"\ntype = "nickname"', "column #1 (person.nick) has an unknown type 'nickname'"),
    ('table = "nobody"\ncolumn = "nick"\ntype = "city"', "column #1 names an unknown table 'nobody'"),
    ('table = "person"\ncolumn = "nope"\ntype = "city"', "column #1: table 'person' has no column 'nope'"),
    ('table = "person"\ncolumn = "age"\ntype = "city"', "column #1: person.age is not a string column"),
    ('table = "person"\ncolumn = "nick"', "column #1 needs exactly the keys ['column', 'table', 'type']"),
])
def test_a_wrong_override_is_one_line_naming_it(real, tmp_path, entry, message):
    sidecar = tmp_path / "types.toml"
    sidecar.write_text("[[columns]]\n" + entry + "\n")
    with pytest.raises(InputError, match=re.escape(message)):
        DatabaseModel(seed=1, iters=ITERS).fit(real, sidecar=sidecar)


def test_under_epsilon_semantic_text_is_generated_not_refused(real, tmp_path):
    with pytest.raises(InputError, match=r"text columns person\.nick are not covered"):  # the only one left
        DatabaseModel(seed=1, iters=ITERS, epsilon=1.0).fit(real)
    sidecar = tmp_path / "types.toml"
    sidecar.write_text('[[columns]]\ntable = "person"\ncolumn = "nick"\ntype = "username"\n')
    model = DatabaseModel(seed=1, iters=ITERS, epsilon=1.0).fit(real, sidecar=sidecar)
    s = model.tables_["person"].semantic
    assert s.drawn_locale and s.locale == "Country"
    assert {c.column for c in s.columns} == {"FirstName", "LastName", "Email", "City", "PostalCode", "nick"}
    assert any(e.step == "semantic:Email" for e in model.privacy_.entries)
    model.sample(tmp_path / "out.duckdb")
    rows = query(tmp_path / "out.duckdb", "SELECT FirstName, Email, Country, City FROM person")
    assert rows and not {r[0] for r in rows} & set(FIRST)
    assert {r[2] for r in rows} <= {"United States", "United Kingdom", "Canada", "Australia", "Germany", "France",
                                   "Spain", "Mexico", "Italy", "Brazil", "Netherlands", "Poland", "Sweden", "Denmark",
                                   "Czech Republic", "Japan"}
    assert 0 < sum(r[3] is None for r in rows) < len(rows)  # NULLs from the private model


def test_under_epsilon_a_table_whose_only_text_is_a_country_draws_it(tmp_path):
    rng = np.random.default_rng(2)
    path = create(tmp_path / "shops.duckdb", "CREATE TABLE shop (id INTEGER PRIMARY KEY, country VARCHAR NOT NULL, "
                  "size INTEGER NOT NULL)", {"shop": {"id": np.arange(200), "country": rng.choice(["Atlantis", "Oz"], 200),
                                                     "size": rng.integers(1, 9, 200)}})
    model = DatabaseModel(seed=1, iters=ITERS, epsilon=1.0).fit(path)
    assert type_lines(model.tables_) == ["shop: country country (drawn) (locale: country)"]
    model.sample(tmp_path / "out.duckdb")
    countries = {r[0] for r in query(tmp_path / "out.duckdb", "SELECT country FROM shop")}
    assert len(countries) > 3 and not countries & {"Atlantis", "Oz"}


CITY_NAMES = ["Akron", "Dayton", "Toledo", "Provo", "Ogden", "Ames", "Lorain", "Kent", "Logan", "Orem", "Sandy",
              "Tooele", "Davenport", "Clinton", "Marion", "Newton", "Boone", "Warren", "Salem", "Canton"]


def test_a_unique_set_of_generated_columns_holds(tmp_path):
    # UNIQUE (state, city): each drawn from a list (50 states, Mimesis's US cities), so pairs repeat
    rng = np.random.default_rng(2)
    n = 60
    real = create(tmp_path / "shops.duckdb",
                  "CREATE TABLE shop (id INTEGER PRIMARY KEY, State VARCHAR, City VARCHAR, size INTEGER, UNIQUE (State, City));",
                  {"shop": {"id": np.arange(n), "State": np.repeat(["Ohio", "Utah", "Iowa"], 20),
                            "City": np.tile(CITY_NAMES, 3), "size": rng.integers(1, 9, n)}})
    model = DatabaseModel(seed=1, iters=ITERS).fit(real)
    assert [c.repeat for c in model.tables_["shop"].semantic.columns] == [None, None]  # repeats there are errors
    out = tmp_path / "synth.duckdb"
    model.sample(out, scale=40)
    assert query(out, "SELECT count(*), count(DISTINCT (State, City)) FROM shop WHERE State IS NOT NULL AND City IS NOT NULL") \
        == [(n * 40, n * 40)]


# each country's real phone and postcode formats; a random filling of a mask (# a digit, ? a capital)
FORMATS = {"Germany": ("####/#######", "#####"), "Brazil": ("(##) ####-####", "#####-###"),
           "Canada": ("+1 ###.###.####", "?#? #?#")}


def filled(template: str, rng: np.random.Generator) -> str:
    return "".join(str(rng.integers(10)) if c == "#" else chr(65 + rng.integers(26)) if c == "?" else c for c in template)


def fits_mask(value: str, template: str) -> bool:
    return len(value) == len(template) and all(
        v.isdigit() if t == "#" else v.isupper() if t == "?" else v == t for v, t in zip(value, template))


def test_phones_and_postcodes_are_written_in_each_countrys_real_formats(tmp_path):
    rng = np.random.default_rng(8)
    n = 240
    country = rng.choice(list(FORMATS), n)
    phone = [filled(FORMATS[c][0], rng) for c in country]
    phone[0] = "+49 (0)30 1234 5"  # one row's own format: never learned
    real = create(tmp_path / "contacts.duckdb", "CREATE TABLE contact (id INTEGER PRIMARY KEY, Country VARCHAR NOT NULL, "
                  "Phone VARCHAR, PostalCode VARCHAR, size INTEGER)",
                  {"contact": {"id": np.arange(n), "Country": country, "Phone": phone,
                               "PostalCode": [filled(FORMATS[c][1], rng) for c in country], "size": rng.integers(1, 9, n)}})
    model = DatabaseModel(seed=1, iters=ITERS).fit(real)
    out = tmp_path / "synth.duckdb"
    model.sample(out, seed=2)
    rows = query(out, "SELECT Country, Phone, PostalCode FROM contact ORDER BY id")
    assert len(rows) == n and {r[0] for r in rows} == set(FORMATS)
    assert all(fits_mask(p, FORMATS[c][0]) and fits_mask(z, FORMATS[c][1]) for c, p, z in rows), rows[:5]
    assert not {r[1] for r in rows} & set(phone) and len({r[1] for r in rows}) == n
    model.save(tmp_path / "m")  # the masks are saved with the model: the loaded one writes the same rows
    DatabaseModel.load(tmp_path / "m").sample(tmp_path / "again.duckdb", seed=2)
    assert query(tmp_path / "again.duckdb", "SELECT Country, Phone, PostalCode FROM contact ORDER BY id") == rows



def test_places_repeat_as_the_real_ones_do_and_old_models_load(tmp_path):
    # 40 employees in 3 cities of one state; the postcodes all differ
    n = 40
    rng = np.random.default_rng(3)
    city = rng.permutation(["Frobville"] * 25 + ["Narkstadt"] * 10 + ["Quillport"] * 5)
    real = create(tmp_path / "staff.duckdb", "CREATE TABLE staff (id INTEGER PRIMARY KEY, Country VARCHAR NOT NULL, "
                  "City VARCHAR NOT NULL, State VARCHAR NOT NULL, PostalCode VARCHAR NOT NULL, age INTEGER)",
                  {"staff": {"id": np.arange(n), "Country": ["USA"] * n, "City": city, "State": ["Zedland"] * n,
                             "PostalCode": [f"{10000 + i}" for i in range(n)], "age": rng.integers(20, 60, n)}})
    model = DatabaseModel(seed=1, iters=ITERS).fit(real)
    repeats = {c.column: c.repeat for c in model.tables_["staff"].semantic.columns}
    assert repeats["City"].distinct == 3 / 40 and repeats["City"].top == (25 / 40, 10 / 40, 5 / 40)
    assert repeats["PostalCode"] is None
    out = tmp_path / "synth.duckdb"
    model.sample(out, seed=2)
    rows = query(out, "SELECT City, State, PostalCode FROM staff")
    cities = sorted(Counter(r[0] for r in rows).values(), reverse=True)
    assert cities == [25, 10, 5] and len({r[1] for r in rows}) == 1
    assert len({r[2] for r in rows}) > 30  # a column whose real values do not repeat stays fresh per row
    assert not {r[0] for r in rows} & {"Frobville", "Narkstadt", "Quillport"}
    model.save(tmp_path / "m")
    saved = (tmp_path / "m" / "model.json").read_text()
    assert "repeat" in saved and not any(c in saved for c in ("Frobville", "Narkstadt", "Quillport", "Zedland"))
    # a model saved before repeats were learned has none: each row a fresh place, as then
    doc = json.loads(saved)
    for column in next(t for t in doc["tables"] if t["key"] == "staff")["semantic"]["columns"]:
        del column["repeat"]
    (tmp_path / "m" / "model.json").write_text(json.dumps(doc))
    DatabaseModel.load(tmp_path / "m").sample(tmp_path / "old.duckdb", seed=2)
    assert query(tmp_path / "old.duckdb", "SELECT count(DISTINCT City) FROM staff")[0][0] > 30


def test_generated_lengths_follow_the_table_model_jointly_with_the_row(tmp_path):
    # short streets for one tier of rows, long ones for the other: the table model owns a NOT NULL
    # generated column's length (~Address) too, and the generator draws toward it
    n = 200
    rng = np.random.default_rng(8)
    tier = rng.integers(0, 2, n)
    address = [f"{i} Ab St" if t == 0 else f"{i} Long Meadowbrook Road Building {i % 7}" for i, t in enumerate(tier)]
    real = create(tmp_path / "streets.duckdb", "CREATE TABLE site (id INTEGER PRIMARY KEY, tier INTEGER NOT NULL, "
                  "Address VARCHAR NOT NULL, Country VARCHAR NOT NULL)",
                  {"site": {"id": np.arange(n), "tier": tier, "Address": address, "Country": ["USA"] * n}})
    model = DatabaseModel(seed=1, iters=ITERS).fit(real)
    assert [c.type for c in model.tables_["site"].semantic.columns] == ["street_address"]
    out = tmp_path / "synth.duckdb"
    model.sample(out, seed=2)
    rows = query(out, "SELECT tier, avg(length(Address)), count(*) FROM site GROUP BY tier ORDER BY tier")
    short, long = rows[0][1], rows[1][1]
    assert long - short > 8, rows  # Faker's shortest US streets are longer than "12 Ab St": not the whole gap
    assert not {r[0] for r in query(out, "SELECT Address FROM site")} & set(address)


def test_e_mails_take_the_forms_the_real_ones_take_of_their_rows_names(tmp_path):
    # a staff table writes the first name alone (andrew@chinookcorp.com): so do the generated rows
    n = 60
    rng = np.random.default_rng(9)
    first, last = rng.choice(FIRST, n), rng.choice(LAST, n)
    real = create(tmp_path / "staff.duckdb", "CREATE TABLE staff (id INTEGER PRIMARY KEY, FirstName VARCHAR NOT NULL, "
                  "LastName VARCHAR NOT NULL, Email VARCHAR NOT NULL, age INTEGER)",
                  {"staff": {"id": np.arange(n), "FirstName": first, "LastName": last,
                             "Email": [f"{a.lower()}@corp.example" for a in first], "age": rng.integers(20, 60, n)}})
    model = DatabaseModel(seed=1, iters=ITERS).fit(real)
    mail = next(c for c in model.tables_["staff"].semantic.columns if c.column == "Email")
    assert mail.local_forms == (("first", 1.0),)
    out = tmp_path / "synth.duckdb"
    model.sample(out, seed=2)
    rows = query(out, "SELECT FirstName, Email FROM staff")
    alone = [e.split("@")[0] == re.sub(r"[^a-z]", "", f.lower()) for f, e in rows]
    assert np.mean(alone) > 0.8, rows[:5]
