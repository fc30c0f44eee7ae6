"""The source's DDL in each target's dialect: types, keys, what a target cannot keep, and a
server's refusal never showing a password."""

import pytest

from amalgam_rel.errors import SchemaError
from amalgam_rel.locations import parse_location
from amalgam_rel.schema.ddl_reader import read_ddl
from amalgam_rel.writing.dialects import target_ddl
from amalgam_rel.writing.export import refused

DDL = """
CREATE TABLE "Order" (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL UNIQUE, tags VARCHAR[],
                      total DECIMAL(10, 2) CHECK (total >= 0), CHECK (len(tags) < 5));
CREATE TABLE line (id INTEGER PRIMARY KEY, "order" INTEGER REFERENCES "Order" (id), parent INTEGER REFERENCES line (id));
"""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "s.sql"
    path.write_text(DDL)
    return read_ddl(path, dialect="duckdb")


def test_each_dialect_gets_its_own_types_keys_and_checks(db):
    pg = target_ddl(db, "postgres", schema="s")
    assert pg.tables[0] == ('CREATE TABLE "s"."Order" ("id" INTEGER NOT NULL, "code" TEXT NOT NULL, "tags" TEXT[], '
                            '"total" NUMERIC(10, 2), PRIMARY KEY ("id"), UNIQUE ("code"), CHECK (("total" >= 0)))')
    assert pg.foreign_keys == ['ALTER TABLE "s"."line" ADD FOREIGN KEY ("order") REFERENCES "s"."Order" ("id")',
                               'ALTER TABLE "s"."line" ADD FOREIGN KEY ("parent") REFERENCES "s"."line" ("id")']
    my = target_ddl(db, "mysql", schema="s", text_key_lengths={("Order", "code"): 300})
    assert "`code` VARCHAR(300) NOT NULL" in my.tables[0]  # a key MySQL can index, as long as the data
    lite = target_ddl(db, "sqlite")
    assert lite.foreign_keys == [] and 'REFERENCES "line" ("id")' in lite.tables[1]  # SQLite: inside CREATE TABLE


def test_what_a_target_cannot_keep_is_one_note_each(db):
    notes = target_ddl(db, "sqlite").notes
    assert any("Order.tags: VARCHAR[] kept as JSON" in n for n in notes)
    assert any(n.startswith("CHECK ((LENGTH(tags) < 5)) on Order: not enforced (tags kept as JSON)") for n in notes)
    assert any("Order.total: DECIMAL(10,2) kept as NUMERIC" in n for n in notes)
    assert all("\n" not in n for n in notes)


def test_an_unknown_dialect_is_one_line(db):
    with pytest.raises(SchemaError, match="no DDL for dialect 'oracle'"):
        target_ddl(db, "oracle")


def test_a_servers_refusal_never_shows_the_password():
    location = parse_location("postgresql://app:s3cret@db.example/shop")
    message = str(refused(location, RuntimeError('IO Error: connecting to "postgresql://app:s3cret@db.example/shop"')))
    assert "s3cret" not in message and "***" in message


def test_views_go_to_every_target_with_their_tables_renamed_and_unsayable_ones_noted(tmp_path):
    import duckdb

    from amalgam_rel.schema.duckdb_reader import read_duckdb

    con = duckdb.connect()
    con.execute('CREATE TABLE "Item" ("Id" INTEGER PRIMARY KEY); CREATE SCHEMA s; CREATE TABLE s.u (x INTEGER);'
                'CREATE VIEW counted AS SELECT "Id", count(*) AS n FROM "Item" JOIN s.u ON u.x = "Item"."Id" GROUP BY "Id"')
    db = read_duckdb(con)
    pg = target_ddl(db, "postgres", schema="w")
    assert pg.views == [("counted", 'CREATE VIEW "w"."counted" AS SELECT "Id", COUNT(*) AS n FROM "w"."Item" AS "Item" '
                                    'INNER JOIN "w"."s.u" AS "u" ON (("u"."x" = "Item"."Id")) GROUP BY "Id"')]
    assert target_ddl(db, "sqlite").views[0][1].startswith('CREATE VIEW "counted" AS SELECT')
