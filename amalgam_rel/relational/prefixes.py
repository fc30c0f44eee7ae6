"""Codes at the start of a string that another column of the row decides.

A TPC-H customer's phone starts with its nation's dialling code (``'25-989-741-2988'`` for nation
15); a ticket number may start with its office's code, a licence plate with its region's. The
language model writes such a string from its own words and cannot know the row's nation, so a
query filtering phones by country code (q22) sees the codes at random. The prefix is a short
code (up to four digits or capitals) before the first separator; where one column of the row (its
own value, or a foreign key) decides it in nearly every real row, the mapping is kept and the
synthetic string's prefix is set from the row's value of that column.

>>> import pyarrow as pa
>>> found = find_prefix(pa.array(["25-1", "25-2", "11-3", "11-4"] * 5), {"nation": pa.array([15, 15, 1, 1] * 5)})
>>> found.source, dict(zip(found.keys, found.prefixes))
('nation', {'1': '11', '15': '25'})
>>> apply_prefix(found, pa.array(["99-777", "xyz", None]), pa.array([15, 1, 1])).to_pylist()
['25-777', '11-xyz', None]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.relational.shared_values import as_text

# a code: up to four digits or capitals (a "+" before them), then a separator; a word is no code
_PREFIX = re.compile(r"^(\+?[A-Z0-9]{1,4})([^A-Za-z0-9+])")
MIN_SHAPED = 0.9  # share of the values that must start with a code and a separator
MIN_DECIDED = 0.98  # share of the rows whose prefix their source value decides
MIN_ROWS_PER_VALUE = 5.0  # a source nearly unique per row decides anything: it tells nothing
MAX_SOURCE_VALUES = 1000


@dataclass(frozen=True)
class Prefix:
    """``column``'s leading code is ``prefixes[k]`` where the row's ``source`` is ``keys[k]`` (as text)."""

    column: str
    source: str
    separator: str
    keys: tuple[str, ...]
    prefixes: tuple[str, ...]


def split(value: str | None) -> tuple[str, str] | None:
    """(code, separator) at the start of ``value``, or None."""
    match = _PREFIX.match(value) if value is not None else None
    return (match.group(1), match.group(2)) if match and match.end() < len(value) else None


def find_prefix(values: pa.Array | pa.ChunkedArray, sources: dict[str, pa.Array | pa.ChunkedArray],
                column: str = "") -> Prefix | None:
    """The source column deciding ``values``' leading code, if one does (the most decisive,
    then the one with fewest values); None otherwise."""
    if not _may_be_shaped(values):
        return None
    text = as_text(values)
    parts = [split(v) for v in text]
    shaped = np.array([p is not None for p in parts], dtype=bool)
    if shaped.sum() < 10 or shaped.sum() < MIN_SHAPED * np.count_nonzero([v is not None for v in text]):
        return None
    codes = np.array([p[0] if p else None for p in parts], dtype=object)
    if len(set(codes[shaped].tolist())) < 2:
        return None  # one code for every row: the language model writes it already
    separator = Counter(p[1] for p in parts if p).most_common(1)[0][0]
    best, best_key = None, None
    for name in sorted(sources):
        source = as_text(sources[name])
        rows = shaped & np.array([v is not None for v in source], dtype=bool)
        pairs = Counter(zip(source[rows].tolist(), codes[rows].tolist()))
        by_value: dict[str, tuple[int, str]] = {}
        for (value, code), n in sorted(pairs.items()):
            if n > by_value.get(value, (0, ""))[0]:
                by_value[value] = (n, code)
        n_values = len(by_value)
        if n_values < 2 or n_values > MAX_SOURCE_VALUES or rows.sum() < MIN_ROWS_PER_VALUE * n_values:
            continue
        decided = sum(n for n, _ in by_value.values()) / rows.sum()
        if decided < MIN_DECIDED or len({c for _, c in by_value.values()}) < 2:
            continue
        key = (-decided, n_values, name)
        if best_key is None or key < best_key:
            keys = tuple(sorted(by_value))
            best, best_key = Prefix(column, name, separator, keys, tuple(by_value[k][1] for k in keys)), key
    return best


def _may_be_shaped(values: pa.Array | pa.ChunkedArray) -> bool:
    """Whether enough of the strings ``values`` start with a code (:func:`split`), counted by Arrow:
    a comment column of six million rows is not split in Python to learn that it holds no codes.
    The code is the whole leading run of capitals and digits (a separator is neither), so a
    match, and what follows it, is the one :data:`_PREFIX` finds."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return True  # counted in Python, on the values as text
    shaped = pc.sum(pc.match_substring_regex(values, _PREFIX.pattern + "(?s:.)")).as_py() or 0
    return shaped >= 10 and shaped >= MIN_SHAPED * (len(values) - values.null_count)


def apply_prefix(rule: Prefix, values: pa.Array | pa.ChunkedArray, source: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``values`` with their leading code set from ``source`` (left alone where its value was never seen)."""
    code_of = dict(zip(rule.keys, rule.prefixes))
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    out = []
    for value, key in zip(values.to_pylist(), as_text(source)):
        code = code_of.get(key) if key is not None else None
        if value is None or code is None:
            out.append(value)
            continue
        part = split(value)
        out.append(code + value[len(part[0]):] if part else code + rule.separator + value)
    return pa.array(out, type=values.type)
