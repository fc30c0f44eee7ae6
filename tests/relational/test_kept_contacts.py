"""A lookup whose only person-like columns are contacts is kept, its contacts generated (relational/kept_contacts.py)."""

import duckdb
import numpy as np
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.reference import kept_line

from .conftest import query

CARRIERS = [(1, "Speedy Express", "(503) 555-9831", "orders@speedy.example"),
            (2, "United Package", "(503) 555-3199", None),
            (3, "Federal Shipping", "(503) 555-9931", "desk@federal.example"),
            (4, "Alliance Shippers", "1-800-222-0451", "hello@alliance.example")]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """``carrier``: 4 companies with a phone and an e-mail 400 shipments point at (kept, contacts
    generated); ``agent``: 4 rows with a contact name and a phone (a person's name: never kept);
    ``staff``: 4 rows with only a phone, but rows that are people by the table's name (never kept)."""
    rng = np.random.default_rng(2)
    path = tmp_path_factory.mktemp("contacts") / "src.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE carrier (id INTEGER PRIMARY KEY, company_name VARCHAR NOT NULL, phone VARCHAR NOT NULL, email VARCHAR);
        CREATE TABLE agent (id INTEGER PRIMARY KEY, contact_name VARCHAR NOT NULL, phone VARCHAR);
        CREATE TABLE staff (id INTEGER PRIMARY KEY, phone VARCHAR NOT NULL);
        CREATE TABLE shipment (id INTEGER PRIMARY KEY, carrier_id INTEGER NOT NULL REFERENCES carrier (id),
                               agent_id INTEGER REFERENCES agent (id), staff_id INTEGER REFERENCES staff (id),
                               freight DOUBLE);
    """)
    con.executemany("INSERT INTO carrier VALUES (?, ?, ?, ?)", CARRIERS)
    con.executemany("INSERT INTO agent VALUES (?, ?, ?)",
                    [(i, n, f"(206) 555-01{i:02d}") for i, n in enumerate(["Ana Lopez", "Bo Stein", "Cy Moreau", "Di Rossi"], 1)])
    con.executemany("INSERT INTO staff VALUES (?, ?)", [(i, f"(71) 555-22{i:02d}") for i in range(1, 5)])
    carriers = rng.choice(4, 400, p=[0.5, 0.3, 0.15, 0.05])
    con.executemany("INSERT INTO shipment VALUES (?, ?, ?, ?, ?)",
                    [(i, int(c) + 1, int(rng.integers(1, 5)), int(rng.integers(1, 5)),
                      float(np.round(rng.gamma(2, 10) * (c + 1), 2))) for i, c in enumerate(carriers)])
    con.close()
    return path


@pytest.fixture(scope="module")
def fitted(source):
    return DatabaseModel(seed=3, text_steps=20).fit(source)


def test_a_lookup_with_contacts_only_is_kept_with_its_names_real(fitted, source, tmp_path):
    assert list(fitted.reference_) == ["carrier"]  # agent has a person's name; staff are people
    fitted.sample(tmp_path / "out.duckdb")
    out = query(tmp_path / "out.duckdb", "SELECT id, company_name FROM carrier ORDER BY id")
    assert out == [(i, name) for i, name, _, _ in CARRIERS]
    # the analyst's shipments per carrier name answer on the real names
    names = {r[0] for r in query(tmp_path / "out.duckdb",
                                "SELECT c.company_name FROM shipment s JOIN carrier c ON c.id = s.carrier_id")}
    assert names == {name for _, name, _, _ in CARRIERS}


def test_the_contacts_of_a_kept_lookup_are_generated_never_real(fitted, source, tmp_path):
    fitted.sample(tmp_path / "out.duckdb")
    phones = [r[0] for r in query(tmp_path / "out.duckdb", "SELECT phone FROM carrier ORDER BY id")]
    emails = [r[0] for r in query(tmp_path / "out.duckdb", "SELECT email FROM carrier ORDER BY id")]
    assert all(p is not None and sum(ch.isdigit() for ch in p) >= 7 for p in phones)  # NOT NULL, phone-shaped
    assert not set(phones) & {p for _, _, p, _ in CARRIERS}
    assert not set(emails) & {e for _, _, _, e in CARRIERS if e is not None}
    assert any(e is not None and "@" in e for e in emails)


def test_the_model_never_holds_a_kept_lookups_real_contacts(fitted, tmp_path):
    kept = fitted.reference_["carrier"]
    assert kept.column("phone").null_count == kept.num_rows and kept.column("email").null_count == kept.num_rows
    fitted.save(tmp_path / "model")
    loaded = DatabaseModel.load(tmp_path / "model")
    loaded.sample(tmp_path / "a.duckdb", seed=5)
    fitted.sample(tmp_path / "b.duckdb", seed=5)
    every_row = "SELECT * FROM carrier ORDER BY id"
    assert query(tmp_path / "a.duckdb", every_row) == query(tmp_path / "b.duckdb", every_row)


def test_synth_says_which_contacts_of_a_kept_table_are_generated(fitted):
    assert kept_line(fitted.reference_, fitted.db).endswith("carrier (4 rows; phone, email generated)")


def test_under_epsilon_a_public_lookup_is_kept_with_its_contacts_generated(source):
    private = DatabaseModel(seed=3, epsilon=1.0, epsilon_text="schema", public=("carrier",)).fit(source)
    kept = private.reference_["carrier"]  # public: kept verbatim, but its contacts are never real
    assert kept.column("phone").null_count == kept.num_rows and kept.column("email").null_count == kept.num_rows
