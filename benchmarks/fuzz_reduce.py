"""Shrink a failing generated database to a small one that fails the same way.

Hypothesis shrinks the failures of ``tests/test_fuzz.py``; the fuzz run (``benchmarks/fuzz.py
--reduce``) meets many failure classes in one pass and reduces each one's smallest example with
:func:`reduce`: a greedy loop that keeps any simplification (drop a table, a foreign key, a column,
a constraint, rows; NULL a column) after which the database still builds and the outcome keeps
its class.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from benchmarks.fuzz_schema import FuzzDatabase, FuzzTable
from benchmarks.fuzz_types import quote_ident


def clone(db: FuzzDatabase) -> FuzzDatabase:
    return FuzzDatabase([FuzzTable(t.name, [copy.copy(c) for c in t.columns], t.primary_key, list(t.uniques),
                                   list(t.foreign_keys), list(t.checks), [dict(r) for r in t.rows], set(t.features))
                         for t in db.tables])


def _table(db: FuzzDatabase, name: str) -> FuzzTable:
    return next(t for t in db.tables if t.name == name)


def drop_columns(db: FuzzDatabase, table_name: str, names: set[str]) -> None:
    """Remove columns with every key, foreign key and CHECK that uses them, here and in children."""
    pending = [(table_name, set(names))]
    while pending:
        table_name, names = pending.pop()
        if not any(t.name == table_name for t in db.tables):
            continue
        table = _table(db, table_name)
        table.columns = [c for c in table.columns if c.name not in names]
        if names & set(table.primary_key):
            table.primary_key = ()
        table.uniques = [u for u in table.uniques if not names & set(u)]
        table.checks = [c for c in table.checks if not any(quote_ident(n) in c for n in names)]
        for fk in list(table.foreign_keys):
            if names & set(fk.columns):
                table.foreign_keys.remove(fk)
        for row in table.rows:
            for n in names:
                row.pop(n, None)
        keys = set(table.referable_keys())
        for child in db.tables:  # a foreign key to a key that is gone goes, with its columns
            for fk in child.foreign_keys:
                if fk.parent == table.name and fk.parent_columns not in keys:
                    pending.append((child.name, set(fk.columns)))
        if not table.columns:
            drop_table(db, table.name)


def drop_table(db: FuzzDatabase, name: str) -> None:
    for child in db.tables:
        if child.name != name:
            refs = {c for fk in child.foreign_keys if fk.parent == name for c in fk.columns}
            if refs:
                drop_columns(db, child.name, refs)
    db.tables = [t for t in db.tables if t.name != name]


def repair_rows(db: FuzzDatabase) -> None:
    """Drop rows whose foreign keys lead nowhere any more (after rows of a parent were dropped)."""
    for table in db.tables:
        kept: list[dict] = []
        for row in table.rows:
            ok = True
            for fk in table.foreign_keys:
                value = tuple(row[c] for c in fk.columns)
                if None in value:
                    continue
                parent_rows = kept if fk.parent == table.name else _table(db, fk.parent).rows
                ok &= value in {tuple(r[c] for c in fk.parent_columns) for r in parent_rows}
            if ok:
                kept.append(row)
        table.rows = kept


def _simplifications(db: FuzzDatabase) -> Iterator[FuzzDatabase]:
    """Candidates, biggest cut first."""
    for t in reversed(db.tables):
        yield _edit(db, lambda d, t=t: drop_table(d, t.name))
    for t in db.tables:  # in batches: every column outside the keys, every constraint, every row
        yield _edit(db, lambda d, t=t: drop_columns(d, t.name, _unkeyed(t)))
        yield _edit(db, lambda d, t=t: (_table(d, t.name).checks.clear(), _table(d, t.name).uniques.clear()))
        yield _edit(db, lambda d, t=t: _table(d, t.name).rows.clear())
    for t in db.tables:
        for fk in t.foreign_keys:
            yield _edit(db, lambda d, t=t, fk=fk: drop_columns(d, t.name, set(fk.columns)))
        if len(t.rows) > 1:
            yield _edit(db, lambda d, t=t: setattr(_table(d, t.name), "rows", _table(d, t.name).rows[: len(t.rows) // 2]))
        for i in reversed(range(len(t.rows))):
            yield _edit(db, lambda d, t=t, i=i: _table(d, t.name).rows.pop(i))
        for c in t.columns:
            yield _edit(db, lambda d, t=t, c=c: drop_columns(d, t.name, {c.name}))
        for i in range(len(t.checks)):
            yield _edit(db, lambda d, t=t, i=i: _table(d, t.name).checks.pop(i))
        for i in range(len(t.uniques)):
            yield _edit(db, lambda d, t=t, i=i: _table(d, t.name).uniques.pop(i))
        for c in t.columns:
            if not c.not_null and c.name not in t.primary_key and any(r[c.name] is not None for r in t.rows):
                yield _edit(db, lambda d, t=t, c=c: [r.update({c.name: None}) for r in _table(d, t.name).rows])
            if c.not_null and c.name not in t.primary_key:
                yield _edit(db, lambda d, t=t, c=c: setattr(_table(d, t.name).column(c.name), "not_null", False))
            if c.default is not None:
                yield _edit(db, lambda d, t=t, c=c: setattr(_table(d, t.name).column(c.name), "default", None))


def _unkeyed(table: FuzzTable) -> set[str]:
    keyed = set(table.primary_key) | {c for u in table.uniques for c in u}
    keyed |= {c for fk in table.foreign_keys for c in fk.columns}
    return {c.name for c in table.columns} - keyed


def _edit(db: FuzzDatabase, change: Callable[[FuzzDatabase], object]) -> FuzzDatabase:
    candidate = clone(db)
    change(candidate)
    repair_rows(candidate)
    return candidate


def builds(db: FuzzDatabase) -> bool:
    if not db.tables:
        return False
    with tempfile.TemporaryDirectory(prefix="amalgam-reduce-") as tmp:
        try:
            db.build(Path(tmp) / "x.duckdb")
        except duckdb.Error:
            return False
    return True


def reduce(db: FuzzDatabase, fails_alike: Callable[[FuzzDatabase], bool], budget: int = 300) -> FuzzDatabase:
    """The smallest database found from ``db`` by single simplifications that keep ``fails_alike``
    true; at most ``budget`` calls of ``fails_alike``."""
    calls, improved = 0, True
    while improved and calls < budget:
        improved = False
        for candidate in _simplifications(db):
            if not builds(candidate) or len(candidate.script()) >= len(db.script()):
                continue
            calls += 1
            if fails_alike(candidate):
                db, improved = candidate, True
                break
            if calls >= budget:
                break
    return db
