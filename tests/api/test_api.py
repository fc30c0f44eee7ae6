"""The Python API (amalgam_rel.Synthesizer, evaluate, the errors): what the README shows runs, the
same seed gives the same tables through every source, output and the CLI, and bad input is the
CLI's one line (tests/cli/test_bad_input.py runs the same through the command line)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import amalgam_rel
from amalgam_rel import AmalgamError, InputError, NotFittedError, OutputError, Synthesizer
from amalgam_rel.cli import app

ROOT = Path(__file__).resolve().parents[2]
TINY = """
    CREATE TABLE p (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, x DOUBLE);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id), qty INTEGER);
    INSERT INTO p SELECT i, ['a', 'b', 'c'][1 + i % 3], i * 0.5 FROM range(40) t(i);
    INSERT INTO c SELECT i, i % 40, i % 7 FROM range(120) t(i);
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("api") / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute(TINY)
    con.close()
    return path


@pytest.fixture(scope="module")
def fitted(source) -> Synthesizer:
    return Synthesizer(seed=5).fit(source)


def tables_of(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in ("p", "c")}


def tables_in(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return tables_of(con)
    finally:
        con.close()


def arrow_rows(tables: dict[str, pa.Table]) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(f"arrow_{name}", table)
    return {t: con.execute(f"SELECT * FROM arrow_{t} ORDER BY ALL").fetchall() for t in ("p", "c")}


# -- the README ------------------------------------------------------------------------------------


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the Python API section holds one runnable example"
    return blocks[0]


def test_the_readme_example_runs(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    proc = subprocess.run([sys.executable, "-c", readme_example()], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[-1] == "--scale must be between 0.01 and 100, got 1000"
    assert (tmp_path / "chinook_synth.duckdb").exists() and (tmp_path / "chinook_model" / "model.json").exists()
    assert Synthesizer.load(tmp_path / "chinook_model").get_params()["seed"] == 0


# -- the package -----------------------------------------------------------------------------------


def test_the_package_exports_the_api_and_the_errors_and_imports_light():
    assert {"Synthesizer", "Sample", "evaluate", "AmalgamError", "InputError", "OutputError"} <= set(amalgam_rel.__all__)
    from amalgam_rel import errors

    assert amalgam_rel.InputError is errors.InputError and issubclass(NotFittedError, AmalgamError)
    # the CLI's --help and one-line errors import amalgam_rel: fitting's modules load on first use
    probe = "import sys, amalgam_rel; print('amalgam_rel.pipeline.database_model' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "False", out.stderr


def test_the_constructor_stores_its_parameters_as_given():
    synth = Synthesizer(seed=7, epsilon=1.0, max_children={"c": 2}, synthesize=["p"])
    assert synth.get_params() == {**Synthesizer().get_params(), "seed": 7, "epsilon": 1.0,
                                  "max_children": {"c": 2}, "synthesize": ["p"]}
    assert repr(synth) == "Synthesizer(seed=7, epsilon=1.0, max_children={'c': 2}, synthesize=['p'])"
    with pytest.raises(NotFittedError, match="not fitted yet"):
        synth.sample()


# -- the same tables every way ---------------------------------------------------------------------


def test_the_same_seed_gives_the_same_tables_as_the_cli(source, fitted, tmp_path):
    out = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(app, ["synth", str(source), "-o", str(out), "--seed", "5", "--scale", "0.5"])
    assert result.exit_code == 0, result.output
    api = fitted.sample(tmp_path / "api.duckdb", scale=0.5)
    assert api.output == tmp_path / "api.duckdb" and api.rows == {"p": 20, "c": 60}
    assert tables_in(tmp_path / "api.duckdb") == tables_in(out)
    assert tables_in(out) != tables_in(fitted.sample(tmp_path / "other.duckdb", scale=0.5, seed=6).output)


def test_in_memory_and_connection_outputs_hold_the_file_outputs_tables(fitted, tmp_path):
    expected = tables_in(fitted.sample(tmp_path / "file.duckdb").output)
    in_memory = fitted.sample()
    assert in_memory.output is None and list(in_memory.tables) == ["p", "c"]  # parents first
    assert arrow_rows(in_memory.tables) == expected
    con = duckdb.connect()
    assert fitted.sample(con).output is con
    # the connection sees the tables at once (no statement of its own first)
    assert con.sql("SELECT count(*) FROM c").fetchone() == (len(expected["c"]),)
    assert tables_of(con) == expected
    # the same DDL: the key and the foreign key hold in the connection too
    constraints = con.execute("SELECT table_name, constraint_type FROM duckdb_constraints() "
                              "WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') ORDER BY ALL").fetchall()
    assert constraints == [("c", "FOREIGN KEY"), ("c", "PRIMARY KEY"), ("p", "PRIMARY KEY")]


def test_a_connection_source_fits_as_its_file_does_and_is_left_as_it_was(source, fitted, tmp_path):
    con = duckdb.connect()
    con.execute(f"ATTACH '{source}' AS real (READ_ONLY); USE real")  # its current database is read
    before = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
    synth = Synthesizer(seed=5).fit(con)
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone() == before
    assert con.execute("SELECT current_database()").fetchone() == ("real",)  # still open, still there
    assert synth.model_.source_ == str(source)
    assert arrow_rows(synth.sample().tables) == arrow_rows(fitted.sample().tables)

    memory = duckdb.connect()
    memory.execute(TINY)
    assert arrow_rows(Synthesizer(seed=5).fit(memory).sample().tables) == arrow_rows(fitted.sample().tables)


# -- outputs: never onto a source, never over anything without force, all or nothing ---------------


def test_a_connection_output_replaces_only_with_force_and_keeps_what_else_it_holds(fitted):
    con = duckdb.connect()
    con.execute("CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (1); CREATE TABLE c (note VARCHAR)")
    with pytest.raises(OutputError, match=r"^the connection already has table 'c' \(pass force=True to replace it\)$"):
        fitted.sample(con)
    assert con.execute("SELECT count(*) FROM c").fetchone() == (0,)
    fitted.sample(con, force=True)
    assert tables_of(con) == arrow_rows(fitted.sample().tables)
    assert con.execute("SELECT * FROM mine").fetchall() == [(1,)]


def test_a_connection_output_is_all_or_nothing(fitted, monkeypatch):
    from amalgam_rel.writing.writer import DatabaseWriter

    original = DatabaseWriter.append

    def fail_on_the_child(self, table, data):
        if table == "c":
            raise RuntimeError("stopped mid-write")
        return original(self, table, data)

    monkeypatch.setattr(DatabaseWriter, "append", fail_on_the_child)
    con = duckdb.connect()
    with pytest.raises(RuntimeError, match="stopped mid-write"):
        fitted.sample(con)
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)  # not even the parent table


def test_the_source_is_never_written(source, tmp_path):
    synth = Synthesizer(seed=5).fit(source)
    with pytest.raises(OutputError, match="refusing to write onto the source database"):
        synth.sample(source, force=True)
    on_file = duckdb.connect(str(source))
    try:
        with pytest.raises(OutputError, match="refusing to write into the source database"):
            synth.sample(on_file, force=True)
    finally:
        on_file.close()
    memory = duckdb.connect()
    memory.execute(TINY)
    with pytest.raises(OutputError, match="out is the connection it was fitted on"):
        Synthesizer(seed=5).fit(memory).sample(memory, force=True)
    assert tables_in(source)["c"][:2] == [(0, 0, 0), (1, 1, 1)]


def test_a_file_output_is_replaced_only_with_force(fitted, tmp_path):
    out = tmp_path / "out.duckdb"
    out.write_text("mine")
    with pytest.raises(OutputError, match="already exists"):
        fitted.sample(out)
    assert out.read_text() == "mine"
    fitted.sample(out, force=True)
    assert tables_in(out)["p"]


# -- bad input: the CLI's line, where the value is used --------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"scale": 0}, "--scale must be between 0.01 and 100, got 0"),
    ({"scale": "big"}, "--scale must be between 0.01 and 100, got 'big'"),
    ({"rows": {"q": 5}}, "--rows names an unknown table 'q'"),
    ({"rows": {"P": 5, "p": 6}}, "--rows names the table 'p' twice"),
    ({"rows": {"p": -1}}, "the rows asked for table 'p' must be a whole number >= 0, got -1"),
    ({"part_rows": 0}, "--part-rows must be a whole number >= 1, got 0"),
    ({"text_values": -1}, "--text-values must be a whole number >= 0, got -1"),
    ({"seed": -5}, "seed must be a whole number from 0 to 4294967295, got -5"),
])
def test_bad_sample_options_are_refused_before_anything_is_written(fitted, tmp_path, options, message):
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        fitted.sample(tmp_path / "out.duckdb", **options)
    assert not (tmp_path / "out.duckdb").exists()


def test_rows_name_tables_in_any_case(fitted):
    assert fitted.sample(rows={"P": 3}).rows["p"] == 3


@pytest.mark.parametrize("params, message", [
    ({"delta": 0.5}, "--delta, --max-children, --epsilon-text and --privacy-unit only apply with --epsilon"),
    ({"public": ["p"]}, "--public only applies with --epsilon (without it, reference tables are kept anyway)"),
    ({"synthesize": ["q"]}, "--synthesize names an unknown table 'q'"),
    ({"epsilon": 1.0, "max_children": {"nowhere": 3}}, "--max-children names unknown tables: nowhere"),
    ({"epsilon": 0.0}, "--epsilon must be a positive number, got 0.0"),
    ({"text_steps": 0}, "--text-steps must be a whole number >= 1, got 0"),
    ({"min_word_rows": 0}, "--min-word-rows must be a whole number of rows, at least 1, not 0"),
])
def test_bad_parameters_are_refused_by_fit_before_a_row_is_read(source, params, message):
    with pytest.raises(InputError, match=f"^{re.escape(message)}"):
        Synthesizer(**params).fit(source)


def test_max_children_names_tables_in_any_case(source):
    synth = Synthesizer(epsilon=1.0, max_children={"C": 2}, epsilon_text="schema").fit(source)
    assert synth.model_.max_children == {"c": 2}  # no "*": the other caps are chosen from the data
    assert synth.privacy_ledger_.epsilon == 1.0


def test_sources_that_are_no_database_are_one_line(tmp_path):
    ddl = tmp_path / "shop.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);")
    with pytest.raises(InputError, match="shop.sql is a DDL file: it has no rows to learn from"):
        Synthesizer().fit(ddl)
    with pytest.raises(InputError, match="the source must be a DuckDB file's path, a location .* or an open DuckDB connection, not dict"):
        Synthesizer().fit({"p": [1, 2]})
    with pytest.raises(InputError, match="database file not found"):
        Synthesizer().check(tmp_path / "missing.duckdb")


def test_check_refuses_what_fit_and_sample_would_without_fitting(source):
    synth = Synthesizer(seed=1)
    assert synth.check(source, scale=2.0, rows={"p": 10}) is synth and not hasattr(synth, "model_")
    with pytest.raises(InputError, match="--scale must be between"):
        synth.check(source, scale=500)


# -- save, load, evaluate --------------------------------------------------------------------------


def test_a_loaded_synthesizer_samples_the_same_tables(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    with pytest.raises(OutputError, match="already exists"):
        fitted.save(tmp_path / "model")
    loaded = Synthesizer.load(tmp_path / "model")
    assert loaded.get_params() == fitted.get_params()
    assert arrow_rows(loaded.sample(seed=2).tables) == arrow_rows(fitted.sample(seed=2).tables)


def test_evaluate_returns_the_result_and_writes_the_report_only_where_allowed(source, fitted, tmp_path):
    synthetic = fitted.sample(tmp_path / "synth.duckdb").output
    report = tmp_path / "report.html"
    result = amalgam_rel.evaluate(source, synthetic, report=report)
    assert result.score("validity") == 1.0 and 0 <= result.to_dict()["overall"]["score"] <= 1
    assert report.read_text().startswith("<!doctype html>")
    with pytest.raises(OutputError, match="--report .* already exists"):
        amalgam_rel.evaluate(source, synthetic, report=report)
    with pytest.raises(OutputError, match="refusing to write onto the real database"):
        amalgam_rel.evaluate(source, synthetic, report=source, force=True)


def test_the_cli_prints_the_apis_errors_as_they_are(source, tmp_path):
    # the API's message is the CLI's line, word for word
    result = CliRunner().invoke(app, ["sample", str(tmp_path / "nothing"), "-o", str(tmp_path / "o.duckdb")])
    assert result.exit_code == 2
    with pytest.raises(InputError) as err:
        Synthesizer.load(tmp_path / "nothing")
    assert result.stderr.splitlines() == [f"error: {err.value}"]
