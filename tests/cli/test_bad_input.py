"""Every bad input: exit code 2 and one line on stderr naming the thing, never a traceback.

One table, :data:`CASES`: what the input is, the command line, and the exact line the CLI
prints. Each case runs through the CLI in this process (typer's CliRunner), in a directory of
its own holding the files its ``setup`` made, so the paths in the messages are short and the
same on every machine. The table is also docs/bad-input.md::

    python -m tests.cli.test_bad_input --write-docs   # runs every case, then rewrites the page

and :func:`test_the_docs_page_is_current` fails when the page no longer matches the table.

To add cases, append :class:`Case` records to :data:`CASES` (the one list; a section per part of
issue #21 is fine), then rewrite the page. Cases of tests/cli/test_cli.py are repeated here (marked
``see``) so the page lists them; they stay there too.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "chinook.duckdb"
DOCS = ROOT / "docs" / "bad-input.md"


@dataclass
class Workspace:
    """The directory a case runs in, and what its setup needs to make files there."""

    dir: Path
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def write(self, name: str, text: str) -> None:
        (self.dir / name).write_text(text, encoding="utf-8")

    def database(self, name: str, sql: str) -> None:
        con = duckdb.connect(str(self.dir / name))
        con.execute(sql)
        con.close()

    def example(self) -> None:
        shutil.copy(EXAMPLE, self.dir / "chinook.duckdb")

    def model(self) -> None:
        """A fitted model of :data:`TINY` (with a text model) as ``model/``, and its source."""
        shutil.copytree(fitted_model(), self.dir / "model")
        self.database("tiny.duckdb", TINY)


Setup = Callable[[Workspace], None]


@dataclass(frozen=True)
class Case:
    input: str  # the bad input in a few words: the first column of the docs page
    command: str  # after `amalgam-rel` (split as a shell would), run in the case's directory
    message: str  # the exact line on stderr after "error: "
    setup: Setup | None = None
    see: str = ""  # another test of the same input


# -- what setups make --------------------------------------------------------------------------

TINY = """
CREATE TABLE p (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
                code VARCHAR CHECK (regexp_full_match(code, '[A-Z]{2}[0-9]{3}')), score DOUBLE);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id), qty INTEGER, note VARCHAR);
INSERT INTO p SELECT i, ['alpha', 'beta', 'gamma', 'delta'][1 + i % 4] || ' ' || i,
    chr((65 + i % 26)::INTEGER) || chr((66 + i % 20)::INTEGER) || lpad((i * 7 % 1000)::VARCHAR, 3, '0'), i * 0.37
    FROM range(60) t(i);
INSERT INTO c SELECT i, i % 60, i % 9, ['red box', 'blue cup', 'green hat'][1 + i % 3] FROM range(200) t(i);
"""


@functools.cache
def fitted_model() -> Path:
    """Fitted once per process (a few seconds), copied into each case that damages it."""
    from amalgam_rel.pipeline.database_model import DatabaseModel

    root = Path(tempfile.mkdtemp(prefix="amalgam-bad-input-"))
    Workspace(root).database("tiny.duckdb", TINY)
    DatabaseModel(seed=0, text_steps=20).fit(root / "tiny.duckdb").save(root / "model")
    atexit.register(shutil.rmtree, root, True)
    return root / "model"


def model_with(edit: Callable[[Path], None]) -> Setup:
    def setup(ws: Workspace) -> None:
        ws.model()
        edit(ws.dir / "model")
    return setup


def json_edit(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        doc = json.loads((model / name).read_text())
        change(doc)
        (model / name).write_text(json.dumps(doc))
    return edit


def truncated(name: str, keep: int | None = None) -> Callable[[Path], None]:
    """The file cut to half its size, or to its first ``keep`` bytes: a JSON file's length
    varies with the fit (its timings), while its first lines, and so the message, do not."""
    def edit(model: Path) -> None:
        data = (model / name).read_bytes()
        (model / name).write_bytes(data[: len(data) // 2 if keep is None else keep])
    return edit


def table_entry(key: str, **values) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        next(t for t in doc["tables"] if t["key"] == key).update(values)
    return change


def first_plan(**values) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        plan = next(p for p in doc["plans"] if p["column"] == "name")
        spec = values.pop("spec", {})
        plan.update(values)
        plan["spec"].update(spec)
    return change


def truncated_database(ws: Workspace) -> None:
    """A file cut after its first data block: the catalog (written by the last checkpoint, at
    the start) reads, the data of ``p`` does not."""
    path = ws.dir / "cut.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, x DOUBLE); CHECKPOINT")
    con.execute("INSERT INTO p SELECT i, i * 0.5 FROM range(20000) t(i); CHECKPOINT")
    con.close()
    with open(path, "r+b") as fh:
        fh.truncate(12288 + 262144)  # the file header, then one block
    check = duckdb.connect(str(path), read_only=True)
    try:  # the premise of the case, should DuckDB's layout change
        assert check.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (1,)
    finally:
        check.close()
    ws.database("whole.duckdb", "CREATE TABLE p (id INTEGER PRIMARY KEY, x DOUBLE); INSERT INTO p VALUES (1, 0.5)")


def locked_example(ws: Workspace) -> None:
    """chinook.duckdb held open for writing by another process until the case ends."""
    ws.example()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect('chinook.duckdb'); "
                               "print('locked', flush=True); sys.stdin.read()"],
        cwd=ws.dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"

    def release() -> None:
        holder.stdin.close()
        holder.wait(timeout=30)
    ws.cleanups.append(release)


def sidecar(text: str) -> Setup:
    def setup(ws: Workspace) -> None:
        ws.example()
        ws.write("sidecar.toml", text)
    return setup


def tiny(ws: Workspace) -> None:
    ws.database("tiny.duckdb", TINY)


def example(ws: Workspace) -> None:
    ws.example()


TEST_TARGETS = "tests/writing/test_targets.py"
TEST_CLI = "tests/cli/test_cli.py"
TEST_OUTPUTS = "tests/test_output_safety.py"
TEST_CONNECTION = "tests/test_connection.py"
TEST_SOURCES = "tests/sources/test_sources.py"
TEST_LM_IO = "tests/generation/test_lm_io.py"
TEST_SEMANTIC = "tests/relational/test_semantic_columns.py"


def not_a_model(ws: Workspace) -> None:
    """A folder holding a file named model.json and a file of the user's."""
    tiny(ws)
    (ws.dir / "notes").mkdir()
    ws.write("notes/model.json", "{}")
    ws.write("notes/mine.txt", "keep me")


def empty_sqlite_file(ws: Workspace) -> None:
    import sqlite3

    con = sqlite3.connect(ws.dir / "empty.sqlite")
    con.execute("PRAGMA user_version = 1")  # written, so the file has SQLite's header
    con.commit()
    con.close()


def parquet_file(ws: Workspace) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2]}), ws.dir / "t.parquet")
SIDECAR_TYPE = '[[columns]]\ntable = "Customer"\ncolumn = "{}"\ntype = "{}"\n'
SIDECAR_FK = '[[foreign_keys]]\ntable = "Track"\ncolumns = "{}"\nref_table = "Album"\nref_columns = "AlbumId"\n'

CASES: list[Case] = [
    # -- sources and their schema (tests/cli/test_cli.py) --
    Case("a database file that does not exist", "inspect missing.duckdb",
         "database file not found: missing.duckdb", see=TEST_CLI),
    Case("a text file given as the database", "inspect notes.txt",
         "notes.txt is a text file; amalgam-rel reads DuckDB database files and DDL (.sql) files",
         lambda ws: ws.write("notes.txt", "not a database"), see=TEST_CLI),
    Case("a database locked by another process", "inspect chinook.duckdb",
         "database chinook.duckdb is locked by another process (close it and retry)", locked_example, see=TEST_CLI),
    Case("a database with no tables", "synth empty.duckdb -o out.duckdb",
         "empty.duckdb has no tables: nothing to synthesize",
         lambda ws: ws.database("empty.duckdb", "CREATE SEQUENCE only_a_sequence"), see=TEST_CLI),
    Case("a sidecar naming a column the table lacks", "inspect chinook.duckdb --sidecar sidecar.toml",
         "sidecar sidecar.toml: table 'Track' has no column 'Nope'", sidecar(SIDECAR_FK.format("Nope")), see=TEST_CLI),
    Case("a sidecar foreign key the data breaks", "inspect chinook.duckdb --sidecar sidecar.toml",
         "logical foreign key Track(Milliseconds) -> Album(AlbumId): 3503 child rows reference no parent row",
         sidecar(SIDECAR_FK.format("Milliseconds")), see=TEST_CLI),
    Case("a sidecar semantic type that does not exist", "fit chinook.duckdb -o model --sidecar sidecar.toml",
         "sidecar sidecar.toml: column #1 (Customer.FirstName) has an unknown type 'nickname'; known types: text, "
         "first_name, last_name, full_name, email, phone, street_address, username, password, ip_address, city, state, "
         "postcode, company, url, job_title, hash, country, country_code, language",
         sidecar(SIDECAR_TYPE.format("FirstName", "nickname")), see=TEST_SEMANTIC),
    Case("a sidecar semantic type for a column the table lacks", "fit chinook.duckdb -o model --sidecar sidecar.toml",
         "sidecar sidecar.toml: column #1: table 'Customer' has no column 'Nickname'",
         sidecar(SIDECAR_TYPE.format("Nickname", "first_name")), see=TEST_SEMANTIC),
    # -- outputs (tests/cli/test_cli.py) --
    Case("an output that exists, without --force", "clone-schema chinook.duckdb -o out.duckdb",
         "-o out.duckdb already exists (pass --force to replace it)",
         lambda ws: (ws.example(), ws.write("out.duckdb", "")), see=TEST_CLI),
    Case("the source as the output", "clone-schema chinook.duckdb -o chinook.duckdb --force",
         "refusing to write onto the source database chinook.duckdb: -o names it", example, see=TEST_CLI),
    Case("an output in a folder that does not exist", "clone-schema chinook.duckdb -o no/such/x.duckdb",
         "cannot write no/such/x.duckdb: the folder no/such does not exist", example, see=TEST_CLI),
    Case("a SQLite output that exists, without --force", "clone-schema chinook.duckdb -o sqlite:out.db",
         "-o out.db already exists (pass --force to replace it)",
         lambda ws: (ws.example(), ws.write("out.db", "")), see=TEST_TARGETS),
    Case("--out-dialect for an output that is no script", "clone-schema chinook.duckdb -o sqlite:out.db --out-dialect mysql",
         "--out-dialect applies to a .sql script, not to sqlite:out.db", example, see=TEST_TARGETS),
    Case("an --out-dialect no script is written in", "clone-schema chinook.duckdb -o out.sql --out-dialect oracle",
         "--out-dialect oracle: a SQL script is written for postgres, mysql, sqlite, duckdb", example, see=TEST_TARGETS),
    Case("--report with a SQL script output", "synth tiny.duckdb -o out.sql --report r.html",
         "--report reads the written database back; out.sql is a SQL script (run it into a database, then "
         "`amalgam-rel evaluate` that)", tiny, see=TEST_TARGETS),
    # -- options --
    Case("--scale out of range", "synth tiny.duckdb -o out.duckdb --scale 0",
         "--scale must be between 0.01 and 100, got 0.0", tiny),
    Case("--rows without a number", "synth tiny.duckdb -o out.duckdb --rows p=many",
         "--rows expects TABLE=N with N a whole number, got 'p=many'", tiny),
    Case("--rows naming no table", "synth tiny.duckdb -o out.duckdb --rows q=5",
         "--rows names an unknown table 'q'", tiny),
    Case("--rows past the size a table may have", "sample model -o out.duckdb --rows p=20000000000",
         "table 'p' would get 20,000,000,000 rows (asked for): more than the 10,000,000,000 rows a table may have",
         model_with(lambda m: None)),
    Case("a negative --seed", "synth tiny.duckdb -o out.duckdb --seed -5",
         "seed must be a whole number from 0 to 4294967295, got -5", tiny),
    Case("a --seed past 2**32 - 1", "sample model -o out.duckdb --seed 4294967296",
         "seed must be a whole number from 0 to 4294967295, got 4294967296", model_with(lambda m: None)),
    Case("--shards with a DuckDB file as -o", "sample model -o out.duckdb --shards 2",
         "--shards writes a Parquet dataset: -o parquet:DIR, without --rows, --part-rows, --guard-source or --where",
         model_with(lambda m: None)),
    Case("--block-rows without --shards", "sample model -o parquet:out --block-rows 10",
         "--block-rows and --shard-by apply to a sample in shards: add --shards N", model_with(lambda m: None)),
    Case("--shard-by naming no table", "sample model -o parquet:out --shards 1 --shard-by q",
         "--shard-by names no table of the model: 'q'", model_with(lambda m: None)),
    Case("--epsilon 0", "synth tiny.duckdb -o out.duckdb --epsilon 0",
         "--epsilon must be a positive number, got 0.0", tiny),
    Case("--epsilon 1e10", "synth tiny.duckdb -o out.duckdb --epsilon 1e10",
         "--epsilon must be at most 709, got 1e+10: exp(epsilon) bounds how much one entity may change any result, "
         "and past that it is not a finite number", tiny),
    Case("--delta without --epsilon", "synth tiny.duckdb -o out.duckdb --delta 0.5",
         "--delta, --max-children, --epsilon-text and --privacy-unit only apply with --epsilon", tiny),
    Case("--synthesize naming no table", "synth tiny.duckdb -o out.duckdb --synthesize q",
         "--synthesize names an unknown table 'q'", tiny, see="tests/relational/test_reference.py"),
    Case("--public without --epsilon", "synth tiny.duckdb -o out.duckdb --public p",
         "--public only applies with --epsilon (without it, reference tables are kept anyway)", tiny),
    Case("--public naming no table", "fit tiny.duckdb -o model --epsilon 1 --public q",
         "--public names an unknown table 'q'", tiny),
    Case("--privacy-unit naming no table", "synth tiny.duckdb -o out.duckdb --epsilon 1 --privacy-unit q",
         "--privacy-unit names an unknown table 'q'", tiny, see="tests/dp/test_privacy_unit.py"),
    Case("--public on a table that reaches the unit", "synth tiny.duckdb -o out.duckdb --epsilon 1 --privacy-unit p "
         "--public c", "--public c: it reaches the privacy unit p through foreign keys, so its rows belong to units",
         tiny, see="tests/dp/test_privacy_unit.py"),
    Case("--synthesize with --epsilon", "synth tiny.duckdb -o out.duckdb --epsilon 1 --synthesize p",
         "--synthesize does not apply with --epsilon: the tables outside the privacy unit's reach are public and "
         "kept verbatim (choose the unit with --privacy-unit)", tiny),
    Case("--rows on a reference table kept verbatim", "synth chinook.duckdb -o out.duckdb --rows genre=3",
         "--rows names table 'Genre', a reference table kept verbatim (its 25 real rows); fit with --synthesize Genre "
         "to choose its size", example, see="tests/relational/test_reference.py"),
    # -- damaged sources --
    Case("a database whose catalog reads but whose data is cut short", "synth cut.duckdb -o out.duckdb",
         'cannot read the data of cut.duckdb: IO Error: Could not read enough bytes from file "cut.duckdb": '
         "attempted to read 262144 bytes from location 274432", truncated_database),
    Case("the same, as the real side of evaluate", "evaluate cut.duckdb whole.duckdb --json",
         'cannot read the data of cut.duckdb: IO Error: Could not read enough bytes from file "cut.duckdb": '
         "attempted to read 262144 bytes from location 274432", truncated_database),
    # -- damaged model directories (amalgam-rel fit writes them) --
    Case("a folder that is no model", "sample nothing -o out.duckdb",
         "nothing is not a fitted amalgam-rel model (no model.json)", lambda ws: (ws.dir / "nothing").mkdir()),
    Case("model.json cut short", "sample model -o out.duckdb",
         "model/model.json is damaged: Unterminated string starting at: line 4 column 2 (char 59)",
         model_with(truncated("model.json", keep=64))),
    Case("real_rows of 10**12 in model.json (a 7 TiB sample)", "sample model -o out.duckdb",
         "model/model.json is damaged: tables['c'].real_rows: Input should be less than or equal to 10000000000 "
         "(got 1000000000000)", model_with(json_edit("model.json", table_entry("c", real_rows=10**12)))),
    Case("real_rows of the wrong type", "sample model -o out.duckdb",
         "model/model.json is damaged: tables['c'].real_rows: Input should be a valid integer, unable to parse "
         "string as an integer (got 'many')", model_with(json_edit("model.json", table_entry("c", real_rows="many")))),
    Case("a negative seed in model.json", "sample model -o out.duckdb",
         "model/model.json is damaged: params.seed: Input should be greater than or equal to 0 (got -5)",
         model_with(json_edit("model.json", lambda d: d["params"].update(seed=-5)))),
    Case("a key generator's start of the wrong type", "sample model -o out.duckdb",
         "model/model.json is damaged: tables['p'].keys.id.start: Input should be a valid integer, unable to parse "
         "string as an integer (got 'one')",
         model_with(json_edit("model.json", lambda d: d["tables"][0]["keys"]["id"].update(start="one")))),
    Case("a column's nullability of the wrong type in model.json's schema", "sample model -o out.duckdb",
         "model/model.json is damaged: schema.tables[0].columns[1].nullable: Input should be a valid boolean, "
         "unable to interpret input (got 'maybe')",
         model_with(json_edit("model.json", lambda d: d["schema"]["tables"][0]["columns"][1].update(nullable="maybe")))),
    Case("a table model (.npz) cut short", "sample model -o out.duckdb",
         "model/tables/0.npz is not a saved TableModel: File is not a zip file", model_with(truncated("tables/0.npz"))),
    Case("text_model.json cut short", "sample model -o out.duckdb",
         "model/text/text_model.json is damaged: Expecting ',' delimiter: line 5 column 21 (char 64)",
         model_with(truncated("text/text_model.json", keep=64))),
    Case("an invalid regex in text_model.json", "sample model -o out.duckdb",
         "model/text/text_model.json is damaged: the plan of p.name: its regex '[a-z' does not compile "
         "(Failed to build DFA error building NFA)",
         model_with(json_edit("text/text_model.json", first_plan(spec={"regex": "[a-z"})))),
    Case("a token budget of the wrong type in text_model.json", "sample model -o out.duckdb",
         "model/text/text_model.json is damaged: plans['p.name'].max_new_tokens: Input should be a valid integer, "
         "unable to parse string as an integer (got 'x')",
         model_with(json_edit("text/text_model.json", first_plan(max_new_tokens="x")))),
    Case("an absurd token budget in text_model.json", "sample model -o out.duckdb",
         "model/text/text_model.json is damaged: the plan of p.name: max_new_tokens 1000000000000 is not between "
         "1 and 447", model_with(json_edit("text/text_model.json", first_plan(max_new_tokens=10**12)))),
    Case("model.safetensors cut short", "sample model -o out.duckdb",
         "cannot load the language model 'model/text/lm': model.safetensors is damaged (Error while deserializing "
         "header: incomplete metadata, file not fully covered)", model_with(truncated("text/lm/model.safetensors"))),
    Case("tokenizer.json cut short", "sample model -o out.duckdb",
         "cannot load the language model 'model/text/lm': Expecting property name enclosed in double quotes: "
         "line 5 column 2 (char 64)", model_with(truncated("text/lm/tokenizer.json", keep=64))),
    # -- outputs: never onto an input or another output, checked before any work (tests/test_output_safety.py) --
    Case("--report naming the source database", "synth tiny.duckdb -o out.duckdb --report tiny.duckdb --force",
         "refusing to write onto the source database tiny.duckdb: --report names it", tiny, see=TEST_OUTPUTS),
    Case("--report naming the output database", "synth tiny.duckdb -o out.duckdb --report out.duckdb",
         "-o and --report name the same file out.duckdb", tiny, see=TEST_OUTPUTS),
    Case("evaluate --report naming the real database", "evaluate tiny.duckdb tiny.duckdb --report tiny.duckdb --force",
         "refusing to write onto the real database tiny.duckdb: --report names it", tiny, see=TEST_OUTPUTS),
    Case("--report in a folder that does not exist", "synth tiny.duckdb -o out.duckdb --report nodir/r.html",
         "cannot write nodir/r.html: the folder nodir does not exist", tiny, see=TEST_OUTPUTS),
    Case("fit --force onto a folder that is not a saved model", "fit tiny.duckdb -o notes --force",
         "refusing to replace notes: it is not an amalgam-rel model directory", not_a_model, see=TEST_OUTPUTS),
    # -- sources that are not DuckDB databases (tests/test_connection.py): named, never an extension download --
    Case("a SQLite database with no table as the source", "synth sqlite:empty.sqlite -o out.duckdb",
         "the SQLite file empty.sqlite holds no table", empty_sqlite_file, see=TEST_SOURCES),
    Case("a Parquet file as the source", "synth t.parquet -o out.duckdb",
         "t.parquet is a Parquet file; a folder of them, one per table, is read as parquet:DIR",
         parquet_file, see=TEST_CONNECTION),
    Case("a CSV file as the source", "synth t.csv -o out.duckdb",
         "t.csv is a CSV file; a folder of them, one per table, is read as csv:DIR",
         lambda ws: ws.write("t.csv", "id,name\n1,a\n2,b\n"), see=TEST_CONNECTION),
    Case("a folder of files that does not exist", "synth parquet:nodir -o out.duckdb",
         "parquet folder not found: nodir", tiny, see=TEST_SOURCES),
    Case("a server URL of an unknown kind", "synth oracle://u:s3cret@db/x -o out.duckdb",
         "oracle://u:***@db/x: unknown scheme 'oracle://' (known: postgresql://, postgres://, mysql://, mariadb://)",
         tiny, see=TEST_SOURCES),
    Case("a DDL file as the source of synth", "synth shop.sql -o out.duckdb",
         "shop.sql is a DDL file: it has no rows to learn from; use clone-schema for an empty database with its "
         "schema, or give a DuckDB database with data",
         lambda ws: ws.write("shop.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);"), see=TEST_CONNECTION),
    Case("a folder as the source", "synth folder -o out.duckdb",
         "folder is a directory, not a DuckDB database file", lambda ws: (ws.dir / "folder").mkdir(),
         see=TEST_CONNECTION),
    # -- the language model: never downloaded (tests/generation/test_lm_io.py) --
    Case("--llm naming a hub model", "synth tiny.duckdb -o out.duckdb --llm gpt2",
         "--llm 'gpt2': no such local model directory (models are never downloaded; pass a directory saved with "
         "save_pretrained)", tiny, see=TEST_LM_IO),
    # -- usage errors: click's own checks, as one line too --
    Case("--text-steps 0", "synth tiny.duckdb -o out.duckdb --text-steps 0",
         "Invalid value for '--text-steps': Input should be greater than or equal to 1 (see amalgam-rel synth --help)",
         tiny),
    Case("--min-word-rows 0", "synth tiny.duckdb -o out.duckdb --min-word-rows 0",
         "Invalid value for '--min-word-rows': Input should be greater than or equal to 1 (see amalgam-rel synth --help)",
         tiny),
    Case("--max-rows with --epsilon", "synth tiny.duckdb -o out.duckdb --max-rows 10 --epsilon 1",
         "--max-rows cannot be combined with --epsilon: a private fit bounds the rows it reads itself", tiny),
    Case("--min-word-rows that is not a number", "fit tiny.duckdb -o model --min-word-rows two",
         "Invalid value for '--min-word-rows': Input should be a valid integer, unable to parse string as an integer "
         "(see amalgam-rel fit --help)", tiny),
    Case("a --seed that is not a number", "synth tiny.duckdb -o out.duckdb --seed abc",
         "Invalid value for '--seed': Input should be a valid integer, unable to parse string as an integer "
         "(see amalgam-rel synth --help)", tiny),
    Case("an option that does not exist", "synth tiny.duckdb -o out.duckdb --text-budget 10",
         "No such option: --text-budget (Possible options: --text-steps, --text-values) "
         "(see amalgam-rel synth --help)", tiny),
    Case("a command that does not exist", "frob", "No such command 'frob'. (see amalgam-rel --help)"),
    Case("a missing argument", "synth", "Missing argument 'source'. (see amalgam-rel synth --help)"),
    # -- other parts of issue #21: append their cases here --
]


# -- running a case --------------------------------------------------------------------------------


@contextmanager
def workspace(case: Case) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="amalgam-case-") as tmp:
        ws = Workspace(Path(tmp))
        here = Path.cwd()
        try:
            if case.setup:
                case.setup(ws)
            os.chdir(ws.dir)
            yield ws.dir
        finally:
            os.chdir(here)
            for cleanup in reversed(ws.cleanups):
                cleanup()


def run(case: Case):
    """(exit code, stderr, the exception the command ended with) of the case."""
    from typer.testing import CliRunner

    from amalgam_rel.cli import app

    with workspace(case):
        result = CliRunner().invoke(app, shlex.split(case.command))
    return result.exit_code, result.stderr, result.exception


@pytest.mark.parametrize("case", CASES, ids=[c.input for c in CASES])
def test_a_bad_input_is_one_line_naming_it(case):
    code, stderr, exception = run(case)
    assert "Traceback" not in stderr and isinstance(exception, SystemExit), exception
    assert code == 2, stderr
    assert stderr.splitlines() == [f"error: {case.message}"]


# -- the docs page ---------------------------------------------------------------------------------

HEADER = """# Bad inputs and their messages

Every input amalgam-rel cannot use ends the command with exit code 2 and one line on stderr that
names the problem, never a traceback. This page lists the inputs the test suite tries, each run
in a directory holding the files named (so the paths are short), with the exact line printed.

Generated from the table in `tests/cli/test_bad_input.py` by `python -m tests.cli.test_bad_input
--write-docs`; a test fails when this page and the table differ.

| bad input | command | message |
|---|---|---|
"""


def render(cases: list[Case]) -> str:
    def cell(text: str) -> str:
        return "`" + text.replace("|", "\\|") + "`"

    def words(text: str) -> str:  # 2**32 is not emphasis
        return text.replace("|", "\\|").replace("*", "\\*")

    rows = [f"| {words(c.input)} | {cell('amalgam-rel ' + c.command)} | {cell('error: ' + c.message)} |"
            for c in cases]
    return HEADER + "\n".join(rows) + "\n"


def test_the_docs_page_is_current():
    assert DOCS.read_text(encoding="utf-8") == render(CASES), \
        "docs/bad-input.md differs from the table: run python -m tests.cli.test_bad_input --write-docs"


def main(argv: list[str]) -> int:
    """``--write-docs``: run every case, then rewrite the page if each printed its message;
    ``--show``: print what each case prints now (to fill in a new case's message)."""
    failed = 0
    for case in CASES:
        code, stderr, exception = run(case)
        ok = code == 2 and stderr.splitlines() == [f"error: {case.message}"]
        failed += not ok
        if "--show" in argv or not ok:
            print(f"{'ok ' if ok else 'BAD'} {case.input}\n    exit {code}: {stderr.strip()!r}"
                  + ("" if isinstance(exception, SystemExit) else f"\n    raised {exception!r}"))
    if failed:
        print(f"{failed} case(s) do not print their message: docs/bad-input.md left as it is")
        return 1
    if "--write-docs" in argv:
        DOCS.write_text(render(CASES), encoding="utf-8")
        print(f"wrote {DOCS.relative_to(ROOT)} ({len(CASES)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
