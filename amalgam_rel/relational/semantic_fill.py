"""Semantic columns at sample time: each generated column filled from Faker in its row's locale.

:mod:`.semantic_columns` finds the columns and what they keep of the real ones at fit time;
:func:`fill_semantic`, a stage of sampling, writes them: each row's locale from its synthetic
country or language, values drawn toward the lengths and forms the table model drew, and kept
apart where the column is in a unique set.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.generation.lengths import length_column
from amalgam_rel.generation.semantic.generate import generate
from amalgam_rel.generation.semantic.locales import DRAWN, FALLBACK, describe, locale_of
from amalgam_rel.relational.semantic_columns import SemanticReport, Semantics, free_length

def _drawn_lengths(d, s: Semantics) -> dict[str, np.ndarray]:
    """Each generated column's length per row as the table model drew it (NaN where none)."""
    out = {}
    for c in s.columns:
        name = length_column(c.column)
        if name in d.rows.column_names and free_length(c) and pa.types.is_integer(d.rows.column(name).type):
            out[c.column] = d.rows.column(name).cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
    return out


def fill_semantic(d) -> None:
    """A sample stage: the generated columns of the draft's rows, in each row's locale; NULL where
    the table model's ``~name`` is (or, without one, on the real share of random rows)."""
    s = d.ft.semantic
    if s is None or not (s.columns or s.drawn_locale) or d.n == 0:
        return
    if s.drawn_locale:
        locales = [DRAWN[i] for i in d.rng.integers(len(DRAWN), size=d.n)]
        said = pa.array([describe(x, s.locale_type) for x in locales], pa.string())
        d.values[s.locale] = pc.if_else(pa.array(_present(d, s.locale)), said, pa.scalar(None, pa.string()))
    else:
        locales = row_locales(d.values.get(s.locale) if s.locale else None, s.locale_type, d.n)
    origins = _listed(d.values[s.locale]) if s.locale and not s.drawn_locale and s.locale in d.values else None
    presence = {c.column: _present(d, c.column, c.null_share) for c in s.columns}
    generated = generate(s.columns, locales, d.rng, origins, presence, _drawn_lengths(d, s))
    _apart_in_unique_sets(d, s, generated, presence, locales, origins)
    for c in s.columns:
        values = pa.array(generated[c.column], pa.string())
        present = presence[c.column]
        values = pc.if_else(pa.array(present), values, pa.scalar(None, pa.string()))
        d.values[c.column] = values
        real = d.ft.semantic_real.get(c.column) if d.ft.semantic_real else None
        written = [v for v, p in zip(generated[c.column], present) if p]
        report = SemanticReport(c.type, len(written), sum(v in real for v in written) if real is not None else 0,
                                real is not None)
        d.semantic_reports.setdefault(c.column, SemanticReport(c.type)).add(report)


def _apart_in_unique_sets(d, s: Semantics, generated: dict[str, list], presence: dict[str, np.ndarray],
                         locales: list[str], origins: list | None, rounds: int = 5) -> None:
    """Unique sets holding a generated column (``UNIQUE (region, city)``): rows that repeat
    another's values draw that column again (in their locale), then are numbered."""
    mine = {c.column: c for c in s.columns}
    for unique in d.ft.table.unique_sets():
        own = [c for c in unique if c in mine]
        if len(unique) < 2 or not own or not all(c in mine or c in d.values for c in unique):
            continue  # one column alone is the generator's own (SemanticColumn.unique)
        last = mine[own[-1]]
        for attempt in range(rounds + 1):
            repeats = _repeated_rows(d, unique, generated, presence)
            if not repeats:
                break
            for i, k in enumerate(repeats):
                if attempt < rounds:
                    origin = None if origins is None else [origins[k]]
                    generated[last.column][k] = generate([last], [locales[k]], d.rng, origin)[last.column][0]
                else:  # a short list (a country's few states and cities): numbered apart
                    generated[last.column][k] = f"{generated[last.column][k]} {i + 2}"


def _repeated_rows(d, unique: tuple[str, ...], generated: dict[str, list], presence: dict[str, np.ndarray]) -> list[int]:
    """Rows whose values of ``unique`` (all set: NULL never repeats) another row has already."""
    columns = []
    for c in unique:
        if c in generated:
            columns.append([v if p else None for v, p in zip(generated[c], presence[c])])
        else:
            columns.append(_listed(d.values[c]))
    seen, out = set(), []
    for k, key in enumerate(zip(*columns)):
        if any(v is None for v in key):
            continue
        if key in seen:
            out.append(k)
        seen.add(key)
    return out


def _listed(values) -> list:
    return values.to_pylist() if hasattr(values, "to_pylist") else list(values)


def row_locales(values: pa.Array | None, locale_type: str, n: int) -> list[str]:
    """Each row's Faker locale from its country or language value (:data:`FALLBACK` without one).

    >>> row_locales(pa.array(["Brazil", None, "Germany"]), "country", 3)
    ['pt_BR', 'en_US', 'de_DE']
    """
    if values is None:
        return [FALLBACK] * n
    cache: dict[object, str] = {}
    out = []
    for v in values.to_pylist():
        if v not in cache:
            cache[v] = locale_of(v, language=locale_type == "language")
        out.append(cache[v])
    return out


def _present(d, column: str, null_share: float = 0.0) -> np.ndarray:
    name = length_column(column)
    if name in d.rows.column_names:
        return d.rows.column(name).is_valid().to_numpy(zero_copy_only=False)
    if not d.ft.table.column(column).nullable or null_share <= 0:
        return np.ones(d.n, dtype=bool)
    return d.rng.random(d.n) >= null_share
