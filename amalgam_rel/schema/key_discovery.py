"""Keys a source never declared, found in its data: candidates for the user to review.

Folders of CSV or Parquet files, TPC-H as generated and many production databases declare no
foreign keys (and often no primary keys). This module proposes them:

* a **primary key** for a table without one: a column (or, failing that, a pair of columns)
  with no NULL and no repeated value, of a type keys have (integer, text, UUID, whole DECIMAL),
  preferring a name that says so (``id``, ``<table>_id``, ``…key``, ``…code``);
* a **foreign key** from a column to another table's key (declared or proposed): every
  non-NULL value of the child is among the parent's (an inclusion dependency), the types are
  of one kind, and the names agree (``Track.AlbumId → Album.AlbumId``, ``orders.customer →
  customer.id``, ``l_orderkey → orders.o_orderkey``). Inclusion alone is not enough: a column of
  small integers is "included" in every integer key.

Nothing here changes a schema: :func:`suggest_keys` returns the candidates, ``inspect`` shows
them, ``inspect --suggest-keys`` writes them as a sidecar (:func:`sidecar_toml`) the user
reviews and passes with ``--sidecar``, where they are checked against the data again.

>>> from amalgam_rel.connection import connect
>>> from amalgam_rel.schema.duckdb_reader import read_duckdb
>>> con = connect()
>>> _ = con.execute("CREATE TABLE artist AS SELECT range AS id, 'a' || range AS name FROM range(1, 20)")
>>> _ = con.execute("CREATE TABLE album AS SELECT range AS album_id, range % 19 + 1 AS artist_id FROM range(50)")
>>> found = suggest_keys(con, read_duckdb(con))
>>> [(k.table, k.columns) for k in found.primary_keys]
[('artist', ('id',)), ('album', ('album_id',))]
>>> [fk.label for fk in found.foreign_keys]
['album(artist_id) -> artist(id)']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

import duckdb
from sqlglot import exp

from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Column, Database, ForeignKey, Table
from amalgam_rel.schema.sidecar import orphan_query
from amalgam_rel.schema.types import Kind

_KEY_KINDS = frozenset({Kind.INTEGER, Kind.STRING, Kind.UUID, Kind.DECIMAL})
_KEY_WORDS = ("id", "key", "code", "no", "num", "nr")
_KEY_SUFFIXES = ("key", "code", "number")  # TPC-H's ``orderkey``, ``linenumber``: one word ending in a key word
_MAX_PAIR_COLUMNS = 8  # a composite key is looked for among a table's first columns only


@dataclass(frozen=True)
class KeyCandidate:
    table: str
    columns: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class KeySuggestions:
    primary_keys: tuple[KeyCandidate, ...]
    foreign_keys: tuple[ForeignKey, ...]  # kind="logical"; their ``reason`` in ``fk_reasons``
    fk_reasons: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.primary_keys and not self.foreign_keys


def suggest_keys(con: duckdb.DuckDBPyConnection, db: Database) -> KeySuggestions:
    """Candidate primary keys of tables without one, and candidate foreign keys not declared."""
    pks = tuple(c for t in db.tables if not t.primary_key for c in [_primary_key(con, t)] if c is not None)
    keys = {t.key: t.primary_key for t in db.tables if t.primary_key} | {c.table: c.columns for c in pks}
    declared = {(f.table, f.columns) for f in db.foreign_keys}
    fks, reasons = [], []
    for child in db.tables:
        for column in child.columns:
            if column.type.kind not in _KEY_KINDS or (child.key, (column.name,)) in declared:
                continue
            found = _parent_of(con, db, child, column, keys)
            if found is not None:
                fks.append(found[0])
                reasons.append(found[1])
    return KeySuggestions(pks, tuple(fks), tuple(reasons))


def _scalar(con: duckdb.DuckDBPyConnection, query: exp.Expression):
    return con.execute(sql.render(query)).fetchone()


def _ref(table: Table) -> exp.Table:
    return sql.table_ref(table.name, table.schema)


def _primary_key(con: duckdb.DuckDBPyConnection, table: Table) -> KeyCandidate | None:
    """The best single column with unique, non-NULL values, else the best such pair."""
    keyish = [c for c in table.columns if c.type.kind in _KEY_KINDS and c.generated is None]
    if not keyish or not table.row_count:
        return None
    counts = exp.select(exp.Count(this=exp.Star()), *(
        e for c in keyish for e in (exp.Count(this=exp.Distinct(expressions=[sql.column(c.name)])),
                                   exp.Count(this=sql.column(c.name))))).from_(_ref(table))
    row = _scalar(con, counts)
    total = row[0]
    unique = [c for i, c in enumerate(keyish) if row[1 + 2 * i] == total and row[2 + 2 * i] == total]
    if unique:
        best = max(unique, key=lambda c: (_key_name_score(c.name, table.name), -table.columns.index(c)))
        return KeyCandidate(table.key, (best.name,), f"{total:,} distinct non-NULL values")
    first = keyish[:_MAX_PAIR_COLUMNS]
    pairs = [(a, b) for a, b in combinations(first, 2)
             if max(_key_name_score(a.name, table.name), _key_name_score(b.name, table.name)) > 0]
    for a, b in pairs:  # a key-named column with another: (l_orderkey, l_linenumber), (PlaylistId, TrackId)
        pair = (sql.column(a.name), sql.column(b.name))
        q = exp.select(exp.Count(this=exp.Star())).from_(
            exp.select(*pair).from_(_ref(table)).where(exp.and_(*(p.is_(exp.null()).not_() for p in pair)))
            .distinct().subquery("d"))
        nulls = _scalar(con, exp.select(exp.Count(this=exp.Star())).from_(_ref(table))
                        .where(exp.or_(*(p.is_(exp.null()) for p in pair))))[0]
        if not nulls and _scalar(con, q)[0] == total:
            return KeyCandidate(table.key, (a.name, b.name), f"{total:,} distinct non-NULL pairs")
    return None


def _words(name: str) -> list[str]:
    """``CustomerId`` / ``customer_id`` / ``l_orderkey`` → lower-case words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _squash(name: str) -> str:
    return "".join(_words(name))


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") and len(word) > 3 else word


def _key_name_score(column: str, table: str) -> int:
    """2: ``id`` or the table's name with a key word (``album_id``); 1: another key word; 0: none."""
    col, words = _squash(column), _words(column)
    tab = _singular(_squash(table))
    if col == "id" or any(col in (tab + w, w) for w in _KEY_WORDS) or any(col.endswith(tab + w) for w in _KEY_WORDS):
        return 2
    return 1 if words and (words[-1] in _KEY_WORDS or words[-1].endswith(_KEY_SUFFIXES)) else 0


def _names_agree(child: Column, child_table: Table, parent: Table, key: str) -> bool:
    """Whether ``child``'s name points at ``parent(key)``: the same name (outside the parent's
    own table), the parent's name with a key word or the key's name, or the key's name after a prefix."""
    col, k, tab = _squash(child.name), _squash(key), _singular(_squash(parent.name))
    if col == k and child_table.key != parent.key and _key_name_score(key, parent.name) > 0:
        return True
    stems = {tab} | {_singular(w) for w in _words(parent.name)[-1:]}
    if any(col in (s + w, s) for s in stems for w in _KEY_WORDS + (k,)):
        return True
    # TPC-H's l_orderkey -> o_orderkey: the same name after different one-word prefixes
    c_words, k_words = _words(child.name), _words(key)
    tail = "".join(c_words[1:])
    return (len(c_words) > 1 and len(k_words) > 1 and c_words[1:] == k_words[1:] and tail not in _KEY_WORDS
            and _key_name_score(key, parent.name) > 0)


def _parent_of(con, db: Database, child: Table, column: Column, keys: dict[str, tuple[str, ...]]):
    """The one parent key ``column`` points at (by name, type and data), with the reason; else None."""
    own_key = keys.get(child.key, ())
    for parent in db.tables:
        key = keys.get(parent.key, ())
        if len(key) != 1 or (parent.key == child.key and column.name == key[0]):
            continue
        ref = parent.column(key[0])
        if ref.type.kind is not column.type.kind or not _names_agree(column, child, parent, key[0]):
            continue
        if own_key == (column.name,) and parent.key != child.key and _squash(column.name) == _squash(key[0]):
            continue  # a table's own key named like another's (``id`` everywhere) is not a reference
        present = _scalar(con, exp.select(exp.Count(this=sql.column(column.name))).from_(_ref(child)))[0]
        if not present:
            continue
        orphans = _scalar(con, orphan_query(child, (column.name,), parent, key))[0]
        if orphans == 0:
            fk = ForeignKey(child.key, (column.name,), parent.key, key, nullable=column.nullable, kind="logical")
            return fk, f"all {present:,} non-NULL values found in {parent.key}.{key[0]}"
    return None


def sidecar_toml(found: KeySuggestions, source: str) -> str:
    """The candidates as a sidecar file, to review before passing it with ``--sidecar``."""
    lines = [f"# Keys found in the data of {source}, not declared by it (amalgam-rel inspect --suggest-keys).",
             "# Review each entry: delete the wrong ones, then pass this file with --sidecar.", ""]
    for pk in found.primary_keys:
        lines += ["[[primary_keys]]", f"# {pk.reason}", f"table = {_toml(pk.table)}",
                  f"columns = [{', '.join(map(_toml, pk.columns))}]", ""]
    for fk, reason in zip(found.foreign_keys, found.fk_reasons):
        lines += ["[[foreign_keys]]", f"# {reason}", f"table = {_toml(fk.table)}",
                  f"columns = [{', '.join(map(_toml, fk.columns))}]", f"ref_table = {_toml(fk.ref_table)}",
                  f"ref_columns = [{', '.join(map(_toml, fk.ref_columns))}]", ""]
    return "\n".join(lines)


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)
