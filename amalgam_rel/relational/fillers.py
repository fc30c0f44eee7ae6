"""Values for the columns neither model owns: binary blobs, UUIDs, bit strings, all-NULL columns.

UNION columns (or ones nesting a UNION) are not synthesized yet: they are written NULL, and a
NOT NULL one is refused with a clear error.

One small reversible-in-spirit filler per kind (``fit`` on the real column, ``generate`` n
values): the NULL share is kept, blobs keep their length distribution but carry random bytes
(real bytes would be a copy), UUIDs are fresh, bit strings keep their width.

>>> import numpy as np, pyarrow as pa
>>> from amalgam_rel.schema.types import parse_type
>>> f = fit_filler(pa.chunked_array([[b"ab", None, b"abcd"]]), parse_type("BLOB"))
>>> out = f.generate(1000, np.random.default_rng(0))
>>> 0.2 < out.null_count / 1000 < 0.45, set(len(v) for v in out.drop_null().to_pylist()) <= {2, 4}
(True, True)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from amalgam_rel.errors import SchemaError
from amalgam_rel.schema.types import Kind, SqlType


@dataclass
class Filler:
    kind: str
    null_share: float
    lengths: list[int]

    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        present = rng.random(n) >= self.null_share
        if self.kind == "null" or not self.lengths:
            return pa.nulls(n)
        sizes = rng.choice(np.asarray(self.lengths), size=n)
        if self.kind == "uuid":
            values = [str(uuid.UUID(bytes=bytes(rng.integers(0, 256, 16, dtype=np.uint8)), version=4)) for _ in range(n)]
        elif self.kind == "bit":
            values = ["".join(rng.choice(["0", "1"], size=int(s))) for s in sizes]
        else:
            values = [bytes(rng.integers(0, 256, int(s), dtype=np.uint8)) for s in sizes]
        return pa.array([v if p else None for v, p in zip(values, present)], pa.binary() if self.kind == "blob" else pa.string())

    def to_json(self) -> dict:
        return {"kind": self.kind, "null_share": self.null_share, "lengths": self.lengths}


def fit_filler(values: pa.ChunkedArray | pa.Array, sql_type: SqlType, max_lengths: int = 1000,
               nullable: bool = True, name: str = "a column") -> Filler:
    if any(t.kind is Kind.UNION for t in sql_type.walk()):
        if not nullable:
            raise SchemaError(f"{name}: cannot synthesize NOT NULL {sql_type.sql()} values "
                              "(UNION values are not generated yet, only written NULL)")
        return Filler("null", 1.0, [])
    n = len(values)
    present = values.drop_null()
    null_share = 1.0 - len(present) / n if n else 1.0
    if len(present) == 0:
        return Filler("null", 1.0, [])
    kind = {Kind.BLOB: "blob", Kind.UUID: "uuid", Kind.BIT: "bit"}.get(sql_type.kind)
    if kind is None:
        raise SchemaError(f"no filler for {sql_type.sql()} columns")
    if kind == "uuid":
        lengths = [16]
    else:
        sample = present.to_pylist()[:max_lengths]
        lengths = [len(v) for v in sample]
    return Filler(kind, null_share, lengths)
