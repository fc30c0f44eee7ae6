"""The foreign-key graph: generation order, self-references, cycles, bridges and depth.

Edges point from parent to child (``ref_table -> table``), so a topological order lists every
parent before its children. Self-references are kept apart (they order rows, not tables), and
each FK cycle is broken at one nullable edge, preferring a logical one, whose values are filled
after both tables exist.

>>> from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
>>> from amalgam_rel.schema.types import parse_type
>>> i = parse_type("INTEGER")
>>> a = Table("a", (Column("id", i, False),), ("id",))
>>> b = Table("b", (Column("id", i, False), Column("a_id", i)), ("id",))
>>> g = fk_graph(Database((b, a), (ForeignKey("b", ("a_id",), "a", ("id",), True),)))
>>> g.order, g.depth
(('a', 'b'), {'a': 0, 'b': 1})
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.model import Database, ForeignKey, Table


@dataclass(frozen=True)
class FkGraph:
    order: tuple[str, ...]  # every table, parents before children
    self_references: tuple[ForeignKey, ...]
    cycles: tuple[tuple[str, ...], ...]  # each cycle's tables, in FK direction
    broken: tuple[ForeignKey, ...]  # the edge chosen in each cycle: filled after both tables exist
    bridges: tuple[str, ...]
    depth: dict[str, int]  # longest chain of (non-broken) FKs from a root table

    @property
    def roots(self) -> tuple[str, ...]:
        return tuple(t for t in self.order if self.depth[t] == 0)


def fk_graph(db: Database) -> FkGraph:
    """Analyse the FK graph of ``db`` (declared and logical keys alike)."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(db.table_names)
    self_refs = []
    for fk in db.foreign_keys:
        if fk.is_self_reference:
            self_refs.append(fk)
        else:
            graph.add_edge(fk.ref_table, fk.table, fk=fk)

    cycles = _cycles(graph)
    broken = []
    while not nx.is_directed_acyclic_graph(graph):
        cycle = tuple(u for u, _, _ in nx.find_cycle(graph))
        edge = _edge_to_break(graph, cycle)
        broken.append(edge)
        graph.remove_edges_from([(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["fk"] == edge])

    position = {name: i for i, name in enumerate(db.table_names)}
    order = tuple(nx.lexicographical_topological_sort(graph, key=position.__getitem__))
    depth: dict[str, int] = {}
    for table in order:
        depth[table] = max((depth[p] + 1 for p in graph.predecessors(table)), default=0)
    bridges = tuple(t.key for t in db.tables if is_bridge(db, t))
    return FkGraph(order, tuple(self_refs), tuple(cycles), tuple(broken), bridges, depth)


def _cycles(graph: nx.MultiDiGraph) -> list[tuple[str, ...]]:
    simple = nx.DiGraph(graph)
    found = [tuple(c) for c in nx.simple_cycles(simple, length_bound=len(simple))]
    # start each cycle at its alphabetically first table so output is stable
    canon = []
    for c in found:
        i = c.index(min(c))
        canon.append(c[i:] + c[:i])
    return sorted(set(canon))


def _cycle_edges(graph: nx.MultiDiGraph, cycle: tuple[str, ...]) -> list[ForeignKey]:
    edges = []
    for u, v in zip(cycle, cycle[1:] + cycle[:1]):
        edges += [d["fk"] for d in graph.get_edge_data(u, v, default={}).values()]
    return edges


def _edge_to_break(graph: nx.MultiDiGraph, cycle: tuple[str, ...]) -> ForeignKey:
    candidates = [fk for fk in _cycle_edges(graph, cycle) if fk.nullable]
    if not candidates:
        raise SchemaError(
            f"the FK cycle {' -> '.join(cycle + cycle[:1])} has no nullable foreign key, "
            "so no row of it could ever be inserted first"
        )
    # prefer an edge the database does not enforce, then the one on the fewest columns
    return min(candidates, key=lambda fk: (fk.kind != "logical", len(fk.columns), fk.label))


def is_bridge(db: Database, table: Table) -> bool:
    """A many-to-many link table.

    It references at least two different parent tables, and either its primary key is made of
    those foreign-key columns, or it carries at most two columns besides its keys.
    """
    fks = [fk for fk in db.foreign_keys_of(table.key) if not fk.is_self_reference]
    if len({fk.ref_table for fk in fks}) < 2:
        return False
    fk_columns = {c for fk in fks for c in fk.columns}
    if table.primary_key and set(table.primary_key) <= fk_columns:
        covered = [fk for fk in fks if set(fk.columns) <= set(table.primary_key)]
        if len({fk.ref_table for fk in covered}) >= 2:
            return True
    others = [c for c in table.column_names if c not in fk_columns and c not in table.primary_key]
    return len(others) <= 2
