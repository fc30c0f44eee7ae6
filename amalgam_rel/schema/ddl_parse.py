"""Read a DDL file's text and parse it into statements, each knowing the line it starts on.

Part of :mod:`.ddl_reader`: sqlglot parses the text in its own dialect, one ``;``-separated
chunk at a time; what sqlglot cannot parse in a dialect (DuckDB's CREATE TYPE ... AS ENUM,
SQLite's trailing table options) is mended here, so the later steps see ordinary ASTs.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from amalgam_rel.errors import InputError, SchemaError

DIALECTS = ("duckdb", "postgres", "mysql", "sqlite")
_T = exp.DataType.Type


def read_text(path: Path) -> str:
    if not path.exists():
        raise InputError(f"DDL file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a DDL file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


@dataclass(frozen=True)
class Statement:
    node: exp.Expression
    line: int


@contextmanager
def quiet_sqlglot():
    # sqlglot logs a warning for every statement it keeps as a Command (SET, LOCK TABLES,
    # OWNER TO); those are expected here and handled below, so keep them off the user's screen.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def parse_statements(text: str, dialect: str, source: str) -> list[Statement]:
    """Parse ``text`` one statement at a time, so every statement knows its first line."""
    if dialect not in DIALECTS:
        raise SchemaError(f"unknown SQL dialect {dialect!r} for {source} (expected one of {', '.join(DIALECTS)})")
    d = Dialect.get_or_raise(dialect)
    tokenizer = d.tokenizer()
    try:
        tokens = tokenizer.tokenize(text)
    except TokenError:
        # the failing token starts after the last one read: where an unclosed quote opens
        done = tokenizer.tokens
        at = done[-1].end + 1 if done else 0
        at += len(text[at:]) - len(text[at:].lstrip())
        line = text.count("\n", 0, at) + 1
        raise SchemaError(f"{source}, line {line}: cannot read the SQL (an unclosed quote or comment?)") from None
    out = []
    for chunk in _chunks(tokens):
        if dialect == "sqlite":
            chunk = _drop_sqlite_table_options(chunk)
        try:
            with quiet_sqlglot():
                nodes = _parser(d, dialect).parse(chunk, text)
        except ParseError as err:
            e = err.errors[0] if err.errors else {}
            where = f"line {e.get('line', chunk[0].line)}, column {e.get('col', '?')}"
            raise SchemaError(f"{source}, {where}: syntax error: {e.get('description', err)}") from None
        nodes = [_enum_type(n, chunk, text) if dialect == "duckdb" else n for n in nodes]
        out += [Statement(n, chunk[0].line) for n in nodes if n is not None and not isinstance(n, exp.Semicolon)]
    return out


def _parser(d: Dialect, dialect: str):
    parser = d.parser()
    if dialect == "duckdb":
        # sqlglot's duckdb parser drops VARCHAR(n) lengths (DuckDB ignores them); the model keeps them
        parser.TYPE_CONVERTERS = {k: v for k, v in parser.TYPE_CONVERTERS.items() if k != _T.TEXT}
    return parser


def _enum_type(node: exp.Expression | None, chunk: list[Token], text: str) -> exp.Expression | None:
    # sqlglot's duckdb parser keeps CREATE TYPE ... AS ENUM as a Command; postgres spells it the
    # same way and parses it, so read that one statement as postgres.
    if isinstance(node, exp.Command) and [t.text.upper() for t in chunk[:2]] == ["CREATE", "TYPE"]:
        try:
            with quiet_sqlglot():
                parsed = sqlglot.parse_one(text[chunk[0].start : chunk[-1].end + 1], read="postgres")
        except ParseError:  # another kind of CREATE TYPE: skipped, and a column using it is refused
            return node
        if isinstance(parsed, exp.Create):
            return parsed
    return node


def _chunks(tokens: list[Token]) -> list[list[Token]]:
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [c for c in chunks if c]


def _drop_sqlite_table_options(chunk: list[Token]) -> list[Token]:
    # sqlglot falls back to an unparsed Command for ``) WITHOUT ROWID`` and ``) STRICT``; both
    # only change SQLite's storage, so drop them at the token level (never inside a string).
    words = [t.text.upper() if t.token_type != TokenType.STRING else "" for t in chunk]
    end = len(words)
    while end and (words[end - 1] in ("STRICT", ",") or words[max(end - 2, 0):end] == ["WITHOUT", "ROWID"]):
        end -= 2 if words[end - 1] == "ROWID" else 1
    if end < len(words) and words[:1] == ["CREATE"] and words[end - 1] == ")":
        return chunk[:end]
    return chunk
