"""File targets: a SQLite database, or a folder of one Parquet, CSV or JSON-lines file per table.

Each is built under a temporary name beside the target and renamed into place only when
complete (the rules of :mod:`amalgam_rel.outputs`); an existing target is replaced only with
``--force``.

- SQLite: the DDL (:mod:`.dialects`, foreign keys inside ``CREATE TABLE``) runs through Python's
  own ``sqlite3``; the rows go through DuckDB's ``sqlite`` scanner. SQLite enforces PRIMARY KEY,
  UNIQUE, NOT NULL and CHECK on insert; it checks foreign keys only when asked, so
  ``PRAGMA foreign_key_check`` runs before the file is put in place, and a violation fails it.
- Parquet / CSV / JSON lines: ``COPY`` of each table; a file enforces no constraint, so each is
  listed. JSON lines (``jsonl:DIR``, ``TABLE.jsonl``) hold one object per row, keyed by column
  name, in the table's column order: what a test suite in any language reads line by line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import duckdb
from sqlglot import exp

from amalgam_rel.connection import load_local_extension
from amalgam_rel.errors import DataError
from amalgam_rel.locations import Location
from amalgam_rel.outputs import mark_written, sweep_stale_temps, temp_path
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.writing.dialects import target_ddl
from amalgam_rel.writing.spelling import target_table_name
from amalgam_rel.writing.ddl import creation_order
from amalgam_rel.writing.export import refused, select_for, stored_columns

_ATTACHED = "target"
# DuckDB's COPY of a folder kind; its json writer writes newline-delimited objects unless ARRAY is asked
_COPY_OPTIONS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)", "jsonl": "(FORMAT json)"}


def write_sqlite(con: duckdb.DuckDBPyConnection, db: Database, location: Location, *, force: bool) -> list[str]:
    path = location.path
    ddl = target_ddl(db, "sqlite")
    sweep_stale_temps(path)
    tmp = temp_path(path)
    tmp.unlink(missing_ok=True)
    try:
        with _closing(sqlite3.connect(tmp)) as lite:
            lite.executescript("BEGIN;\n" + ";\n".join(ddl.tables) + ";\nCOMMIT;")
        load_local_extension(con, "sqlite_scanner")
        con.execute(f"ATTACH {exp.Literal.string(str(tmp)).sql('duckdb')} AS {_ATTACHED} (TYPE sqlite)")
        try:
            con.execute("BEGIN TRANSACTION")
            for key in creation_order(db):
                _insert(con, db.table(key), ddl.json_columns)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")  # else the DETACH below fails too, hiding SQLite's refusal
            raise
        finally:
            con.execute(f"DETACH {_ATTACHED}")
        with _closing(sqlite3.connect(tmp)) as lite:
            for statement in ddl.indexes:
                lite.execute(statement)
            for name, statement in ddl.views:  # one SQLite refuses is a note: the tables stand without it
                try:
                    lite.execute(statement)
                except sqlite3.Error as err:
                    ddl.notes.append(f"view {name}: not written ({err})")
            lite.commit()
            _check_foreign_keys(lite, location)
        os.replace(tmp, path)
    except (duckdb.Error, sqlite3.Error) as err:
        tmp.unlink(missing_ok=True)
        raise refused(location, err) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    mark_written(path)
    return ddl.notes


def _insert(con: duckdb.DuckDBPyConnection, table: Table, json_columns) -> None:
    select = select_for(table, "sqlite", json_columns)
    if not select:
        return
    columns = ", ".join(sql.ident(c.name).sql("duckdb") for c in stored_columns(table))
    name = exp.Table(this=sql.ident(target_table_name(table)), catalog=sql.ident(_ATTACHED))
    con.execute(f"INSERT INTO {name.sql('duckdb')} ({columns}) {select}")


def _check_foreign_keys(lite: sqlite3.Connection, location: Location) -> None:
    broken = lite.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, row, parent, _ = broken[0]
        raise DataError(f"cannot write {location.shown()}: {len(broken)} rows break a foreign key "
                        f"(first: table {table} row {row} -> {parent})")


class _closing:
    """``sqlite3.Connection``'s context manager commits but does not close: this closes too."""

    def __init__(self, lite: sqlite3.Connection):
        self.lite = lite

    def __enter__(self) -> sqlite3.Connection:
        return self.lite

    def __exit__(self, *exc) -> None:
        self.lite.close()


def folder_notes(db: Database, kind: str) -> list[str]:
    """Every constraint a folder of files drops, one line each."""
    notes = []
    for table in db.tables:
        if table.primary_key:
            notes.append(f"PRIMARY KEY {table.key}({', '.join(table.primary_key)}): not enforced by {kind} files")
        notes += [f"UNIQUE {table.key}({', '.join(u)}): not enforced by {kind} files" for u in table.unique]
        notes += [f"CHECK ({sql.render(c)}) on {table.key}: not enforced by {kind} files"
                  for c in table.checks if c not in table.logical_checks]
        required = [c.name for c in table.columns if not c.nullable]
        if required:
            notes.append(f"NOT NULL {table.key}({', '.join(required)}): not enforced by {kind} files")
    notes += [f"FOREIGN KEY {fk.label}: not enforced by {kind} files" for fk in db.foreign_keys if fk.kind == "declared"]
    return notes


def write_folder(con: duckdb.DuckDBPyConnection, db: Database, location: Location, *, force: bool) -> list[str]:
    """One ``TABLE.parquet`` (``.csv`` with a header, ``.jsonl``) per table in the folder ``location``."""
    kind, path = location.kind, location.path
    sweep_stale_temps(path)
    tmp = temp_path(path)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    options = _COPY_OPTIONS[kind]
    try:
        for table in db.tables:
            select = select_for(table, "duckdb", set())
            if not select:
                continue
            file = tmp / f"{target_table_name(table)}.{kind}"
            con.execute(f"COPY ({select}) TO {exp.Literal.string(str(file)).sql('duckdb')} {options}")
        _replace_folder(tmp, path)
    except duckdb.Error as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise refused(location, err) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    mark_written(path)
    return folder_notes(db, kind)


def replace_folder(tmp: Path, path: Path) -> None:
    """Put the finished folder ``tmp`` at ``path``; an old one is moved aside first, then removed."""
    if path.exists():
        old = path.with_name(f".{path.name}.amalgam-old-{os.getpid()}")
        os.replace(path, old)
        try:
            os.replace(tmp, path)
        except OSError:
            os.replace(old, path)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


_replace_folder = replace_folder  # write_folder calls it by this name (a test breaks it there)
