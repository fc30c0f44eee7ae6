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
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.relational.shared_values import as_text

# a code: up to four digits or capitals (a "+" before them), then a separator; a word is no code
_PREFIX = re.compile(r"^(\+?[A-Z0-9]{1,4})([^A-Za-z0-9+])")
# the same, for Arrow (RE2 names its groups), with the character :func:`split` wants after the separator
_NAMED_PREFIX = r"^(?P<code>\+?[A-Z0-9]{1,4})(?P<separator>[^A-Za-z0-9+])(?s:.)"
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
    then the one with fewest values); None otherwise.

    Counted in Arrow, never row by row in Python: a million orders' priorities (``'1-URGENT'``)
    are split by one regex and their (source value, code) pairs counted by one group-by per source.
    """
    if not _may_be_shaped(values):
        return None
    text = _text(values)
    if text is None:
        return None
    parts = pc.extract_regex(text, _NAMED_PREFIX)  # NULL where :func:`split` gives None
    shaped = parts.is_valid()
    n_shaped = pc.sum(shaped).as_py() or 0
    if n_shaped < 10 or n_shaped < MIN_SHAPED * (len(text) - text.null_count):
        return None
    codes, separators = parts.field(0), parts.field(1)
    if pc.count_distinct(codes.filter(shaped)).as_py() < 2:
        return None  # one code for every row: the language model writes it already
    separator = _most_common(separators.filter(shaped))
    best, best_key = None, None
    for name in sorted(sources):
        source = _text(sources[name])
        if source is None:
            continue
        rows = pc.and_(shaped, source.is_valid())
        n_rows = pc.sum(rows).as_py() or 0
        n_values = pc.count_distinct(source.filter(rows)).as_py() if n_rows else 0
        if n_values < 2 or n_values > MAX_SOURCE_VALUES or n_rows < MIN_ROWS_PER_VALUE * n_values:
            continue
        by_value = _most_common_code(source.filter(rows), codes.filter(rows))
        decided = sum(n for n, _ in by_value.values()) / n_rows
        if decided < MIN_DECIDED or len({c for _, c in by_value.values()}) < 2:
            continue
        key = (-decided, n_values, name)
        if best_key is None or key < best_key:
            keys = tuple(sorted(by_value))
            best, best_key = Prefix(column, name, separator, keys, tuple(by_value[k][1] for k in keys)), key
    return best


def _text(values: pa.Array | pa.ChunkedArray) -> pa.Array | None:
    """``values`` as an Arrow string array, as :func:`.shared_values.as_text` reads them (an
    integer code and its text are one value); None where they cannot be cast."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    try:
        return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _most_common(values: pa.Array) -> str:
    """The most frequent value; of equally frequent ones, the one seen first."""
    counts = pc.value_counts(values)
    n = counts.field("counts").to_numpy()
    tied = [v for v, c in zip(counts.field("values").to_pylist(), n) if c == n.max()]
    return min(tied, key=lambda v: pc.index(values, v).as_py())


def _most_common_code(source: pa.Array, codes: pa.Array) -> dict[str, tuple[int, str]]:
    """Source value -> (rows, code) of its most frequent code; of equally frequent codes, the first in sort order."""
    pairs = pa.table({"value": source, "code": codes}).group_by(["value", "code"]).aggregate([([], "count_all")])
    by_value: dict[str, tuple[int, str]] = {}
    for value, code, n in sorted(zip(*(pairs.column(c).to_pylist() for c in ("value", "code", "count_all")))):
        if n > by_value.get(value, (0, ""))[0]:
            by_value[value] = (n, code)
    return by_value


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
