"""The SRC / -o parser: every kind of place, passwords never shown, bad locations one line each."""

import sqlite3

import pytest

from amalgam_rel.errors import LocationError
from amalgam_rel.locations import parse_location


@pytest.mark.parametrize("text, kind", [
    ("shop.duckdb", "duckdb"), ("duckdb:shop.db", "duckdb"), ("schema.sql", "ddl"), ("s.DDL", "ddl"),
    ("sqlite:shop.db", "sqlite"), ("parquet:out/", "parquet"), ("csv:data", "csv"), ("jsonl:data", "jsonl"),
    ("postgresql://localhost/test", "postgres"), ("postgres://u@h/db", "postgres"),
    ("mysql://root@127.0.0.1:3306/test", "mysql"), ("mariadb://root@h/test", "mysql"),
])
def test_kinds(text, kind):
    assert parse_location(text).kind == kind


def test_a_sqlite_file_is_recognised_by_its_header(tmp_path):
    path = tmp_path / "shop.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    loc = parse_location(path)
    assert (loc.kind, loc.path) == ("sqlite", path)


def test_paths_lose_their_prefix():
    assert str(parse_location("parquet:out/dir").path) == "out/dir"
    assert str(parse_location("shop.duckdb").path) == "shop.duckdb"


def test_schemas():
    assert parse_location("postgresql://h/db").schema == "public"
    assert parse_location("postgresql://h/db", schema="s").schema == "s"
    assert parse_location("mysql://root@h/test").schema == "test"
    with pytest.raises(LocationError, match="--schema applies"):
        parse_location("shop.duckdb", schema="s")
    with pytest.raises(LocationError, match="differ"):
        parse_location("mysql://root@h/test", schema="other")


def test_passwords_are_never_shown():
    loc = parse_location("postgresql://app:s3cret@h:5432/db")
    assert "s3cret" not in loc.shown() and "***" in loc.shown()
    assert "s3cret" in loc.text  # the reader still needs it
    with pytest.raises(LocationError) as err:
        parse_location("oracle://app:s3cret@h/db")
    assert "s3cret" not in str(err.value) and "oracle://" in str(err.value)


@pytest.mark.parametrize("text, says", [("", "empty"), ("sqlite:", "names no sqlite path"),
                                         ("postgresql://", "names no host")])
def test_bad_locations_are_one_line(text, says):
    with pytest.raises(LocationError, match=says) as err:
        parse_location(text)
    assert "\n" not in str(err.value)
