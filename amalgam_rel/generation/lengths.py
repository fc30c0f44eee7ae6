"""Text and list lengths: a number the graphical model owns, and a hint the language model reads.

A small language model gets the *length* of free text wrong more than anything else: its stop
token is one of thousands and rarely learned well. So the length of a free-text value (in
characters) or of a list (in elements) is a column of the table's graphical model, sampled with
the row's other columns — the PGM stays authoritative — and the prompt carries it as a coarse
bucket the language model learns to respect. Buckets grow by a factor of about sqrt(2).

>>> [length_bucket(n) for n in (0, 1, 3, 10, 40, 200)]
['L0', 'L2', 'L4', 'L6', 'L10', 'L15']
>>> length_column("notes"), is_length_column("~notes")
('~notes', True)
>>> bucket_array(np.array([0.0, 10.0, 40.0]), np.array([True, False, True])).to_pylist()
['L0', None, 'L10']
>>> [length_bucket(bucket_floor(f"L{b}")) for b in (0, 2, 3, 10, 15)]
['L0', 'L2', 'L3', 'L10', 'L15']
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.schema.internal_names import LENGTH



def length_column(name: str) -> str:
    """The graphical model's column holding ``name``'s length (NULL where ``name`` is NULL)."""
    return LENGTH + name


def is_length_column(name: str) -> bool:
    return name.startswith(LENGTH)


def length_bucket(n: int | float | None) -> str | None:
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return None
    return f"L{int(2 * math.log2(max(0.0, float(n)) + 1))}"


def value_length(value) -> int | None:
    """Characters of a string, elements of a list (what :func:`arrow_lengths` computes)."""
    if value is None:
        return None
    return len(value) if isinstance(value, list | tuple) else len(str(value))


def arrow_lengths(values: pa.ChunkedArray | pa.Array) -> pa.Array | pa.ChunkedArray | None:
    """Lengths of a string or list column, or None for other types."""
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pc.utf8_length(values).cast(pa.int64())
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pc.list_value_length(values).cast(pa.int64())
    return None


def bucket_array(lengths: np.ndarray, valid: np.ndarray) -> pa.DictionaryArray:
    """:func:`length_bucket` of many lengths at once (NULL where not ``valid``)."""
    buckets = (2 * np.log2(np.maximum(lengths, 0) + 1)).astype(np.int64)
    top = int(buckets.max()) + 1 if len(buckets) else 1
    labels = pa.array([f"L{b}" for b in range(top)])
    return pa.DictionaryArray.from_arrays(pa.array(buckets, mask=~valid), labels)


def bucket_floor(label: str) -> int:
    """The shortest length in a bucket (its label read back)."""
    return math.ceil(2 ** (int(label[1:]) / 2) - 1 - 1e-9)
