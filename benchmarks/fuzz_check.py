"""The fuzz property: ``amalgam-rel synth`` on a generated database either writes a database that
keeps every constraint and the source's exact catalog, or exits 2 with one line naming the problem.

:func:`synth_outcome` builds a :class:`~benchmarks.fuzz_schema.FuzzDatabase`, runs the CLI on it
(in this process through typer's runner, which keeps JIT-compiled code warm between databases, or
as a subprocess, as a user runs it) and sorts the result into an :class:`Outcome`:

- ``ok``: exit 0, the output's catalog equals the source's, and no constraint is violated;
- ``error``: exit 2 and exactly one stderr line ``error: ...`` (an input amalgam-rel refuses);
- ``violation``: exit 0 but a constraint fails on the output, or its catalog differs; or exit 2
  because DuckDB refused to write the synthetic rows (a duplicate key, a value outside its type);
- ``crash``: anything else (a traceback, exit 1, an exit 2 with more than one line, a timeout).

The constraint check is independent of amalgam-rel: it reads the constraints from the generator's
own model of the database, not from amalgam-rel's schema reader, and counts violations with SQL.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from amalgam_rel.connection import connect
from benchmarks.fuzz_schema import FuzzDatabase, FuzzTable
from benchmarks.fuzz_types import quote_ident

BASE_OPTIONS = ("--text-values", "4", "--seed", "0")
CATALOG = ("SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
           "WHERE NOT internal ORDER BY ALL",
           "SELECT table_name, constraint_type, constraint_column_names, expression, referenced_table, "
           "referenced_column_names FROM duckdb_constraints() ORDER BY ALL",
           "SELECT type_name, labels FROM duckdb_types() WHERE NOT internal AND logical_type = 'ENUM' ORDER BY ALL")


# A one-line error that is DuckDB refusing the synthetic rows at write time (a duplicate key, a value
# outside its type): the output would have broken a constraint, so it counts as a violation, not as
# a refused input.
WRITE_REFUSED = re.compile(r"error: writing table .*: (Constraint|Conversion) Error")


@functools.cache
def synth_options() -> tuple[str, ...]:
    """Small text work: the property is about validity, and a database should cost seconds. The
    language model's training is capped by --text-steps where the CLI has it (else by seconds)."""
    import typer

    from amalgam_rel.cli import app

    synth = typer.main.get_command(app).commands["synth"]
    flags = {flag for param in synth.params for flag in getattr(param, "opts", ())}
    cap = ("--text-steps", "20") if "--text-steps" in flags else ("--text-budget", "1")
    return BASE_OPTIONS + cap


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | error | violation | crash
    label: str  # the class of the outcome: a message with names and numbers blanked, or a constraint
    detail: str = ""  # the whole message, traceback or list of violations
    notes: tuple[str, ...] = ()  # facts worth counting that are not failures (a source table left empty)

    @property
    def failed(self) -> bool:
        return self.status in ("violation", "crash")


def message_class(message: str, names=()) -> str:
    """A message with its quoted names, the database's own ``names`` where they are written as
    ``table.column`` or ``name:``, and its numbers blanked, so that equal problems group. (A name
    alone is left: a column named ``index`` must not blank the word in "list index out of range".)"""
    text = message
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.]){re.escape(name)}(?=[.:])|(?<=\.){re.escape(name)}(?![\w.])", "…", text)
    text = re.sub(r"'(?:[^'\\]|\\.)*'", "'…'", text)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return text[:160]


def _crash_label(exc: BaseException, names) -> str:
    """The exception type and message class, with the innermost amalgam_rel frame (file:function)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "amalgam_rel" in f.filename]
    where = f" @ {Path(frames[-1].filename).name}:{frames[-1].name}" if frames else ""
    first = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {message_class(first, names)}{where}"


def classify(exit_code: int, stderr: str, exc: BaseException | None, tb: str, names=()) -> Outcome | None:
    """The outcome of one run, or None when it exited 0 (the output must still be checked)."""
    if exc is not None and not isinstance(exc, SystemExit):
        return Outcome("crash", _crash_label(exc, names), tb)
    lines = stderr.strip().splitlines()
    if exit_code == 0:
        return None
    if exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr:
        if WRITE_REFUSED.match(lines[0]):  # amalgam-rel's own rows broke a constraint or a type
            return Outcome("violation", "refused on write: " + message_class(lines[0], names), lines[0])
        return Outcome("error", message_class(lines[0], names), lines[0])
    if "Traceback (most recent call last)" in stderr:
        last = lines[-1] if lines else ""
        return Outcome("crash", f"traceback: {message_class(last, names)}", stderr[-4000:])
    return Outcome("crash", f"exit {exit_code} with {len(lines)} stderr lines", stderr[-4000:])


class _Timeout(Exception):
    pass


@contextmanager
def _alarm(seconds: int):
    """Raise _Timeout in the running synth after ``seconds`` (main thread, POSIX only)."""
    def fire(signum, frame):
        raise _Timeout(f"synth ran past {seconds} s")

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_in_process(source: Path, output: Path, options=None, timeout_s: int = 600):
    """(exit code, stderr, exception or None, traceback text) of ``synth`` through typer's runner."""
    from typer.testing import CliRunner

    from amalgam_rel.cli import app

    with warnings.catch_warnings(), _alarm(timeout_s):
        warnings.simplefilter("ignore")  # library deprecation chatter is not the CLI's own output
        result = CliRunner().invoke(app, ["synth", str(source), "-o", str(output), *(options or synth_options())])
    exc = result.exception
    tb = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info and exc is not None else ""
    return result.exit_code, result.stderr, exc, tb


def run_subprocess(source: Path, output: Path, options=None, timeout_s: int = 600):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", "synth", str(source), "-o", str(output),
                               *(options or synth_options())], capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return 124, "", _Timeout(f"synth ran past {timeout_s} s"), ""
    return proc.returncode, proc.stderr, None, ""


def synth_outcome(db: FuzzDatabase, *, in_process: bool = True, options=None, timeout_s: int = 600) -> Outcome:
    """Build ``db``, synthesize it, and judge the result."""
    with tempfile.TemporaryDirectory(prefix="amalgam-fuzz-") as tmp:
        source, output = Path(tmp) / "source.duckdb", Path(tmp) / "synth.duckdb"
        db.build(source)
        _check_the_checker(db, source)
        run = run_in_process if in_process else run_subprocess
        exit_code, stderr, exc, tb = run(source, output, options, timeout_s)
        outcome = classify(exit_code, stderr, exc, tb, db.names())
        if outcome is not None:
            return outcome
        problems, notes = check_output(db, source, output)
    if problems:
        return Outcome("violation", problems[0].split(":")[0], "\n".join(problems), tuple(notes))
    return Outcome("ok", "ok", notes=tuple(notes))


# -- the independent constraint check --------------------------------------------------------------


class HarnessError(Exception):
    """The generator or the checker is wrong, not amalgam-rel."""


def _check_the_checker(db: FuzzDatabase, source: Path) -> None:
    """The source keeps its constraints (DuckDB enforced them on insert): a check that finds a
    violation there is wrong, and would blame the synthesizer for its own mistake."""
    con = connect(source, read_only=True)
    try:
        problems = [p for t in db.tables for p in constraint_violations(con, t)]
    finally:
        con.close()
    if problems:
        raise HarnessError(f"the check finds violations in the source itself: {problems}")


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def constraint_violations(con, table: FuzzTable) -> list[str]:
    """Each violated NOT NULL, JSON, PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK of ``table`` on ``con``."""
    t = quote_ident(table.name)
    problems = []

    def report(kind: str, what: str, n: int) -> None:
        if n:
            problems.append(f"{kind}: {table.name!r} {what}: {n} rows")

    for c in table.columns:
        if c.not_null or c.name in table.primary_key:
            report("NOT NULL", c.name, _count(con, f"SELECT count(*) FROM {t} WHERE {quote_ident(c.name)} IS NULL"))
        if c.type.sql == "JSON":
            report("JSON", c.name, _count(con, f"SELECT count(*) FROM {t} WHERE NOT json_valid({quote_ident(c.name)})"))
    for kind, key in [("PRIMARY KEY", table.primary_key)] + [("UNIQUE", u) for u in table.uniques]:
        if key:
            cols = ", ".join(map(quote_ident, key))
            set_ = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in key)
            report(kind, str(key), _count(con, f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {t} "
                                               f"WHERE {set_} GROUP BY {cols} HAVING count(*) > 1)"))
    for fk in table.foreign_keys:
        set_ = " AND ".join(f"c.{quote_ident(col)} IS NOT NULL" for col in fk.columns)
        match = " AND ".join(f"p.{quote_ident(pc)} = c.{quote_ident(cc)}" for cc, pc in zip(fk.columns, fk.parent_columns))
        report("FOREIGN KEY", f"{fk.columns} -> {fk.parent!r}", _count(
            con, f"SELECT count(*) FROM {t} c WHERE {set_} AND NOT EXISTS "
                 f"(SELECT 1 FROM {quote_ident(fk.parent)} p WHERE {match})"))
    for check in table.checks:
        report("CHECK", check, _count(con, f"SELECT count(*) FROM {t} WHERE NOT ({check})"))
    return problems


def check_output(db: FuzzDatabase, source: Path, output: Path) -> tuple[list[str], list[str]]:
    """(violations, notes) of the synthetic database ``output`` against the generated ``db``."""
    real = connect(source, read_only=True)
    fake = connect(output, read_only=True)
    try:
        problems, notes = [], []
        for query in CATALOG:
            want, got = real.execute(query).fetchall(), fake.execute(query).fetchall()
            if want != got:
                missing, extra = sorted(set(want) - set(got), key=repr), sorted(set(got) - set(want), key=repr)
                problems.append(f"catalog: source has {missing[:2]}, output has {extra[:2]}")
        if problems:
            return problems, notes
        for table in db.tables:
            problems += constraint_violations(fake, table)
            n_real = _count(real, f"SELECT count(*) FROM {quote_ident(table.name)}")
            if n_real and not _count(fake, f"SELECT count(*) FROM {quote_ident(table.name)}"):
                notes.append("a source table with rows came out empty")
        return problems, notes
    finally:
        real.close()
        fake.close()


def repro(db: FuzzDatabase, outcome: Outcome, options=None) -> str:
    """A failure as one SQL file: how to run it (in comments), then the database's script."""
    head = [f"-- {outcome.status}: {outcome.label}",
            "-- python -c \"from amalgam_rel.connection import connect; connect('repro.duckdb').execute(open('repro.sql', encoding='utf-8').read())\"",
            f"-- python -m amalgam_rel.cli synth repro.duckdb -o out.duckdb {' '.join(options or synth_options())}"]
    head += ["-- " + line for line in outcome.detail.strip().splitlines()[-12:]]
    return "\n".join(head) + "\n" + db.script()
