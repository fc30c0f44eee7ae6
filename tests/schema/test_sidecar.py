import duckdb
import pytest

from amalgam_rel.errors import DataError, InputError, SchemaError
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.sidecar import apply_sidecar


@pytest.fixture
def files_db(tmp_path):
    """Two tables loaded 'from files': the relationship exists in the data but is not declared."""
    path = tmp_path / "files.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE author (id INTEGER, name VARCHAR); INSERT INTO author VALUES (1, 'A'), (2, 'B')")
    con.execute("CREATE TABLE book (id INTEGER, author_id INTEGER); INSERT INTO book VALUES (1, 1), (2, 2), (3, NULL)")
    con.close()
    return path


def write(tmp_path, text):
    path = tmp_path / "fks.toml"
    path.write_text(text)
    return path


FK = '[[foreign_keys]]\ntable = "book"\ncolumns = "author_id"\nref_table = "author"\nref_columns = ["{ref}"]\n'


def test_logical_fk_is_merged_and_validated(files_db, tmp_path):
    con = duckdb.connect(str(files_db), read_only=True)
    db = apply_sidecar(read_duckdb(con), write(tmp_path, FK.format(ref="id")), con)
    (fk,) = db.foreign_keys
    assert (fk.table, fk.columns, fk.ref_table, fk.kind, fk.nullable) == ("book", ("author_id",), "author", "logical", True)


def test_orphans_against_a_logical_fk_are_an_error(files_db, tmp_path):
    con = duckdb.connect(str(files_db), read_only=True)
    book_id_as_author = FK.format(ref="id").replace('columns = "author_id"', 'columns = "id"')
    with pytest.raises(DataError, match=r"book\(id\) -> author\(id\): 1 child rows reference no parent row"):
        apply_sidecar(read_duckdb(con), write(tmp_path, book_id_as_author), con)


def test_non_unique_parent_columns_are_an_error(files_db, tmp_path):
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{files_db}' AS f; USE f; INSERT INTO author VALUES (2, 'dup')")
    with pytest.raises(DataError, match="do not identify one row"):
        apply_sidecar(read_duckdb(con), write(tmp_path, FK.format(ref="id")), con)


@pytest.mark.parametrize("text,error,match", [
    (FK.format(ref="nope"), SchemaError, "table 'author' has no column 'nope'"),
    (FK.format(ref="id").replace('"book"', '"boook"'), SchemaError, "unknown table 'boook'"),
    ("[[foreign_keys]]\ntable = 'book'\n", InputError, "needs exactly the keys"),
    ("this is = = not toml", InputError, "not valid TOML"),
    ("checks = 'x > 0'\n", InputError, r"expected only \[\[primary_keys\]\], \[\[foreign_keys\]\], \[\[checks\]\] and \[\[columns\]\] entries, found \['checks'\]"),
    ("[[views]]\nname = 'v'\n", InputError, r"found \['views'\]"),
])
def test_bad_sidecars_name_the_problem(files_db, tmp_path, text, error, match):
    con = duckdb.connect(str(files_db), read_only=True)
    with pytest.raises(error, match=match):
        apply_sidecar(read_duckdb(con), write(tmp_path, text), con)


CHECK = '[[checks]]\ntable = "book"\ncheck = "{check}"\n'


def test_a_logical_check_is_merged_with_the_tables_spelling_and_left_out_of_the_ddl(files_db, tmp_path):
    from amalgam_rel.schema import sql
    from amalgam_rel.schema.serialize import database_from_json, database_to_json
    from amalgam_rel.writing.ddl import create_table

    con = duckdb.connect(str(files_db), read_only=True)
    db = apply_sidecar(read_duckdb(con), write(tmp_path, CHECK.format(check="ID BETWEEN 1 AND 3")), con)
    book = db.table("book")
    assert [sql.render(c) for c in book.checks] == ['"id" BETWEEN 1 AND 3'] and book.logical_checks == book.checks
    assert "CHECK" not in sql.render(create_table(db, book))
    assert database_from_json(database_to_json(db)) == db


@pytest.mark.parametrize("check,error,match", [
    ("id BETWEEN 2 AND 3", DataError, r"1 rows of book break CHECK \(\"id\" BETWEEN 2 AND 3\)"),
    ("pages > 0", SchemaError, "check #1: table 'book' has no column 'pages'"),
    ("id IN (SELECT id FROM author)", SchemaError, "may only compare the row's own columns"),
    ("author_id >= DATE '2020-01-01'", SchemaError, "cannot be evaluated"),
    ("id >>>= 1", SchemaError, "cannot parse sidecar"),
    ("1 = 1", SchemaError, "names no column"),
])
def test_bad_logical_checks_name_the_problem(files_db, tmp_path, check, error, match):
    con = duckdb.connect(str(files_db), read_only=True)
    with pytest.raises(error, match=match):
        apply_sidecar(read_duckdb(con), write(tmp_path, CHECK.format(check=check)), con)


def test_a_logical_check_on_an_unknown_table_is_an_error(files_db, tmp_path):
    con = duckdb.connect(str(files_db), read_only=True)
    with pytest.raises(SchemaError, match="check #1 names an unknown table 'shelf'"):
        apply_sidecar(read_duckdb(con), write(tmp_path, CHECK.format(check="id > 0").replace('"book"', '"shelf"')), con)


def test_a_sidecar_check_the_ddl_already_states_stays_in_the_ddl(tmp_path):
    from amalgam_rel.schema import sql
    from amalgam_rel.writing.ddl import create_table

    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    con.execute("CREATE TABLE book (id INTEGER CHECK (id > 0)); INSERT INTO book VALUES (1)")
    db = apply_sidecar(read_duckdb(con), write(tmp_path, CHECK.format(check="id > 0") * 2), con)
    book = db.table("book")
    assert len(book.checks) == 1 and book.logical_checks == ()
    assert "CHECK" in sql.render(create_table(db, book))
