"""What every codec shares: its column spec, options, and the private-fit context.

A codec maps one column to integer codes ``0 .. size-1`` (NULL is its own code when the column
has NULLs) and back. ``decode(encode(x))`` stays in the column's type and range; values inside a
bin are redrawn from a within-bin distribution, so decoding is random and takes a generator.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from amalgam_rel.models.ledger import Ledger
from amalgam_rel.schema.types import Kind


@dataclass(frozen=True)
class ColumnSpec:
    """What is known about a column before looking at its data.

    ``bounds`` are inclusive CHECK bounds on the numeric scale (None where absent); ``labels``
    are public categories (ENUM labels, a CHECK ... IN list, booleans).
    """

    name: str
    kind: Kind
    arrow_type: pa.DataType
    nullable: bool = True
    bounds: tuple[float | None, float | None] = (None, None)
    labels: tuple = ()

    def to_json(self) -> dict:
        return {"name": self.name, "kind": str(self.kind), "nullable": self.nullable,
                "bounds": list(self.bounds), "labels": list(self.labels)}

    @classmethod
    def from_json(cls, data: dict, arrow_type: pa.DataType) -> ColumnSpec:
        return cls(data["name"], Kind(data["kind"]), arrow_type, bool(data["nullable"]),
                   tuple(data["bounds"]), tuple(data["labels"]))


@dataclass(frozen=True)
class CodecOptions:
    """Domain-size knobs. Small domains keep estimation fast and private noise low."""

    n_bins: int = 32  # quantile bins of a continuous column; fewer distinct values -> categorical
    max_categories: int = 64  # most categories of a string column before the rest merge as rare
    rare_min_count: int = 2  # categories seen fewer times merge into the rare state
    quantile_points: int = 17  # points of the within-bin quantile function used to decode
    fine_cells: int = 128  # cells of the private histogram that places bin edges (more cells, more noise per bin)


@dataclass
class PrivateFit:
    """Budget a codec may spend on its domain; it reports its noisy 1-way counts back."""

    ledger: Ledger
    rho: float
    rng: np.random.Generator
    release_delta: float
    n_hat: float | None = None  # noisy row count (sizes grids and gates point masses); None: unknown
    max_bins: int | None = None  # bins the pair measurements can still resolve (private budget plan)
    counts: np.ndarray | None = field(default=None)
    stddev: float = 0.0
    free_text: str | None = None  # set when the noisy release shows a column is text, not categories
    null_count: float | None = None  # with free_text, in a nullable column: its released noisy NULL count


class Codec(ABC):
    """Reversible map column <-> codes; ``fit`` returns self (scikit-learn style)."""

    def __init__(self, spec: ColumnSpec, options: CodecOptions = CodecOptions()):
        self.spec = spec
        self.options = options

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of codes."""

    @abstractmethod
    def fit(self, values: pa.Array | pa.ChunkedArray, private: PrivateFit | None = None) -> Codec: ...

    @abstractmethod
    def encode(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray: ...

    @abstractmethod
    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pa.Array: ...

    @abstractmethod
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """JSON-able parameters and numpy arrays that :meth:`from_state` restores."""

    @classmethod
    @abstractmethod
    def from_state(cls, spec: ColumnSpec, options: CodecOptions, params: dict, arrays: dict[str, np.ndarray]) -> Codec: ...


def combine(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values
