"""Where a database is: the one parser of the SRC and ``-o`` arguments every command accepts.

A location is a DuckDB file, a DDL or SQL script (``.sql``/``.ddl``), a SQLite file
(``sqlite:PATH``, or recognised by its header when read), a server (``postgresql://…``,
``mysql://…``) or a folder of one file per table (``parquet:DIR``, ``csv:DIR``, ``jsonl:DIR``:
JSON lines, one object per row). Readers and writers dispatch on :attr:`Location.kind`; this module only names the place, it opens nothing.

A password in a URL is kept (the reader needs it) but never shown: :meth:`Location.shown` is
what messages print.

>>> loc = parse_location("postgresql://app:s3cret@db.example:5432/shop", schema="sales")
>>> loc.kind, loc.schema, loc.shown()
('postgres', 'sales', 'postgresql://app:***@db.example:5432/shop')
>>> parse_location("sqlite:data/shop.db").path
PosixPath('data/shop.db')
>>> parse_location("shop.duckdb").kind
'duckdb'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from amalgam_rel.errors import LocationError

SERVER_KINDS = ("postgres", "mysql")
FOLDER_KINDS = ("parquet", "csv", "jsonl")
KINDS = ("duckdb", "ddl", "sqlite", *SERVER_KINDS, *FOLDER_KINDS)
_SCHEMES = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mysql"}
_PREFIXES = {"sqlite": "sqlite", "parquet": "parquet", "csv": "csv", "jsonl": "jsonl", "duckdb": "duckdb"}
_DDL_SUFFIXES = (".sql", ".ddl")
_SQLITE_HEADER = b"SQLite format 3\x00"
_PASSWORD = re.compile(r"(?<=:)[^:@/]*(?=@)")


@dataclass(frozen=True)
class Location:
    """A database's place: ``kind`` (one of :data:`KINDS`) and its path or URL.

    ``text`` is what the user wrote (for a server, the URL with its password); ``schema`` is the
    server schema (PostgreSQL: default ``public``; MySQL: the URL's database), else None.
    """

    kind: str
    text: str
    schema: str | None = None

    @property
    def path(self) -> Path:
        """The file or folder of a local location (``sqlite:`` and the other prefixes removed)."""
        if self.kind in SERVER_KINDS:
            raise LocationError(f"{self.shown()} is a server, not a file")
        prefix, sep, rest = self.text.partition(":")
        return Path(rest) if sep and prefix.lower() in _PREFIXES and not _is_drive(prefix) else Path(self.text)

    @property
    def is_server(self) -> bool:
        return self.kind in SERVER_KINDS

    def shown(self) -> str:
        """The location as messages print it: a URL's password replaced by ``***``."""
        if not self.is_server:
            return self.text
        parts = urlsplit(self.text)
        if parts.password is None:
            return self.text
        netloc = _PASSWORD.sub("***", parts.netloc, count=1)
        return urlunsplit(parts._replace(netloc=netloc))


def parse_location(text: str | Path, *, schema: str | None = None) -> Location:
    """The :class:`Location` ``text`` names; a one-line :class:`LocationError` when it names none.

    A plain path is a DDL file by its suffix, a SQLite file by its header (when it exists), and
    otherwise a DuckDB file. ``schema`` applies to servers only.
    """
    text = str(text)
    if not text.strip():
        raise LocationError("an empty location names no database")
    scheme = text.partition("://")[0].lower() if "://" in text else None
    if scheme is not None:
        return _server(text, scheme, schema)
    prefix, sep, rest = text.partition(":")
    if sep and prefix.lower() in _PREFIXES and not _is_drive(prefix):
        if not rest:
            raise LocationError(f"{text!r} names no {prefix} path after '{prefix}:'")
        return _local(_PREFIXES[prefix.lower()], text, schema)
    if text.lower().endswith(_DDL_SUFFIXES):
        return _local("ddl", text, schema)
    return _local("sqlite" if _has_sqlite_header(Path(text)) else "duckdb", text, schema)


def _server(text: str, scheme: str, schema: str | None) -> Location:
    kind = _SCHEMES.get(scheme)
    if kind is None:
        known = ", ".join(f"{s}://" for s in _SCHEMES)
        raise LocationError(f"{_PASSWORD.sub('***', text, count=1)}: unknown scheme '{scheme}://' (known: {known})")
    parts = urlsplit(text)
    if not parts.hostname and not parts.path.strip("/"):
        raise LocationError(f"{_PASSWORD.sub('***', text, count=1)} names no host and no database")
    if kind == "postgres":
        schema = schema or "public"
    else:  # MySQL has no schemas inside a database: the URL's database is the schema
        database = parts.path.strip("/")
        if schema and database and schema != database:
            raise LocationError(f"--schema {schema} and the URL's database {database} differ: MySQL has one per URL")
        schema = schema or database or None
    return Location(kind, text, schema)


def _local(kind: str, text: str, schema: str | None) -> Location:
    if schema is not None:
        raise LocationError(f"--schema applies to PostgreSQL and MySQL locations, not to {text}")
    return Location(kind, text)


def _is_drive(prefix: str) -> bool:
    return len(prefix) == 1  # "C:\\data\\shop.duckdb" is a Windows path, not a prefix


def _has_sqlite_header(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False
