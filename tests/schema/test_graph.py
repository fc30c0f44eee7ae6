import pytest

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.graph import fk_graph
from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
from amalgam_rel.schema.types import parse_type

INT = parse_type("INTEGER")


def table(name, *cols, pk=("id",), nullable=True):
    return Table(name, (Column("id", INT, False),) + tuple(Column(c, INT, nullable) for c in cols), pk)


def test_order_depth_self_references_and_bridges(all_types_db):
    db = read_duckdb(all_types_db)
    g = fk_graph(db)
    pos = {t: i for i, t in enumerate(g.order)}
    for fk in db.foreign_keys:
        if not fk.is_self_reference:
            assert pos[fk.ref_table] < pos[fk.table]
    assert {fk.table for fk in g.self_references} == {"employee"}
    assert "customer_product" in g.bridges and "customer_profile" not in g.bridges
    assert g.depth["customer"] == 0 and g.depth["customer_product"] == 1
    assert g.cycles == () and g.broken == ()


def test_three_level_chain_depth():
    db = Database(
        (table("c", "b_id"), table("b", "a_id"), table("a")),
        (ForeignKey("c", ("b_id",), "b", ("id",), True), ForeignKey("b", ("a_id",), "a", ("id",), True)),
    )
    g = fk_graph(db)
    assert g.order == ("a", "b", "c") and g.depth == {"a": 0, "b": 1, "c": 2} and g.roots == ("a",)


def test_cycle_is_broken_at_a_nullable_edge_preferring_logical():
    country = table("country", "capital")
    city = table("city", "country_id", nullable=False)
    db = Database(
        (country, city),
        (ForeignKey("city", ("country_id",), "country", ("id",), False),
         ForeignKey("country", ("capital",), "city", ("id",), True, "logical")),
    )
    g = fk_graph(db)
    assert g.cycles == (("city", "country"),)
    assert [fk.columns for fk in g.broken] == [("capital",)]
    assert g.order == ("country", "city")


def test_cycle_without_nullable_edge_is_an_error():
    db = Database(
        (table("a", "b_id", nullable=False), table("b", "a_id", nullable=False)),
        (ForeignKey("a", ("b_id",), "b", ("id",), False, "logical"),
         ForeignKey("b", ("a_id",), "a", ("id",), False, "logical")),
    )
    with pytest.raises(SchemaError, match="no nullable foreign key"):
        fk_graph(db)


def test_a_table_with_one_parent_is_not_a_bridge():
    db = Database((table("p"), table("c", "p_id", "q_id")),
                  (ForeignKey("c", ("p_id",), "p", ("id",), True), ForeignKey("c", ("q_id",), "p", ("id",), True)))
    assert fk_graph(db).bridges == ()
