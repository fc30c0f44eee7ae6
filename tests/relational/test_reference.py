"""Reference tables are kept verbatim; closed sets come from real values (relational/reference.py)."""

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.errors import InputError
from amalgam_rel.relational.database_model import DatabaseModel
from amalgam_rel.relational.reference import closed_columns
from amalgam_rel.schema.model import Column, Table
from amalgam_rel.schema.types import parse_type

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


def rows(path, query):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


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


def test_under_epsilon_nothing_is_kept_unless_declared_public(source, tmp_path):
    private = DatabaseModel(seed=3, epsilon=1.0, epsilon_text="schema").fit(source)
    assert private.reference_ == {}
    public = DatabaseModel(seed=3, epsilon=1.0, epsilon_text="schema", public=("kind",)).fit(source)
    assert list(public.reference_) == ["kind"]
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
