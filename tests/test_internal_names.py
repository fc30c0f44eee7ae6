"""No name amalgam-rel gives a part of its own SQL can capture a user's table or column.

The names are not listed by hand: a first run (fit, sample, a private fit, evaluate) logs every
query DuckDB receives, and every alias, subquery, CTE and helper table name in them is
collected. A second database then names its tables and columns after each of those that a
source may hold (names the source check refuses, such as ``+n``, are exactly the ones left out),
and ``synth --report`` and ``evaluate`` must run on it.
"""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys
from types import SimpleNamespace

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import amalgam_rel.connection as connection
from amalgam_rel.errors import InputError
from amalgam_rel.evaluation import evaluate
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.plan import check_column_names
from amalgam_rel.schema.model import Column, Database, Table
from amalgam_rel.schema.types import parse_type

# a small shop with every part the generated SQL treats apart: a self-reference, a chain of
# foreign keys, CHECK and UNIQUE constraints, categories, numbers, dates, text and lists
SEED = """
CREATE TABLE shop_customer (cust_id INTEGER PRIMARY KEY, referrer INTEGER REFERENCES shop_customer(cust_id),
    segment VARCHAR, credit DOUBLE CHECK (credit >= 0), joined DATE, email VARCHAR UNIQUE, remark VARCHAR);
CREATE TABLE shop_order (order_id INTEGER PRIMARY KEY, cust INTEGER NOT NULL REFERENCES shop_customer(cust_id),
    status VARCHAR, amount DECIMAL(10, 2), placed TIMESTAMP, tags VARCHAR[]);
CREATE TABLE shop_line (line_id INTEGER PRIMARY KEY, order_ref INTEGER NOT NULL REFERENCES shop_order(order_id),
    cust_copy INTEGER REFERENCES shop_customer(cust_id), qty INTEGER CHECK (qty > 0), price DOUBLE);
CREATE TEMP TABLE customers AS SELECT i, CASE WHEN i > 10 THEN i % 10 + 1 END, ['retail', 'trade', 'staff'][1 + i % 3],
    (i % 17) * 12.5, DATE '2020-01-01' + (i * 3)::INTEGER, 'user' || i || '@example.com',
    ['prefers mornings', 'pays late', 'frequent buyer', NULL][1 + i % 4] FROM range(1, 61) r(i);
INSERT INTO shop_customer SELECT * FROM customers WHERE i <= 10;  -- a referrer's row first
INSERT INTO shop_customer SELECT * FROM customers WHERE i > 10;
INSERT INTO shop_order SELECT i, 1 + (i * 7) % 60, ['new', 'paid', 'sent'][1 + i % 3], (i % 23) * 4.25,
    TIMESTAMP '2021-01-01 08:00:00' + INTERVAL (i * 5) HOUR, [['a', 'b'], ['c'], []][1 + i % 3] FROM range(1, 181) r(i);
INSERT INTO shop_line SELECT i, 1 + (i * 11) % 180, CASE WHEN i % 5 = 0 THEN 1 + i % 60 END, 1 + i % 4,
    (i % 9) * 2.5 FROM range(1, 361) r(i);
"""
SEED_NAMES = {"shop_customer", "cust_id", "referrer", "segment", "credit", "joined", "email", "remark", "shop_order",
              "order_id", "cust", "status", "amount", "placed", "tags", "shop_line", "line_id", "order_ref",
              "cust_copy", "qty", "price", "main", "real", "synth", "holdout"}


def logging_duckdb(directory):
    """A stand-in for the ``duckdb`` module inside amalgam_rel.connection: every connection it
    opens logs its queries (its cursors' too) to a folder of its own in ``directory``."""
    counter = itertools.count()

    def connect(*args, **kwargs):
        con = duckdb.connect(*args, **kwargs)
        folder = directory / str(next(counter))
        folder.mkdir()
        con.execute(f"CALL enable_logging('QueryLog', storage = 'file', "
                    f"storage_path = {exp.Literal.string(str(folder)).sql('duckdb')})")
        return con

    return SimpleNamespace(connect=connect)


def logged_queries(directory) -> list[str]:
    out = []
    for log in directory.glob("*/duckdb_log_entries.csv"):
        with log.open(newline="", encoding="utf-8") as f:
            out += [row["message"] for row in csv.DictReader(f) if row["type"] == "QueryLog"]
    return out


def names_in(query: str) -> tuple[set[str], set[str]]:
    """The own names a query gives or uses: (those of tables: subqueries, CTEs, tables, views;
    those of columns: aliases)."""
    try:
        trees = sqlglot.parse(query, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return set(), set()  # a statement sqlglot cannot read (PRAGMA, SET): no aliases in those
    tables, columns = set(), set()
    for tree in filter(None, trees):
        for node in tree.walk():
            if isinstance(node, exp.Alias) and node.alias:
                columns.add(node.alias)
            elif isinstance(node, exp.CTE) and node.alias:
                tables.add(node.alias)
            elif isinstance(node, exp.TableAlias):
                tables.add(node.name)
                columns.update(c.name for c in node.columns)
            elif isinstance(node, exp.Table) and node.name and not node.args.get("catalog"):
                tables.add(node.name)
    return tables - {""}, columns - {""}


def source_may_hold(name: str) -> bool:
    """Whether the source check lets a column (and a table) carry ``name``."""
    try:
        check_column_names(Database((Table(name, (Column(name, parse_type("INTEGER")),)),)))
    except InputError:
        return False
    return True


@pytest.fixture(scope="module")
def internal_names(tmp_path_factory):
    """Every own name of the SQL amalgam-rel ran on the seed shop (fit, sample, private fit, evaluate)."""
    work = tmp_path_factory.mktemp("seed")
    seed = work / "seed.duckdb"
    con = duckdb.connect(str(seed))
    con.execute(SEED)
    con.close()
    logs = work / "logs"
    logs.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(connection, "duckdb", logging_duckdb(logs))
        model = DatabaseModel(seed=0, iters=30, text_steps=5).fit(seed)
        model.sample(work / "synth.duckdb", text_values=20)
        evaluate(seed, work / "synth.duckdb")
        DatabaseModel(seed=0, iters=30, epsilon=4.0, epsilon_text="schema").fit(seed).sample(work / "private.duckdb")
    queries = logged_queries(logs)
    assert len(queries) > 100  # the log saw the run
    found = [names_in(q) for q in queries]
    own = lambda names: sorted(n for n in names if n not in SEED_NAMES and not n.startswith("duckdb_"))  # noqa: E731
    return SimpleNamespace(tables=own(set().union(*(t for t, _ in found))), columns=own(set().union(*(c for _, c in found))))


# names that once captured a user's column ("v", "n": column profiling and child counts; "k":
# workload groups; "rowid": DuckDB's row ids), kept even where the queries no longer use them
ONCE = ("v", "n", "k", "rowid")
KEYS = ("rowid", "n")  # every table's primary key, and its foreign key


def hostile_ddl(tables: list[str], columns: list[str]) -> str:
    """Three tables like the seed shop, their keys named after :data:`KEYS`, each name in
    ``columns`` a column of two of them; a table named after each name in ``tables`` (the rest
    small, of one column)."""
    q = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731 - DuckDB quoting, for a fixture
    kinds = ["INTEGER", "VARCHAR", "DOUBLE", "DATE"]
    values = {"INTEGER": "i % 5", "VARCHAR": "'w' || (i % 3)", "DOUBLE": "i * 0.25", "DATE": "DATE '2020-01-01' + i::INTEGER"}
    typed = [(n, kinds[i % len(kinds)]) for i, n in enumerate(columns)]
    # each name in two of the three tables: every pair of them shares names (joins see both sides)
    body = [", ".join(f"{q(n)} {k}" for i, (n, k) in enumerate(typed) if i % 3 != skip) for skip in range(3)]
    fill = [", ".join(values[k] for i, (_, k) in enumerate(typed) if i % 3 != skip) for skip in range(3)]
    parent, child, leaf, *rest = tables
    pk, fk = map(q, KEYS)
    ddl = [f"CREATE TABLE {q(parent)} ({pk} INTEGER PRIMARY KEY, {fk} INTEGER REFERENCES {q(parent)}({pk}), {body[0]})",
           f"CREATE TABLE {q(child)} ({pk} INTEGER PRIMARY KEY, {fk} INTEGER NOT NULL REFERENCES {q(parent)}({pk}), {body[1]})",
           f"CREATE TABLE {q(leaf)} ({pk} INTEGER PRIMARY KEY, {fk} INTEGER NOT NULL REFERENCES {q(child)}({pk}), {body[2]})",
           f"INSERT INTO {q(parent)} SELECT i, NULL, {fill[0]} FROM range(1, 6) r(i)",
           f"INSERT INTO {q(parent)} SELECT i, i % 5 + 1, {fill[0]} FROM range(6, 31) r(i)",
           f"INSERT INTO {q(child)} SELECT i, 1 + i % 30, {fill[1]} FROM range(1, 91) r(i)",
           f"INSERT INTO {q(leaf)} SELECT i, 1 + i % 90, {fill[2]} FROM range(1, 121) r(i)"]
    for n in rest:
        ddl += [f"CREATE TABLE {q(n)} ({pk} INTEGER PRIMARY KEY, {q(n)} INTEGER)",
                f"INSERT INTO {q(n)} SELECT i, i % 4 FROM range(1, 9) r(i)"]
    return ";\n".join(ddl) + ";"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "amalgam_rel.cli", *map(str, args)], capture_output=True, text=True)


def test_the_log_sees_the_queries_own_names(internal_names):
    # aliases of the column profile and the workload's groups; subqueries; helper tables
    assert {"v", "n", "k"} <= {n.lstrip("+") for n in internal_names.columns}
    assert {"t", "chunk", "frame:shop_order"} <= {n.lstrip("+") for n in internal_names.tables}


def test_a_database_named_after_every_internal_name_synthesizes_and_evaluates(internal_names, tmp_path):
    holdable = lambda names: sorted(n for n in names if source_may_hold(n) and n.lower() not in KEYS)  # noqa: E731
    source = tmp_path / "hostile.duckdb"
    con = duckdb.connect(str(source))
    tables = holdable(internal_names.tables)
    con.execute(hostile_ddl(tables, holdable({*internal_names.columns, *tables, *ONCE})))
    con.close()
    out, report = tmp_path / "out.duckdb", tmp_path / "report.html"
    done = cli("synth", source, "-o", out, "--text-steps", "5")
    assert done.returncode == 0, done.stderr[-3000:]
    # one evaluation writes both outputs (a second run of every stage would find nothing new)
    done = cli("evaluate", source, out, "--json", "--report", report)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report.stat().st_size > 0 and json.loads(done.stdout)["overall"]


# -- the model columns' names: one module spells them ---------------------------------------------

def model_column_names() -> list[str]:
    """One name of each kind amalgam-rel gives the columns its table models see."""
    from amalgam_rel.generation.frequent import frequent_column
    from amalgam_rel.generation.lengths import length_column
    from amalgam_rel.generation.shapes import shape_column
    from amalgam_rel.relational.date_offsets import offset_column
    from amalgam_rel.schema import internal_names as names

    return [names.count_column(0), names.count_column(12), names.null_column(3), names.depth_column(1),
            names.context_column("price"), names.context_column(names.context_column("price")),
            names.matched_column(2, "region"), length_column("note"), shape_column("doc"), frequent_column("tag"),
            offset_column("shipped")]


def test_every_model_column_name_is_refused_as_a_source_column():
    for name in model_column_names():
        assert not source_may_hold(name), name


@pytest.mark.parametrize("name", ["price", "a#1", "x?", "#total", "?maybe", "&x.y", "@depth", "@depthx", "depth0",
                                  "a^b", "cost+tax", "é"])
def test_ordinary_names_are_not_taken_for_ours(name):
    assert source_may_hold(name)


def test_the_builders_share_the_prefixes_of_internal_names():
    from amalgam_rel.schema import internal_names as names

    firsts = {name[0] for name in model_column_names()}
    assert firsts == {names.COUNT, names.NULL_FLAG, names.DEPTH[0], names.CONTEXT, names.MATCHED, names.LENGTH,
                      names.SHAPE, names.FREQUENT, names.DATE_OFFSET}
    assert names.parse_matched_column(names.matched_column(7, "a.b")) == (7, "a.b")
    assert names.context_parent(names.context_column("^x")) == "^x"


# Where a model-column prefix is still spelled by hand, and why.
SPELLED_ELSEWHERE = {
    "generation/checks.py": "a regex's ^ anchor, not a column",
    "generation/draw_attempts.py": "'#' + a length column: the text model's row-context name of the exact length",
}


def test_model_column_prefixes_are_spelled_in_internal_names_only():
    import ast
    from pathlib import Path

    import amalgam_rel
    from amalgam_rel.schema import internal_names as names

    prefixes = {names.COUNT, names.NULL_FLAG, names.DEPTH, names.CONTEXT, names.MATCHED}
    root = Path(amalgam_rel.__file__).parent
    literal = lambda node: node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None  # noqa: E731
    found = set()
    for path in root.rglob("*.py"):
        where = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                spelled = node.func.attr in ("startswith", "lstrip", "removeprefix") and literal(node.args[0]) in prefixes
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                spelled = literal(node.left) in prefixes
            elif isinstance(node, ast.JoinedStr) and len(node.values) > 1:
                spelled = literal(node.values[0]) in prefixes
            else:
                spelled = False
            if spelled:
                found.add(where)
    unexplained = sorted(found - {"schema/internal_names.py"} - set(SPELLED_ELSEWHERE))
    assert not unexplained, f"model-column prefixes spelled by hand in {unexplained}: use schema/internal_names"
