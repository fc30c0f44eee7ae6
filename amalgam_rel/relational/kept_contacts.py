"""A lookup's contact columns: generated, while the rest of the table is kept verbatim.

A small table of companies that other tables point at (northwind's 3 ``shippers``: an id, a
company name, a phone) is a reference table (:mod:`.reference`): every analyst query grouping
orders by shipper names ``'Speedy Express'``. Its phone is person-like, though, and used to keep
the whole table out, so Faker invented the company names and every such query missed. A phone,
an e-mail or a street address says how to reach the row, not who it is: the table is kept with
its naming columns real and those *contact* columns written by the semantic generator
(:mod:`.semantic_fill`, in the formats the real values share), never a real one. The real
contacts are blanked as soon as the rows are read (:func:`without_contacts`), so neither the
model nor a saved model folder holds them.

A table stays out when any other person-like column is there (a person's name, a user name, a
password, an IP address), when its rows are people by its name (``employees``, ``customer``),
when a contact column is part of a key (written as it is, it could not be generated), and when a
CHECK other than a length bound names one (the generator only keeps length bounds). Under
``--epsilon`` no table with a person-like column is kept (:func:`keepable` is not consulted).

>>> from amalgam_rel.schema.model import Column
>>> from amalgam_rel.schema.types import parse_type
>>> shippers = Table("shippers", (Column("id", parse_type("INTEGER")), Column("company_name", parse_type("VARCHAR")),
...                               Column("phone", parse_type("VARCHAR"))), primary_key=("id",))
>>> contact_columns(shippers), keepable(Database((shippers,)), "shippers")
(('phone',), True)
>>> named = Table("shippers", shippers.columns + (Column("contact_name", parse_type("VARCHAR")),))
>>> keepable(Database((named,)), "shippers")
False
"""

from __future__ import annotations

import pyarrow as pa

from amalgam_rel.generation.semantic.detect import people_table, semantic_type
from amalgam_rel.relational.semantic_columns import only_length_checks
from amalgam_rel.relational.semantic_fill import fill_semantic
from amalgam_rel.schema.model import Database, Table

# person-like semantic types that reach a row rather than name a person
CONTACTS = frozenset({"phone", "email", "street_address"})


def _person_types(table: Table) -> dict[str, str]:
    """{column: semantic type} of the table's person-like columns, by name (as :func:`.reference.person_like`)."""
    out = {}
    for column in table.columns:
        found = semantic_type(column.name, column.type, table=table.key, columns=table.column_names)
        if found is not None and found.person_like:
            out[column.name] = found.name
    return out


def contact_columns(table: Table) -> tuple[str, ...]:
    """The table's contact columns (phone, e-mail, street address), in column order."""
    return tuple(c for c, kind in _person_types(table).items() if kind in CONTACTS)


def keepable(db: Database, key: str) -> bool:
    """Whether a table with person-like columns may still be kept, its contacts generated (see the module)."""
    table = db.table(key)
    found = _person_types(table)
    if not found or people_table(table.key) or any(kind not in CONTACTS for kind in found.values()):
        return False
    keys = set(table.primary_key) | {c for fk in db.foreign_keys_of(key) for c in fk.columns} \
        | {c for fk in db.referencing(key) for c in fk.ref_columns}
    return not keys & set(found) and all(only_length_checks(table, c) for c in found)


def without_contacts(rows: pa.Table, table: Table) -> pa.Table:
    """``rows`` with the table's contact columns blanked: the real ones are never kept."""
    for name in contact_columns(table):
        if name in rows.column_names:
            at = rows.column_names.index(name)
            rows = rows.set_column(at, rows.field(name), pa.nulls(rows.num_rows, rows.field(name).type))
    return rows


def fill_contacts(d) -> None:
    """The kept draft's contact columns from the semantic generator (its semantics hold only
    those, :func:`.semantic_columns.find_semantic_columns`), cast to the kept rows' types."""
    names = [c for c in contact_columns(d.ft.table) if c in d.values]
    if not names or d.ft.semantic is None:
        return
    types = {c: d.values[c].type for c in names}
    fill_semantic(d)
    for c in names:
        d.values[c] = d.values[c].cast(types[c])


def generated_note(db: Database, key: str) -> str:
    """``'; phone generated'`` for a kept table with contacts, else ``''`` (for ``synth``'s kept line)."""
    names = contact_columns(db.table(key)) if db.has_table(key) else ()
    return f"; {', '.join(names)} generated" if names else ""
