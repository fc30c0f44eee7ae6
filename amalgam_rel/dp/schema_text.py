"""Text and nested values from the schema alone, for ``--epsilon`` runs (``--epsilon-text schema``).

The language model trains on the real text, which ``--epsilon`` does not cover. This generator
reads no data at all - only the column's type, its declared length (VARCHAR(n)) and the table's
CHECK constraints - so it costs no budget and leaks nothing. Its values are placeholders that
the schema accepts, not realistic text: a string is ``"<column> <number>"`` (cut to the allowed
length; a CHECK IN list is drawn from uniformly, a LIKE pattern is filled in), nested values
follow the type tree (one LIST element, one MAP entry, every STRUCT field), JSON is an object
with one key. DuckDB judges every candidate (type cast and the row's CHECKs, through
:class:`~amalgam_rel.generation.checks.Validator`); a column whose CHECKs no candidate passes
is an error naming it.

It answers the same calls as the language model (``generate``, ``columns_of``), so the sampler
needs no branch; a privately trained language model can replace it behind the same calls.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zlib
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pyarrow as pa
from pydantic import Field

from amalgam_rel.errors import DataError
from amalgam_rel.generation.checks import Validator, string_rule
from amalgam_rel.generation.output_types import OutputSpec, map_arrow_type
from amalgam_rel.generation.row_context import python_values
from amalgam_rel.saved import typed
from amalgam_rel.schema.model import Database
from amalgam_rel.seeds import MAX_SEED
from amalgam_rel.schema.types import NESTED_KINDS, Kind, SqlType

_ROUNDS = 10  # fresh candidates for rows DuckDB refused, before giving up on a column
_NUMBERS = 10**6


@dataclass
class SchemaTextReport:
    rows: int = 0
    sampled: int = 0
    reused: int = 0
    invalid: int = 0

    def to_dict(self) -> dict:
        return {"rows": self.rows, "sampled": self.sampled, "reused": self.reused, "invalid": self.invalid,
                "generator": "schema (no data)"}


class SchemaText:
    """``generate(table, context)`` -> {column: values} for the text columns of ``columns``."""

    kind = "schema"

    def __init__(self, db: Database, columns: dict[str, list[str]], seed: int = 0,
                 nulls: dict[str, dict[str, float]] | None = None):
        self.db = db
        self.columns = {t: list(c) for t, c in columns.items()}
        self.seed = seed
        # table -> nullable column -> share of rows left NULL: released by the private table
        # model (its noisy counts), drawn independently of the row
        self.nulls = {t: dict(c) for t, c in (nulls or {}).items()}
        self.max_values_per_column = None  # the language model's generation budget; nothing to limit here
        self.generation_report_: dict[tuple[str, str], SchemaTextReport] = {}

    def columns_of(self, table: str) -> list[str]:
        return self.columns.get(table, [])

    def to_json(self) -> dict:
        return {"kind": self.kind, "columns": self.columns, "seed": self.seed, "nulls": self.nulls}

    @classmethod
    def from_json(cls, db: Database, doc: dict) -> SchemaText:
        """Checked, as a saved model may have been edited (see :mod:`amalgam_rel.saved`)."""
        columns = typed(dict[str, list[str]], doc["columns"], "schema_text.columns")
        return cls(db, columns, typed(Annotated[int, Field(ge=0, le=MAX_SEED)], doc["seed"], "schema_text.seed"),
                   read_nulls(doc))

    def generate(self, table: str, context: pa.Table | None = None, *, n_rows: int | None = None, part: int = 0,
                 **_) -> dict[str, list]:
        n = context.num_rows if context is not None else int(n_rows or 0)
        rows = {name: python_values(context.column(name)) for name in context.column_names} if context is not None else {}
        out = {}
        for name in self.columns_of(table):
            out[name] = rows[name] = self._column(table, name, n, rows, part)
        return out

    def generate_arrays(self, table: str, context: pa.Table | None = None, **kwargs) -> dict[str, pa.Array]:
        """:meth:`generate` as Arrow arrays (the interface the sampler calls)."""
        out = self.generate(table, context, **kwargs)
        types = {k: map_arrow_type(self.db.table(table).column(k).type.sql(named_enums=False)) for k in out}
        return {k: pa.array(v, types[k]) if any(x is not None for x in v) else pa.nulls(len(v)) for k, v in out.items()}

    def _column(self, table_key: str, name: str, n: int, rows: dict[str, list], part: int = 0) -> list:
        table = self.db.table(table_key)
        column = table.column(name)
        rng = np.random.default_rng([self.seed, zlib.crc32(f"{table_key}\0{name}".encode()), n] + ([part] if part else []))
        rule = string_rule(table.checks, name) if column.type.kind is Kind.STRING else None
        max_len = declared_max_length(table, name)
        spec = OutputSpec(name, column.type.sql(named_enums=False),
                          "json" if column.type.kind in NESTED_KINDS else "text", "", max_length=max_len,
                          min_length=rule.min_length if rule else 0)
        context_types = {c.name: c.type for c in table.columns if c.name in rows and c.name != name}
        validator = Validator(table, spec, context_types)
        report = SchemaTextReport(rows=n)
        values: list = [None] * n
        share = self.nulls.get(table_key, {}).get(name, 0.0) if column.nullable else 0.0
        # a stream of its own, so that a column without NULLs draws the placeholders it always drew
        null_rng = np.random.default_rng([self.seed, zlib.crc32(f"{table_key}\0{name}\0null".encode()), n, part])
        todo = np.flatnonzero(null_rng.random(n) >= share).tolist() if share else list(range(n))
        for _ in range(_ROUNDS):
            if not todo:
                break
            texts = [self._text(table_key, column.type, name, rule, max_len, rng) for _ in todo]
            report.sampled += len(todo)
            ok, cast = validator.check(texts, {c: [rows[c][i] for i in todo] for c in context_types})
            for i, good, value in zip(todo, ok, cast):
                if good:
                    values[i] = value
            report.invalid += ok.count(False)
            todo = [i for i, good in zip(todo, ok) if not good]
        if todo:
            raise DataError(f"{table_key}.{name}: no value made from the schema alone passes its type and CHECKs "
                            f"({len(todo)} of {n} rows); --epsilon cannot fill this column yet")
        self.generation_report_[(table_key, name)] = report
        return values

    def _free_text(self, table_key: str, name: str, max_len: int | None, rng: np.random.Generator) -> str | None:
        """A free-text value learned privately (:class:`~.private_words.WordText`); here none."""
        return None

    def _text(self, table_key: str, t: SqlType, name: str, rule, max_len: int | None, rng: np.random.Generator) -> str:
        if t.kind in NESTED_KINDS:
            return json.dumps(_value(t, name, rng))
        if rule is not None and rule.choices:
            return str(rule.choices[int(rng.integers(len(rule.choices)))])
        free = self._free_text(table_key, name, max_len, rng) if rule is None or rule.like is None else None
        if free is not None and (rule is None or len(free) >= rule.min_length):
            return free
        number = str(int(rng.integers(_NUMBERS)))
        if rule is not None and rule.like is not None:
            text = rule.like.replace("%", number).replace("_", "x")
        else:
            text = f"{name} {number}"
            if max_len is not None and len(text) > max_len:
                text = text[-max_len:].strip() or number[:max_len]
        if rule is not None and len(text) < rule.min_length:
            text = text + "x" * (rule.min_length - len(text))
        return text


def declared_max_length(table, name: str) -> int | None:
    """The longest value the schema allows in ``name``: its VARCHAR(n), or a CHECK on its length."""
    column = table.column(name)
    rule = string_rule(table.checks, name) if column.type.kind is Kind.STRING else None
    return min((x for x in (column.type.length, rule.max_length if rule else None) if x is not None), default=None)


def read_nulls(doc: dict) -> dict[str, dict[str, float]]:
    """A saved text model's NULL shares, checked (absent before dp27d: none)."""
    return typed(dict[str, dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]], doc.get("nulls", {}), "schema_text.nulls")


def _value(t: SqlType, name: str, rng: np.random.Generator):
    """A value of type ``t`` as JSON DuckDB casts to it (MAP entries as an object)."""
    kind = t.kind
    if kind is Kind.STRUCT:
        return {field: _value(sub, field, rng) for field, sub in t.fields}
    if kind in (Kind.LIST, Kind.ARRAY):
        return [_value(t.element, name, rng) for _ in range(t.size or 1)]
    if kind is Kind.MAP:
        return {str(_value(t.key, "key", rng)): _value(t.value, name, rng)}
    if kind is Kind.JSON:
        return {name: f"{name} {int(rng.integers(_NUMBERS))}"}
    if kind is Kind.UNION:
        return _value(t.fields[0][1], name, rng) if t.fields else None
    if kind is Kind.BOOLEAN:
        return bool(rng.integers(2))
    if kind is Kind.INTEGER:
        low, high = t.integer_range or (0, 100)
        return int(rng.integers(max(low, 0), min(high, 100) + 1))
    if kind in (Kind.FLOAT, Kind.DECIMAL):
        return round(float(rng.random() * 100), min(t.scale or 2, 2))
    if kind is Kind.ENUM:
        return t.labels[int(rng.integers(len(t.labels)))] if t.labels else None
    if kind is Kind.DATE:
        return (dt.date(2000, 1, 1) + dt.timedelta(days=int(rng.integers(3650)))).isoformat()
    if kind is Kind.TIMESTAMP:
        return (dt.datetime(2000, 1, 1) + dt.timedelta(seconds=int(rng.integers(10 * 365 * 86400)))).isoformat(sep=" ")
    if kind is Kind.TIME:
        return f"{int(rng.integers(24)):02d}:{int(rng.integers(60)):02d}:00"
    if kind is Kind.UUID:
        return str(uuid.UUID(bytes=bytes(rng.integers(0, 256, 16, dtype=np.uint8)), version=4))
    if kind is Kind.INTERVAL:
        return f"{int(rng.integers(1, 30))} days"
    return f"{name} {int(rng.integers(_NUMBERS))}"
