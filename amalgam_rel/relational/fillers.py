"""Values for the columns neither model owns: binary blobs, UUIDs, bit strings, all-NULL columns.

UNION columns (or ones nesting a UNION) are not synthesized yet: they are written NULL, and a
NOT NULL one is refused with a clear error.

One small reversible-in-spirit filler per kind (``fit`` on the real column, ``generate`` n
values): the NULL share is kept, blobs keep their length distribution but carry random bytes
(real bytes would be a copy), UUIDs are fresh, bit strings keep their widths and, for each width,
the share of ones at each position (a flags column stays mostly-zero where it was).

>>> import numpy as np, pyarrow as pa
>>> from amalgam_rel.schema.types import parse_type
>>> f = fit_filler(pa.chunked_array([[b"ab", None, b"abcd"]]), parse_type("BLOB"))
>>> out = f.generate(1000, np.random.default_rng(0))
>>> 0.2 < out.null_count / 1000 < 0.45, set(len(v) for v in out.drop_null().to_pylist()) <= {2, 4}
(True, True)
>>> len(set(fit_filler(pa.array([b""]), parse_type("BLOB")).generate(50, np.random.default_rng(0), unique=True).to_pylist()))
50
>>> bits = fit_filler(pa.array(["1010", "1000", "111000111"]), parse_type("BIT"))
>>> bits.lengths, bits.ones
([4, 4, 9], {4: [1.0, 0.0, 0.5, 0.0], 9: [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]})
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.types import Kind, SqlType


@dataclass
class Filler:
    kind: str
    null_share: float
    lengths: list[int]
    # bit strings: width -> the share of ones at each position of the values that wide (none: half)
    ones: dict[int, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ones = {int(width): shares for width, shares in self.ones.items()}  # JSON keys are strings

    def generate(self, n: int, rng: np.random.Generator, *, unique: bool = False) -> pa.Array:
        """``n`` values; ``unique``: no value twice (a repeat is drawn again, one unit longer each time)."""
        present = rng.random(n) >= self.null_share
        if self.kind == "null" or not self.lengths:
            return pa.nulls(n)
        sizes = rng.choice(np.asarray(self.lengths), size=n)
        values = [self._value(int(s), rng) for s in sizes]
        if unique:
            seen: set = set()
            for i in np.flatnonzero(present):
                size = int(sizes[i])
                while values[i] in seen:  # short values collide (there is one empty blob): grow them
                    size += 1
                    values[i] = self._value(size, rng)
                seen.add(values[i])
        return pa.array([v if p else None for v, p in zip(values, present)], pa.binary() if self.kind == "blob" else pa.string())

    def _value(self, size: int, rng: np.random.Generator):
        if self.kind == "uuid":
            return str(uuid.UUID(bytes=bytes(rng.integers(0, 256, 16, dtype=np.uint8)), version=4))
        if self.kind == "bit":
            return "".join(np.where(rng.random(size) < self.ones.get(size, 0.5), "1", "0"))
        return bytes(rng.integers(0, 256, size, dtype=np.uint8))

    def to_json(self) -> dict:
        return {"kind": self.kind, "null_share": self.null_share, "lengths": self.lengths,
                "ones": {str(width): shares for width, shares in self.ones.items()}}


def fit_filler(values: pa.ChunkedArray | pa.Array, sql_type: SqlType, max_lengths: int = 1000,
               nullable: bool = True, name: str = "a column") -> Filler:
    if any(t.kind is Kind.UNION for t in sql_type.walk()):
        if not nullable:
            raise SchemaError(f"{name}: cannot synthesize NOT NULL {sql_type.sql()} values "
                              "(UNION values are not generated yet, only written NULL)")
        return Filler("null", 1.0, [])
    n = len(values)
    # counted, not dropped: a type Arrow only carries (BIGNUM[]: an opaque extension) has no builder
    null_share = values.null_count / n if n else 1.0
    if n == 0 or values.null_count == n:
        return Filler("null", 1.0, [])
    kind = {Kind.BLOB: "blob", Kind.UUID: "uuid", Kind.BIT: "bit"}.get(sql_type.kind)
    if kind is None:
        raise SchemaError(f"{name}: cannot synthesize {sql_type.sql()} values (no model or filler takes them yet)")
    present = values.drop_null()
    if kind == "uuid":
        return Filler(kind, null_share, [16])
    sample = present.to_pylist()[:max_lengths]
    lengths = [len(v) for v in sample]
    return Filler(kind, null_share, lengths, _ones(sample) if kind == "bit" else {})


def _ones(bit_strings: list[str]) -> dict[int, list[float]]:
    """For each width, the share of ones at each position of the strings that wide (``'1010'``)."""
    by_width: dict[int, list[np.ndarray]] = {}
    for value in bit_strings:
        by_width.setdefault(len(value), []).append(np.frombuffer(value.encode("ascii"), dtype=np.uint8) == ord("1"))
    return {width: np.mean(bits, axis=0).tolist() for width, bits in sorted(by_width.items())}
