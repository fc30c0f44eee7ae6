"""Every codec round-trips: decode(encode(x)) keeps the type, the range and the NULL rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.models.codecs import CategoricalCodec, CodecOptions, ColumnSpec, NumericCodec, PrivateFit, make_codec
from amalgam_rel.models.codecs.scale import arrow_kind, to_numeric
from amalgam_rel.models.ledger import Ledger
from amalgam_rel.schema.types import Kind

N = 4000
rng = np.random.default_rng(7)


def _with_nulls(values: list, share: float = 0.1) -> list:
    mask = rng.random(len(values)) < share
    return [None if m else v for v, m in zip(values, mask)]


def _columns() -> dict[str, pa.Array]:
    base = dt.datetime(2020, 1, 1)
    return {
        "tiny_int": pa.array(rng.integers(-100, 100, N), pa.int8()),
        "big_int": pa.array(_with_nulls(list(rng.integers(0, 10**12, N))), pa.int64()),
        "float32": pa.array(rng.normal(0, 1, N).astype(np.float32), pa.float32()),
        "double_2dp": pa.array(_with_nulls(list(np.round(rng.gamma(2.0, 30.0, N), 2))), pa.float64()),
        "decimal": pa.array([Decimal(f"{v:.2f}") for v in rng.uniform(0, 500, N)], pa.decimal128(10, 2)),
        "date": pa.array(_with_nulls([dt.date(2000, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 9000, N)]), pa.date32()),
        "ts_seconds": pa.array([base + dt.timedelta(seconds=int(s)) for s in rng.integers(0, 10**8, N)], pa.timestamp("us")),
        "time": pa.array([dt.time(int(h), int(m)) for h, m in zip(rng.integers(0, 24, N), rng.integers(0, 60, N))], pa.time64("us")),
        "interval": pa.array([pa.MonthDayNano([0, int(d), 0]) for d in rng.integers(0, 400, N)], pa.month_day_nano_interval()),
        "few_ints": pa.array(rng.choice([1, 5, 10], N), pa.int32()),
        "bool": pa.array(_with_nulls(list(rng.random(N) < 0.3)), pa.bool_()),
        "enum": pa.array(rng.choice(["sad", "ok", "happy"], N)).dictionary_encode(),
        "string": pa.array(_with_nulls(list(rng.choice(["red", "green", "blue"], N)) + [f"rare{i}" for i in range(5)])[:N]),
    }


@pytest.mark.parametrize("name", list(_columns()))
def test_round_trip_keeps_type_range_and_nulls(name):
    col = _columns()[name]
    spec = ColumnSpec(name, arrow_kind(col.type), col.type, nullable=True,
                      labels=("sad", "ok", "happy") if name == "enum" else ())
    codec = make_codec(spec).fit(col)
    codes = codec.encode(col)
    assert codes.min() >= 0 and codes.max() < codec.size
    out = codec.decode(codes, np.random.default_rng(0))
    assert out.type == col.type
    assert len(out) == len(col)
    assert (out.null_count > 0) == (col.null_count > 0)
    assert abs(out.null_count - col.null_count) / N < 0.01  # NULL is its own code: exact up to rare noise
    if isinstance(codec, NumericCodec):
        x, ok = to_numeric(col)
        y, ok2 = to_numeric(out)
        assert y[ok2].min() >= x[ok].min() and y[ok2].max() <= x[ok].max()
        # each decoded value lands back in its own bin: encoding is stable
        assert np.array_equal(codec.encode(out), codes)
    else:
        assert set(out.drop_null().to_pylist()) <= set(col.drop_null().to_pylist())


def test_resolution_is_kept():
    cols = _columns()
    ts = make_codec(ColumnSpec("t", Kind.TIMESTAMP, pa.timestamp("us"))).fit(cols["ts_seconds"])
    out, _ = to_numeric(ts.decode(ts.encode(cols["ts_seconds"]), np.random.default_rng(1)))
    assert np.all(out % 1_000_000 == 0)  # whole-second timestamps stay whole seconds
    money = make_codec(ColumnSpec("m", Kind.FLOAT, pa.float64())).fit(cols["double_2dp"])
    vals, ok = to_numeric(money.decode(money.encode(cols["double_2dp"]), np.random.default_rng(1)))
    assert np.allclose(vals[ok] * 100, np.round(vals[ok] * 100))
    dec = make_codec(ColumnSpec("d", Kind.DECIMAL, pa.decimal128(10, 2))).fit(cols["decimal"])
    assert all(v.as_tuple().exponent == -2 for v in dec.decode(dec.encode(cols["decimal"]), np.random.default_rng(1)).to_pylist())


def test_few_distinct_values_are_categorical():
    codec = make_codec(ColumnSpec("f", Kind.INTEGER, pa.int32())).fit(_columns()["few_ints"])
    assert codec.mode == "discrete" and codec.size == 3
    out = codec.decode(np.array([0, 1, 2]), np.random.default_rng(0)).to_pylist()
    assert out == [1, 5, 10]


def test_quantile_bins_keep_the_shape():
    x = pa.array(rng.lognormal(3, 1, 20_000))
    codec = make_codec(ColumnSpec("x", Kind.FLOAT, pa.float64())).fit(x)
    y = codec.decode(codec.encode(x), np.random.default_rng(2)).to_numpy()
    real = np.sort(x.to_numpy())
    grid = np.quantile(real, np.linspace(0.01, 0.99, 50))
    ks = np.max(np.abs(np.searchsorted(real, grid) / len(real) - np.searchsorted(np.sort(y), grid) / len(y)))
    assert ks < 0.02


def test_a_value_holding_more_rows_than_a_bin_is_its_own_state():
    # children per parent: 90 % of parents have none, the others a heavy tail (1 to 2,000)
    counts = np.where(rng.random(6000) < 0.9, 0, np.round(np.exp(rng.uniform(0, 7.6, 6000))))
    x = pa.array(counts.astype(np.int64))
    codec = make_codec(ColumnSpec("#0", Kind.INTEGER, pa.int64())).fit(x)
    assert codec.mode == "mixed" and codec.values.tolist() == [0.0]
    assert codec.size > 24  # the zeros and up to 31 bins over the tail (equal-frequency over all rows: 4 states)
    codes = codec.encode(x)
    assert set(codes[counts == 0]) == {0} and 0 not in set(codes[counts > 0])
    y = codec.decode(codes, np.random.default_rng(1)).to_numpy()
    assert ((y == 0) == (counts == 0)).all()  # "has children" is kept exactly, row by row
    assert make_codec(ColumnSpec("stock", Kind.INTEGER, pa.int64())).fit(x).mode == "binned"  # a count of children only
    above = [(counts > t).sum() for t in (10, 100)]
    assert all(abs((y > t).sum() - a) <= 0.1 * a for t, a in zip((10, 100), above))


def test_dates_far_from_today_keep_their_values():
    # 9999-12-31 for "open-ended" and dates before 1670 lie outside the span a private fit may
    # assume; a non-private codec keeps them (they were clipped to 2270-01-03, and every 16th-century
    # date collapsed onto one day)
    sentinel, starts = dt.date(9999, 12, 31), [dt.date(1500, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 30_000, N)]
    for values in ([sentinel if rng.random() < 0.4 else d for d in starts], starts):
        x = pa.array(values, pa.date32())
        codec = make_codec(ColumnSpec("d", Kind.DATE, pa.date32())).fit(x)
        y = codec.decode(codec.encode(x), np.random.default_rng(0)).to_pylist()
        assert abs(np.mean([v == sentinel for v in y]) - np.mean([v == sentinel for v in values])) < 0.03
        early = sorted(v for v in y if v.year < 1670)
        assert len(early) > 0.5 * N and early[0] < dt.date(1510, 1, 1) and len(set(early)) > 1000


def test_check_bounds_are_never_left():
    x = pa.array(rng.normal(50, 30, N))
    codec = make_codec(ColumnSpec("x", Kind.FLOAT, pa.float64(), bounds=(0.0, 100.0))).fit(x)
    y = codec.decode(codec.encode(x), np.random.default_rng(0)).to_numpy()
    assert y.min() >= 0.0 and y.max() <= 100.0


def test_rare_categories_merge_and_decode_to_real_values():
    values = ["a"] * 50 + ["b"] * 30 + [f"r{i}" for i in range(10)]
    codec = CategoricalCodec(ColumnSpec("s", Kind.STRING, pa.string()), CodecOptions(rare_min_count=2)).fit(pa.array(values))
    assert codec.categories == ["a", "b"] and len(codec.rare_values) == 10
    out = codec.decode(np.full(200, codec.rare_code), np.random.default_rng(0)).to_pylist()
    assert set(out) <= {f"r{i}" for i in range(10)} and len(set(out)) > 3


def test_unseen_evidence_maps_to_rare_or_nearest():
    codec = CategoricalCodec(ColumnSpec("s", Kind.STRING, pa.string())).fit(pa.array(["a", "a", "b", "b", "x", "y"]))
    assert codec.encode(pa.array(["zzz"])).tolist() == [codec.rare_code]
    num = NumericCodec(ColumnSpec("n", Kind.INTEGER, pa.int32())).fit(pa.array([1, 5, 10] * 10, pa.int32()))
    assert num.decode(num.encode(pa.array([6, 100], pa.int32())), np.random.default_rng(0)).to_pylist() == [5, 10]


def test_private_codec_uses_public_domain_and_spends_budget():
    ledger = Ledger(1.0)
    x = pa.array(rng.integers(0, 60, N), pa.int32())
    ctx = PrivateFit(ledger, 0.5, np.random.default_rng(0), 1e-10)
    codec = NumericCodec(ColumnSpec("age", Kind.INTEGER, pa.int32(), nullable=False, bounds=(0.0, 120.0))).fit(x, private=ctx)
    assert codec.lo == 0.0 and codec.hi == 120.0  # from CHECK bounds, not from the data
    assert abs(ledger.spent - 0.5) < 1e-12
    assert ctx.counts is not None and len(ctx.counts) == codec.size
    y = codec.decode(codec.encode(x), np.random.default_rng(0)).to_numpy()
    assert y.min() >= 0 and y.max() <= 120


def test_private_text_column_is_routed_to_the_language_model():
    names = pa.array([f"person {i}" for i in range(2000)])
    ctx = PrivateFit(Ledger(1.0), 0.1, np.random.default_rng(0), 1e-10)
    CategoricalCodec(ColumnSpec("name", Kind.STRING, pa.string())).fit(names, private=ctx)
    assert ctx.free_text is not None


def test_private_mostly_null_column_with_a_released_value_stays_categorical():
    """NULL is a released state: a column 60 % NULL whose commonest value clears the threshold
    while the rest are too rare (berka's trans.k_symbol) keeps its NULLs and that value instead
    of going to text (placeholders, never NULL); a column of rare values alone still goes."""
    values = [None] * 1200 + ["UROK"] * 300 + [f"rare {i}" for i in range(500)]
    ctx = PrivateFit(Ledger(1.0), 0.1, np.random.default_rng(0), 1e-10)
    codec = CategoricalCodec(ColumnSpec("k_symbol", Kind.STRING, pa.string())).fit(pa.array(values), private=ctx)
    assert ctx.free_text is None and codec.categories == ["UROK"] and codec.has_null
    assert len(ctx.counts) == codec.size and ctx.counts[-1] > 1000  # the noisy NULL count, decoded as NULL
    rare = [None] * 1200 + [f"rare {i}" for i in range(800)]
    ctx = PrivateFit(Ledger(1.0), 0.1, np.random.default_rng(0), 1e-10)
    CategoricalCodec(ColumnSpec("k_symbol", Kind.STRING, pa.string())).fit(pa.array(rare), private=ctx)
    assert ctx.free_text is not None  # nothing released: no category for the rows that have a value


def test_private_release_share_is_of_the_noisy_row_count_not_of_the_unreleased_counts():
    """Which values the data holds decides how many noisy counts stay under the threshold, so
    their sum has no stated sensitivity: the half the released states must hold is of the
    table's noisy row count ``n_hat`` (released elsewhere), whatever the rare values are."""
    values = pa.array(["A"] * 300 + [f"rare {i}" for i in range(700)])
    decided = {}
    for n_hat in (1000.0, 400.0):
        ctx = PrivateFit(Ledger(1.0), 0.1, np.random.default_rng(0), 1e-10, n_hat=n_hat)
        codec = CategoricalCodec(ColumnSpec("tag", Kind.STRING, pa.string())).fit(values, private=ctx)
        decided[n_hat] = ctx.free_text is None and codec.categories == ["A"]
    # 300 of 1,000 rows released: text; of 400 rows (the sum of the 700 rare counts unread): a category
    assert decided == {1000.0: False, 400.0: True}
