"""Fresh key values of the source's type and format, unique across every chunk generated.

One generator per key column that is not itself a foreign key (RDT-style: ``fit`` on the real
column, then ``generate`` as many new values as asked, continuing where the last call stopped):

- integers and decimals: a dense sequence starting at the real minimum;
- strings: codes of the real keys' most common length, each position drawn from the characters
  seen there, enumerated through a bijective affine permutation so values look scattered yet
  never repeat (``ALFKI`` -> ``BQRVE``);
- UUIDs: random version-4 UUIDs from the seeded generator;
- dates and timestamps: a sequence from the real minimum at the most common step.

A key column that numbers the rows of each parent (``line_no`` in ``PRIMARY KEY (order_id,
line_no)``) is recognised from the data (:func:`find_parent_sequence`) and numbered the same
way per sampled parent (:func:`number_within`), never drawn from a model and then repaired.

>>> import pyarrow as pa, numpy as np
>>> from amalgam_rel.schema.types import parse_type
>>> g = fit_key_generator(pa.chunked_array([["AB1", "CD2", "AB3"]]), parse_type("VARCHAR"))
>>> vals = g.generate(4, np.random.default_rng(0)).to_pylist()
>>> len(set(vals)), all(len(v) == 3 and v[2].isdigit() for v in vals)
(4, True)
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from amalgam_rel.errors import DataError, SchemaError
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind, SqlType


_INT64_MAX = int(np.iinfo(np.int64).max)


@dataclass
class IntegerSequence:
    start: int = 1
    low: int | None = None
    high: int | None = None
    arrow_type: pa.DataType = field(default_factory=pa.int64)
    issued: int = 0
    scale: int = 0  # DECIMAL(p, s): the sequence counts units of 10**-s (start, low, high in those units)
    step: int = 1  # in those units: whole numbers stay whole (1.00, 2.00, ...)

    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        if self.step != 1:
            first, last = self.start + self.issued * self.step, self.start + (self.issued + n - 1) * self.step
            if self.high is not None and n and last > self.high:
                raise DataError(f"{n} new keys overflow the key type's maximum")
            self.issued += n
            return pa.array([Decimal(v).scaleb(-self.scale) for v in range(first, last + 1, self.step)], self.arrow_type)
        first = self.start + self.issued
        last = first + n - 1
        if self.high is not None and n and last > self.high:
            raise DataError(f"{n} new keys from {first} overflow the key type's maximum {self.high}")
        self.issued += n
        if self.scale:
            return pa.array([Decimal(v).scaleb(-self.scale) for v in range(first, first + n)], self.arrow_type)
        if -_INT64_MAX <= first and last <= _INT64_MAX:
            return pa.array(np.arange(first, first + n, dtype=np.int64)).cast(self.arrow_type)
        # UBIGINT and HUGEINT keys past 2**63: numpy's int64 cannot hold them, Python's ints can
        values = range(first, first + n)
        if pa.types.is_decimal(self.arrow_type):
            return pa.array([Decimal(v) for v in values], self.arrow_type)
        return pa.array(values, self.arrow_type)

    def to_json(self) -> dict:
        return {"kind": "integer", "start": self.start, "low": self.low, "high": self.high, "type": _type_json(self.arrow_type),
                "scale": self.scale, "step": self.step}


@dataclass
class PatternCodes:
    alphabets: list[str]
    issued: int = 0
    _multiplier: int = 1
    _offset: int = 0

    def __post_init__(self) -> None:
        space = self.space
        # an affine map k -> (a*k + b) mod space is a bijection when gcd(a, space) = 1
        a = max(1, int(space * 0.6180339887)) | 1
        while math.gcd(a, space) != 1:
            a += 1
        self._multiplier, self._offset = a % space or 1, (space // 3) % space

    @property
    def space(self) -> int:
        return math.prod(len(a) for a in self.alphabets)

    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        while self.issued + n > self.space:  # the real format is too narrow for this many keys
            self.alphabets.append("0123456789")
            self.__post_init__()
        k = np.arange(self.issued, self.issued + n, dtype=object)
        codes = (k * self._multiplier + self._offset) % self.space
        self.issued += n
        out = []
        for code in codes.tolist():
            chars = []
            for alphabet in reversed(self.alphabets):
                code, r = divmod(code, len(alphabet))
                chars.append(alphabet[r])
            out.append("".join(reversed(chars)))
        return pa.array(out, pa.string())

    def to_json(self) -> dict:
        return {"kind": "pattern", "alphabets": self.alphabets}


@dataclass
class UuidKeys:
    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        return pa.array([str(uuid.UUID(bytes=bytes(r), version=4)) for r in raw], pa.string())

    def to_json(self) -> dict:
        return {"kind": "uuid"}


@dataclass
class TemporalSequence:
    start: int  # in the arrow type's unit (days for dates, the timestamp unit otherwise)
    step: int
    arrow_type: pa.DataType
    issued: int = 0

    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        values = self.start + (self.issued + np.arange(n, dtype=np.int64)) * self.step
        self.issued += n
        storage = pa.int32() if pa.types.is_date32(self.arrow_type) else pa.int64()
        return pa.array(values.astype(np.int64)).cast(storage).cast(self.arrow_type)

    def to_json(self) -> dict:
        return {"kind": "temporal", "start": self.start, "step": self.step, "type": _type_json(self.arrow_type)}


@dataclass
class WithNulls:
    """Another generator's values with NULL in ``share`` of the rows (an exact count, random rows):
    a UNIQUE code column that is sometimes empty. Which rows are NULL ignores the other columns."""

    inner: object
    share: float

    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        values = self.inner.generate(n, rng)
        empty = np.zeros(n, dtype=bool)
        empty[rng.permutation(n)[: int(round(self.share * n))]] = True
        return pc.if_else(pa.array(empty), pa.nulls(n, values.type), values)

    def to_json(self) -> dict:
        return {"kind": "with_nulls", "share": self.share, "inner": self.inner.to_json()}


def start_at(generator, issued: int):
    """``generator`` set to continue as if ``issued`` values had come before: a shard of the
    output issues its keys from a range decided before any shard runs (:mod:`amalgam_rel.pipeline.shards`).
    A UUID generator has no count: its values come from the shard's own random stream.

    >>> g = start_at(IntegerSequence(start=10), 5)
    >>> g.generate(2, np.random.default_rng(0)).to_pylist()
    [15, 16]
    """
    target = generator.inner if isinstance(generator, WithNulls) else generator
    if hasattr(target, "issued"):
        target.issued = issued
    return generator


def fit_key_generator(values: pa.ChunkedArray | pa.Array, sql_type: SqlType):
    """A generator of new, unique values for a key column shaped like ``values``."""
    values = values.drop_null() if len(values) else values
    kind = sql_type.kind
    if kind is Kind.DECIMAL and sql_type.scale:
        return _decimal_sequence(values, sql_type)
    if kind in (Kind.INTEGER, Kind.DECIMAL):
        low, high = sql_type.integer_range or (None, None)
        if kind is Kind.DECIMAL and sql_type.precision:
            low, high = -(10 ** sql_type.precision - 1), 10 ** sql_type.precision - 1
        start = int(pc.min(values).as_py()) if len(values) else 1
        arrow_type = pa.int64() if kind is Kind.DECIMAL or sql_type.name in {"HUGEINT", "UHUGEINT", "UBIGINT", "BIGNUM"} else values.type
        if start > _INT64_MAX // 2 and pa.types.is_int64(arrow_type):
            # keys near or past 2**63 (UBIGINT, HUGEINT, DECIMAL(20+, 0)): int64 cannot count on
            arrow_type = pa.decimal128(38, 0)
        return IntegerSequence(start, low, high, arrow_type)
    if kind is Kind.STRING:
        return PatternCodes(_alphabets([v for v in values.to_pylist()]))
    if kind is Kind.UUID:
        return UuidKeys()
    if kind in (Kind.DATE, Kind.TIMESTAMP):
        ints = np.sort(values.cast(pa.int32() if pa.types.is_date32(values.type) else pa.int64()).to_numpy())
        steps = np.diff(ints)
        step = int(Counter(steps[steps > 0].tolist()).most_common(1)[0][0]) if (steps > 0).any() else 1
        return TemporalSequence(int(ints[0]) if len(ints) else 0, step, values.type)
    raise SchemaError(f"cannot generate key values of type {sql_type.sql()}")


def _decimal_sequence(values, sql_type: SqlType) -> IntegerSequence:
    """Keys of a DECIMAL(p, s) with s > 0: consecutive multiples of 10**-s from the real minimum,
    inside the type's range (an integer sequence from the minimum's integer part left it)."""
    precision, scale = sql_type.precision or 18, sql_type.scale
    start = int(pc.min(values).as_py().scaleb(scale)) if len(values) else 0
    whole = len(values) > 0 and all(v == v.to_integral_value() for v in values.to_pylist())
    bound = 10 ** precision - 1
    return IntegerSequence(start, -bound, bound, pa.decimal128(precision, scale), scale=scale,
                           step=10 ** scale if whole else 1)


def _alphabets(keys: list[str]) -> list[str]:
    if not keys:
        return ["ABCDEFGHIJKLMNOPQRSTUVWXYZ"] * 4
    length = Counter(len(k) for k in keys).most_common(1)[0][0]
    if length == 0:
        length, keys = 4, ["AAAA"]
    same = [k for k in keys if len(k) == length]
    alphabets = []
    for i in range(length):
        seen = Counter(k[i] for k in same)
        alphabets.append("".join(sorted(seen)))
    return alphabets


def key_generator_from_json(doc: dict, where: str = "key generator"):
    """The inverse of ``to_json`` (a fresh generator, nothing issued yet); the values are checked,
    as a saved model may have been edited (see :mod:`amalgam_rel.saved`)."""
    kind = doc["kind"]
    if kind == "integer":
        start = typed(int, doc["start"], f"{where}.start")
        low, high = (typed(int | None, doc[k], f"{where}.{k}") for k in ("low", "high"))
        scale = typed(Annotated[int, Field(ge=0, le=38)], doc.get("scale", 0), f"{where}.scale")
        step = typed(Annotated[int, Field(ge=1)], doc.get("step", 1), f"{where}.step")
        return IntegerSequence(start, low, high, _type_from_json(doc["type"]), scale=scale, step=step)
    if kind == "pattern":
        return PatternCodes(typed(list[Annotated[str, Field(min_length=1)]], doc["alphabets"], f"{where}.alphabets"))
    if kind == "uuid":
        return UuidKeys()
    if kind == "temporal":
        start, step = (typed(int, doc[k], f"{where}.{k}") for k in ("start", "step"))
        return TemporalSequence(start, step, _type_from_json(doc["type"]))
    if kind == "with_nulls":
        share = typed(Annotated[float, Field(ge=0, le=1)], doc["share"], f"{where}.share")
        return WithNulls(key_generator_from_json(doc["inner"], f"{where}.inner"), share)
    raise SchemaError(f"unknown key generator {kind!r} in a saved model")


def _type_json(t: pa.DataType) -> str:
    # an arrow schema's IPC bytes describe any type exactly and parse without executing code
    return pa.schema([pa.field("t", t)]).serialize().to_pybytes().hex()


def _type_from_json(text: str) -> pa.DataType:
    return pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(text))).field("t").type


def find_parent_sequence(frame: pa.Table, parent_columns: tuple[str, ...], column: str,
                         min_share: float = 0.99) -> int | None:
    """The first number when ``column`` counts the rows of each parent ``start, start + 1, ...``
    (in at least ``min_share`` of the parents), else None.

    >>> t = pa.table({"order": [1, 1, 1, 2], "line": [1, 2, 3, 1], "year": [2020, 2022, 2023, 2021]})
    >>> find_parent_sequence(t, ("order",), "line"), find_parent_sequence(t, ("order",), "year")
    (1, None)
    """
    rows = frame.select([*parent_columns, column]).drop_null()
    if rows.num_rows == 0:
        return None
    groups = rows.group_by(list(parent_columns)).aggregate(
        [(column, "min"), (column, "max"), (column, "count"), (column, "count_distinct")])
    low = groups.column(f"{column}_min").to_numpy(zero_copy_only=False).astype(np.int64)
    high = groups.column(f"{column}_max").to_numpy(zero_copy_only=False).astype(np.int64)
    count = groups.column(f"{column}_count").to_numpy(zero_copy_only=False)
    distinct = groups.column(f"{column}_count_distinct").to_numpy(zero_copy_only=False)
    starts, seen = np.unique(low, return_counts=True)
    start = int(starts[np.argmax(seen)])
    dense = (low == start) & (high - low + 1 == count) & (distinct == count)
    return start if dense.mean() >= min_share and (count > 1).any() else None


def number_within(groups: np.ndarray, start: int) -> np.ndarray:
    """``start, start + 1, ...`` within each group of equal ``groups`` values, in row order.

    >>> number_within(np.array([4, 2, 4, 4, 2]), 1).tolist()
    [1, 1, 2, 3, 2]
    """
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    first = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(groups)), 0))
    out = np.empty(len(groups), dtype=np.int64)
    out[order] = np.arange(len(groups)) - group_start + start
    return out
