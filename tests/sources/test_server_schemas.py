"""What a server's catalog declares reaches the schema model (enums, arrays, JSON, generated
columns, composite, self-referencing and cyclic foreign keys, CHECK, DEFAULT, UNIQUE), the server
is only read, and a password never leaves the URL (issue 25, part 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from amalgam_rel.api import Synthesizer
from amalgam_rel.connection import connect
from amalgam_rel.errors import SchemaError
from amalgam_rel.locations import parse_location
from amalgam_rel.schema.load import load_schema
from amalgam_rel.schema.sources import ATTACHED, open_source
from amalgam_rel.schema.types import Kind

from .conftest import fresh_name
from .servers import MYSQL_URL, PG_URL, drop_from_server, require_server, server_execute

PG_SCHEMA = """
CREATE TYPE {s}.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE {s}.person (id serial PRIMARY KEY, team_id int, name varchar(40) NOT NULL UNIQUE,
    mood {s}.mood DEFAULT 'ok', tags text[], profile jsonb, price numeric(10,2) CHECK (price >= 0),
    doubled int GENERATED ALWAYS AS (id * 2) STORED, boss int REFERENCES {s}.person(id));
CREATE TABLE {s}.team (region int, code int, leader_id int NOT NULL REFERENCES {s}.person(id),
    PRIMARY KEY (region, code));
CREATE TABLE {s}.badge (region int, code int, label text, FOREIGN KEY (region, code) REFERENCES {s}.team(region, code));
ALTER TABLE {s}.person ADD FOREIGN KEY (team_id, team_id) REFERENCES {s}.team(region, code);
INSERT INTO {s}.person (name, mood, tags, profile, price, boss) VALUES
    ('ann', 'happy', ARRAY['a', 'b'], '{{"k": 1}}', 9.5, NULL), ('bob', 'sad', ARRAY['c'], '{{"k": 2}}', 3, 1),
    ('cy', 'ok', NULL, NULL, 0, 1), ('di', 'happy', ARRAY['a'], '{{"k": 3}}', 12.25, 2);
INSERT INTO {s}.team VALUES (1, 1, 1), (2, 2, 2);
UPDATE {s}.person SET team_id = 1 + id % 2;
INSERT INTO {s}.badge VALUES (1, 1, 'gold'), (2, 2, 'silver'), (1, 1, 'bronze');
"""


@pytest.fixture(scope="module")
def pg_shapes():
    require_server("postgres")
    schema = fresh_name("amalgam_shapes")
    try:
        server_execute("postgres", PG_URL, f"CREATE SCHEMA {schema}",
                       *(s.strip() for s in PG_SCHEMA.format(s=schema).split(";\n") if s.strip()))
        yield schema
    finally:
        drop_from_server("postgres", PG_URL, schema)


def test_postgres_catalog_reaches_the_model(pg_shapes):
    db = load_schema(PG_URL, schema=pg_shapes)
    person = db.table("person")
    assert person.row_count == 4 and person.primary_key == ("id",) and person.unique == (("name",),)
    assert person.column("mood").type.labels == ("sad", "ok", "happy") and person.column("mood").default
    assert person.column("tags").type.kind is Kind.LIST and person.column("tags").type.element.kind is Kind.STRING
    assert person.column("profile").type.kind is Kind.JSON
    assert person.column("name").type.length == 40 and not person.column("name").nullable
    assert person.column("doubled").generated is not None and len(person.checks) == 1
    assert db.table("team").primary_key == ("region", "code")
    fks = {fk.label: fk.kind for fk in db.foreign_keys}
    assert fks["person(boss) -> person(id)"] == "declared"  # self-reference
    assert fks["badge(region, code) -> team(region, code)"] == "declared"  # composite
    # person -> team -> person is a cycle DuckDB cannot declare: one edge is kept as a logical key
    cycle = {fks["team(leader_id) -> person(id)"], fks["person(team_id, team_id) -> team(region, code)"]}
    assert cycle == {"declared", "logical"}


def test_a_short_synth_from_postgres(pg_shapes, tmp_path):
    out = tmp_path / "out.duckdb"
    Synthesizer(seed=1).fit(parse_location(PG_URL, schema=pg_shapes)).sample(out, rows={"person": 6})
    con = connect(out, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM person").fetchone() == (6,)
        assert con.execute("SELECT count(*) FROM person WHERE doubled <> id * 2").fetchone() == (0,)
    finally:
        con.close()


def _audit(schema: str) -> list[str]:
    """Statements that record every write to the schema's tables in a table of another schema."""
    audit = f"{schema}_audit"
    statements = [f"CREATE SCHEMA {audit}", f"CREATE TABLE {audit}.writes (what text)",
                  f"CREATE FUNCTION {audit}.log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  f"INSERT INTO {audit}.writes VALUES (TG_OP || ' ' || TG_TABLE_NAME); RETURN NULL; END $$"]
    statements += [f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema}.{t} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {audit}.log()" for t in ("person", "team", "badge")]
    return statements


def _writes_and_tables(schema: str) -> tuple:
    con = connect()
    try:
        from amalgam_rel.connection import load_local_extension

        load_local_extension(con, "postgres_scanner")
        con.execute(f"ATTACH '{PG_URL}' AS pg (TYPE postgres, READ_ONLY)")
        writes = con.execute(f"SELECT * FROM postgres_query('pg', 'SELECT what FROM {schema}_audit.writes')").fetchall()
        tables = con.execute(f"SELECT * FROM postgres_query('pg', 'SELECT relname FROM pg_class c JOIN pg_namespace n "
                             f"ON n.oid = c.relnamespace WHERE nspname = ''{schema}'' ORDER BY 1')").fetchall()
        return writes, tables
    finally:
        con.close()


def test_postgres_is_only_read(pg_shapes, tmp_path):
    try:
        server_execute("postgres", PG_URL, *_audit(pg_shapes))
        server_execute("postgres", PG_URL, f"UPDATE {pg_shapes}.badge SET label = label")  # the audit works
        before = _writes_and_tables(pg_shapes)
        assert before[0] == [("UPDATE badge",)]
        with open_source(PG_URL, schema=pg_shapes) as src:
            ro = src.con.execute(f"SELECT * FROM postgres_query('{ATTACHED}', 'SELECT current_setting(''transaction_read_only'')')").fetchall()
            assert ro == [("on",)]  # every read runs in a read-only transaction
            with pytest.raises(Exception, match="read-only|read only"):
                src.con.execute(f'INSERT INTO {ATTACHED}."{pg_shapes}".badge VALUES (9, 9, \'x\')')
        Synthesizer(seed=2).fit(parse_location(PG_URL, schema=pg_shapes)).sample(tmp_path / "o.duckdb")
        assert _writes_and_tables(pg_shapes) == before  # no write, no new table or index
    finally:
        server_execute("postgres", PG_URL, f"DROP SCHEMA IF EXISTS {pg_shapes}_audit CASCADE")


def test_a_password_is_never_printed_nor_saved(pg_chinook, tmp_path):
    _, schema = pg_chinook
    url = PG_URL.replace("postgres@", "postgres:s3cret@")  # trust auth: the password is accepted and unused
    done = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "fit", url, "--schema", schema,
                           "-o", str(tmp_path / "model"), "--text-steps", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout + done.stderr
    saved = [p for p in (tmp_path / "model").rglob("*") if p.is_file()]
    assert saved and not any(b"s3cret" in p.read_bytes() for p in saved)
    assert (tmp_path / "model" / "model.json").read_text().count("postgres:***@") >= 1
    shown = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "inspect", url, "--schema", schema],
                           capture_output=True, text=True)
    assert shown.returncode == 0 and "postgres:***@" in shown.stdout and "s3cret" not in shown.stdout + shown.stderr


def test_an_unsupported_server_type_is_one_line_naming_the_column():
    require_server("postgres")
    schema = fresh_name("amalgam_odd")
    try:
        server_execute("postgres", PG_URL, f"CREATE SCHEMA {schema}",
                       f"CREATE TABLE {schema}.host (id int PRIMARY KEY, address inet)")
        with pytest.raises(SchemaError) as info:
            load_schema(PG_URL, schema=schema)
        assert "address" in str(info.value) and "INET" in str(info.value).upper() and "\n" not in str(info.value)
    finally:
        drop_from_server("postgres", PG_URL, schema)


MYSQL_SCHEMA = """
CREATE TABLE {d}.person (id int PRIMARY KEY, team_id int, name varchar(40) NOT NULL UNIQUE,
    mood enum('sad', 'ok', 'happy') DEFAULT 'ok', profile json, price decimal(10,2) CHECK (price >= 0),
    doubled int GENERATED ALWAYS AS (id * 2) STORED, boss int, FOREIGN KEY (boss) REFERENCES {d}.person(id));
CREATE TABLE {d}.team (id int PRIMARY KEY, leader_id int NOT NULL, FOREIGN KEY (leader_id) REFERENCES {d}.person(id));
ALTER TABLE {d}.person ADD FOREIGN KEY (team_id) REFERENCES {d}.team(id);
INSERT INTO {d}.person (id, name, mood, profile, price, boss) VALUES (1, 'ann', 'happy', '{{"k": 1}}', 9.5, NULL),
    (2, 'bob', 'sad', '{{"k": 2}}', 3, 1), (3, 'cy', 'ok', NULL, 0, 1);
INSERT INTO {d}.team VALUES (1, 1), (2, 2);
UPDATE {d}.person SET team_id = 1 + id % 2
"""


def test_mysql_catalog_reaches_the_model_and_stays_unwritten(tmp_path):
    require_server("mysql")
    database = fresh_name("amalgam_shapes")
    base = MYSQL_URL.rsplit("/", 1)[0]
    try:
        server_execute("mysql", MYSQL_URL, f"CREATE DATABASE {database}",
                       *(s.strip() for s in MYSQL_SCHEMA.format(d=database).split(";\n") if s.strip()))
        db = load_schema(f"{base}/{database}")
        person = db.table("person")
        assert person.row_count == 3 and person.unique == (("name",),)
        assert person.column("mood").type.labels == ("sad", "ok", "happy")
        assert person.column("profile").type.kind is Kind.JSON and len(person.checks) == 1
        assert person.column("doubled").generated is not None
        kinds = {fk.label: fk.kind for fk in db.foreign_keys}
        assert kinds["person(boss) -> person(id)"] == "declared"
        assert {kinds["team(leader_id) -> person(id)"], kinds["person(team_id) -> team(id)"]} == {"declared", "logical"}
        checksum = f"CHECKSUM TABLE {database}.person, {database}.team"
        with open_source(f"{base}/{database}") as src:
            before = src.con.execute("SELECT * FROM mysql_query(?, ?)", [ATTACHED, checksum]).fetchall()
        Synthesizer(seed=3).fit(parse_location(f"{base}/{database}")).sample(tmp_path / "o.duckdb", rows={"person": 3})
        with open_source(f"{base}/{database}") as src:
            assert src.con.execute("SELECT * FROM mysql_query(?, ?)", [ATTACHED, checksum]).fetchall() == before
    finally:
        drop_from_server("mysql", MYSQL_URL, database)
