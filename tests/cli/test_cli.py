"""The command line as a user runs it: a real subprocess, exit codes, one-line errors."""

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest


def cli(*args, check=False):
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_inspect_json_on_the_example(example_db):
    out = json.loads(cli("inspect", example_db, "--json", check=True).stdout)
    assert len(out["tables"]) == 11 and len(out["foreign_keys"]) == 11
    assert out["graph"]["self_references"] == ["Employee"]
    assert "PlaylistTrack" in out["graph"]["bridges"]
    employee_fk = next(fk for fk in out["foreign_keys"] if fk["table"] == "Employee")
    assert employee_fk == {**employee_fk, "columns": ["ReportsTo"], "ref_table": "Employee", "nullable": True, "kind": "declared"}
    track = next(t for t in out["tables"] if t["name"] == "Track")
    assert track["rows"] == 3503 and track["primary_key"] == ["TrackId"]
    assert {"name", "type", "nullable"} <= set(track["columns"][0])
    order = out["graph"]["order"]
    assert order.index("Invoice") < order.index("InvoiceLine")


def test_inspect_prints_a_readable_summary(example_db):
    text = cli("inspect", example_db, check=True).stdout
    assert "PlaylistTrack (bridge)" in text and "Employee (self-ref)" in text and "generation order" in text


def test_clone_schema_writes_an_empty_identical_schema(all_types_db, tmp_path):
    out = tmp_path / "empty.duckdb"
    cli("clone-schema", all_types_db, "-o", out, check=True)
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*) FROM customer").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'").fetchone()[0] == 8
    con.close()
    again = cli("clone-schema", all_types_db, "-o", out)
    assert again.returncode == 2 and "--force" in again.stderr
    cli("clone-schema", all_types_db, "-o", out, "--force", check=True)


def test_locked_database_is_reported(all_types_db, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(all_types_db)!r})
            print("locked", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        proc = cli("inspect", all_types_db)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert proc.returncode == 2
    assert "locked by another process" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("setup,args,expected", [
    (None, ["inspect", "missing.duckdb"], "database file not found: missing.duckdb"),
    ("not a database", ["inspect", "{f}"], "input.txt is a text file; amalgam-rel reads DuckDB database files"),
    (None, ["clone-schema", "{example}", "-o", "{example}", "--force"], "refusing to write onto the source database"),
    (None, ["clone-schema", "{example}", "-o", "{tmp}/no/such/dir/x.duckdb"], "does not exist"),
    ('[[foreign_keys]]\ntable = "Track"\ncolumns = "Nope"\nref_table = "Album"\nref_columns = "AlbumId"\n',
     ["inspect", "{example}", "--sidecar", "{f}"], "table 'Track' has no column 'Nope'"),
    ('[[foreign_keys]]\ntable = "Track"\ncolumns = "Milliseconds"\nref_table = "Album"\nref_columns = "AlbumId"\n',
     ["inspect", "{example}", "--sidecar", "{f}"], "child rows reference no parent row"),
])
def test_bad_inputs_give_one_line_errors(tmp_path, example_db, setup, args, expected):
    f = tmp_path / "input.txt"
    if setup is not None:
        f.write_text(setup)
    proc = cli(*(a.format(f=f, example=example_db, tmp=tmp_path) for a in args))
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("ddl, expected", [
    ("CREATE SEQUENCE only_a_sequence", "has no tables: nothing to synthesize"),
    ('CREATE TABLE t (id INTEGER PRIMARY KEY, "#0" INTEGER); INSERT INTO t VALUES (1, 2)', "column '#0' of table 't'"),
], ids=["no tables", "a column named like ours"])
def test_a_database_synth_cannot_take_is_a_one_line_error(tmp_path, ddl, expected):
    source = tmp_path / "source.duckdb"
    con = duckdb.connect(str(source))
    con.execute(ddl)
    con.close()
    proc = cli("synth", source, "-o", tmp_path / "out.duckdb")
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.duckdb").exists()


def test_columns_named_like_helper_columns_synthesize(tmp_path):
    # "__row" (row numbers beside a table's columns), "__parent"/"k0"/"u0" (parent totals),
    # "__i"/"__v" (candidate text beside a CHECK's columns), "__rank" (private bounding): each
    # once clashed with a helper column of the same name
    source = tmp_path / "helpers.duckdb"
    con = duckdb.connect(str(source))
    con.execute("""
        CREATE TABLE p (id INTEGER PRIMARY KEY, "__parent" INTEGER, "k0" DOUBLE, total DOUBLE);
        CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p(id), up INTEGER REFERENCES c(id),
                        "__row" INTEGER, "__rank" INTEGER, "u0" DOUBLE, "__i" INTEGER, "__v" VARCHAR,
                        CHECK ("__i" >= 0 AND length("__v") > 1));
        INSERT INTO p SELECT i, i % 3, i * 0.5, (SELECT sum((j % 7) * 1.5) FROM range(240) r(j) WHERE j % 60 = i)
                      FROM range(60) t(i);
        CREATE TEMP TABLE rows AS SELECT i, i % 60 AS p_id, CASE WHEN i >= 60 THEN i % 60 END AS up, i % 5, i % 4,
            (i % 7) * 1.5, i % 9, ['alpha', 'beta', 'gamma'][1 + (i % 3)::INTEGER] || ' ' || (i % 11) FROM range(240) t(i);
        INSERT INTO c SELECT * FROM rows WHERE i < 60;  -- a row's parent row first
        INSERT INTO c SELECT * FROM rows WHERE i >= 60;
    """)
    con.close()
    out = tmp_path / "out.duckdb"
    proc = cli("synth", source, "-o", out, "--text-steps", "20")
    assert proc.returncode == 0, proc.stderr[-2000:]
    check = duckdb.connect(str(out), read_only=True)
    assert check.execute('SELECT count(*) FROM c WHERE NOT ("__i" >= 0 AND length("__v") > 1)').fetchone() == (0,)
    assert check.execute("SELECT count(*) FROM c").fetchone()[0] > 0
    check.close()


@pytest.mark.parametrize("fixture", ["all_types_db", "hostile_db"])
def test_synth_clones_every_type_and_hostile_names(fixture, request, tmp_path):
    # every type (INTERVAL, HUGEINT, nested, JSON...) and every awkward identifier, end to end
    source = request.getfixturevalue(fixture)
    out = tmp_path / "synth.duckdb"
    cli("synth", source, "-o", out, check=True)
    real, synth = duckdb.connect(str(source), read_only=True), duckdb.connect(str(out), read_only=True)
    # the same DDL: columns with types, NULLs and defaults; every key, CHECK and UNIQUE
    for catalog in ("SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default "
                    "FROM duckdb_columns() WHERE NOT internal ORDER BY ALL",
                    "SELECT table_name, constraint_type, constraint_column_names, expression, "
                    "referenced_table, referenced_column_names FROM duckdb_constraints() ORDER BY ALL"):
        assert synth.execute(catalog).fetchall() == real.execute(catalog).fetchall()
    tables = "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL"
    for schema, table in real.execute(tables).fetchall():
        name = f'"{schema}"."{table.replace(chr(34), chr(34) * 2)}"'
        n_real = real.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        assert (synth.execute(f"SELECT count(*) FROM {name}").fetchone()[0] > 0) == (n_real > 0), table
