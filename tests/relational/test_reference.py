"""Reference tables are kept verbatim; closed sets come from real values (relational/reference.py)."""

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.errors import DataError, InputError
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.closed_sets import closed_columns
from amalgam_rel.schema.model import Column, Table
from amalgam_rel.schema.types import parse_type

from .conftest import query as rows

KINDS = ["Rock", "Jazz", "Metal", "Blues", "Latin", "Classical"]
SHARES = [0.45, 0.2, 0.15, 0.1, 0.06, 0.04]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """``kind``: 6 names 600 items point at (kept); ``person``: 8 rows items point at, with a first
    name (person-like: never kept); ``status``: 5 labels nothing points at (a closed set)."""
    rng = np.random.default_rng(5)
    path = tmp_path_factory.mktemp("reference") / "src.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE kind (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE);
        CREATE TABLE person (id INTEGER PRIMARY KEY, first_name VARCHAR NOT NULL);
        CREATE TABLE item (id INTEGER PRIMARY KEY, kind_id INTEGER NOT NULL REFERENCES kind (id),
                           owner_id INTEGER REFERENCES person (id), price DOUBLE);
        CREATE TABLE status (id INTEGER PRIMARY KEY, label VARCHAR NOT NULL);
    """)
    con.executemany("INSERT INTO kind VALUES (?, ?)", [(10 + i, k) for i, k in enumerate(KINDS)])
    names = ["Astrid", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiroshi"]
    con.executemany("INSERT INTO person VALUES (?, ?)", list(enumerate(names, 1)))
    kinds = rng.choice(len(KINDS), 600, p=SHARES)
    con.executemany("INSERT INTO item VALUES (?, ?, ?, ?)",
                    [(i, 10 + int(k), int(rng.integers(1, 9)), float(np.round(rng.gamma(2, 5) * (k + 1), 2)))
                     for i, k in enumerate(kinds)])
    con.executemany("INSERT INTO status VALUES (?, ?)",
                    list(enumerate(["open", "pending review", "shipped", "returned", "closed"], 1)))
    con.close()
    return path


@pytest.fixture(scope="module")
def fitted(source):
    return DatabaseModel(seed=3, text_steps=20).fit(source)


def counts_by_kind(path):
    return dict(rows(path, "SELECT k.name, count(*) FROM item i JOIN kind k ON k.id = i.kind_id GROUP BY 1"))


def test_a_referenced_lookup_is_kept_verbatim_and_children_keep_their_cardinality(fitted, source, tmp_path):
    assert list(fitted.reference_) == ["kind"]  # person has a first name; status is pointed at by nothing
    fitted.sample(tmp_path / "out.duckdb")
    assert rows(tmp_path / "out.duckdb", "SELECT * FROM kind ORDER BY id") == rows(source, "SELECT * FROM kind ORDER BY id")
    orphans = rows(tmp_path / "out.duckdb", "SELECT count(*) FROM item WHERE kind_id NOT IN (SELECT id FROM kind)")
    assert orphans == [(0,)]
    real, synth = counts_by_kind(source), counts_by_kind(tmp_path / "out.duckdb")
    assert set(synth) == set(real)
    for name, n in real.items():  # the analyst's WHERE name = 'Rock' answers as on the real data
        assert abs(synth[name] - n) <= 0.2 * n + 3, (name, n, synth[name])


def test_a_child_depends_on_the_names_of_a_kept_parent(fitted, source, tmp_path):
    """Each kind names one parent row, which for a synthesized parent would be learning it by
    heart; a kept parent is its real rows, so the child's price follows its kind's name."""
    fitted.sample(tmp_path / "out.duckdb")
    query = "SELECT k.name, avg(i.price), count(*) FROM item i JOIN kind k ON k.id = i.kind_id GROUP BY 1"
    real = {name: mean for name, mean, _ in rows(source, query)}
    synth = {name: (mean, n) for name, mean, n in rows(tmp_path / "out.duckdb", query)}
    for name, (mean, n) in synth.items():
        if n >= 20:  # Rock's items cost about a sixth of Classical's
            assert abs(mean - real[name]) <= 0.3 * real[name], (name, real[name], mean)


def test_a_person_like_lookup_is_not_kept(fitted, source, tmp_path):
    assert "person" not in fitted.reference_
    fitted.sample(tmp_path / "out.duckdb")
    real = {r[0] for r in rows(source, "SELECT first_name FROM person")}
    synth = {r[0] for r in rows(tmp_path / "out.duckdb", "SELECT first_name FROM person")}
    assert synth != real


def test_scale_leaves_a_kept_table_whole_and_scales_its_children(fitted, tmp_path):
    fitted.sample(tmp_path / "half.duckdb", scale=0.5)
    assert rows(tmp_path / "half.duckdb", "SELECT count(*) FROM kind") == [(6,)]
    assert 250 <= rows(tmp_path / "half.duckdb", "SELECT count(*) FROM item")[0][0] <= 350


def test_rows_on_a_kept_table_is_one_line_naming_synthesize(fitted, tmp_path):
    with pytest.raises(InputError, match=r"--rows names table 'kind', a reference table kept verbatim .*--synthesize kind"):
        fitted.sample(tmp_path / "out.duckdb", rows={"kind": 3})


def test_synthesize_opts_a_table_out(source):
    model = DatabaseModel(seed=3, text_steps=20, synthesize=("KIND",)).fit(source)
    assert model.reference_ == {}


def test_synthesize_naming_an_unknown_table_is_one_line(source):
    with pytest.raises(InputError, match="--synthesize names an unknown table 'genre'"):
        DatabaseModel(seed=3, text_steps=20, synthesize=("genre",)).fit(source)


def test_under_epsilon_only_tables_outside_the_unit_are_kept(source, tmp_path):
    private = DatabaseModel(seed=3, epsilon=1.0, epsilon_text="schema", privacy_unit="kind").fit(source)
    assert not {"kind", "item"} & set(private.reference_)  # the unit, and the table reaching it
    public = DatabaseModel(seed=3, epsilon=1.0, epsilon_text="schema", privacy_unit="item", public=("kind",)).fit(source)
    assert "kind" in public.reference_ and "item" not in public.reference_
    assert any(e.step == "kept verbatim" and e.table == "kind" for e in public.privacy_.entries)
    public.sample(tmp_path / "out.duckdb")
    assert rows(tmp_path / "out.duckdb", "SELECT * FROM kind ORDER BY id") == rows(source, "SELECT * FROM kind ORDER BY id")
    assert rows(tmp_path / "out.duckdb", "SELECT count(*) FROM item WHERE kind_id NOT IN (SELECT id FROM kind)") == [(0,)]


def test_a_saved_model_holds_the_kept_rows(fitted, source, tmp_path):
    fitted.save(tmp_path / "model")
    assert (tmp_path / "model" / "reference" / "0.arrow").is_file()
    loaded = DatabaseModel.load(tmp_path / "model")
    assert loaded.reference_["kind"].equals(fitted.reference_["kind"])
    loaded.sample(tmp_path / "loaded.duckdb", seed=9)
    fitted.sample(tmp_path / "fitted.duckdb", seed=9)
    for table in ("kind", "item"):
        query = f"SELECT * FROM {table} ORDER BY id"
        assert rows(tmp_path / "loaded.duckdb", query) == rows(tmp_path / "fitted.duckdb", query)


def test_same_seed_same_output(fitted, source, tmp_path):
    fitted.sample(tmp_path / "a.duckdb", seed=4)
    fitted.sample(tmp_path / "b.duckdb", seed=4)
    for table in ("kind", "item", "person", "status"):
        query = f"SELECT * FROM {table} ORDER BY id"
        assert rows(tmp_path / "a.duckdb", query) == rows(tmp_path / "b.duckdb", query)
    assert rows(tmp_path / "a.duckdb", "SELECT * FROM kind ORDER BY id") == rows(source, "SELECT * FROM kind ORDER BY id")


def test_a_small_closed_set_is_drawn_from_its_real_values(fitted, source, tmp_path):
    fitted.sample(tmp_path / "out.duckdb")
    real = {r[0] for r in rows(source, "SELECT label FROM status")}
    assert {r[0] for r in rows(tmp_path / "out.duckdb", "SELECT label FROM status")} <= real


def test_closed_sets_never_take_a_person_like_column():
    table = Table("staff", (Column("id", parse_type("INTEGER")), Column("first_name", parse_type("VARCHAR")),
                            Column("role", parse_type("VARCHAR"))))
    frame = pa.table({"id": [1, 2, 3], "first_name": ["Ann", "Bo", "Cy"], "role": ["boss", "clerk", "driver"]})
    assert closed_columns(table, frame, kept=False) == ("role",)
    assert closed_columns(table, frame, kept=True) == ("role",)


def test_public_names_are_a_closed_set_however_many_rows_hold_each():
    """29 suppliers in 16 countries: more distinct values than the free-text test allows, but
    public names, drawn from the real ones (the language model wrote 'Feel'); invented words of
    the same counts stay text."""
    countries = COUNTRIES[:16] + COUNTRIES[:13]
    words = [f"Zorblat{i}" for i in range(16)] + [f"Zorblat{i}" for i in range(13)]
    table = Table("supplier", (Column("id", parse_type("INTEGER")), Column("country", parse_type("VARCHAR")),
                               Column("brand", parse_type("VARCHAR"))))
    frame = pa.table({"id": list(range(29)), "country": countries, "brand": words})
    assert closed_columns(table, frame, kept=False) == ("country",)


# -- public reference data: a lookup larger than the square-root rule allows ---------------------

COUNTRIES = ["Argentina", "Australia", "Austria", "Belgium", "Brazil", "Canada", "Chile", "China", "Colombia",
             "Denmark", "Egypt", "Finland", "France", "Germany", "Greece", "India", "Indonesia", "Ireland", "Italy",
             "Japan", "Kenya", "Mexico", "Morocco", "Netherlands", "New Zealand", "Nigeria", "Norway", "Peru",
             "Poland", "Portugal", "Spain", "Sweden", "Switzerland", "Thailand", "Turkey", "Ukraine",
             "United Kingdom", "Uruguay", "Vietnam", "Zambia"]
WORLD_DDL = """
CREATE TABLE country (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, continent VARCHAR NOT NULL, capital INTEGER);
CREATE TABLE city (id INTEGER PRIMARY KEY, country_code VARCHAR NOT NULL REFERENCES country (code),
                   population BIGINT NOT NULL);
"""


def build_world(path):
    """40 countries (named as in any gazetteer) and ~300 cities: 40 > sqrt(300). A capital is its
    country's largest city; 4 countries name none; one country without cities names another's."""
    from .conftest import create

    rng = np.random.default_rng(21)
    n = len(COUNTRIES)
    per_country = np.where(np.arange(n) % 8 == 3, 0, rng.geometric(0.15, n))
    owner = np.repeat(np.arange(n), per_country)
    population = np.round(rng.lognormal(11, 1.2, len(owner))).astype(np.int64)
    capital = np.full(n, -1, dtype=np.int64)
    for country in range(n):
        own = np.flatnonzero(owner == country)
        if len(own):
            capital[country] = own[np.argmax(population[own])] + 1
    capital[3] = capital[0]  # no cities of its own: its capital is a city of Argentina's
    capital[[5, 17, 29, 35]] = -1
    codes = np.array([name[:3].upper() + str(i) for i, name in enumerate(COUNTRIES)])
    return create(path, WORLD_DDL, {
        "country": {"code": codes, "name": np.array(COUNTRIES), "continent": rng.choice(["Europe", "Asia"], n),
                    "capital": np.ma.masked_array(capital, capital < 0)},
        "city": {"id": np.arange(1, len(owner) + 1), "country_code": codes[owner], "population": population},
    })


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from .conftest import CAPITAL_SIDECAR, fit

    folder = tmp_path_factory.mktemp("public")
    real = build_world(folder / "real.duckdb")
    sidecar = folder / "world.toml"
    sidecar.write_text(CAPITAL_SIDECAR)
    model = fit(real, sidecar)
    out = folder / "synth.duckdb"
    model.sample(out, seed=2)
    return real, model, out


def test_a_lookup_named_by_public_reference_data_is_kept_beyond_the_square_root_rule(world):
    from amalgam_rel.relational.reference import ReferenceOptions, choose_reference_tables

    real, model, out = world
    assert list(model.reference_) == ["country"]
    assert choose_reference_tables(model.plan_, ReferenceOptions()) == ()  # 40 countries > sqrt(cities)
    query = "SELECT code, name, continent FROM country ORDER BY code"
    assert rows(out, query) == rows(real, query)
    assert rows(out, "SELECT count(*) FROM country WHERE name = 'China'") == [(1,)]


def test_a_kept_key_into_a_synthesized_table_points_at_synthetic_rows_its_own_first(world):
    real, model, out = world
    real_nulls = {c for c, in rows(real, "SELECT code FROM country WHERE capital IS NULL")}
    assert {c for c, in rows(out, "SELECT code FROM country WHERE capital IS NULL")} == real_nulls
    assert rows(out, "SELECT count(*) FROM country WHERE capital NOT IN (SELECT id FROM city)") == [(0,)]
    # every country with synthetic cities names one of its own as its capital
    foreign = """SELECT count(*) FROM country k JOIN city c ON c.id = k.capital WHERE c.country_code <> k.code
                 AND EXISTS (SELECT 1 FROM city o WHERE o.country_code = k.code)"""
    assert rows(out, foreign) == [(0,)]
    from amalgam_rel.relational.repoint import repointed_line

    assert repointed_line(model.db, model.reference_).endswith(": country.capital -> city")


def test_re_pointed_keys_are_the_same_for_the_same_seed(world, tmp_path):
    _, model, out = world
    model.sample(tmp_path / "again.duckdb", seed=2)
    query = "SELECT code, capital FROM country ORDER BY code"
    assert rows(tmp_path / "again.duckdb", query) == rows(out, query)


def test_rows_on_a_public_lookup_is_refused_before_fitting(world):
    from amalgam_rel.relational.reference import reference_params
    from amalgam_rel.schema.load import load_schema

    real, _, _ = world
    with pytest.raises(InputError, match="--rows names table 'country'"):
        reference_params(load_schema(real), (), (), None, {"country": 5}, source=real)


CURRENCY_DDL = """
CREATE TABLE bank (id INTEGER PRIMARY KEY, assets DOUBLE NOT NULL);
CREATE TABLE currency (code VARCHAR PRIMARY KEY, issuer INTEGER UNIQUE REFERENCES bank (id), digits INTEGER NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, currency VARCHAR NOT NULL REFERENCES currency (code), amount DOUBLE);
"""
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
              "RON", "BGN", "TRY", "BRL", "MXN", "ARS", "CLP", "COP", "PEN", "INR", "CNY", "KRW", "THB", "IDR"]


def test_a_kept_key_into_a_table_sampled_before_it_is_matched_unique_and_null_where_it_was(tmp_path):
    from .conftest import create, fit

    rng = np.random.default_rng(4)
    n = len(CURRENCIES)
    issuer = rng.permutation(60)[:n] + 1
    real = create(tmp_path / "real.duckdb", CURRENCY_DDL, {
        "bank": {"id": np.arange(1, 61), "assets": rng.lognormal(10, 1, 60)},
        "currency": {"code": np.array(CURRENCIES), "issuer": np.ma.masked_array(issuer, np.arange(n) % 7 == 0),
                     "digits": np.where(np.arange(n) % 9 == 0, 0, 2)},
        "payment": {"id": np.arange(1, 501), "currency": np.array(CURRENCIES)[rng.integers(0, n, 500)],
                    "amount": rng.lognormal(3, 1, 500)},
    })
    model = fit(real)
    assert list(model.reference_) == ["currency"]  # 28 codes > sqrt(500): kept as public data
    model.sample(tmp_path / "out.duckdb", scale=0.5)  # fewer banks: still one each
    out = tmp_path / "out.duckdb"
    assert rows(out, "SELECT code, digits FROM currency ORDER BY code") == rows(real, "SELECT code, digits FROM currency ORDER BY code")
    assert rows(out, "SELECT code FROM currency WHERE issuer IS NULL ORDER BY code") == \
        rows(real, "SELECT code FROM currency WHERE issuer IS NULL ORDER BY code")
    assert rows(out, "SELECT count(*) FROM currency WHERE issuer NOT IN (SELECT id FROM bank)") == [(0,)]
    assert rows(out, "SELECT count(issuer) = count(DISTINCT issuer) FROM currency") == [(True,)]


def test_an_entity_table_is_not_kept_even_with_a_column_of_public_names(tmp_path):
    """120 products (the shop's size) under ~1,900 orders: names of its own, and a country of
    origin that repeats (names no row): neither the square-root rule nor the gazetteer keeps it."""
    from amalgam_rel.relational.plan import plan_database
    from amalgam_rel.relational.reference import ReferenceOptions, choose_reference_tables, public_lookups
    from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
    from .conftest import create

    rng = np.random.default_rng(6)
    real = create(tmp_path / "shop.duckdb", """
        CREATE TABLE product (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, made_in VARCHAR NOT NULL, price DOUBLE);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES product (id));
    """, {"product": {"id": np.arange(1, 121), "name": np.array([f"Widget {i}" for i in range(120)]),
                      "made_in": rng.choice(COUNTRIES[:10], 120), "price": rng.lognormal(3, 0.5, 120)},
          "orders": {"id": np.arange(1, 1901), "product_id": rng.integers(1, 121, 1900)}})
    con = open_duckdb(real)
    try:
        plan = plan_database(read_duckdb(con))
        public = public_lookups(con, plan, ReferenceOptions())
    finally:
        con.close()
    assert public == frozenset()
    assert choose_reference_tables(plan, ReferenceOptions(), public_data=public) == ()


def test_re_pointed_parents_keep_a_unique_set_of_the_key_and_another_column():
    from amalgam_rel.relational.repoint import apart_in_unique_sets
    from amalgam_rel.schema.model import ForeignKey

    others = pa.table({"kind": ["a", "a", "a", "b", None, None]})  # UNIQUE (bank, kind); NULLs never clash
    fk = ForeignKey("currency", ("bank",), "bank", ("id",))
    chosen = apart_in_unique_sets(others, np.zeros(6, dtype=np.int64), np.random.default_rng(1), 4, fk)
    assert len(set(chosen[:3].tolist())) == 3 and chosen.min() >= 0
    with pytest.raises(DataError, match="too few synthetic 'bank' rows"):
        apart_in_unique_sets(others, np.zeros(6, dtype=np.int64), np.random.default_rng(1), 2, fk)


def test_a_kept_row_without_own_parents_takes_one_no_other_row_names_where_real_keys_never_repeat():
    from amalgam_rel.relational.repoint import fill_the_rest

    chosen = np.r_[np.arange(10), np.full(11, -1)]  # 10 rows hold a parent of 20, 10 need one, 1 is NULL
    empty = np.arange(21) == 20
    spread = fill_the_rest(chosen, empty, 20, np.random.default_rng(0), spread=True)
    assert sorted(spread[:20].tolist()) == list(range(20)) and spread[20] == -1
    more = fill_the_rest(np.array([0, -1, -1, -1]), np.zeros(4, dtype=bool), 2, np.random.default_rng(0), spread=True)
    assert sorted(more[:2].tolist()) == [0, 1] and more.min() >= 0  # then any parent: NULL only where it was
    unique = fill_the_rest(np.array([0, -1, -1, -1]), np.zeros(4, dtype=bool), 2, np.random.default_rng(0), unique=True)
    assert sorted(unique.tolist()) == [-1, -1, 0, 1]


def test_a_table_of_public_names_nothing_points_at_is_kept(tmp_path):
    """Northwind's us_states: 51 rows of state names and codes, no foreign key to it. Its names
    were invented (word realism 0.33 of real); public data, it is kept as it is."""
    from faker.providers.address.en_US import Provider

    from .conftest import create, fit

    states = list(Provider.states)
    real = create(tmp_path / "states.duckdb", """
        CREATE TABLE us_states (id INTEGER PRIMARY KEY, state_name VARCHAR, state_abbr VARCHAR, region VARCHAR);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, amount DOUBLE);
    """, {"us_states": {"id": np.arange(len(states)), "state_name": np.array(states),
                        "state_abbr": np.array(list(Provider.states_abbr)[:len(states)]),
                        "region": np.random.default_rng(3).choice(["east", "west"], len(states))},
          "orders": {"id": np.arange(200), "amount": np.random.default_rng(4).lognormal(3, 1, 200)}})
    model = fit(real)
    assert list(model.reference_) == ["us_states"]
    out = tmp_path / "synth.duckdb"
    model.sample(out, seed=1)
    query = "SELECT * FROM us_states ORDER BY id"
    assert rows(out, query) == rows(real, query)


def test_a_kept_table_with_a_list_of_enum_values_is_written(tmp_path):
    # fuzz run of issue #21: DuckDB hands an ENUM inside an ARRAY to Arrow as dictionary indices,
    # and the kept rows written back read them as UTINYINT, which it cannot cast to the ENUM
    con = duckdb.connect(str(tmp_path / "real.duckdb"))
    con.execute("CREATE TYPE mood AS ENUM ('calm', 'loud', 'sad')")
    con.execute("CREATE TABLE style (id INTEGER PRIMARY KEY, moods mood[2], main mood)")
    con.execute("INSERT INTO style VALUES (1, ['calm', 'sad'], 'calm'), (2, ['loud', 'loud'], 'loud')")
    con.execute("CREATE TABLE song (id INTEGER PRIMARY KEY, style_id INTEGER REFERENCES style (id), plays INTEGER)")
    con.execute("INSERT INTO song SELECT i, 1 + i % 2, i * 7 % 50 FROM range(100) t(i)")
    con.close()
    from .conftest import fit

    model = fit(tmp_path / "real.duckdb")
    assert list(model.reference_) == ["style"]
    model.sample(tmp_path / "synth.duckdb", seed=0)
    query = "SELECT id, moods::VARCHAR[], main FROM style ORDER BY id"
    assert rows(tmp_path / "synth.duckdb", query) == rows(tmp_path / "real.duckdb", query)


def test_a_few_rows_named_like_public_codes_are_no_public_lookup(tmp_path):
    # fuzz run of issue #21: one row named 'A' (a code in some list) was kept as public data, its
    # key re-pointed at a synthetic parent past a CHECK that pinned it: DuckDB refused the write
    from amalgam_rel.relational.plan import plan_database
    from amalgam_rel.relational.reference import ReferenceOptions, public_lookups
    from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb

    con = duckdb.connect(str(tmp_path / "real.duckdb"))
    con.execute("CREATE TABLE code (id INTEGER PRIMARY KEY, name VARCHAR)")
    con.execute("INSERT INTO code VALUES (1, 'A'), (2, 'DE'), (3, 'Brazil')")
    con.close()
    con = open_duckdb(tmp_path / "real.duckdb")
    try:
        assert public_lookups(con, plan_database(read_duckdb(con)), ReferenceOptions()) == frozenset()
    finally:
        con.close()


def test_a_kept_tables_children_counts_keep_the_models_own_distribution_in_the_rows_order():
    # drawn given each kept row, counts drift (world: three countries with too many or too few
    # cities); each row keeps its rank and takes the value of that rank from a free draw
    from types import SimpleNamespace

    from amalgam_rel.relational.reference import _calibrated_counts

    free = pa.table({"#0": pa.array([10, 2, 4, 0], pa.int64()), "x": pa.array([1, 1, 1, 1])})
    draft = SimpleNamespace(ft=SimpleNamespace(plan=SimpleNamespace(count_columns={0: "#0"}),
                                               model=SimpleNamespace(sample=lambda n, seed: free)),
                            rng=np.random.default_rng(0))
    given = pa.table({"#0": pa.array([5, 1, 3, 2], pa.int64()), "x": pa.array([7, 8, 9, 6])})
    out = _calibrated_counts(draft, given)
    assert out.column("#0").to_pylist() == [10, 0, 4, 2] and out.column("x").to_pylist() == [7, 8, 9, 6]
