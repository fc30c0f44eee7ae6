"""PostgreSQL and MySQL/MariaDB targets on real servers (skipped where none answers, failed in CI):
every constraint declared on the server and no row breaking one (counted by the server), the
rows equal to what was written, --force, and a failed run leaving the target as it was."""

from __future__ import annotations

import pytest
from sqlglot import exp
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.errors import OutputError
from amalgam_rel.locations import parse_location
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.writing import servers
from amalgam_rel.writing.spelling import table_ref, target_table_name
from tests.writing.conftest import POSTGRES_URL
from tests.writing.constraint_checks import copied as _copy, expected_constraints, rows_differ, violations


def _pg_constraints(server, schema: str) -> dict[str, int]:
    kinds = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": "CHECK"}
    counts = {name: 0 for name in kinds.values()}
    for kind, n in server.rows("SELECT c.contype::text, count(*) FROM pg_constraint c JOIN pg_namespace s "
                               f"ON s.oid = c.connamespace WHERE s.nspname = '{schema}' GROUP BY 1"):
        if kind in kinds:
            counts[kinds[kind]] = n
    counts["NOT NULL"] = server.rows("SELECT count(*) FROM information_schema.columns "
                                     f"WHERE table_schema = '{schema}' AND is_nullable = 'NO'")[0][0]
    return counts


def _mysql_constraints(server, database: str) -> dict[str, int]:
    counts = {"PRIMARY KEY": 0, "UNIQUE": 0, "FOREIGN KEY": 0, "CHECK": 0}
    for kind, n in server.rows("SELECT constraint_type, count(*) FROM information_schema.table_constraints "
                               f"WHERE constraint_schema = '{database}' GROUP BY constraint_type"):
        counts[kind] = n
    counts["NOT NULL"] = server.rows("SELECT count(*) FROM information_schema.columns "
                                     f"WHERE table_schema = '{database}' AND is_nullable = 'NO'")[0][0]
    # MariaDB's JSON is LONGTEXT with a CHECK (json_valid(...)) of its own: not one of ours
    counts["CHECK"] = server.rows("SELECT count(*) FROM information_schema.check_constraints WHERE constraint_schema "
                                  f"= '{database}' AND check_clause NOT LIKE 'json\\_valid(%'")[0][0]
    return counts


def _rows_in(server, schema: str, table) -> int:
    ref = table_ref(target_table_name(table), schema)
    return server.rows(exp.select(exp.Count(this=exp.Star())).from_(ref).sql(server.kind))[0][0]


def _enum_columns(db, named: bool | None = None) -> int:
    return sum(1 for t in db.tables for c in t.columns
               if c.type.kind.value == "enum" and (named is None or bool(c.type.enum_name) == named))


# -- PostgreSQL ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["synthetic_chinook", "all_types_db", "hostile_db"])
def test_postgres_gets_every_constraint_and_no_row_breaks_one(request, fixture, postgres, pg_schema):
    source = request.getfixturevalue(fixture)
    db, rows = _copy(source, parse_location(POSTGRES_URL, schema=pg_schema))
    expected = expected_constraints(db)
    expected["CHECK"] += _enum_columns(db, named=False)  # an unnamed ENUM is TEXT with a CHECK of its labels
    assert _pg_constraints(postgres, pg_schema) == expected
    assert violations(lambda q: postgres.rows(q)[0][0], db, "postgres", pg_schema) == {}
    postgres.con.execute("CALL pg_clear_cache()")
    postgres.con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    try:
        if fixture == "synthetic_chinook":  # every value of its types reads back as it was written
            assert rows_differ(postgres.con, "src", "srv", db, pg_schema) == {}
        for table in db.tables:
            assert _rows_in(postgres, pg_schema, table) == rows[table.key]
    finally:
        postgres.con.execute("DETACH src")


def test_postgres_refuses_rows_that_break_a_constraint(all_types_db, postgres, pg_schema):
    _copy(all_types_db, parse_location(POSTGRES_URL, schema=pg_schema))
    # the sequence and the ENUM type came along: a row relying on the defaults is accepted
    postgres.run(f"INSERT INTO {pg_schema}.customer (email) VALUES ('new@example.org')")
    assert postgres.rows(f"SELECT id::int, t_mood::text FROM {pg_schema}.customer WHERE email = 'new@example.org'") \
        == [(1002, "ok")]
    # a LIST of scalars is a PostgreSQL array; numbers past 38 digits keep every digit
    assert postgres.rows(f"SELECT t_list::text, t_huge::text FROM {pg_schema}.customer WHERE id = 1000") \
        == [("{vip,early}", "170141183460469231731687303715884105727")]
    for statement in (f"INSERT INTO {pg_schema}.product VALUES (3, 'BAD-3', 1.0)",      # CHECK
                      f"INSERT INTO {pg_schema}.product VALUES (1, 'SKU-9', 1.0)",      # PRIMARY KEY
                      f"INSERT INTO {pg_schema}.product VALUES (4, 'SKU-1', 1.0)",      # UNIQUE
                      f"INSERT INTO {pg_schema}.customer_product VALUES (1000, 99)",     # FOREIGN KEY
                      f"INSERT INTO {pg_schema}.employee (id) VALUES (9)"):               # NOT NULL
        with pytest.raises(Exception, match="violates"):
            postgres.run(statement)


def test_postgres_is_replaced_only_with_force_and_a_failed_run_changes_nothing(synthetic_chinook, postgres,
                                                                              pg_schema, monkeypatch):
    target = parse_location(POSTGRES_URL, schema=pg_schema)
    db, rows = _copy(synthetic_chinook, target)
    postgres.run(f'DELETE FROM "{pg_schema}"."PlaylistTrack"')  # a mark: the table as the user left it
    with pytest.raises(OutputError, match=r"already has table .*PlaylistTrack|already has table"):
        _copy(synthetic_chinook, target)
    assert postgres.rows(f'SELECT count(*) FROM "{pg_schema}"."PlaylistTrack"')[0][0] == 0

    real_execute = servers.execute

    def failing(con, location, statement):  # the server refuses the last foreign key, after every row is in
        if statement.startswith("ALTER TABLE") and "PlaylistTrack" in statement:
            raise OutputError("refused (simulated)")
        return real_execute(con, location, statement)

    monkeypatch.setattr(servers, "execute", failing)
    with pytest.raises(OutputError, match="simulated"):
        _copy(synthetic_chinook, target, force=True)
    assert postgres.rows(f'SELECT count(*) FROM "{pg_schema}"."PlaylistTrack"')[0][0] == 0
    monkeypatch.setattr(servers, "execute", real_execute)
    _copy(synthetic_chinook, target, force=True)
    assert postgres.rows(f'SELECT count(*) FROM "{pg_schema}"."PlaylistTrack"')[0][0] == rows["PlaylistTrack"]


def test_synth_writes_chinook_into_postgres(example_db, postgres, pg_schema, tmp_path):
    result = CliRunner().invoke(app, ["synth", str(example_db), "-o", POSTGRES_URL, "--out-schema", pg_schema,
                                      "--scale", "0.05", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert f"(schema {pg_schema})" in result.output
    con = open_duckdb(example_db)
    db = read_duckdb(con)
    con.close()
    assert _pg_constraints(postgres, pg_schema) == expected_constraints(db)
    assert violations(lambda q: postgres.rows(q)[0][0], db, "postgres", pg_schema) == {}
    again = CliRunner().invoke(app, ["synth", str(example_db), "-o", POSTGRES_URL, "--out-schema", pg_schema,
                                     "--scale", "0.05"])
    assert again.exit_code != 0 and "pass --force" in again.output  # refused before any fitting


def test_a_postgres_script_runs_on_postgres(all_types_db, postgres, pg_schema, tmp_path):
    from amalgam_rel.writing.copy import copy_rows
    from amalgam_rel.writing.writer import DatabaseWriter

    con = open_duckdb(all_types_db)
    db = read_duckdb(con)
    script = tmp_path / "out.sql"
    with DatabaseWriter(db, script, dialect="postgres") as writer:
        copy_rows(con, db, writer)
    con.close()
    postgres.run(f'CREATE SCHEMA "{pg_schema}"; SET search_path TO "{pg_schema}"; '
                 + script.read_text(encoding="utf-8") + "; SET search_path TO public")
    assert violations(lambda q: postgres.rows(q)[0][0], db, "postgres", pg_schema) == {}
    assert _pg_constraints(postgres, pg_schema)["FOREIGN KEY"] == expected_constraints(db)["FOREIGN KEY"]
    for table in db.tables:
        assert _rows_in(postgres, pg_schema, table) == writer.rows_written[table.key]


# -- MySQL / MariaDB -------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["synthetic_chinook", "all_types_db", "hostile_db"])
def test_mysql_gets_every_constraint_and_no_row_breaks_one(request, fixture, mysql, mysql_db):
    source = request.getfixturevalue(fixture)
    url, name = mysql_db
    db, rows = _copy(source, url)
    assert _mysql_constraints(mysql, name) == expected_constraints(db)
    assert violations(lambda q: mysql.rows(q)[0][0], db, "mysql", name) == {}
    leftovers = mysql.rows(f"SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{name}\\_\\_%'")
    assert leftovers == []  # the temporary databases are gone
    if fixture == "synthetic_chinook":
        mysql.con.execute("CALL mysql_clear_cache()")
        mysql.con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        try:
            assert rows_differ(mysql.con, "src", "srv", db, name) == {}
        finally:
            mysql.con.execute("DETACH src")


def test_mysql_refuses_rows_that_break_a_constraint(all_types_db, mysql, mysql_db):
    url, name = mysql_db
    _copy(all_types_db, url)
    for statement in (f"INSERT INTO {name}.product VALUES (3, 'BAD-3', 1.0)",
                      f"INSERT INTO {name}.product VALUES (1, 'SKU-9', 1.0)",
                      f"INSERT INTO {name}.product VALUES (4, 'SKU-1', 1.0)",
                      f"INSERT INTO {name}.customer_product VALUES (1000, 99)"):
        with pytest.raises(Exception, match="CONSTRAINT|Duplicate|foreign key"):
            mysql.run(statement)


def test_mysql_is_replaced_only_with_force_and_a_failed_run_changes_nothing(synthetic_chinook, mysql, mysql_db,
                                                                           monkeypatch):
    url, name = mysql_db
    db, rows = _copy(synthetic_chinook, url)
    mysql.run(f"DELETE FROM {name}.PlaylistTrack")
    with pytest.raises(OutputError, match="already has table"):
        _copy(synthetic_chinook, url)
    assert mysql.rows(f"SELECT count(*) FROM {name}.PlaylistTrack")[0][0] == 0

    real_execute = servers.execute

    def failing(con, location, statement):
        if statement.startswith("RENAME TABLE"):  # the very last step
            raise OutputError("refused (simulated)")
        return real_execute(con, location, statement)

    monkeypatch.setattr(servers, "execute", failing)
    with pytest.raises(OutputError, match="simulated"):
        _copy(synthetic_chinook, url, force=True)
    assert mysql.rows(f"SELECT count(*) FROM {name}.PlaylistTrack")[0][0] == 0
    assert mysql.rows(f"SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE '{name}\\_\\_%'")[0][0] == 0
    monkeypatch.setattr(servers, "execute", real_execute)
    _copy(synthetic_chinook, url, force=True)
    assert mysql.rows(f"SELECT count(*) FROM {name}.PlaylistTrack")[0][0] == rows["PlaylistTrack"]
    assert _mysql_constraints(mysql, name) == expected_constraints(db)


def test_views_reach_both_servers_and_read_the_written_tables(viewed_db, postgres, pg_schema, mysql, mysql_db):
    from tests.writing.conftest import VIEW_ROWS

    db, _ = _copy(viewed_db, parse_location(POSTGRES_URL, schema=pg_schema))
    assert postgres.rows(f'SELECT "Id", n::int FROM "{pg_schema}".counted ORDER BY 1') == VIEW_ROWS
    url, name = mysql_db
    _copy(viewed_db, url)
    assert mysql.rows(f"SELECT Id, n FROM `{name}`.counted ORDER BY 1") == VIEW_ROWS
    _copy(viewed_db, url, force=True)  # the old view goes, the new one reads the new tables
    assert mysql.rows(f"SELECT Id, n FROM `{name}`.counted ORDER BY 1") == VIEW_ROWS
    _copy(viewed_db, parse_location(POSTGRES_URL, schema=pg_schema), force=True)
    assert postgres.rows(f'SELECT "Id", n::int FROM "{pg_schema}".counted ORDER BY 1') == VIEW_ROWS
