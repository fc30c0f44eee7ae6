"""Recognise a source that is not a DuckDB database file, so the error can say what it is.

DuckDB itself answers a SQLite file by trying to download its sqlite extension, and a CSV or
Parquet file with "Cannot launch in-memory database in read-only mode!". Neither tells the
user what went wrong. The file's first bytes (and, for text, its name) do.

>>> import pathlib, sqlite3, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "shop.db"
>>> sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
>>> print(not_a_duckdb_file(path))  # doctest: +ELLIPSIS
/.../shop.db is a SQLite database; read it as sqlite:PATH
"""

from __future__ import annotations

from pathlib import Path

DDL_SUFFIXES = {".sql", ".ddl"}
_READS = "amalgam-rel reads DuckDB database files and DDL (.sql) files"
# DuckDB's main header: an 8-byte checksum, then the magic bytes
_DUCKDB_MAGIC_AT, _DUCKDB_MAGIC = 8, b"DUCK"
_BINARY = (  # (leading bytes, what a file that starts with them is)
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"ARROW1", "an Arrow IPC (Feather) file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PK\x03\x04", "a ZIP archive (an Excel workbook is one)"),
    (b"%PDF", "a PDF document"),
)
# what a source of a kind amalgam-rel reads by another name is read as (amalgam_rel.locations)
_OTHER_KINDS = {"a SQLite database": "read it as sqlite:PATH",
                "a Parquet file": "a folder of them, one per table, is read as parquet:DIR",
                "a CSV file": "a folder of them, one per table, is read as csv:DIR"}
_TEXT = {".csv": "a CSV file", ".tsv": "a TSV file", ".json": "a JSON file", ".jsonl": "a JSON-lines file",
         ".ndjson": "a JSON-lines file", ".xml": "an XML file"}


def is_ddl_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in DDL_SUFFIXES


def not_a_duckdb_file(path: str | Path) -> str | None:
    """One line saying what ``path`` is, when it is certainly not a DuckDB database file; else None.

    A file that exists and starts like a DuckDB database gives None (DuckDB itself then reports
    a damaged or too new file).
    """
    path = Path(path)
    if path.is_dir():
        return f"{path} is a directory, not a DuckDB database file"
    if is_ddl_file(path):
        return (f"{path} is a DDL file: it has no rows; this command needs a DuckDB database "
                "(inspect and clone-schema read DDL files)")
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as err:
        return f"cannot read {path}: {err.strerror}"
    if not head:
        return f"{path} is an empty file, not a DuckDB database file"
    if head[_DUCKDB_MAGIC_AT:_DUCKDB_MAGIC_AT + len(_DUCKDB_MAGIC)] == _DUCKDB_MAGIC:
        return None
    what = next((kind for magic, kind in _BINARY if head.startswith(magic)), None)
    if what is None and _is_text(head):
        what = _TEXT.get(path.suffix.lower(), "a text file")
    if what is None:
        return f"{path} is not a DuckDB database file; {_READS}"
    return f"{path} is {what}; {_OTHER_KINDS.get(what, _READS)}"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start > len(head) - 4  # a character cut at the end of the sample is still text
    return True
