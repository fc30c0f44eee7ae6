import os

import duckdb
import pyarrow as pa
import pytest

from amalgam_rel.errors import DataError, OutputError
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
from amalgam_rel.schema.types import parse_type
from amalgam_rel.writing.writer import DatabaseWriter

INT = parse_type("INTEGER")


@pytest.mark.parametrize("fixture", ["all_types_db", "hostile_db"])
def test_roundtrip_keeps_ddl_and_rows(request, tmp_path, roundtrip, fixture):
    source = request.getfixturevalue(fixture)
    db, copied, diffs, same_constraints = roundtrip(source, tmp_path / "copy.duckdb")
    assert same_constraints
    assert copied == db  # types, named ENUMs, defaults, sequences, indexes, keys: the same model
    assert set(diffs.values()) == {0}
    assert all(t.row_count > 0 for t in copied.tables)


def employees(rows):
    return pa.table({"id": [r[0] for r in rows], "boss": [r[1] for r in rows]}, schema=pa.schema([("id", pa.int32()), ("boss", pa.int32())]))


SELF_REF = Database(
    (Table("emp", (Column("id", INT, False), Column("boss", INT)), ("id",)),),
    (ForeignKey("emp", ("boss",), "emp", ("id",), True),),
)


def test_self_referencing_rows_are_inserted_parents_first(tmp_path):
    # children listed before their parents: a plain INSERT would violate the FK
    rows = [(5, 4), (4, 3), (3, 1), (2, 1), (1, None), (6, None)]
    out = tmp_path / "emp.duckdb"
    with DatabaseWriter(SELF_REF, out) as w:
        w.append("emp", employees(rows[:4] + rows[4:]))
        w.append("emp", employees([(7, 5)]))  # a parent from an earlier chunk
    con = duckdb.connect(str(out), read_only=True)
    assert sorted(con.execute('SELECT id, boss FROM emp').fetchall(), key=lambda r: r[0]) == sorted(rows + [(7, 5)])


def test_self_reference_cycle_in_data_is_an_error(tmp_path):
    with pytest.raises(DataError, match="form a cycle"):
        with DatabaseWriter(SELF_REF, tmp_path / "x.duckdb") as w:
            w.append("emp", employees([(1, 2), (2, 1)]))
    assert not list(tmp_path.iterdir())  # nothing half-written is left behind


def test_declared_cycle_edge_is_filled_after_both_tables(tmp_path):
    # a: (id, b_id -> b declared, nullable) ; b: (id, a_id -> a logical): the declared edge is broken
    a = Table("a", (Column("id", INT, False), Column("b_id", INT)), ("id",))
    b = Table("b", (Column("id", INT, False), Column("a_id", INT, False)), ("id",))
    db = Database((a, b), (ForeignKey("a", ("b_id",), "b", ("id",), True), ForeignKey("b", ("a_id",), "a", ("id",), False, "logical")))
    # the writer must not declare a -> b before b exists; the graph orders a first (b depends on a logically)
    out = tmp_path / "cyc.duckdb"
    with DatabaseWriter(db, out) as w:
        w.append("b", pa.table({"id": [10, 11], "a_id": [1, 2]}))
        w.append("a", pa.table({"id": [1, 2], "b_id": [11, None]}))
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT id, b_id FROM a ORDER BY id").fetchall() == [(1, 11), (2, None)]


def test_constraint_violation_is_raised_never_dropped(tmp_path):
    db = Database((Table("t", (Column("id", INT, False),), ("id",)),))
    with pytest.raises(DataError, match="writing table 't'.*[Dd]uplicate key"):
        with DatabaseWriter(db, tmp_path / "t.duckdb") as w:
            w.append("t", pa.table({"id": [1, 1]}))
    assert not (tmp_path / "t.duckdb").exists()


def test_an_insert_failing_on_the_insert_thread_stops_the_writer(tmp_path):
    # inserts run beside the caller (writing/background.py): the error comes at a later call, the
    # inserts after it never run, and the output is never put in place
    db = Database((Table("t", (Column("id", INT, False),), ("id",)),))
    appended = 0
    with pytest.raises(DataError, match="writing table 't'.*[Dd]uplicate key"):
        with DatabaseWriter(db, tmp_path / "t.duckdb") as w:
            for part in ([1, 2], [2, 3], [4], [5], [6]):
                w.append("t", pa.table({"id": part}))
                appended += 1
    assert appended < 5 and not list(tmp_path.iterdir())


def test_a_failure_while_inserts_are_pending_leaves_nothing(tmp_path):
    db = Database((Table("t", (Column("id", INT, False),), ("id",)),))
    with pytest.raises(RuntimeError, match="boom"):
        with DatabaseWriter(db, tmp_path / "t.duckdb") as w:
            w.append("t", pa.table({"id": list(range(200_000))}))
            raise RuntimeError("boom")
    assert not list(tmp_path.iterdir())


def test_output_rules(tmp_path, all_types_db):
    db = read_duckdb(all_types_db)
    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="already exists"):
        DatabaseWriter(db, existing).__enter__()
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(OutputError, match="refusing to write onto the source"):
        DatabaseWriter(db, all_types_db, force=True, source=all_types_db).__enter__()
    with pytest.raises(OutputError, match="does not exist"):
        DatabaseWriter(db, tmp_path / "no" / "dir" / "x.duckdb").__enter__()
    with DatabaseWriter(db, existing, force=True):
        pass
    assert read_duckdb(existing).table_names == db.table_names


def test_unwritable_folder(tmp_path, all_types_db, monkeypatch):
    # tests run as root on CI, where a chmod'ed folder stays writable; ask the permission check directly
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(tmp_path) else real_access(p, mode))
    with pytest.raises(OutputError, match="not writable"):
        DatabaseWriter(read_duckdb(all_types_db), tmp_path / "x.duckdb").__enter__()


def test_failure_inside_the_block_keeps_the_old_output(tmp_path, all_types_db):
    db = read_duckdb(all_types_db)
    out = tmp_path / "out.duckdb"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with DatabaseWriter(db, out, force=True):
            raise RuntimeError("boom")
    assert out.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.duckdb"]


def test_huge_integers_drawn_as_doubles_at_the_type_edge_are_written(tmp_path):
    # a fuzz find: DuckDB refuses to cast the double -2.0**127 to HUGEINT, the type's own minimum
    db = Database((Table("t", (Column("h", parse_type("HUGEINT")), Column("u", parse_type("UHUGEINT")))),))
    out = tmp_path / "h.duckdb"
    with DatabaseWriter(db, out) as w:
        w.append("t", pa.table({"h": [-(2.0**127), 2.0**127, None, 5.0], "u": [2.0**128, 0.0, 1.0, None]}))
    con = duckdb.connect(str(out), read_only=True)
    rows = con.execute("SELECT h, u FROM t").fetchall()
    assert rows[2:] == [(None, 1), (5, None)] and rows[0][0] < -1.7e38 and rows[0][1] > 3.4e38
