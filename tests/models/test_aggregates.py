"""Fitting a table model from counts computed in SQL (a table too large to read): the codecs and
marginals equal those of a fit on every row where they should, from a sample of the rows."""

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sqlglot import exp

from amalgam_rel.errors import DataError
from amalgam_rel.models.aggregated_fit import clique_counts
from amalgam_rel.models.aggregates import Aggregates
from amalgam_rel.models.codecs import CategoricalCodec, ColumnSpec, NumericCodec
from amalgam_rel.models.codecs.sql_codes import code_expression
from amalgam_rel.models.exact_fit import encode_columns
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.schema import sql
from amalgam_rel.schema.engines import Engine
from amalgam_rel.schema.types import Kind

ROWS = """CREATE TABLE t AS SELECT i AS id, (['a', 'b', 'c', 'd', 'e'])[1 + i % 5 + (i % 7 = 0)::INTEGER] AS s,
    (i * 7) % 997 AS q, i % 4 AS small, CASE WHEN i % 13 = 0 THEN NULL ELSE round(i * 1.37 % 100, 2)::DECIMAL(8, 2) END AS amount,
    DATE '2020-01-01' + (i % 400)::INTEGER AS d, TIMESTAMP '2020-01-01' + to_seconds(i * 977) AS ts, i % 3 = 0 AS flag,
    (i % 11) * 0.5 AS x FROM range(3000) r(i)"""


@pytest.fixture(scope="module")
def table():
    con = duckdb.connect()
    con.execute(ROWS)
    full = con.execute("SELECT * FROM t ORDER BY id").to_arrow_table()
    sample = con.execute("SELECT * FROM t WHERE id % 6 = 0 ORDER BY id").to_arrow_table()
    aggregates = Aggregates(Engine(con), exp.select("*").from_("t"), full.num_rows, frozenset(full.column_names), sample.num_rows)
    return con, full, sample, aggregates


def test_every_codec_in_sql_gives_the_codes_of_encode(table):
    con, full, _, _ = table
    model = TableModel().fit(full, exclude=("id",))
    for codec in model.codecs_:
        expression = code_expression(codec, sql.column(codec.name), full.column(codec.name).type)
        got = con.execute(f"SELECT {sql.render(expression)} FROM t ORDER BY id").fetchnumpy()
        assert np.array_equal(next(iter(got.values())), codec.encode(full.column(codec.name))), codec.name


def test_a_sample_with_aggregates_has_every_rows_categories_range_and_marginals(table):
    _, full, sample, aggregates = table
    model = TableModel().fit(sample, exclude=("id",), aggregates=aggregates)
    whole = TableModel().fit(full, exclude=("id",))
    assert model.n_rows_ == model.summary_.n_rows == 3000 and model.summary_.sample_rows == 500
    assert model.summary_.sample_cliques == ()
    by_name = {c.name: c for c in whole.codecs_}
    for codec in model.codecs_:
        twin = by_name[codec.name]
        if isinstance(codec, CategoricalCodec) or codec.mode == "discrete":  # the same as a fit on every row
            assert codec.state()[0] == twin.state()[0], codec.name
            assert all(np.array_equal(a, b) for a, b in zip(codec.state()[1].values(), twin.state()[1].values()))
        else:  # bins from the sample's quantiles, range and NULLs from every row
            assert (codec.lo, codec.hi, codec.has_null) == (twin.lo, twin.hi, twin.has_null), codec.name
    # every clique counted over all rows, as encoding all rows with the model's codecs counts them
    names, sizes = [c.name for c in model.codecs_], [c.size for c in model.codecs_]
    codes = encode_columns(model.codecs_, full)
    counted = clique_counts(aggregates, model.codecs_, full, sizes, list(model.summary_.cliques))
    assert set(counted) == set(model.summary_.cliques)
    for clique, counts in counted.items():
        axes = [names.index(a) for a in clique]
        flat = np.ravel_multi_index(tuple(codes[:, i] for i in axes), counts.shape)
        assert np.array_equal(np.bincount(flat, minlength=counts.size).reshape(counts.shape), counts), clique


def test_columns_only_the_sample_has_are_counted_on_it(table):
    _, _, sample, aggregates = table
    extra = sample.append_column("feature", pa.array(np.arange(sample.num_rows) % 3))
    model = TableModel().fit(extra, exclude=("id",), aggregates=aggregates)
    assert model.summary_.sample_cliques and all("feature" in c for c in model.summary_.sample_cliques)
    assert model.n_rows_ == 3000


def test_value_counts_fit_a_categorical_codec_as_its_rows_do():
    spec = ColumnSpec("c", Kind.STRING, pa.string())
    rows = pa.array(["x", "y", "y", "z", "z", "z", "w", "v", None])
    counts = CategoricalCodec(spec).fit_counts(["v", "w", "x", "y", "z"], np.array([1, 1, 1, 2, 3]), 1)
    assert counts.state()[0] == CategoricalCodec(spec).fit(rows).state()[0]


def test_aggregates_are_refused_where_they_cannot_serve(table):
    _, _, sample, aggregates = table
    with pytest.raises(DataError, match="closed form"):
        TableModel(estimator="mirror_descent").fit(sample, exclude=("id",), aggregates=aggregates)
    with pytest.raises(DataError, match="private fit"):
        TableModel(epsilon=1.0).fit(sample, exclude=("id",), aggregates=aggregates)


def test_a_column_without_sql_codes_says_so():
    interval = NumericCodec(ColumnSpec("i", Kind.INTERVAL, pa.month_day_nano_interval()))
    interval.mode = "binned"
    assert code_expression(interval, sql.column("i"), pa.month_day_nano_interval()) is None
