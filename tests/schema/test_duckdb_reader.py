import duckdb
import pytest

from amalgam_rel.errors import InputError
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.model import ForeignKey
from amalgam_rel.schema.types import Kind


def test_reads_every_type_and_constraint(all_types_db):
    db = read_duckdb(all_types_db)
    customer = db.table("customer")
    kinds = {c.type.kind for c in customer.columns}
    assert kinds >= {Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT, Kind.BOOLEAN, Kind.STRING, Kind.DATE, Kind.TIME,
                     Kind.TIMESTAMP, Kind.INTERVAL, Kind.UUID, Kind.BLOB, Kind.ENUM, Kind.STRUCT, Kind.LIST,
                     Kind.ARRAY, Kind.MAP, Kind.JSON}
    assert customer.column("t_mood").type.enum_name == "mood"
    assert customer.column("t_enum").type.enum_name is None
    assert customer.column("t_enum").type.labels == ("bronze", "silver", "gold")
    nested = customer.column("t_nested").type
    assert nested.kind is Kind.LIST and nested.element.fields[1][1].value.fields[1][1].enum_name == "mood"
    assert customer.column("t_struct").type.fields[1][0] == "zip code"
    assert customer.column("t_array").type.size == 3
    assert customer.column("t_wide_dec").type.precision == 38
    assert customer.column("t_tstz").type.has_timezone
    assert customer.column("id").default == "nextval('customer_seq')"
    assert customer.column("t_mood").default == "'ok'" and not customer.column("t_mood").nullable
    assert customer.primary_key == ("id",)
    assert customer.unique == (("email",), ("region", "city"))
    assert len(customer.checks) == 2 and customer.row_count == 2
    assert db.enum_types[0].name == "mood" and db.enum_types[0].labels == ("sad", "ok", "happy")
    # DuckDB reports where the sequence continues: after the two fixture rows, not its original START
    assert db.sequences[0].name == "customer_seq" and db.sequences[0].start == 1002
    assert [i.name for i in db.indexes] == ["shipment_handler"]


def test_reads_every_key_shape(all_types_db):
    db = read_duckdb(all_types_db)
    assert db.table("warehouse").primary_key == ("code", "site")
    fks = set(db.foreign_keys)
    assert ForeignKey("shipment", ("from_code", "from_site"), "warehouse", ("code", "site"), False) in fks
    assert ForeignKey("shipment", ("to_code", "to_site"), "warehouse", ("code", "site"), True) in fks
    self_refs = [fk for fk in db.foreign_keys if fk.is_self_reference]
    assert {fk.columns for fk in self_refs} == {("manager_id",), ("mentor_id",)}
    one_to_one = db.foreign_keys_of("customer_profile")[0]
    assert one_to_one.columns == db.table("customer_profile").primary_key
    assert {fk.ref_table for fk in db.foreign_keys_of("customer_product")} == {"customer", "product"}
    assert all(fk.kind == "declared" for fk in db.foreign_keys)


def test_checks_are_sqlglot_expressions(all_types_db):
    from sqlglot import exp

    check = read_duckdb(all_types_db).table("product").checks
    assert all(isinstance(c, exp.Expression) for c in check)
    assert any(isinstance(c.unnest(), exp.Like) for c in check)


def test_source_is_opened_read_only(all_types_db):
    con = open_duckdb(all_types_db)
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("CREATE TABLE intruder (x INTEGER)")
    con.close()


def test_hostile_identifiers_are_read_verbatim(hostile_db):
    db = read_duckdb(hostile_db)
    assert db.table_names == ('x"; DROP TABLE t; --', "Order")
    evil = db.table('x"; DROP TABLE t; --')
    assert evil.column_names == ("select", "Mixed Case", "a b", "ünïcødé", "it's", 'nested "s"')
    assert evil.column("ünïcødé").type.enum_name == 'my "mood"'
    assert db.table("Order").unique == (("parent id", 'ref"'),)


@pytest.mark.parametrize("make,expected", [
    (lambda p: p, "not found"),
    (lambda p: (p.write_text("hello, not a database"), p)[1], "is a text file; amalgam-rel reads DuckDB database files"),
    (lambda p: (p.write_bytes(b"\x00" * 64), p)[1], "is not a DuckDB database file"),
    (lambda p: (p.mkdir(), p)[1], "is a directory"),
])
def test_bad_sources_give_one_line_errors(tmp_path, make, expected):
    path = make(tmp_path / "bad.duckdb")
    with pytest.raises(InputError, match=expected) as info:
        read_duckdb(path)
    assert "\n" not in str(info.value)
