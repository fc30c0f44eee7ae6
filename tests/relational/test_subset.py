"""`amalgam-rel subset`: a referentially complete subset of the REAL rows (issue 26, part 3)."""

from __future__ import annotations

import shlex
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from amalgam_rel.api.subset import subset
from amalgam_rel.cli import app
from amalgam_rel.errors import InputError
from amalgam_rel.schema.duckdb_reader import read_duckdb

CHINOOK = Path(__file__).resolve().parents[2] / "examples" / "chinook.duckdb"
GERMANY = "Customer.Country = 'Germany'"


def dangling(path: Path) -> dict[str, int]:
    """Rows of ``path`` whose FK (every column set) points at no row, per FK; every FK of the schema."""
    con = duckdb.connect(str(path), read_only=True)
    db = read_duckdb(con)
    found = {}
    for fk in db.foreign_keys:
        set_ = " AND ".join(f'c."{a}" IS NOT NULL' for a in fk.columns)
        link = " AND ".join(f'p."{b}" = c."{a}"' for a, b in zip(fk.columns, fk.ref_columns))
        found[fk.label] = con.execute(f'SELECT count(*) FROM "{fk.table}" c WHERE {set_} AND NOT EXISTS '
                                      f'(SELECT 1 FROM "{fk.ref_table}" p WHERE {link})').fetchone()[0]
    con.close()
    assert found, "the schema has foreign keys to check"
    return found


def query(path: Path, text: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(text).fetchall()


def test_where_keeps_only_matching_customers_and_all_their_parents(tmp_path):
    out = tmp_path / "de.duckdb"
    result = subset(CHINOOK, out, where=[GERMANY])
    german = query(CHINOOK, "SELECT CustomerId FROM Customer WHERE Country = 'Germany' ORDER BY 1")
    assert query(out, "SELECT CustomerId FROM Customer ORDER BY 1") == german
    assert result.started == {GERMANY: len(german)} and result.rows["Customer"] == len(german)
    assert not any(dangling(out).values())
    # the support reps of those customers and everyone they report to, transitively (a self-reference)
    chain = query(CHINOOK, """
        WITH RECURSIVE up(id) AS (SELECT SupportRepId FROM Customer WHERE Country = 'Germany'
                                  UNION SELECT e.ReportsTo FROM Employee e JOIN up ON e.EmployeeId = up.id
                                  WHERE e.ReportsTo IS NOT NULL)
        SELECT id FROM up ORDER BY 1""")
    assert query(out, "SELECT EmployeeId FROM Employee ORDER BY 1") == chain
    assert len(chain) >= 2  # a rep and a manager at least: the chain was followed
    assert query(out, "SELECT count(*) FROM Invoice") == [(0,)]  # no children without --children


def test_rows_are_the_source_rows_unchanged(tmp_path):
    out = tmp_path / "de.duckdb"
    subset(CHINOOK, out, where=[GERMANY])
    with duckdb.connect(str(out), read_only=True) as con:
        con.execute(f"ATTACH '{CHINOOK}' AS src (READ_ONLY)")
        for table in ("Customer", "Employee"):
            assert con.execute(f'SELECT * FROM "{table}" EXCEPT ALL SELECT * FROM src."{table}"').fetchall() == []


def test_children_all_follows_invoices_down_then_closes_upwards(tmp_path):
    out = tmp_path / "de.duckdb"
    result = subset(CHINOOK, out, where=[GERMANY], children="all")
    lines = query(CHINOOK, """SELECT count(*) FROM InvoiceLine l JOIN Invoice i USING (InvoiceId)
                              JOIN Customer c USING (CustomerId) WHERE c.Country = 'Germany'""")
    assert query(out, "SELECT count(*) FROM InvoiceLine") == lines and result.rows["Track"] > 0
    assert not any(dangling(out).values())


def test_direct_children_of_a_playlist_fill_its_composite_key_table(tmp_path):
    out = tmp_path / "p.duckdb"
    subset(CHINOOK, out, where=["Playlist.PlaylistId = 3"], children="direct")
    assert query(out, "SELECT count(*) FROM PlaylistTrack") == \
        query(CHINOOK, "SELECT count(*) FROM PlaylistTrack WHERE PlaylistId = 3")
    assert query(out, "SELECT count(*) FROM InvoiceLine") == [(0,)]  # one level only: not the tracks' children
    assert not any(dangling(out).values())


def test_fraction_is_reproducible_for_a_seed(tmp_path):
    runs = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        runs[name] = tmp_path / f"{name}.duckdb"
        result = subset(CHINOOK, runs[name], fraction=0.02, seed=seed)
    assert set(result.started) == {"InvoiceLine", "PlaylistTrack"}  # the tables nothing references
    assert not any(dangling(runs["a"]).values())
    tables = ("InvoiceLine", "PlaylistTrack", "Track", "Customer", "Employee")
    with duckdb.connect() as con:
        for name, path in runs.items():
            con.execute(f"ATTACH '{path}' AS {name} (READ_ONLY)")

        def differ(x, y, t):
            return con.execute(f'SELECT count(*) FROM (SELECT * FROM {x}."{t}" EXCEPT ALL SELECT * FROM {y}."{t}") '
                               f'UNION ALL SELECT count(*) FROM (SELECT * FROM {y}."{t}" EXCEPT ALL '
                               f'SELECT * FROM {x}."{t}")').fetchall() != [(0,), (0,)]
        assert not any(differ("a", "b", t) for t in tables)
        assert differ("a", "c", "InvoiceLine")


@pytest.mark.parametrize("condition, says", [
    ("Customer.Nope = 1", "table 'Customer' has no column 'Nope'"),
    ("Nowhere.x = 1", "no table 'Nowhere' in the database (its tables: "),
    ("Customer.Country = 'x' AND Invoice.Total > 1", "exactly one table"),
    ("Country = 'Germany'", "exactly one table"),
    ("Customer.Country IN (SELECT 1)", "without SELECT or subqueries"),
    ("Customer.Country = ", "not a SQL condition"),
    ("Customer.Country = 'x'; DROP TABLE Customer", "one condition, not 2 statements"),
    ("Customer.Country IN (FROM read_csv('x.csv'))", "without SELECT or subqueries"),
    ("Customer.Country + 1 = 2", "Customer.Country + 1 = 2"),
])
def test_bad_where_is_one_line_and_writes_nothing(tmp_path, condition, says):
    out = tmp_path / "x.duckdb"
    result = CliRunner().invoke(app, ["subset", str(CHINOOK), "-o", str(out), "--where", condition])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --where") and says in lines[0], result.stderr
    assert not out.exists()


def test_start_rows_given_exactly_once(tmp_path):
    with pytest.raises(InputError, match="exactly one"):
        subset(CHINOOK, tmp_path / "x.duckdb")
    with pytest.raises(InputError, match="exactly one"):
        subset(CHINOOK, tmp_path / "x.duckdb", where=[GERMANY], fraction=0.1)
    with pytest.raises(InputError, match="--fraction"):
        subset(CHINOOK, tmp_path / "x.duckdb", fraction=1.5)


SHAPES = """
CREATE TABLE dept (id INTEGER, site VARCHAR, head INTEGER, PRIMARY KEY (id, site));
CREATE TABLE person (id INTEGER PRIMARY KEY, dept_id INTEGER, dept_site VARCHAR, mentor INTEGER REFERENCES person (id),
                     FOREIGN KEY (dept_id, dept_site) REFERENCES dept (id, site));
CREATE TABLE note (person_id INTEGER REFERENCES person (id), body VARCHAR);
INSERT INTO dept VALUES (1, 'a', 1), (1, 'b', 3), (2, 'a', 5);
INSERT INTO person VALUES (1, 1, 'a', NULL), (5, 2, 'a', NULL);
INSERT INTO person VALUES (2, 1, 'a', 1);
INSERT INTO person VALUES (3, 1, 'b', 2);
INSERT INTO person VALUES (4, 2, 'a', 3);
INSERT INTO note VALUES (4, 'same'), (4, 'same'), (5, 'other'), (NULL, 'orphan');
"""


def test_composite_keys_self_references_and_a_key_less_table(tmp_path):
    """person -> dept over a composite key; person.mentor a self-reference chain; note has no key
    (its duplicate rows both kept)."""
    source = tmp_path / "src.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute(SHAPES)
    out = tmp_path / "out.duckdb"
    subset(source, out, where=["note.body = 'same'"])
    assert query(out, "SELECT count(*) FROM note") == [(2,)]
    assert query(out, "SELECT id FROM person ORDER BY 1") == [(1,), (2,), (3,), (4,)]  # 4's mentors, transitively
    assert query(out, "SELECT id, site FROM dept ORDER BY 1, 2") == [(1, "a"), (1, "b"), (2, "a")]
    assert not any(dangling(out).values())


def test_cli_says_real_rows_and_writes_any_target(tmp_path):
    out = tmp_path / "de.sqlite"
    result = CliRunner().invoke(app, shlex.split(f"subset {CHINOOK} -o sqlite:{out} --where \"{GERMANY}\""))
    assert result.exit_code == 0, result.output
    assert "REAL rows" in result.stderr and out.exists()
    help_text = CliRunner().invoke(app, ["subset", "--help"], env={"COLUMNS": "200"}).output
    assert "REAL rows" in help_text and "synth" in help_text


def test_the_package_root_exports_subset_and_outputs_are_checked(tmp_path):
    import amalgam_rel

    assert amalgam_rel.subset is subset
    out = tmp_path / "x.duckdb"
    out.write_bytes(b"")
    result = CliRunner().invoke(app, ["subset", str(CHINOOK), "-o", str(out), "--fraction", "0.1"])
    assert result.exit_code == 2 and "--force" in result.stderr, result.stderr
    result = CliRunner().invoke(app, ["subset", str(CHINOOK), "-o", str(CHINOOK), "--fraction", "0.1", "--force"])
    assert result.exit_code == 2 and "source database" in result.stderr, result.stderr


def test_a_logical_key_closing_a_cycle_is_followed_to_a_fixed_point(tmp_path):
    """With a sidecar's dept(head) -> person(id), person -> dept -> person is a cycle: person 4's
    dept (2, 'a') is headed by person 5, who must come too."""
    source = tmp_path / "src.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute(SHAPES)
    sidecar = tmp_path / "keys.toml"
    sidecar.write_text('[[foreign_keys]]\ntable = "dept"\ncolumns = ["head"]\nref_table = "person"\n'
                       'ref_columns = ["id"]\n')
    out = tmp_path / "out.duckdb"
    subset(source, out, where=["note.body = 'same'"], sidecar=sidecar)
    assert query(out, "SELECT id FROM person ORDER BY 1") == [(1,), (2,), (3,), (4,), (5,)]
    assert query(out, "SELECT count(*) FROM dept d WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.id = d.head)") \
        == [(0,)]


def test_a_source_of_another_kind_gives_the_same_rows(tmp_path):
    """A SQLite source (tables seen as views, no rowid) gives the rows the DuckDB file gives."""
    copy = tmp_path / "chinook.sqlite"
    subset(CHINOOK, f"sqlite:{copy}", fraction=1.0)  # the whole database, as SQLite
    from_duckdb, from_sqlite = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    subset(CHINOOK, from_duckdb, where=[GERMANY], children="all")
    subset(f"sqlite:{copy}", from_sqlite, where=[GERMANY], children="all")
    for table in ("Customer", "Invoice", "InvoiceLine", "Track", "Employee"):
        ids = f'SELECT "{table}Id" FROM "{table}" ORDER BY 1'  # each table's primary key
        assert query(from_duckdb, ids) == query(from_sqlite, ids) != []
