"""Targets without a server: SQLite, Parquet and CSV folders, .sql scripts (loaded back to prove
they run), --force, and a failed run leaving the target as it was."""

from __future__ import annotations

import sqlite3

import pytest
from sqlglot import exp
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.connection import connect, load_local_extension
from amalgam_rel.errors import OutputError
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.writing import files
from amalgam_rel.writing.spelling import target_table_name
from tests.writing.constraint_checks import copied as _copy, expected_constraints, rows_differ, violations


def _sqlite_constraints(path) -> dict[str, int]:
    """The constraints SQLite's catalog holds (CHECKs counted in each table's CREATE statement)."""
    lite = sqlite3.connect(path)
    try:
        counts = {"PRIMARY KEY": 0, "UNIQUE": 0, "FOREIGN KEY": 0, "CHECK": 0, "NOT NULL": 0}
        for name, create in lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
            quoted = '"' + name.replace('"', '""') + '"'
            info = lite.execute(f"PRAGMA table_info({quoted})").fetchall()
            counts["PRIMARY KEY"] += any(row[5] for row in info)
            counts["NOT NULL"] += sum(row[3] for row in info)
            counts["UNIQUE"] += sum(1 for row in lite.execute(f"PRAGMA index_list({quoted})") if row[3] == "u")
            counts["FOREIGN KEY"] += len({row[0] for row in lite.execute(f"PRAGMA foreign_key_list({quoted})")})
            counts["CHECK"] += create.count("CHECK (")
        return counts
    finally:
        lite.close()


@pytest.mark.parametrize("fixture", ["synthetic_chinook", "all_types_db"])
def test_sqlite_gets_every_constraint_enforced_and_no_row_breaks_one(request, fixture, tmp_path):
    source = request.getfixturevalue(fixture)
    out = tmp_path / "out.sqlite"
    db, rows = _copy(source, f"sqlite:{out}")
    enums = sum(1 for t in db.tables for c in t.columns if c.type.kind.value == "enum")  # TEXT + CHECK IN
    assert _sqlite_constraints(out) == {**expected_constraints(db), "CHECK": expected_constraints(db)["CHECK"] + enums}
    lite = sqlite3.connect(out)
    assert violations(lambda q: lite.execute(q).fetchone()[0], db, "sqlite", None) == {}
    assert lite.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in db.tables:
        quoted = '"' + target_table_name(table).replace('"', '""') + '"'
        assert lite.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0] == rows[table.key]
    lite.close()


def test_sqlite_refuses_what_breaks_a_constraint(all_types_db, tmp_path):
    out = tmp_path / "out.sqlite"
    _copy(all_types_db, f"sqlite:{out}")
    lite = sqlite3.connect(out)
    lite.execute("PRAGMA foreign_keys = ON")
    for statement in ("INSERT INTO product VALUES (3, 'BAD-3', 1.0)",         # CHECK (sku LIKE 'SKU-%')
                      "INSERT INTO product VALUES (1, 'SKU-9', 1.0)",         # PRIMARY KEY
                      "INSERT INTO product VALUES (4, 'SKU-1', 1.0)",         # UNIQUE
                      "INSERT INTO customer_product VALUES (1000, 99)"):      # FOREIGN KEY
        with pytest.raises(sqlite3.IntegrityError):
            lite.execute(statement)
    lite.close()


def test_synthetic_rows_reach_sqlite_unchanged(synthetic_chinook, tmp_path):
    out = tmp_path / "out.sqlite"
    db, _ = _copy(synthetic_chinook, f"sqlite:{out}")
    con = connect()
    load_local_extension(con, "sqlite_scanner")
    con.execute(f"ATTACH '{synthetic_chinook}' AS src (READ_ONLY); ATTACH '{out}' AS dst (TYPE sqlite)")
    assert rows_differ(con, "src", "dst", db, None) == {}
    con.close()


@pytest.mark.parametrize("kind", ["parquet", "csv", "jsonl"])
def test_a_folder_gets_one_file_per_table_and_lists_every_constraint_it_drops(synthetic_chinook, tmp_path, kind):
    from amalgam_rel.writing.writer import DatabaseWriter
    from amalgam_rel.writing.copy import copy_rows

    out = tmp_path / "files"
    con = open_duckdb(synthetic_chinook)
    db = read_duckdb(con)
    with DatabaseWriter(db, f"{kind}:{out}") as writer:
        copy_rows(con, db, writer)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t.name}.{kind}" for t in db.tables)
    reader = {"parquet": "read_parquet", "csv": "read_csv_auto", "jsonl": "read_json_auto"}[kind]
    for table in db.tables:
        n = con.execute(f"SELECT count(*) FROM {reader}('{out / (table.name + '.' + kind)}')").fetchone()[0]
        assert n == writer.rows_written[table.key]
    expected = expected_constraints(db)
    assert sum(note.startswith("PRIMARY KEY") for note in writer.notes) == expected["PRIMARY KEY"]
    assert sum(note.startswith("FOREIGN KEY") for note in writer.notes) == expected["FOREIGN KEY"]
    assert all(note.endswith(f"not enforced by {kind} files") for note in writer.notes)
    con.close()


@pytest.mark.parametrize("fixture", ["synthetic_chinook", "all_types_db", "hostile_db"])
def test_json_lines_are_one_strict_json_object_per_row_keyed_by_column(request, fixture, tmp_path):
    """Any language's JSON parser reads them: no NaN or Infinity, every row one line, keys in column order."""
    import json

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    source = request.getfixturevalue(fixture)
    db, _ = _copy(source, f"jsonl:{tmp_path / 'out'}")
    con = open_duckdb(source)
    for table in db.tables:
        stored = [c.name for c in table.columns if c.generated is None]
        file = tmp_path / "out" / f"{target_table_name(table)}.jsonl"
        lines = file.read_text(encoding="utf-8").splitlines() if file.exists() else []
        rows = [json.loads(line, parse_constant=refuse) for line in lines]
        name = exp.Table(this=sql.ident(table.name), db=sql.ident(table.schema)).sql("duckdb")
        assert len(rows) == con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        assert all(list(row) == stored for row in rows)
    con.close()


@pytest.mark.parametrize("fixture", ["synthetic_chinook", "all_types_db", "hostile_db"])
def test_a_duckdb_script_loads_back_into_the_same_database(request, fixture, tmp_path):
    source = request.getfixturevalue(fixture)
    script = tmp_path / "out.sql"
    db, _ = _copy(source, script)
    loaded = tmp_path / "loaded.duckdb"
    con = connect(loaded)
    con.execute(script.read_text(encoding="utf-8"))
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    assert rows_differ(con, "src", "loaded", db, None) == {}
    con.close()


@pytest.mark.parametrize("fixture", ["synthetic_chinook", "all_types_db", "hostile_db"])
def test_a_sqlite_script_runs_in_sqlite_with_every_constraint(request, fixture, tmp_path):
    source = request.getfixturevalue(fixture)
    script = tmp_path / "out.sql"
    con = open_duckdb(source)
    db = read_duckdb(con)
    from amalgam_rel.writing.copy import copy_rows
    from amalgam_rel.writing.writer import DatabaseWriter

    with DatabaseWriter(db, script, dialect="sqlite") as writer:
        copy_rows(con, db, writer)
    con.close()
    lite = sqlite3.connect(tmp_path / "loaded.sqlite")
    lite.executescript(script.read_text(encoding="utf-8"))
    assert violations(lambda q: lite.execute(q).fetchone()[0], db, "sqlite", None) == {}
    assert lite.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in db.tables:
        quoted = '"' + target_table_name(table).replace('"', '""') + '"'
        assert lite.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0] == writer.rows_written[table.key]
    lite.close()


@pytest.mark.parametrize("target", ["sqlite:{tmp}/out.sqlite", "{tmp}/out.sql", "parquet:{tmp}/out", "csv:{tmp}/out",
                                    "jsonl:{tmp}/out"])
def test_an_existing_target_is_replaced_only_with_force(synthetic_chinook, tmp_path, target):
    target = target.format(tmp=tmp_path)
    _copy(synthetic_chinook, target)
    path = tmp_path / target.split("/")[-1]
    before = _snapshot(path)
    with pytest.raises(OutputError, match="already exists.*--force"):
        _copy(synthetic_chinook, target)
    assert _snapshot(path) == before
    _copy(synthetic_chinook, target, force=True)
    assert path.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def _snapshot(path):
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return path.read_bytes()


@pytest.mark.parametrize("target", ["sqlite:{tmp}/out.sqlite", "parquet:{tmp}/out", "jsonl:{tmp}/out"])
def test_a_failed_run_leaves_the_target_as_it_was(synthetic_chinook, tmp_path, target, monkeypatch):
    target = target.format(tmp=tmp_path)
    _copy(synthetic_chinook, target)
    path = tmp_path / target.split("/")[-1]
    before = _snapshot(path)

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    # the failure comes after the rows are written to the temporary target, just before it is put in place
    monkeypatch.setattr(files, "_check_foreign_keys", broken)
    monkeypatch.setattr(files, "_replace_folder", broken)
    with pytest.raises(OSError, match="simulated"):
        _copy(synthetic_chinook, target, force=True)
    assert _snapshot(path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failure_while_rows_arrive_writes_nothing(synthetic_chinook, tmp_path):
    from amalgam_rel.writing.writer import DatabaseWriter

    con = open_duckdb(synthetic_chinook)
    db = read_duckdb(con)
    with pytest.raises(RuntimeError, match="stop"):
        with DatabaseWriter(db, f"sqlite:{tmp_path / 'out.sqlite'}"):
            raise RuntimeError("stop")
    con.close()
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_every_kind_and_checks_its_options(tmp_path, example_db):
    runner = CliRunner()
    ok = runner.invoke(app, ["clone-schema", str(example_db), "-o", str(tmp_path / "s.sql"), "--out-dialect", "postgres"])
    assert ok.exit_code == 0, ok.output
    assert 'CREATE TABLE "Album"' in (tmp_path / "s.sql").read_text() and "ALTER TABLE" in (tmp_path / "s.sql").read_text()
    bad = runner.invoke(app, ["clone-schema", str(example_db), "-o", f"sqlite:{tmp_path / 'x.db'}", "--out-dialect", "mysql"])
    assert bad.exit_code != 0 and "--out-dialect applies to a .sql script" in bad.output
    bad = runner.invoke(app, ["clone-schema", str(example_db), "-o", str(tmp_path / "y.sql"), "--out-dialect", "oracle"])
    assert bad.exit_code != 0 and "--out-dialect oracle" in bad.output
    ok = runner.invoke(app, ["clone-schema", str(example_db), "-o", f"sqlite:{tmp_path / 'c.sqlite'}"])
    assert ok.exit_code == 0, ok.output
    assert _sqlite_constraints(tmp_path / "c.sqlite")["FOREIGN KEY"] == 11


def test_synth_report_refuses_a_script_output_before_fitting(tmp_path, example_db):
    result = CliRunner().invoke(app, ["synth", str(example_db), "-o", str(tmp_path / "s.sql"),
                                      "--report", str(tmp_path / "r.html")])
    assert result.exit_code != 0 and "--report reads the written database back" in result.output
    assert list(tmp_path.iterdir()) == []


def test_evaluate_reads_the_synthetic_database_from_any_target(chinook_synthesizer, example_db, tmp_path):
    """The same sample scores the same whether it was written to DuckDB, SQLite or Parquet (JSON lines
    carry no types: a column NULL in every row reads back as JSON, which evaluate refuses by name)."""
    from amalgam_rel.api.evaluate import evaluate

    areas = ("validity", "column_shapes", "pair_trends", "cardinality")
    scores = {}
    for out in (tmp_path / "s.duckdb", f"sqlite:{tmp_path / 's.db'}", f"parquet:{tmp_path / 'pq'}"):
        chinook_synthesizer.sample(out, scale=0.05, seed=3)
        result = evaluate(example_db, out)
        scores[str(out)] = tuple(round(result.score(area), 6) for area in areas)
    assert len(set(scores.values())) == 1, scores


def test_the_api_samples_into_any_location_and_reports_what_it_did_not_keep(chinook_synthesizer, tmp_path):
    from amalgam_rel.locations import Location

    sample = chinook_synthesizer.sample(f"sqlite:{tmp_path / 's.sqlite'}", scale=0.05, seed=5)
    assert isinstance(sample.output, Location) and sample.output.kind == "sqlite"
    assert any("DECIMAL(10,2) kept as NUMERIC" in note for note in sample.report.notes)
    lite = sqlite3.connect(tmp_path / "s.sqlite")
    assert lite.execute('SELECT count(*) FROM "Track"').fetchone()[0] == sample.rows["Track"]
    lite.close()
    script = chinook_synthesizer.sample(tmp_path / "s.sql", scale=0.05, seed=5, dialect="mysql")
    assert script.output.kind == "ddl" and "`Track`" in (tmp_path / "s.sql").read_text()
    with pytest.raises(Exception, match="dialect applies to a .sql script"):
        chinook_synthesizer.sample(tmp_path / "t.duckdb", scale=0.05, dialect="mysql")


def test_an_unreachable_server_is_one_line_without_its_password(example_db):
    for url in ("postgresql://bob:pw123@127.0.0.1:1/x", "mysql://bob:pw123@127.0.0.1:1/x"):
        result = CliRunner().invoke(app, ["clone-schema", str(example_db), "-o", url])
        assert result.exit_code != 0 and "pw123" not in result.output
        assert f"cannot write {url.replace('pw123', '***')}" in result.output


def test_a_server_target_naming_the_source_is_refused():
    from amalgam_rel.locations import parse_location
    from amalgam_rel.writing.targets import check_target

    with pytest.raises(OutputError, match=r"refusing to write into the source database postgresql://app@db/shop"):
        check_target(parse_location("postgresql://app@db/shop"), force=True, source="postgresql://app:pw@db/shop")
    check_target(parse_location("postgresql://app@db/shop", schema="synth"), force=True,
                 source="postgresql://app:pw@db/shop")  # another schema of the same database: allowed


def test_views_reach_sqlite_and_scripts(viewed_db, tmp_path):
    from tests.writing.conftest import VIEW_ROWS

    _copy(viewed_db, f"sqlite:{tmp_path / 'v.sqlite'}")
    lite = sqlite3.connect(tmp_path / "v.sqlite")
    assert lite.execute('SELECT "Id", n FROM counted ORDER BY 1').fetchall() == VIEW_ROWS
    lite.close()
    _copy(viewed_db, tmp_path / "v.sql")
    con = connect()
    con.execute((tmp_path / "v.sql").read_text(encoding="utf-8"))
    assert con.execute('SELECT "Id", n FROM counted ORDER BY 1').fetchall() == VIEW_ROWS
    con.close()
