"""Decide, per column, whether the graphical model owns it, and what it may know beforehand.

Structured columns get a :class:`ColumnSpec` (kind, nullability, CHECK bounds, public labels).
High-cardinality strings, long text, nested types and JSON are *marked* for the language-model
component instead; binary, UUID and BIT columns are left out. Context columns that the
relational layer adds (parent attributes, child counts) have no schema column: their spec comes
from the arrow type.

>>> import pyarrow as pa
>>> t = pa.table({"n": [1, 2, 3], "name": [f"person {i}" for i in range(3)], "tags": [[1], [], [2]]})
>>> specs, left_out = plan_columns(t)
>>> [s.name for s in specs], left_out
(['n'], {'name': 'language_model: high-cardinality string', 'tags': 'language_model: nested type'})
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from amalgam_rel.errors import DataError, SchemaError
from amalgam_rel.models.codecs import CATEGORICAL_KINDS, NUMERIC_LIKE_KINDS, CodecOptions, ColumnSpec
from amalgam_rel.models.codecs.scale import arrow_kind, natural_step, to_numeric, type_bounds
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import gaussian_sigma
from amalgam_rel.schema.model import Table
from amalgam_rel.schema.types import NESTED_KINDS, Kind

LANGUAGE_MODEL = "language_model"
_UNIQUE_SHARE = 0.5  # strings whose distinct values exceed this share of rows are names/text
_COVERAGE = 0.95  # ... or whose max_categories most frequent values cover less than this
_LONG_TEXT = 48  # mean characters beyond which a string is prose, however repetitive
_SMALL = 20  # below this many rows the unique share says nothing
_RELEASABLE = 0.5  # private: values that can clear the release threshold must hold this share (as in the codec)
# (arrow identity of a column, max_categories) -> (the column, its free-text reason), inside
# :func:`remembered_free_text` only
_REASONS: ContextVar[dict | None] = ContextVar("free_text_reasons", default=None)


def plan_columns(data: pa.Table, table: Table | None = None, options: CodecOptions = CodecOptions(),
                 *, private: bool = False, closed: tuple[str, ...] = ()) -> tuple[list[ColumnSpec], dict[str, str]]:
    """Specs of the modelled columns and ``{column: reason}`` for the others.

    ``closed`` names string columns the caller knows to be a closed set of real values (a kept
    reference table's names): categories, whatever the free-text test would say.

    When ``private``, the string-cardinality test (which looks at the data) is skipped: every
    low-level string column is offered to the model, which then releases only values whose
    noisy counts clear a threshold.
    """
    bounds, labels = check_facts(table) if table is not None else ({}, {})
    specs: list[ColumnSpec] = []
    left_out: dict[str, str] = {}
    for name in data.column_names:
        column = table.column(name) if table is not None and table.has_column(name) else None
        kind = column.type.kind if column is not None else arrow_kind(data.schema.field(name).type)
        if kind is None:
            left_out[name] = f"unsupported arrow type {data.schema.field(name).type}"
            continue
        if column is not None and any(t.kind is Kind.UNION for t in column.type.walk()):
            left_out[name] = "not modelled: UNION values (written NULL)"
            continue
        if kind in NESTED_KINDS:
            left_out[name] = f"{LANGUAGE_MODEL}: {'JSON' if kind is Kind.JSON else 'nested type'}"
            continue
        if kind not in CATEGORICAL_KINDS | NUMERIC_LIKE_KINDS:
            left_out[name] = f"not modelled: {kind} column"
            continue
        values = data.column(name)
        reason = _free_text_reason(values, options) if kind is Kind.STRING and not private and name not in closed else None
        if reason is not None:  # counted once: a six-million-row comment column's counts take seconds
            left_out[name] = f"{LANGUAGE_MODEL}: {reason}"
            continue
        nullable = column.nullable if column is not None else values.null_count > 0
        public = labels.get(name, ())
        if column is not None and kind is Kind.ENUM:
            public = column.type.labels
        arrow_type = data.schema.field(name).type
        bound = tuple(_on_scale(b, arrow_type) for b in bounds.get(name, (None, None)))
        if column is not None and column.type.integer_range is not None and pa.types.is_floating(arrow_type):
            bound = _inside(bound, column.type.integer_range)  # HUGEINT read as DOUBLE: its range is public
        specs.append(ColumnSpec(name, kind, arrow_type, nullable, bound, tuple(public)))
    return specs, left_out


def public_states(spec: ColumnSpec, options: CodecOptions) -> int | None:
    """States a private fit knows the column has before it looks at the data, NULL included;
    ``None`` when its range or values must be found privately (wide numbers, unlabelled strings).

    >>> import pyarrow as pa
    >>> public_states(ColumnSpec("ok", Kind.BOOLEAN, pa.bool_(), nullable=True), CodecOptions())
    3
    >>> public_states(ColumnSpec("stars", Kind.INTEGER, pa.int8(), False, (1, 5)), CodecOptions())
    5
    >>> public_states(ColumnSpec("price", Kind.DECIMAL, pa.decimal128(10, 2), False), CodecOptions()) is None
    True
    """
    labels = len(spec.labels) or (2 if spec.kind is Kind.BOOLEAN else 0)
    if labels:
        return labels + spec.nullable
    if spec.kind in NUMERIC_LIKE_KINDS:
        step = natural_step(spec.arrow_type)
        lo_t, hi_t = type_bounds(spec.arrow_type)
        lo = spec.bounds[0] if spec.bounds[0] is not None else lo_t
        hi = spec.bounds[1] if spec.bounds[1] is not None else hi_t
        if step > 0 and (hi - lo) / step + 1 <= options.fine_cells:  # the grid is the public domain
            return int(round((hi - lo) / step)) + 1 + spec.nullable
    return None


def private_text_test(values: pa.ChunkedArray, options: CodecOptions, rho: float, n_hat: float,
                      rng: np.random.Generator, ledger: Ledger, name: str, release_at: float | None = None,
                      nullable: bool = False, released: dict | None = None) -> str | None:
    """The cardinality rules of :func:`plan_columns`, on noisy counts (a private step).

    Four counts - distinct values, rows in the ``max_categories`` most frequent values, non-NULL
    rows, and rows in the ``k`` most frequent values - each change by at most 1 when one row is
    added or removed, so together they have L2 sensitivity 2. ``k`` is how many values could
    clear ``release_at``, the noisy count the codec will need to release a value (at most
    ``n_hat / release_at`` of them can): when those values cannot hold half the rows, the
    release would fail and route the column to the language model anyway - after spending the
    column's whole share. Routing here costs a fraction of that. In a ``nullable`` column the
    NULL rows (``n_hat`` less the noisy non-NULL count) count as released: NULL is a public state
    the codec releases with the values. ``released`` (if given) gets that noisy non-NULL count
    as ``"present"``, for the caller's post-processing (a text column's NULL share).
    """
    present = values.drop_null()
    counts = np.sort(pc.value_counts(present).field("counts").to_numpy())[::-1] if len(present) else np.zeros(0)
    k = options.max_categories if not release_at else int(np.clip(n_hat // release_at, 1, options.max_categories))
    true = np.array([len(counts), counts[: options.max_categories].sum(), len(present), counts[:k].sum()], np.float64)
    sigma = gaussian_sigma(rho, sensitivity=2.0)
    distinct, top, n, releasable = true + rng.normal(0, sigma, 4)
    if released is not None:
        released["present"] = float(n)
    ledger.spend(f"text test:{name}", "gaussian", rho,
                 detail=f"noisy distinct / top-{options.max_categories} / non-NULL / top-{k} counts, sigma={sigma:.3g}"
                 + (f"; a value will need a noisy count > {release_at:.3g}" if release_at else ""))
    # Where the noise is small beside the rows, only a difference beyond two noise scales counts:
    # at TPC-H's 64 line items per customer the noise (sigma 16,000 at sf 0.1, 600,000 rows) could
    # make a 7-value column's distinct count pass 64 and its top values' rows fall below 95 % of
    # the rows, sending it to text. Where it is not (chinook at epsilon = 1), a categorical column
    # could not clear the release threshold anyway, and text stays the cheap default.
    margin = 2 * sigma if n_hat >= 20 * sigma else 0.0
    if n_hat >= _SMALL and distinct - _UNIQUE_SHARE * max(n, 1.0) > margin * math.hypot(1, _UNIQUE_SHARE):
        return "high-cardinality string (noisy distinct count)"
    if distinct - options.max_categories > margin and _COVERAGE * max(n, 1.0) - top > margin * math.hypot(1, _COVERAGE):
        return "high-cardinality string (noisy coverage of the frequent values)"
    nulls = max(n_hat - n, 0.0) if nullable else 0.0
    if release_at and releasable + nulls < _RELEASABLE * max(n + nulls, 1.0):
        return f"values too rare to release privately (noisy top-{k} rows)"
    return None


@contextmanager
def remembered_free_text() -> Iterator[None]:
    """Inside the block, each string column's free-text test is counted once.

    A database's fit plans the same column many times (every context score, the text features,
    the table model), each planning counted its values again: 326 value counts of the same comment
    columns for TPC-H sf 0.1, seconds each for a six-million-row column at sf 1. A column is known
    by its Arrow buffers (immutable); the entry keeps the column alive, so no other column can take
    those buffers' addresses while it is remembered.
    """
    token = _REASONS.set({})
    try:
        yield
    finally:
        _REASONS.reset(token)


def _free_text_reason(values: pa.ChunkedArray, options: CodecOptions) -> str | None:
    remembered = _REASONS.get()
    if remembered is None:
        return _count_free_text(values, options)
    key = (_identity(values), options.max_categories)
    if key not in remembered:
        remembered[key] = (values, _count_free_text(values, options))
    return remembered[key][1]


def _identity(values: pa.ChunkedArray | pa.Array) -> tuple:
    """The values' type and, per chunk, its offset, length and buffer addresses."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    return str(values.type), tuple((c.offset, len(c), tuple(0 if b is None else b.address for b in c.buffers()))
                                   for c in chunks)


def _count_free_text(values: pa.ChunkedArray, options: CodecOptions) -> str | None:
    present = values.drop_null()
    n = len(present)
    if n == 0:
        return None
    if float(pc.mean(pc.utf8_length(present)).as_py()) > _LONG_TEXT:  # before counting: prose needs no counts
        return "long text"
    counts = pc.value_counts(present).field("counts").to_numpy()
    top = np.sort(counts)[::-1][: options.max_categories].sum()
    if len(counts) > options.max_categories and top < _COVERAGE * n:
        return "high-cardinality string"
    if n >= _SMALL and len(counts) > _UNIQUE_SHARE * n:
        return "high-cardinality string"
    if n < _SMALL and len(counts) == n and n > 2:
        return "high-cardinality string"
    return None


def check_facts(table: Table) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """Bounds and IN-lists that the table's CHECK constraints state about single columns.

    A bound is a float, or for a temporal column a ``datetime`` value (its number depends on
    the column's unit: see :func:`_on_scale`).

    >>> from amalgam_rel.schema.model import Column
    >>> from amalgam_rel.schema.types import parse_type
    >>> from sqlglot import parse_one
    >>> t = Table("o", (Column("placed", parse_type("DATE")), Column("n", parse_type("INTEGER"))),
    ...           checks=(parse_one("placed BETWEEN DATE '1996-01-01' AND '1998-12-31'"), parse_one("n > 0 AND n <= 9")))
    >>> check_facts(t)[0]
    {'placed': (datetime.date(1996, 1, 1), datetime.date(1998, 12, 31)), 'n': (0.0, 9.0)}
    """
    bounds: dict[str, list] = {}
    labels: dict[str, tuple] = {}
    kinds = {c.name: c.type.kind for c in table.columns}
    for check in table.checks:
        for node in _conjuncts(check):
            _read_fact(node, bounds, labels, kinds)
    return {k: (v[0], v[1]) for k, v in bounds.items()}, labels


def _inside(bound: tuple, limits: tuple[int, int]) -> tuple[float, float]:
    """``bound`` narrowed to an integer type's range, as doubles inside it (2**127 - 1 rounds up
    to 2**127, which HUGEINT cannot hold).

    >>> lo, hi = _inside((None, 5.0), (-(2**127), 2**127 - 1))
    >>> -(2**127) < lo < -1.7e38, hi
    (True, 5.0)
    >>> _inside((None, None), (0, 2**127 - 1))[1] < 2**127
    True
    """
    lo, hi = float(limits[0]), float(limits[1])
    # one double inward: DuckDB refuses to cast -2.0**127 to HUGEINT, although it is the minimum
    if lo <= limits[0] and abs(lo) > 2.0**53:
        lo = float(np.nextafter(lo, np.inf))
    if hi >= limits[1] and abs(hi) > 2.0**53:
        hi = float(np.nextafter(hi, -np.inf))
    return (lo if bound[0] is None else max(bound[0], lo)), (hi if bound[1] is None else min(bound[1], hi))


def _on_scale(bound, arrow_type: pa.DataType) -> float | None:
    """A CHECK bound on the numeric scale of ``arrow_type`` (:func:`to_numeric`'s)."""
    if bound is None or isinstance(bound, float):
        return bound
    try:
        values, valid = to_numeric(pa.array([bound]).cast(arrow_type, safe=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, DataError):
        return None  # a bound this column's type cannot hold says nothing usable
    return float(values[0]) if valid[0] else None


def _conjuncts(node: exp.Expression):
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(node, exp.And):
        yield from _conjuncts(node.left)
        yield from _conjuncts(node.right)
    else:
        yield node


def _number(node: exp.Expression) -> float | None:
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this)
        except ValueError:
            return None
    return None


_FLIP = {exp.GTE: exp.LTE, exp.GT: exp.LT, exp.LTE: exp.GTE, exp.LT: exp.GT, exp.EQ: exp.EQ}


_TEMPORAL = {Kind.DATE: dt.date.fromisoformat, Kind.TIMESTAMP: dt.datetime.fromisoformat, Kind.TIME: dt.time.fromisoformat}


def _literal(node: exp.Expression, kind: Kind | None):
    """The value of a literal compared to a column of ``kind``: a float, or for a temporal column
    a ``datetime`` value (``DATE '1996-01-01'``, or a bare string DuckDB would cast)."""
    if kind not in _TEMPORAL:
        return _number(node)
    if isinstance(node, exp.Cast):
        node = node.this
    if not (isinstance(node, exp.Literal) and node.is_string):
        return None
    try:
        value = _TEMPORAL[kind](node.this)
    except ValueError:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:  # stored as UTC
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _read_fact(node: exp.Expression, bounds: dict, labels: dict, kinds: dict) -> None:
    if isinstance(node, exp.Between) and isinstance(node.this, exp.Column):
        kind = kinds.get(node.this.name)
        lo, hi = _literal(node.args["low"], kind), _literal(node.args["high"], kind)
        _tighten(bounds, node.this.name, lo, hi)
    elif isinstance(node, exp.In) and isinstance(node.this, exp.Column):
        items = node.expressions
        if items and all(isinstance(i, exp.Literal) and i.is_string for i in items):
            labels[node.this.name] = tuple(i.this for i in items)
        elif items and all(_number(i) is not None for i in items):
            nums = [_number(i) for i in items]
            _tighten(bounds, node.this.name, min(nums), max(nums))
    elif type(node) in _FLIP:
        left, right, op = node.left, node.right, type(node)
        if not isinstance(left, exp.Column):
            left, right, op = right, left, _FLIP[op]
        if not isinstance(left, exp.Column):
            return
        value = _literal(right, kinds.get(left.name))
        if value is None:
            return
        if op in (exp.GTE, exp.GT):
            _tighten(bounds, left.name, value, None)
        elif op in (exp.LTE, exp.LT):
            _tighten(bounds, left.name, None, value)
        else:
            _tighten(bounds, left.name, value, value)


def _tighten(bounds: dict, name: str, lo: float | None, hi: float | None) -> None:
    cur = bounds.setdefault(name, [None, None])
    if lo is not None:
        cur[0] = lo if cur[0] is None else max(cur[0], lo)
    if hi is not None:
        cur[1] = hi if cur[1] is None else min(cur[1], hi)


def require_columns(data: pa.Table, names: list[str]) -> None:
    missing = [n for n in names if n not in data.column_names]
    if missing:
        raise SchemaError(f"evidence or data lacks the modelled columns {', '.join(missing)}")
