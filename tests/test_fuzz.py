"""Property-based: ``synth`` on any database writes a valid one or names the problem in one line (#21).

Hypothesis draws small databases (``benchmarks/fuzz_schema.py``: random FK graphs with composite
and self-referencing keys, every column type, NULL-heavy and 0-2 row tables, identifiers from SQL
keywords and all of Unicode) and ``benchmarks/fuzz_check.py`` judges ``synth`` on each: exit 0
with the source's catalog and no violated constraint, or exit 2 with one stderr line. Derandomized,
so every run draws the same few examples; ``python -m benchmarks.fuzz`` runs hundreds
(docs/fuzz.md). The checker itself is tested first: it must see each kind of violation.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.fuzz_check import (Outcome, check_output, classify, constraint_violations,  # noqa: E402
                                   message_class, repro, synth_outcome)
from benchmarks.fuzz_reduce import builds, reduce  # noqa: E402
from benchmarks.fuzz_schema import FuzzColumn, FuzzDatabase, FuzzForeignKey, FuzzTable, databases  # noqa: E402
from benchmarks.fuzz_types import INTEGER_TYPES, VARCHAR  # noqa: E402

INTEGER = INTEGER_TYPES[2]

# Crash classes (regexes over Outcome.label) this suite found that are not fixed yet; an example of
# the derandomized run that fails this way is let pass. THE LEAD EMPTIES THIS once they are fixed
# (repros: /work/fuzz-findings.md, docs/fuzz.md).
KNOWN_FAILURES: dict[str, str] = {}


def known(outcome: Outcome) -> bool:
    return any(re.search(pattern, outcome.label) for pattern in KNOWN_FAILURES)


def _shop() -> FuzzDatabase:
    parent = FuzzTable("parent", [FuzzColumn("id", INTEGER, True), FuzzColumn("code", VARCHAR, True)],
                       primary_key=("id",), uniques=[("code",)], checks=['"id" >= 0'],
                       rows=[{"id": 1, "code": "a"}, {"id": 2, "code": "b"}])
    child = FuzzTable("child", [FuzzColumn("id", INTEGER, True), FuzzColumn("pid", INTEGER)], primary_key=("id",),
                      foreign_keys=[FuzzForeignKey(("pid",), "parent", ("id",), True)],
                      rows=[{"id": 1, "pid": 1}, {"id": 2, "pid": None}])
    return FuzzDatabase([parent, child])


def test_the_check_counts_every_kind_of_violation(tmp_path):
    db = _shop()
    con = duckdb.connect(str(tmp_path / "loose.duckdb"))  # the same tables without any constraint
    con.execute("CREATE TABLE parent (id INTEGER, code VARCHAR); CREATE TABLE child (id INTEGER, pid INTEGER);"
                "INSERT INTO parent VALUES (1, 'a'), (1, 'a'), (-5, NULL); INSERT INTO child VALUES (1, 9), (2, NULL)")
    found = constraint_violations(con, db.tables[0]) + constraint_violations(con, db.tables[1])
    assert sorted(p.split(":")[0] for p in found) == ["CHECK", "FOREIGN KEY", "NOT NULL", "PRIMARY KEY", "UNIQUE"]
    con.execute("DELETE FROM parent WHERE id <> 2 OR code IS NULL; INSERT INTO parent VALUES (1, 'a');"
                "UPDATE child SET pid = 1")
    assert constraint_violations(con, db.tables[0]) + constraint_violations(con, db.tables[1]) == []


def test_the_check_compares_the_catalog(tmp_path):
    db = _shop()
    db.build(tmp_path / "source.duckdb")
    db.build(tmp_path / "same.duckdb")
    assert check_output(db, tmp_path / "source.duckdb", tmp_path / "same.duckdb") == ([], [])
    other = _shop()
    other.tables[1].columns[0].type = INTEGER_TYPES[3]  # BIGINT where the source has INTEGER
    other.build(tmp_path / "other.duckdb")
    problems, _ = check_output(db, tmp_path / "source.duckdb", tmp_path / "other.duckdb")
    assert problems and problems[0].startswith("catalog:")


def test_the_reducer_keeps_what_the_failure_needs_and_drops_the_rest():
    db = _shop()
    db.tables.append(FuzzTable("other", [FuzzColumn("x", VARCHAR)], rows=[{"x": "y"}]))
    small = reduce(db, lambda d: any(fk.columns == ("pid",) for t in d.tables for fk in t.foreign_keys))
    assert [(t.name, [c.name for c in t.columns], len(t.rows)) for t in small.tables] == [
        ("parent", ["id"], 0), ("child", ["pid"], 0)]
    assert builds(small)


@pytest.mark.parametrize("run, status", [
    ((0, "", None, ""), None),
    ((2, "error: table 'x' has no rows\n", None, ""), "error"),
    ((2, "error: writing table 't': Constraint Error: Duplicate key \"k: 1\" violates unique constraint.\n", None, ""),
     "violation"),
    ((2, "error: one\nerror: two\n", None, ""), "crash"),
    ((2, "Traceback (most recent call last):\n  File 'x'\nValueError: boom\n", None, ""), "crash"),
    ((1, "", KeyError("k"), "Traceback ..."), "crash"),
    ((1, "", None, ""), "crash"),
])
def test_outcomes_are_sorted(run, status):
    outcome = classify(*run)
    assert (outcome.status if outcome else None) == status


def test_message_classes_blank_names_and_numbers():
    assert message_class("error: table 'a b' row 12: x.y: bad", names={"x.y"}) == "error: table '…' row N: …: bad"
    assert message_class("error: t.index: bad", names={"t", "index"}) == "error: ….…: bad"
    assert message_class("list index out of range", names={"index"}) == "list index out of range"


def test_a_refused_input_is_one_line_from_the_real_command():
    """A subprocess, as a user runs it: nothing but the one error line on stderr."""
    db = FuzzDatabase([FuzzTable("t", [FuzzColumn("#0", INTEGER)], rows=[{"#0": 1}])])
    outcome = synth_outcome(db, in_process=False)
    assert outcome.status == "error" and "'#0'" in outcome.detail, outcome


def test_the_shop_synthesizes_validly_as_a_user_runs_it():
    outcome = synth_outcome(_shop(), in_process=False)
    assert outcome.status == "ok", repro(_shop(), outcome)


@settings(max_examples=24, derandomize=True, database=None, deadline=None, print_blob=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                 HealthCheck.large_base_example])
@given(db=databases(max_tables=3, max_rows=5))
def test_synth_writes_a_valid_database_or_one_line_error(db):
    outcome = synth_outcome(db)
    if outcome.failed and known(outcome):
        return
    assert not outcome.failed, repro(db, outcome)
