"""Filling one column for synthetic rows: which rows get a value, which draw and which reuse one.

:func:`generate_column` decides the rows that get a value (the graphical model's length or
document shape, else the real NULL rate), keeps the frequent values the graphical model chose,
plans the generation budget (:func:`.reuse.reuse_plan`), has :class:`.draw_attempts.ColumnDraw`
draw the rest, rechecks reused values against their own row's CHECKs, and returns the column
as Arrow. Its random numbers come from a stream of the column's own.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.generation.arrow_values import spread
from amalgam_rel.generation.checks import Validator
from amalgam_rel.generation.draw_attempts import ColumnDraw, ColumnReport, DrawSettings, exact_length_column
from amalgam_rel.generation.frequent import frequent_column
from amalgam_rel.generation.lengths import bucket_array, bucket_floor, length_column
from amalgam_rel.generation.list_categories import decode
from amalgam_rel.generation.output_types import map_arrow_type
from amalgam_rel.generation.reuse import reuse_plan
from amalgam_rel.generation.row_context import RowContext
from amalgam_rel.generation.shapes import shape_column
from amalgam_rel.generation.text_plan import ColumnPlan, shape_tokens


def generate_column(plan: ColumnPlan, rows: RowContext, settings: DrawSettings, sampler,
                    validator_of: Callable[[RowContext], Validator], share: float = 1.0, part: int = 0,
                    seed: int | None = None) -> tuple[pa.Array, ColumnReport]:
    """The column's values for ``rows`` and what they took; ``validator_of`` checks them for these rows."""
    start = time.perf_counter()
    report = ColumnReport(rows=rows.n)
    # the column's own stream: the seed, the column's identity, the rows and the part
    rng = np.random.default_rng([settings.seed if seed is None else seed,
                                 zlib.crc32(f"{plan.table}/{plan.column}".encode()), rows.n]
                                + ([part] if part else []))
    wanted = wanted_rows(plan, rows, rng)
    frequent = rows.array(frequent_column(plan.column)) if frequent_column(plan.column) in rows.names else None
    avoid: frozenset = frozenset()
    if frequent is not None:
        # the graphical model chose a frequent real value for these rows: the model writes the rest
        is_frequent = np.asarray(frequent.is_valid()) & wanted
        wanted = wanted & ~is_frequent
        report.frequent = int(is_frequent.sum())
        avoid = frozenset(v for v in frequent.unique().to_pylist() if v is not None)
    if plan.unique:
        draw, source = np.flatnonzero(wanted), np.where(wanted, np.arange(rows.n), -1)
    else:
        draw, source = reuse_plan(rows.codes(plan.prompt_columns), wanted,
                                  _share_of(settings.max_distinct_per_context, share),
                                  _share_of(settings.max_values_per_column, share), rng)
    drawing = ColumnDraw(plan, rows, settings, sampler, validator_of(rows), report, rng, avoid)
    drawing.draw(draw.tolist())
    report.reused = len(_recheck_reused(drawing, source))
    out = spread(drawing.values, source, map_arrow_type(plan.spec.type_sql))
    if frequent is not None and report.frequent:
        out = _with_frequent(out, frequent, is_frequent, _is_list(plan))
    report.seconds = round(time.perf_counter() - start, 3)
    return out, report


def _with_frequent(out: pa.Array, frequent: pa.Array, is_frequent: np.ndarray, is_list: bool) -> pa.Array:
    """``out`` with the frequent values the graphical model chose; a list's are its JSON text
    (:mod:`.list_categories`), read back into lists."""
    chosen = decode(frequent, None) if is_list else frequent
    if pa.types.is_null(out.type):
        out = pa.nulls(len(out), chosen.type)
    elif is_list and pa.types.is_null(out.type.value_type):  # every list drawn was empty
        out = out.cast(chosen.type)
    return pc.if_else(pa.array(is_frequent), chosen.cast(out.type), out)


def _is_list(plan: ColumnPlan) -> bool:
    return plan.spec.schema is not None and plan.spec.schema.get("type") == "array"


def _recheck_reused(drawing, source: np.ndarray) -> np.ndarray:
    """The rows reusing another row's value; where a CHECK ties the column to others, a reused
    value must hold in its own row too: rows it fails are drawn anew (``source`` updated)."""
    n = len(source)
    reused = np.flatnonzero((source >= 0) & (source != np.arange(n)))
    validator, texts = drawing.validator, drawing.texts
    if len(reused) and validator.context_types:
        back = reused[np.isin(source[reused], np.fromiter(texts, dtype=np.int64, count=len(texts)))]
        ctx = drawing.rows.take(validator.context_types, back)
        ok, _ = validator.check([texts[s] for s in source[back].tolist()], ctx)
        redo = back[~np.asarray(ok, dtype=bool)].tolist()
        source[redo] = redo
        drawing.draw(redo)
        reused = np.flatnonzero((source >= 0) & (source != np.arange(n)))
    return reused


def wanted_rows(plan: ColumnPlan, rows: RowContext, rng: np.random.Generator) -> np.ndarray:
    """Rows that get a value; where the prompt carries a length, every wanted row gets one.

    A length column in the rows (the graphical model's, see :mod:`.lengths`) decides both:
    NULL length, NULL value. Without one, NULLs come at the real rate and lengths from their
    real distribution.
    """
    if plan.shapes:
        return _wanted_shapes(plan, rows, rng)
    length = length_column(plan.column)
    if length in rows.names:
        lengths = rows.array(length)
        wanted = ~np.asarray(lengths.is_null())
        if plan.length_buckets:
            numbers = lengths.cast(pa.float64()).fill_null(0).to_numpy(zero_copy_only=False)
            rows.put(length, bucket_array(numbers, wanted))
            rows.put(exact_length_column(length), pa.array(numbers))
        return wanted
    wanted = np.ones(rows.n, dtype=bool)
    if plan.nullable:
        wanted = rng.random(rows.n) >= plan.null_rate
    if plan.length_buckets:
        labels, weights = zip(*plan.length_buckets)
        numbers = np.zeros(rows.n)
        chosen = rng.choice(len(labels), size=int(wanted.sum()), p=np.asarray(weights) / sum(weights))
        numbers[wanted] = [bucket_floor(labels[k]) for k in chosen]
        rows.put(length, bucket_array(numbers, wanted))
    return wanted


def _wanted_shapes(plan: ColumnPlan, rows: RowContext, rng: np.random.Generator) -> np.ndarray:
    """Rows that get a document, each with the shape it asks for (the model's ``{name``, else drawn)."""
    shape = shape_column(plan.column)
    if shape in rows.names:
        labels = rows.array(shape).cast(pa.string()).dictionary_encode()
        index = shape_tokens(plan.shapes)
        tokens = [index.get(x, "K*") for x in labels.dictionary.to_pylist()]
        rows.put(shape, pa.DictionaryArray.from_arrays(labels.indices, pa.array(tokens, pa.string())))
        return np.asarray(labels.is_valid())
    wanted = rng.random(rows.n) >= plan.null_rate if plan.nullable else np.ones(rows.n, dtype=bool)
    names, weights = zip(*plan.shapes)
    index = shape_tokens(plan.shapes)
    tokens = [index.get(x, "K*") for x in names]
    chosen = rng.choice(len(names), size=rows.n, p=np.asarray(weights) / sum(weights))
    rows.put(shape, pa.DictionaryArray.from_arrays(pa.array(chosen, mask=~wanted), pa.array(tokens, pa.string())))
    return wanted


def _share_of(budget: int | None, share: float) -> int | None:
    """A part's share of a generation budget (at least one value; None stays unlimited)."""
    return budget if budget is None or share >= 1.0 else max(1, math.ceil(budget * share))
