"""Reference tables kept verbatim, and closed sets of values drawn from the real ones.

A *reference table* is a small table of names that other tables point at: genres, media types,
categories, countries, TPC-H's nations and regions. Inventing its values turns ``'Rock'`` into
``'Rlock'`` and every analyst query that filters or groups on a name finds nothing, while its rows
say nothing about any one person. So it is kept as it is: its real rows (keys included) are
written unchanged, and the rest of the pipeline runs around them. Its table model is still fitted:
it draws, given each kept row, the columns children read (their counts per parent row ``#i``,
the context they see), so children point only at kept keys and keep their cardinality.

A table is kept when all of these hold (:func:`choose_reference_tables`):

- it has rows, and at most ``max_rows`` (1,000);
- it is small next to what points at it: another table's foreign key points at it and its rows
  are at most the square root of the rows pointing at it (genres: 25 rows, 3,503 tracks, sqrt
  59; albums: 347 rows for the same tracks, an entity, not a lookup; TPC-H regions: 5 rows, 25
  nations), *or* it is named by public
  reference data (:func:`public_lookups`): a column names its rows (a distinct value on at least
  90 % of them and on 10 rows at least; not a foreign key) and at least 80 % of those names are in a public gazetteer
  (countries and their ISO codes, continents, languages, currencies, states:
  :mod:`~amalgam_rel.generation.semantic.gazetteer`). World's 239 countries under 5,063 cities
  and languages (sqrt 71) are kept so: 97 % of their names are public, and so is a table of
  public names nothing points at (northwind's ``us_states``). An entity table (albums, a shop's
  120 products) has no such column;
- no column of it is person-like (a name of a person, a user name, ...), unless all of those are
  contacts (a phone, an e-mail, a street address): then its contacts are generated, the rest kept
  (northwind's 3 ``shippers``: their names real, their phones not; :mod:`.kept_contacts`);
- the user did not opt it out (``--synthesize``);
- under ``--epsilon``: the user declared it public (``--public``); the size and gazetteer tests
  are skipped then, as they read the children's row counts and the table's values.

A kept table's foreign keys into synthesized tables (world's ``country.Capital -> city``) are
re-pointed at synthetic parent rows (:mod:`.repoint`): a NULL stays NULL, any other value names
a synthetic row, one that points back at the kept row where the two tables form a cycle (a
country's capital is one of its synthetic cities). ``synth`` and ``fit`` name those keys.

``--scale`` leaves a kept table's size alone (a lookup has the rows it has); its children grow
by the scale. ``--rows`` on a kept table is an error naming ``--synthesize``.

>>> from amalgam_rel.schema.model import Column
>>> from amalgam_rel.schema.types import parse_type
>>> people = Table("Customer", (Column("FirstName", parse_type("VARCHAR")), Column("City", parse_type("VARCHAR"))))
>>> person_like(people, "FirstName"), person_like(people, "City")
(True, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Collection

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.errors import InputError
from amalgam_rel.generation.semantic.detect import semantic_type
from amalgam_rel.generation.semantic.gazetteer import public_share
from amalgam_rel.relational.kept_contacts import fill_contacts, generated_note, keepable, without_contacts
from amalgam_rel.relational.parent_copies import parent_rows, per_row
from amalgam_rel.relational.plan import DatabasePlan
from amalgam_rel.schema.internal_names import context_column
from amalgam_rel.relational.repoint import repoint_rows
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.schema.types import Kind

DEFAULT_MAX_ROWS = 1_000
_NAMING = 0.9  # a column names a table's rows when it has a distinct value on this share of them
PUBLIC_SHARE = 0.8  # a lookup is public reference data when this share of its names is in a gazetteer
# a gazetteer names at least this many rows: one row named 'A' (a code in some list) is no
# evidence of public reference data, and kept, its keys were re-pointed past a CHECK (issue #21)
_MIN_NAMES = 10

def person_like(table: Table, column: str) -> bool:
    """Whether a column holds a person's name or contact (never kept, never a closed set): its
    semantic type (:mod:`amalgam_rel.generation.semantic.detect`) from its name, table and type."""
    found = semantic_type(column, table.column(column).type, table=table.key, columns=table.column_names)
    return found is not None and found.person_like


@dataclass(frozen=True)
class ReferenceOptions:
    """What may be kept: ``max_rows`` per table (0 keeps nothing), the tables opted out
    (``synthesize``) and, under ``--epsilon``, the tables declared ``public`` (table keys)."""

    max_rows: int = DEFAULT_MAX_ROWS
    synthesize: frozenset[str] = frozenset()
    public: frozenset[str] = frozenset()
    private: bool = False


def table_keys(db: Database, names, option: str) -> frozenset[str]:
    """User-given table names (any case) as table keys; one line naming an unknown one.

    >>> from amalgam_rel.schema.model import Column
    >>> from amalgam_rel.schema.types import parse_type
    >>> db = Database((Table("Genre", (Column("id", parse_type("INTEGER")),)),))
    >>> sorted(table_keys(db, ["genre"], "--synthesize"))
    ['Genre']
    """
    unknown = [n for n in names or () if not db.has_table(n)]
    if unknown:
        raise InputError(f"{option} names an unknown table {unknown[0]!r}")
    return frozenset(db.table(n).key for n in names or ())


def choose_reference_tables(plan: DatabasePlan, options: ReferenceOptions, counts: dict[str, int] | None = None,
                            public_data: Collection[str] = ()) -> tuple[str, ...]:
    """The tables kept verbatim, in generation order (see the module's rules); ``counts``: row
    counts of tables the plan's schema does not count (a private plan's, which counts none);
    ``public_data``: the tables named by public reference data (:func:`public_lookups`)."""
    db = plan.db
    counts = counts or {}
    kept: list[str] = []
    for key in _candidates(plan, options, counts):
        table = db.table(key)
        # (nothing points at it: sqrt(0) rows, so only public data or a --public table is kept)
        if options.private and key not in options.public:
            continue
        pointed = sum(db.table(fk.table).row_count or 0 for fk in db.referencing(key) if fk.table != key)
        rows = counts.get(key, table.row_count or 0)
        if not options.private and rows > math.sqrt(pointed) and key not in public_data:
            continue
        if not any(person_like(table, c.name) for c in table.columns) or (not options.private and keepable(db, key)):
            kept.append(key)
    return tuple(kept)


def _candidates(plan: DatabasePlan, options: ReferenceOptions, counts: dict[str, int]) -> list[str]:
    """Tables with rows, at most ``max_rows``, not opted out."""
    db = plan.db
    return [key for key in plan.graph.order
            if key not in options.synthesize and 0 < counts.get(key, db.table(key).row_count or 0) <= options.max_rows]


def public_lookups(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, options: ReferenceOptions) -> frozenset[str]:
    """The candidate tables named by public reference data: a string column, neither a foreign
    key nor person-like, with a distinct value on at least 90 % of the rows, at least 80 % of
    which a gazetteer holds (:mod:`~amalgam_rel.generation.semantic.gazetteer`). Reads values, so
    never under ``--epsilon``."""
    db = plan.db
    out = set()
    for key in _candidates(plan, options, {}):
        table = db.table(key)
        keys = {c for fk in db.foreign_keys_of(key) for c in fk.columns}
        for column in table.columns:
            if column.type.kind is not Kind.STRING or column.name in keys or person_like(table, column.name):
                continue
            names = _distinct(con, table, column.name)
            if len(names) >= max(_MIN_NAMES, _NAMING * (table.row_count or 0)) and public_share(names) >= PUBLIC_SHARE:
                out.add(key)
                break
    return frozenset(out)


def _distinct(con: duckdb.DuckDBPyConnection, table: Table, column: str) -> list:
    query = sql.select_columns(table.name, [column], table.schema).distinct().where(
        exp.not_(sql.column(column).is_(exp.null())))
    return [row[0] for row in con.execute(sql.render(query)).fetchall()]


def read_reference_rows(con: duckdb.DuckDBPyConnection, db: Database, keys: tuple[str, ...]) -> dict[str, pa.Table]:
    """The real rows of each kept table (its stored columns), in primary-key order (else all
    columns), its contact columns blank (:mod:`.kept_contacts`)."""
    out = {}
    for key in keys:
        table = db.table(key)
        order = table.primary_key or table.column_names
        query = sql.select_columns(table.name, table.column_names, table.schema).order_by(
            *(sql.column(c) for c in order))
        out[key] = without_contacts(_without_nested_dictionaries(con.execute(sql.render(query)).to_arrow_table()), table)
    return out


def _without_nested_dictionaries(rows: pa.Table) -> pa.Table:
    """``rows`` with an ENUM inside a LIST, STRUCT or MAP read as its labels: DuckDB hands such
    a value to Arrow as dictionary indices and, written back, reads the indices as UTINYINT,
    which it cannot cast to the ENUM (fuzz run of issue #21). A top-level ENUM stays as it is."""
    fields = [pa.field(f.name, _labels(f.type) if _nested(f.type) else f.type, f.nullable) for f in rows.schema]
    return rows.cast(pa.schema(fields)) if fields != list(rows.schema) else rows


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t) or \
        pa.types.is_struct(t) or pa.types.is_map(t)


def _labels(t: pa.DataType) -> pa.DataType:
    """``t`` with every dictionary type replaced by its value type."""
    if pa.types.is_dictionary(t):
        return t.value_type
    if pa.types.is_map(t):
        return pa.map_(_labels(t.key_type), _labels(t.item_type))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(_labels(t.value_type), t.list_size)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(_labels(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _labels(f.type), f.nullable) for f in t])
    return t


def check_rows_option(kept: dict[str, pa.Table | int], rows: dict[str, int]) -> None:
    """``--rows`` cannot size a kept table (``kept``: its rows, or how many): it has the rows it has."""
    for key in rows:
        if key in kept:
            n = kept[key] if isinstance(kept[key], int) else kept[key].num_rows
            raise InputError(f"--rows names table {key!r}, a reference table kept verbatim (its {n:,} "
                             f"real rows); fit with --synthesize {key} to choose its size")


def sample_kept(d, rows: pa.Table, kept: Collection[str]) -> pa.Table:
    """A kept table's draft (a :class:`amalgam_rel.pipeline.draft.Draft`) filled with its real ``rows``; the rows
    to write, with the keys into synthesized tables re-pointed (:mod:`.repoint`).

    Keys into kept tables keep their real values; keys into tables sampled before are matched to
    synthetic parent rows; keys on a broken cycle are written empty and filled by
    :func:`.cycles.close_cycle`. The model draws, given each row's own values and its parent's
    context, the columns its children read (``#i`` counts); the semantic generator, its contacts.
    """
    ft, n = d.ft, rows.num_rows
    values = {c: rows.column(c).combine_chunks() for c in rows.column_names}
    for fk in ((ft.plan.driver,) if ft.plan.driver else ()) + ft.plan.matched:
        parent = d.parents[fk.ref_table]
        if fk.ref_table in kept:
            d.parent_of[d.fk_index[fk]] = parent_rows([values[c] for c in fk.columns],
                                                      [parent.column(c).combine_chunks() for c in fk.ref_columns])
            continue
        chosen = repoint_rows(d, fk, rows)
        for col, ref in zip(fk.columns, fk.ref_columns):
            synthetic = per_row(parent.column(ref).combine_chunks(), chosen).cast(values[col].type)
            values[col] = pc.if_else(pa.array(chosen >= 0), synthetic, values[col])
    for fk in ft.plan.deferred:
        for col in fk.columns:
            values[col] = pa.nulls(n, values[col].type)
    row_number = sql.fresh_name("__row", ft.table.column_names)
    numbers = pa.array(np.arange(n, dtype=np.int64))
    # a public table under a privacy unit has no model (nothing is learned from it)
    d.rows = _model_rows(d, rows).append_column(row_number, numbers) if ft.model is not None else pa.table({row_number: numbers})
    d.values = values
    fill_contacts(d)
    return pa.table(d.values)


def _model_rows(d, rows: pa.Table) -> pa.Table:
    """The model's columns for the kept rows: their own values and parent context as evidence."""
    ft = d.ft
    if ft.model is None:
        return pa.table({})
    owned = set(ft.model.columns_)
    evidence = {c: rows.column(c).combine_chunks() for c in rows.column_names if c in owned}
    driver = ft.plan.driver
    if driver is not None:
        rows_of = d.parent_of[d.fk_index[driver]]
        take = pa.array(np.maximum(rows_of, 0), mask=rows_of < 0)  # a NULL key: no parent context
        parent = d.parents[driver.ref_table]
        evidence |= {context_column(c): parent.column(c).take(take) for c in ft.context if context_column(c) in owned}
    seed = int(d.rng.integers(2**31))
    if not evidence:
        return ft.model.sample(rows.num_rows, seed=seed)
    return _calibrated_counts(d, ft.model.sample(evidence=evidence, seed=seed))


def _calibrated_counts(d, sampled: pa.Table) -> pa.Table:
    """The kept rows' children counts (``#i``) ordered as the model drew them given each row (a
    large country has many cities), valued as the model draws them for rows it picks itself.

    Drawn given every column of real rows, a count drifts from the counts' own distribution (a
    few countries too many or too few cities); a free draw of as many rows has that distribution,
    and each kept row takes its value of the same rank (ties in random order).
    """
    n = sampled.num_rows
    names = [c for c in d.ft.plan.count_columns.values() if c in sampled.column_names and not sampled.column(c).null_count]
    if n < 2 or not names:
        return sampled
    free = d.ft.model.sample(n, seed=int(d.rng.integers(2**31)))
    for name in names:
        given = sampled.column(name).to_numpy()
        shuffled = d.rng.permutation(n)
        order = shuffled[np.argsort(given[shuffled], kind="stable")]
        values = np.empty_like(given)
        values[order] = np.sort(free.column(name).fill_null(0).to_numpy().astype(given.dtype))
        at = sampled.column_names.index(name)
        sampled = sampled.set_column(at, name, pa.array(values, sampled.column(name).type))
    return sampled


def keep_reference_tables(con: duckdb.DuckDBPyConnection, plan: DatabasePlan, model, *, private: bool = False) -> dict[str, pa.Table]:
    """The kept tables' real rows, chosen by ``model``'s ``reference_rows``, ``synthesize`` and ``public``."""
    db = plan.db
    options = ReferenceOptions(model.reference_rows, table_keys(db, model.synthesize, "--synthesize"),
                               table_keys(db, model.public, "--public"), private)
    # a private plan counts no rows; a table declared public may be counted
    counts = {key: sql.count_rows(con, db.table(key).name, db.table(key).schema) for key in options.public} if private else {}
    public_data = public_lookups(con, plan, options) if not private else frozenset()
    return read_reference_rows(con, db, choose_reference_tables(plan, options, counts, public_data))


def kept_line(kept: dict[str, pa.Table], db: Database | None = None,
              label: str = "kept verbatim (reference tables; --synthesize TABLE opts one out)") -> str | None:
    """One line naming the kept tables, for ``synth`` and ``fit``, and (given ``db``) their generated contacts.

    >>> kept_line({"Genre": pa.table({"id": [1, 2]})})
    'kept verbatim (reference tables; --synthesize TABLE opts one out): Genre (2 rows)'
    """
    if not kept:
        return None
    return f"{label}: " + ", ".join(
        f"{key} ({rows.num_rows:,} rows{generated_note(db, key) if db is not None else ''})" for key, rows in kept.items())


def save_reference(kept: dict[str, pa.Table], folder) -> dict[str, str]:
    """Write each kept table's rows as an Arrow IPC file under ``folder/reference``; {key: file}."""
    from pathlib import Path

    files = {}
    for i, (key, rows) in enumerate(kept.items()):
        (Path(folder) / "reference").mkdir(exist_ok=True)
        files[key] = f"reference/{i}.arrow"
        with pa.ipc.new_file(Path(folder) / files[key], rows.schema) as writer:
            writer.write_table(rows)
    return files


def load_reference(folder, files: dict, db: Database) -> dict[str, pa.Table]:
    """The kept rows saved by :func:`save_reference`; a ValueError naming a file that does not fit the schema."""
    from pathlib import Path

    kept = {}
    for key, file in dict(files).items():
        if not isinstance(key, str) or not isinstance(file, str) or not db.has_table(key) or Path(file).is_absolute() \
                or ".." in Path(file).parts:
            raise ValueError(f"reference: bad entry {key!r}: {file!r}")
        try:
            with pa.ipc.open_file(Path(folder) / file) as reader:
                rows = reader.read_all()
        except OSError as err:  # a missing file is damage too (ArrowInvalid is a ValueError)
            raise ValueError(f"cannot read {file}: {err}") from None
        if tuple(rows.column_names) != db.table(key).column_names:
            raise ValueError(f"reference file {file} does not hold the columns of table {key!r}")
        kept[db.table(key).key] = rows
    return kept


def reference_params(db: Database, synthesize, public, epsilon, rows: dict[str, int] | None = None,
                     source=None) -> dict:
    """``DatabaseModel`` parameters from ``--synthesize`` and ``--public``, checked (with ``--rows``
    on a table that will be kept) before any fitting; ``source``: the database (a file or an open
    connection), read for the lookups named by public reference data."""
    from amalgam_rel.relational.plan import plan_database
    from amalgam_rel.schema.sources import open_source

    if public and epsilon is None:
        raise InputError("--public only applies with --epsilon (without it, reference tables are kept anyway)")
    if synthesize and epsilon is not None:
        raise InputError("--synthesize does not apply with --epsilon: the tables outside the privacy unit's reach are "
                         "public and kept verbatim (choose the unit with --privacy-unit)")
    params = {"synthesize": tuple(sorted(table_keys(db, synthesize, "--synthesize"))),
              "public": tuple(sorted(table_keys(db, public, "--public")))}
    if rows:
        stored = db.without_generated()
        options = ReferenceOptions(DEFAULT_MAX_ROWS, frozenset(params["synthesize"]), frozenset(params["public"]),
                                   epsilon is not None)
        plan = plan_database(stored, private=epsilon is not None)
        public_data: frozenset[str] = frozenset()
        if source is not None and epsilon is None:
            with open_source(source) as src:
                public_data = public_lookups(src.con, plan, options)
        kept = choose_reference_tables(plan, options, public_data=public_data)
        check_rows_option({key: stored.table(key).row_count for key in kept}, rows)
    return params
