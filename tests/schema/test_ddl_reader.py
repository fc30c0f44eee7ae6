"""DDL files in four dialects become one schema model, through DuckDB."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from amalgam_rel.errors import InputError, SchemaError, UnsupportedTypeError
from amalgam_rel.schema.ddl_reader import ddl_to_duckdb, guess_dialect, read_ddl
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.graph import fk_graph
from amalgam_rel.schema.model import ForeignKey
from amalgam_rel.schema.types import Kind

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DIALECTS = ("duckdb", "postgres", "mysql", "sqlite")

# Documented, unavoidable differences between the four shop files (see schemas/README.md).
ONLY_IN = {("customers", "tags"): {"duckdb", "postgres"}, ("customers", "preferences"): {"duckdb"}}
TYPE_EXCEPTIONS = {
    # MySQL's TIMESTAMP converts to and from the session time zone; sqlglot reads it as TIMESTAMPTZ
    ("mysql", "customers", "created_at"): "TIMESTAMP WITH TIME ZONE",
    # SQLite has no ENUM: a VARCHAR with a CHECK listing the labels (one more CHECK on orders)
    ("sqlite", "orders", "status"): "VARCHAR(9)",
}
EXTRA_CHECKS = {("sqlite", "orders"): 1}
STATUS = ("pending", "paid", "shipped", "delivered", "cancelled")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shops():
    return {d: read_ddl(SCHEMAS / f"shop.{d}.sql") for d in DIALECTS}


def shared_columns(table, *dialects):
    """The columns of ``table`` that every one of ``dialects`` has."""
    return [c for c in table.columns if all(d in ONLY_IN.get((table.name, c.name), {d}) for d in dialects)]


def column_facts(db, *dialects):
    return {
        (t.name, c.name): (c.type.sql(named_enums=False), c.nullable, c.type.length)
        for t in db.tables for c in shared_columns(t, *dialects)
    }


def key_facts(db):
    return {
        t.name: (t.primary_key, frozenset(t.unique)) for t in db.tables
    }, {(fk.table, fk.columns, fk.ref_table, fk.ref_columns, fk.nullable, fk.kind) for fk in db.foreign_keys}


# --------------------------------------------------------------------------- the four shop files


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dialect_is_guessed_from_the_shop_files_content(dialect):
    text = (SCHEMAS / f"shop.{dialect}.sql").read_text()
    assert guess_dialect(text) == dialect
    assert guess_dialect("", f"shop.{dialect}.sql") == dialect


def test_shop_has_the_shape_the_schemas_promise(shops):
    db = shops["duckdb"]
    assert set(db.table_names) == {"customers", "addresses", "categories", "products", "product_categories",
                                   "orders", "order_items"}
    assert db.table("order_items").primary_key == ("order_id", "line_no")
    graph = fk_graph(db)
    assert "product_categories" in graph.bridges
    assert [fk.label for fk in graph.self_references] == ["categories(parent_id) -> categories(category_id)"]
    to_addresses = [fk for fk in db.foreign_keys_of("orders") if fk.ref_table == "addresses"]
    assert sorted(fk.nullable for fk in to_addresses) == [False, True]
    assert all(t.row_count is None for t in db.tables)
    assert db.table("customers").column("preferences").type.kind is Kind.STRUCT


@pytest.mark.parametrize("dialect", DIALECTS[1:])
def test_every_dialect_gives_the_duckdb_files_model(shops, dialect):
    reference, other = shops["duckdb"], shops[dialect]
    assert sorted(other.table_names) == sorted(reference.table_names)
    got, want = column_facts(other, dialect, "duckdb"), column_facts(reference, dialect, "duckdb")
    for (d, table, column), shown in TYPE_EXCEPTIONS.items():
        if d == dialect:
            assert got[(table, column)][0] == shown
            got[(table, column)] = want[(table, column)]
    assert got == want
    for table in reference.tables:
        names = [c.name for c in shared_columns(table, dialect)]
        assert [c.name for c in shared_columns(other.table(table.name), "duckdb")] == names, table.name
        checks = len(other.table(table.name).checks) - EXTRA_CHECKS.get((dialect, table.name), 0)
        assert checks == len(table.checks), table.name
    assert key_facts(other) == key_facts(reference)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_enum_labels_survive_every_dialect_but_sqlite(shops, dialect):
    status = shops[dialect].table("orders").column("status").type
    if dialect == "sqlite":
        assert status.kind is Kind.STRING
        return
    assert (status.kind, status.labels) == (Kind.ENUM, STATUS)
    named = [(e.name, e.labels) for e in shops[dialect].enum_types]
    assert named == ([] if dialect == "mysql" else [("order_status", STATUS)])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_shop_index_is_kept(shops, dialect):
    index = {i.name: i for i in shops[dialect].indexes}["orders_by_customer"]
    assert index.table == "orders" and "customer_id, ordered_at" in index.sql


def duckdb_constraints(dialect):
    con = duckdb.connect()
    path = SCHEMAS / f"shop.{dialect}.sql"
    ddl_to_duckdb(path.read_text(), None, con, source_name=str(path))
    rows = con.execute(
        "SELECT table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names"
        " FROM duckdb_constraints() WHERE database_name = current_database()"
    ).fetchall()
    keys, checks = set(), {}
    for table, kind, columns, ref, ref_columns in rows:
        if kind == "CHECK":
            checks[table] = checks.get(table, 0) + 1
        elif all(dialect in ONLY_IN.get((table, c), {dialect}) for c in columns):
            keys.add((table, kind, tuple(columns), ref, tuple(ref_columns or ())))
    for (d, table), extra in EXTRA_CHECKS.items():
        if d == dialect:
            checks[table] -= extra
    return keys, checks, con


@pytest.mark.parametrize("dialect", DIALECTS[1:])
def test_every_dialect_builds_an_equivalent_duckdb_database(dialect):
    keys, checks, _ = duckdb_constraints(dialect)
    want_keys, want_checks, _ = duckdb_constraints("duckdb")
    assert keys == want_keys
    assert checks == want_checks
    assert sum(1 for k in keys if k[1] == "FOREIGN KEY") == 9


@pytest.mark.parametrize("dialect", DIALECTS)
def test_transpiled_constraints_are_enforced(dialect):
    _, _, con = duckdb_constraints(dialect)
    con.execute("INSERT INTO customers (customer_id, email, full_name, is_business, created_at)"
                " VALUES (1, 'a@b.example', 'Ann', false, TIMESTAMP '2024-01-01 10:00:00')")
    con.execute("INSERT INTO addresses VALUES (1, 1, 'Main St 1', 'Springfield', NULL, 'US')")
    base = "INSERT INTO orders (order_id, customer_id, billing_address_id, status, payment_method, ordered_at) "
    con.execute(base + "VALUES (1, 1, 1, 'paid', 'card', TIMESTAMP '2024-01-02 09:00:00')")
    rejected = [
        "INSERT INTO customers (customer_id, email, full_name, is_business) VALUES (2, 'not-an-email', 'Bo', true)",
        "INSERT INTO customers (customer_id, email, full_name, is_business) VALUES (3, 'a@b.example', 'Cy', true)",
        "INSERT INTO addresses VALUES (2, 99, 'x', 'y', NULL, 'US')",
        "INSERT INTO addresses VALUES (3, 1, 'x', 'y', NULL, 'USA')",
        base + "VALUES (2, 1, 1, 'paid', 'cash', TIMESTAMP '2024-01-02 09:00:00')",
        base + "VALUES (3, 1, 42, 'paid', 'card', TIMESTAMP '2024-01-02 09:00:00')",
    ]
    for sql in rejected:
        with pytest.raises(duckdb.ConstraintException):
            con.execute(sql)


def without_lengths(db):
    def plain(c):
        return replace(c, type=replace(c.type, length=None))

    return replace(db, tables=tuple(replace(t, columns=tuple(map(plain, t.columns))) for t in db.tables))


@pytest.mark.parametrize("fixture", ["all_types", "hostile"])
def test_project_fixtures_give_the_model_of_the_database_they_build(fixture):
    # The fixtures are plain DuckDB scripts, INSERTs included. Built in memory, because a
    # reopened file renumbers tables and reports a used sequence's current value as its start.
    text = (FIXTURES / f"{fixture}.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    con.execute(text)
    from_ddl = read_ddl(FIXTURES / f"{fixture}.sql")
    assert without_lengths(from_ddl) == read_duckdb(con, count_rows=False)
    lengths = {(t.name, c.name): c.type.length for t in from_ddl.tables for c in t.columns if c.type.length}
    if fixture == "all_types":
        assert lengths[("warehouse", "code")] == 8 and lengths[("shipment", "to_code")] == 8


DATASETS = ["chinook", "northwind", "berka", "openflights", "world", "movielens_small", "mutagenesis", "imdb_ctu"]


@pytest.mark.datasets
@pytest.mark.parametrize("name", DATASETS)
def test_a_datasets_ddl_reads_back_as_its_model(name, tmp_path, dataset):
    from amalgam_rel.writing.ddl import create_statements, index_statements

    db = read_duckdb(dataset(name), count_rows=False)
    path = write(tmp_path, f"{name}.duckdb.sql", ";\n".join(create_statements(db) + index_statements(db)) + ";\n")
    assert read_ddl(path) == db


# --------------------------------------------------------------------------- cycles


CYCLE_DUCKDB = """
CREATE TABLE departments (id INTEGER PRIMARY KEY, name VARCHAR(40), manager_id INTEGER REFERENCES employees (id));
CREATE TABLE employees (id INTEGER PRIMARY KEY, department_id INTEGER NOT NULL REFERENCES departments (id));
"""

CYCLE_PG_DUMP = """
CREATE TABLE public.a (id integer NOT NULL, c_id integer NOT NULL);
CREATE TABLE public.b (id integer NOT NULL, a_id integer NOT NULL);
CREATE TABLE public.c (id integer NOT NULL, b_id integer);
ALTER TABLE ONLY public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.b ADD CONSTRAINT b_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.c ADD CONSTRAINT c_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.a ADD CONSTRAINT a_c_fk FOREIGN KEY (c_id) REFERENCES public.c(id);
ALTER TABLE ONLY public.b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES public.a(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.c ADD CONSTRAINT c_b_fk FOREIGN KEY (b_id) REFERENCES public.b(id);
"""


def test_a_two_table_cycle_becomes_one_logical_fk(tmp_path):
    db = read_ddl(write(tmp_path, "cycle.sql", CYCLE_DUCKDB))
    logical = ForeignKey("departments", ("manager_id",), "employees", ("id",), nullable=True, kind="logical")
    declared = ForeignKey("employees", ("department_id",), "departments", ("id",), nullable=False)
    assert set(db.foreign_keys) == {logical, declared}
    assert fk_graph(db).broken == (logical,)
    assert db.table("departments").column("name").type.length == 40


def test_a_pg_dump_three_table_cycle_breaks_at_its_nullable_fk(tmp_path):
    path = write(tmp_path, "cycle.pg.sql", CYCLE_PG_DUMP)
    db = read_ddl(path)
    assert [(fk.label, fk.kind) for fk in db.foreign_keys if fk.kind == "logical"] == [("c(b_id) -> b(id)", "logical")]
    assert len([fk for fk in db.foreign_keys if fk.kind == "declared"]) == 2
    con = duckdb.connect()
    ddl_to_duckdb(path.read_text(), "postgres", con, source_name=str(path))
    declared = con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
                           " ORDER BY table_name").fetchall()
    assert declared == [("a",), ("b",)]


def test_a_cycle_without_a_nullable_fk_is_refused(tmp_path):
    path = write(tmp_path, "cycle.sql", CYCLE_DUCKDB.replace("manager_id INTEGER", "manager_id INTEGER NOT NULL"))
    with pytest.raises(SchemaError, match="cycle with no nullable"):
        read_ddl(path)


def test_a_fk_across_schemas_is_kept_as_a_logical_fk(tmp_path):
    path = write(tmp_path, "schemas.pg.sql", """
        CREATE SCHEMA sales;
        CREATE TABLE public.customers (id integer PRIMARY KEY);
        CREATE TABLE sales.orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id));
    """)
    db = read_ddl(path)
    assert db.table("sales.orders").schema == "sales"
    assert db.foreign_keys == (ForeignKey("sales.orders", ("customer_id",), "customers", ("id",), kind="logical"),)


# --------------------------------------------------------------------------- dialect details


def test_postgres_serial_identity_and_case_folding(tmp_path):
    path = write(tmp_path, "ids.sql", """
        CREATE SEQUENCE s;
        CREATE TABLE Things (
            ID serial PRIMARY KEY, big bigserial, small smallserial,
            g int GENERATED ALWAYS AS IDENTITY, x int DEFAULT nextval('s'::regclass), "Mixed" text);
    """)
    table = read_ddl(path, dialect="postgres").table("things")
    types = {c.name: (c.type.name, c.nullable, c.default) for c in table.columns}
    assert types == {"id": ("INTEGER", False, None), "big": ("BIGINT", False, None),
                     "small": ("SMALLINT", False, None), "g": ("INTEGER", False, None),
                     "x": ("INTEGER", True, None), "Mixed": ("VARCHAR", True, None)}


def test_alter_table_column_changes_are_folded(tmp_path):
    path = write(tmp_path, "alter.pg.sql", """
        CREATE TABLE x (a int DEFAULT 1, b int NOT NULL, c int, d int, e int);
        ALTER TABLE ONLY x ALTER COLUMN a DROP DEFAULT;
        ALTER TABLE ONLY x ALTER COLUMN b DROP NOT NULL;
        ALTER TABLE ONLY x ALTER COLUMN c SET NOT NULL, ALTER COLUMN d SET DEFAULT 5;
        ALTER TABLE ONLY x ALTER COLUMN e TYPE bigint USING e::bigint;
        ALTER TABLE ONLY x SET (fillfactor=70);
        ALTER TABLE ONLY x ADD COLUMN f varchar(3) NOT NULL;
        ALTER TABLE ONLY x REPLICA IDENTITY FULL;
        ALTER TABLE x OWNER TO shop;
    """)
    columns = {c.name: (c.type.sql(), c.nullable, c.default) for c in read_ddl(path).table("x").columns}
    assert columns == {"a": ("INTEGER", True, None), "b": ("INTEGER", True, None), "c": ("INTEGER", False, None),
                       "d": ("INTEGER", True, "5"), "e": ("BIGINT", True, None), "f": ("VARCHAR(3)", False, None)}
    path.write_text("CREATE TABLE x (a int, b int);\nALTER TABLE x DROP COLUMN a;")
    with pytest.raises(SchemaError, match="line 2: unsupported ALTER TABLE action"):
        read_ddl(path)


def test_mysql_details(tmp_path):
    path = write(tmp_path, "m.sql", """
        CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT, `flag` tinyint(1) DEFAULT '1', `n` tinyint,
          `body` mediumtext, `kind` enum('x','y') DEFAULT NULL, PRIMARY KEY (`id`) USING BTREE, KEY `ix` (`n`),
          FULLTEXT KEY `ft` (`body`)) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4;
        CREATE TABLE `b` (`id` int NOT NULL, `a_id` int, KEY `ix` (`a_id`),
          CONSTRAINT `fk` FOREIGN KEY (`a_id`) REFERENCES `a` (`id`) ON UPDATE CASCADE ON DELETE SET NULL);
    """)
    db = read_ddl(path)
    kinds = {c.name: c.type.kind for c in db.table("a").columns}
    assert kinds == {"id": Kind.INTEGER, "flag": Kind.BOOLEAN, "n": Kind.INTEGER, "body": Kind.STRING,
                     "kind": Kind.ENUM}
    assert db.table("a").column("kind").default is None
    assert sorted((i.name, i.table) for i in db.indexes) == [("b_ix", "b"), ("ix", "a")]
    assert [fk.label for fk in db.foreign_keys] == ["b(a_id) -> a(id)"]


def test_sqlite_details(tmp_path):
    path = write(tmp_path, "s.sql", """
        CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT) STRICT;
        CREATE TABLE c (id INTEGER, p_id INTEGER REFERENCES p, note TEXT DEFAULT 'x;y WITHOUT ROWID',
                        PRIMARY KEY (id)) WITHOUT ROWID, STRICT;
    """)
    db = read_ddl(path)
    assert db.foreign_keys == (ForeignKey("c", ("p_id",), "p", ("id",), nullable=True),)
    assert db.table("c").column("note").default == "'x;y WITHOUT ROWID'"


def test_statements_that_are_not_schema_are_skipped(tmp_path):
    path = write(tmp_path, "mixed.sql", """
        SET memory_limit = '1GB';
        BEGIN TRANSACTION;
        -- a comment
        CREATE TABLE t (id INTEGER PRIMARY KEY);
        INSERT INTO t VALUES (1), (2);
        CREATE VIEW v AS SELECT * FROM t;
        CREATE INDEX t_id ON t (id);
        COMMIT;
    """)
    db = read_ddl(path)
    assert db.table_names == ("t",)
    assert [i.name for i in db.indexes] == ["t_id"]


@pytest.mark.parametrize("text, dialect", [
    ("CREATE TABLE t (id SERIAL)", "postgres"),
    ("CREATE TYPE m AS ENUM ('a'); CREATE TABLE t (x m)", "postgres"),
    ("CREATE TABLE t (x TEXT); SELECT 'a'::text", "postgres"),
    ("CREATE TABLE `t` (x INT)", "mysql"),
    ("CREATE TABLE t (x INT AUTO_INCREMENT)", "mysql"),
    ("CREATE TABLE t (x INTEGER PRIMARY KEY AUTOINCREMENT)", "sqlite"),
    ("CREATE TABLE t (x INT) WITHOUT ROWID", "sqlite"),
    ("CREATE TABLE t (x STRUCT(a INT))", "duckdb"),
    ("CREATE TABLE t (x INTEGER)", "duckdb"),
])
def test_guess_dialect_from_content(text, dialect):
    assert guess_dialect(text) == dialect


# --------------------------------------------------------------------------- hostile identifiers


HOSTILE = 'x"; DROP TABLE t; --'


@pytest.mark.parametrize("dialect, text", [
    ("duckdb", '''
        CREATE TYPE "my ""mood""" AS ENUM ('ok', 'it''s');
        CREATE TABLE "x""; DROP TABLE t; --" ("select" INTEGER PRIMARY KEY, "a b" VARCHAR(10) NOT NULL,
            "q""uote" "my ""mood""", "ünï ☃" INTEGER);
        CREATE TABLE "Child Table" (id INTEGER PRIMARY KEY,
            "parent ref" INTEGER REFERENCES "x""; DROP TABLE t; --" ("select"));
    '''),
    ("postgres", '''
        CREATE TYPE public."my ""mood""" AS ENUM ('ok', 'it''s');
        CREATE TABLE public."x""; DROP TABLE t; --" ("select" integer NOT NULL, "a b" character varying(10) NOT NULL,
            "q""uote" public."my ""mood""", "ünï ☃" integer);
        CREATE TABLE public."Child Table" (id integer NOT NULL, "parent ref" integer);
        ALTER TABLE ONLY public."x""; DROP TABLE t; --" ADD CONSTRAINT "pk" PRIMARY KEY ("select");
        ALTER TABLE ONLY public."Child Table" ADD CONSTRAINT "Child Table_pkey" PRIMARY KEY (id);
        ALTER TABLE ONLY public."Child Table" ADD CONSTRAINT "fk; --" FOREIGN KEY ("parent ref")
            REFERENCES public."x""; DROP TABLE t; --"("select");
    '''),
    ("mysql", '''
        CREATE TABLE `x"; DROP TABLE t; --` (`select` int NOT NULL, `a b` varchar(10) NOT NULL,
            `q"uote` enum('ok','it''s'), `ünï ☃` int, PRIMARY KEY (`select`)) ENGINE=InnoDB;
        CREATE TABLE `Child Table` (`id` int NOT NULL, `parent ref` int, PRIMARY KEY (`id`),
            KEY `parent ref` (`parent ref`),
            CONSTRAINT `fk` FOREIGN KEY (`parent ref`) REFERENCES `x"; DROP TABLE t; --` (`select`));
    '''),
])
def test_hostile_identifiers_round_trip(tmp_path, dialect, text):
    db = read_ddl(write(tmp_path, f"hostile.{dialect}.sql", text))
    assert sorted(db.table_names) == sorted([HOSTILE, "Child Table"])
    table = db.table(HOSTILE)
    assert table.column_names == ("select", "a b", 'q"uote', "ünï ☃")
    assert table.primary_key == ("select",)
    assert table.column("a b").type.length == 10
    assert table.column('q"uote').type.labels == ("ok", "it's")
    assert [fk.label for fk in db.foreign_keys] == [f"Child Table(parent ref) -> {HOSTILE}(select)"]


# --------------------------------------------------------------------------- errors


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_ddl(tmp_path / "nope.sql")
    with pytest.raises(InputError, match="directory"):
        read_ddl(tmp_path)


def test_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.sql", "CREATE TABLE ok (id INTEGER);\n\n-- next\nCREATE TABLE t (\n  a INTEGER\n  b INTEGER\n);\n")
    with pytest.raises(SchemaError) as err:
        read_ddl(path)
    assert f"{path}, line 6" in one_line(err)


def test_unclosed_string_names_the_line(tmp_path):
    path = write(tmp_path, "bad.sql", "CREATE TABLE ok (id INTEGER);\nCREATE TABLE t (a VARCHAR DEFAULT 'oops);\n")
    with pytest.raises(SchemaError) as err:
        read_ddl(path)
    assert f"{path}, line 2" in one_line(err)


def test_create_table_sqlglot_cannot_parse_is_an_error(tmp_path):
    path = write(tmp_path, "part.sql", "CREATE TABLE `ok` (`id` int);\n\nCREATE TABLE `t` (`a` int)\n"
                                      "  PARTITION BY HASH(`a`) PARTITIONS 4;\n")
    with pytest.raises(SchemaError) as err:
        read_ddl(path)
    assert f"{path}, line 3: cannot parse this CREATE TABLE" in one_line(err)


@pytest.mark.parametrize("type_text", ["tsvector", "geometry", "money"])
def test_unsupported_type_names_table_column_and_type(tmp_path, type_text):
    path = write(tmp_path, "t.pg.sql", f"CREATE TABLE docs (id serial PRIMARY KEY, body_index {type_text});")
    with pytest.raises(UnsupportedTypeError) as err:
        read_ddl(path)
    text = one_line(err).lower()
    assert "'docs'" in text and "'body_index'" in text and type_text in text


def test_duckdb_rejection_names_the_table(tmp_path):
    path = write(tmp_path, "t.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"
                                   "CREATE TABLE b (id INTEGER, a_id INTEGER REFERENCES missing (id));\n")
    with pytest.raises(SchemaError) as err:
        read_ddl(path)
    assert "line 2" in one_line(err) and "table 'b'" in str(err.value)


def test_a_column_without_a_type_and_a_file_without_tables(tmp_path):
    with pytest.raises(UnsupportedTypeError, match="line 2: table 't' column 'a' has no type"):
        read_ddl(write(tmp_path, "t.sqlite.sql", "PRAGMA foreign_keys = ON;\nCREATE TABLE t (a, b INTEGER);"))
    with pytest.raises(SchemaError, match="no CREATE TABLE"):
        read_ddl(write(tmp_path, "data.sql", "INSERT INTO t VALUES (1);"))


def test_alter_of_an_unknown_table_and_unknown_dialect(tmp_path):
    path = write(tmp_path, "t.sql", "CREATE TABLE a (id integer);\nALTER TABLE ONLY b ADD CONSTRAINT p PRIMARY KEY (id);")
    with pytest.raises(SchemaError, match="line 2.*'b'"):
        read_ddl(path, dialect="postgres")
    with pytest.raises(SchemaError, match="unknown SQL dialect"):
        read_ddl(path, dialect="oracle")
