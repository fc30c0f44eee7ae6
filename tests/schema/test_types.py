import duckdb
import pytest

from amalgam_rel.errors import UnsupportedTypeError
from sqlglot import exp

from amalgam_rel.schema.types import Kind, from_sqlglot, parse_type

CASES = {
    "TINYINT": Kind.INTEGER, "SMALLINT": Kind.INTEGER, "INTEGER": Kind.INTEGER, "BIGINT": Kind.INTEGER,
    "HUGEINT": Kind.INTEGER, "UTINYINT": Kind.INTEGER, "USMALLINT": Kind.INTEGER, "UINTEGER": Kind.INTEGER,
    "UBIGINT": Kind.INTEGER, "UHUGEINT": Kind.INTEGER, "DECIMAL(10,2)": Kind.DECIMAL, "DECIMAL(38,10)": Kind.DECIMAL,
    "FLOAT": Kind.FLOAT, "DOUBLE": Kind.FLOAT, "BOOLEAN": Kind.BOOLEAN, "VARCHAR": Kind.STRING,
    "DATE": Kind.DATE, "TIME": Kind.TIME, "TIME WITH TIME ZONE": Kind.TIME, "TIMESTAMP": Kind.TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": Kind.TIMESTAMP, "TIMESTAMP_S": Kind.TIMESTAMP, "TIMESTAMP_MS": Kind.TIMESTAMP,
    "TIMESTAMP_NS": Kind.TIMESTAMP, "INTERVAL": Kind.INTERVAL, "UUID": Kind.UUID, "BLOB": Kind.BLOB,
    "BIT": Kind.BIT, "JSON": Kind.JSON, "ENUM('a', 'it''s', 'x\"y')": Kind.ENUM,
    'STRUCT("a" INTEGER, "b c" VARCHAR[])': Kind.STRUCT, "INTEGER[]": Kind.LIST, "INTEGER[3]": Kind.ARRAY,
    "MAP(VARCHAR, DOUBLE)": Kind.MAP, 'UNION("n" INTEGER, "s" VARCHAR)': Kind.UNION,
    'STRUCT("a" STRUCT("b" MAP(INTEGER, VARCHAR[])))[2]': Kind.ARRAY,
    'MAP(VARCHAR, STRUCT("v" DOUBLE, "t" TIMESTAMP)[])[]': Kind.LIST,
}


@pytest.mark.parametrize("text,kind", CASES.items())
def test_every_type_parses_renders_and_is_accepted_by_duckdb(text, kind):
    t = parse_type(text)
    assert t.kind is kind
    assert parse_type(t.sql()) == t  # our spelling round-trips
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t (x {t.sql()})")
    reported = con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 't'").fetchone()[0]
    assert parse_type(reported) == t  # DuckDB's spelling of our DDL is the same type


def test_type_tree_details():
    t = parse_type('STRUCT("a b" DECIMAL(9,3), "c" ENUM(\'x\', \'y\')[4], "m" MAP(VARCHAR, JSON))')
    (a_name, a), (c_name, c), (m_name, m) = t.fields
    assert (a_name, a.precision, a.scale) == ("a b", 9, 3)
    assert c.kind is Kind.ARRAY and c.size == 4 and c.element.labels == ("x", "y")
    assert m.key.kind is Kind.STRING and m.value.kind is Kind.JSON
    assert [n.kind for n in t.walk()][:3] == [Kind.STRUCT, Kind.DECIMAL, Kind.ARRAY]
    assert t.is_nested and not a.is_nested and a.is_numeric
    assert parse_type("SMALLINT").integer_range == (-32768, 32767)
    assert parse_type("TIMESTAMP WITH TIME ZONE").has_timezone
    # DuckDB's catalog forgets VARCHAR(n); DDL in other dialects keeps it and the model does too
    assert from_sqlglot(exp.DataType.build("VARCHAR(12)", dialect="postgres"), {}).sql() == "VARCHAR(12)"


def test_named_enum_is_kept_by_name():
    t = parse_type("ENUM('a', 'b')", enum_names={("a", "b"): 'my "mood"'})
    assert t.enum_name == 'my "mood"' and t.sql() == '"my ""mood"""'
    assert t.sql(named_enums=False) == "ENUM('a', 'b')"


@pytest.mark.parametrize("text", ["GEOMETRY", "tsvector", "STRUCT()", "MAP(INTEGER)", "DECIMAL(x)", "INTEGER[x]", "VARINT"])
def test_unsupported_types_raise_one_line_errors(text):
    with pytest.raises(UnsupportedTypeError) as info:
        parse_type(text)
    assert "\n" not in str(info.value) and text.split("(")[0].split("[")[0] in str(info.value)
