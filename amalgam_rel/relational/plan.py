"""How each table's rows come to be: which foreign key creates them, which are matched, which
columns are fresh keys, and what the table's model sees besides its own attributes.

Rows of a child table are created by its *driving* foreign key: each parent row's model samples
how many children it has. Every other foreign key is *matched* (degree-preserving, see
:mod:`.matching`); self-references become forests (:mod:`.trees`); cycle edges are *deferred*.

The extra columns a table model sees (``#<i>`` child counts, ``?<i>`` empty-FK flags,
``@depth<i>``, ``^<name>`` parent context, ``&<i>.<name>`` the parent matched through foreign
key ``i`` as the row would like it: sampled with the row, then matching gives the row such a
parent) are named in :mod:`amalgam_rel.schema.internal_names`; a source column shaped like one is
refused (:func:`check_column_names`).

>>> from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
>>> from amalgam_rel.schema.types import parse_type
>>> i = parse_type("INTEGER")
>>> a = Table("a", (Column("id", i, False), Column("x", i)), ("id",))
>>> b = Table("b", (Column("id", i, False), Column("a_id", i, False)), ("id",))
>>> p = plan_database(Database((a, b), (ForeignKey("b", ("a_id",), "a", ("id",)),)))
>>> p.tables["b"].driver.ref_table, p.tables["b"].generated_keys, p.tables["a"].count_columns
('a', ('id',), {0: '#0'})
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amalgam_rel.errors import InputError
from amalgam_rel.schema import sql
from amalgam_rel.schema.graph import FkGraph, fk_graph
# context_column, matched_column, is_matched_column and parse_matched_column are imported from
# here by fitting, sampling and persistence (until they import them from internal_names)
from amalgam_rel.schema.internal_names import (context_column, count_column, depth_column,  # noqa: F401
                                               internal_shapes, is_matched_column, looks_internal, matched_column,
                                               null_column, parse_matched_column)
from amalgam_rel.schema.model import Database, ForeignKey, Table
from amalgam_rel.schema.types import Kind


@dataclass(frozen=True)
class TablePlan:
    table: str
    driver: ForeignKey | None
    matched: tuple[ForeignKey, ...]
    self_references: tuple[ForeignKey, ...]
    deferred: tuple[ForeignKey, ...]
    generated_keys: tuple[str, ...]  # key columns filled by key generators (not FK columns)
    fk_columns: tuple[str, ...]
    count_columns: dict[int, str]  # fk index -> "#i", for every FK that references this table
    null_columns: dict[int, str] = field(default_factory=dict)  # nullable non-driving FKs of this table
    depth_columns: dict[int, str] = field(default_factory=dict)
    # FKs into public tables under a privacy unit (:mod:`amalgam_rel.dp.unit`): the parent key is
    # an attribute of the row, drawn by the row's model, never a count of the parent's
    attributes: tuple[ForeignKey, ...] = ()

    @property
    def foreign_keys(self) -> tuple[ForeignKey, ...]:
        head = (self.driver,) if self.driver else ()
        return head + self.matched + self.self_references + self.deferred + self.attributes


@dataclass(frozen=True)
class DatabasePlan:
    db: Database
    graph: FkGraph
    tables: dict[str, TablePlan]

    def fk_index(self, fk: ForeignKey) -> int:
        return self.db.foreign_keys.index(fk)


def check_column_names(db: Database) -> None:
    """Refuse a source column whose name could be one of ours: it would share a frame with it.
    A table or column named like a part of our queries (:func:`~amalgam_rel.schema.sql.internal`)
    is refused too.

    >>> from amalgam_rel.schema.model import Column, Database, Table
    >>> from amalgam_rel.schema.types import parse_type
    >>> check_column_names(Database((Table("t", (Column("#0", parse_type("INTEGER")),)),), ()))
    Traceback (most recent call last):
    ...
    amalgam_rel.errors.InputError: column '#0' of table 't': amalgam-rel names its own columns like this (#0, ?0, @depth0, &0., or a first ^ ~ { = + %); rename it in a copy of the database
    """
    for table in db.tables:
        for column in table.columns:
            if looks_internal(column.name):
                raise InputError(f"column {column.name!r} of table {table.key!r}: amalgam-rel names its own columns "
                                 f"like this ({internal_shapes()}); rename it in a copy of the database")
    sql.check_no_internal_names(db)


def plan_database(db: Database, graph: FkGraph | None = None, *, private: bool = False,
                  public: frozenset[str] = frozenset()) -> DatabasePlan:
    """How every table's rows arise.

    ``private`` (database-level differential privacy, :mod:`amalgam_rel.dp`): the plan may use
    the schema only, and its driving forest defines the privacy unit. So only NOT NULL foreign
    keys drive (a row that may exist without its parent is not part of the parent's entity),
    ties are broken by declaration order instead of row counts, and self-references get no
    depth or child-count columns (a row's depth changes with every ancestor: no bounded
    sensitivity); they are left empty (:mod:`amalgam_rel.dp.stages`).

    ``public`` (with ``private``, under a privacy unit): tables whose rows are public, kept as
    they are. A foreign key from another table into one of them is an *attribute* of its rows
    (:attr:`TablePlan.attributes`): it neither drives nor is matched, and the public table
    counts no children through it (that count would be a private statistic of a public row).
    """
    check_column_names(db)
    graph = graph or fk_graph(db)
    index = {fk: i for i, fk in enumerate(db.foreign_keys)}
    attributes = {fk for fk in db.foreign_keys
                  if private and fk.ref_table in public and fk.table not in public and not fk.is_self_reference}
    plans = {}
    for key in graph.order:
        table = db.table(key)
        fks = db.foreign_keys_of(key)
        self_refs = tuple(fk for fk in fks if fk.is_self_reference)
        deferred = tuple(fk for fk in fks if fk in graph.broken and fk not in attributes)
        candidates = [fk for fk in fks if fk not in self_refs and fk not in deferred and fk not in attributes]
        driver = choose_driver(db, graph, [fk for fk in candidates if not fk.nullable] if private else candidates,
                               use_row_counts=not private)
        matched = tuple(fk for fk in candidates if fk != driver)
        fk_cols = tuple(dict.fromkeys(c for fk in fks for c in fk.columns))
        referenced = {c for fk in db.referencing(key) for c in fk.ref_columns}
        keys = tuple(c for s in table.unique_sets() for c in s
                     if c not in fk_cols and _is_key_like(table, c, s, c in referenced))
        plans[key] = TablePlan(
            table=key,
            driver=driver,
            matched=matched,
            self_references=self_refs,
            deferred=deferred,
            generated_keys=tuple(dict.fromkeys(keys)),
            fk_columns=fk_cols,
            count_columns={index[fk]: count_column(index[fk]) for fk in db.referencing(key)
                           if fk not in graph.broken and not (private and fk.is_self_reference) and fk not in attributes},
            null_columns={index[fk]: null_column(index[fk]) for fk in matched + deferred if fk.nullable},
            depth_columns={} if private else {index[fk]: depth_column(index[fk]) for fk in self_refs},
            attributes=tuple(fk for fk in fks if fk in attributes),
        )
    return DatabasePlan(db, graph, plans)


def choose_driver(db: Database, graph: FkGraph, fks: list[ForeignKey], *, use_row_counts: bool = True) -> ForeignKey | None:
    """The FK whose parents create this table's rows.

    Preferred: a non-nullable one (every row has that parent), then the deepest parent (the most
    specific entity), then the parent with the most rows (unless ``use_row_counts`` is off:
    a private plan reads no data), then declaration order.
    """
    if not fks:
        return None
    return min(
        fks,
        key=lambda fk: (fk.nullable, -graph.depth[fk.ref_table],
                        -(db.table(fk.ref_table).row_count or 0) if use_row_counts else 0, db.foreign_keys.index(fk)),
    )


def _is_key_like(table: Table, column: str, unique_set: tuple[str, ...], referenced: bool = False) -> bool:
    """A column the key generator invents: a single-column primary key, or a single-column
    UNIQUE integer or UUID, or one a foreign key references (``badge.serial``, a VARCHAR code).
    Other unique columns are attributes, de-duplicated after sampling."""
    kind = table.column(column).type.kind
    if kind not in _GENERATED_KINDS:
        return False  # (a DOUBLE, ENUM or BLOB key): modelled, then de-duplicated
    if table.primary_key == (column,):
        return True
    return len(unique_set) == 1 and (referenced or kind in (Kind.INTEGER, Kind.UUID))


# the kinds :func:`amalgam_rel.relational.keys.fit_key_generator` invents values for
_GENERATED_KINDS = frozenset({Kind.INTEGER, Kind.DECIMAL, Kind.STRING, Kind.UUID, Kind.DATE, Kind.TIMESTAMP})
