"""The Python API checks what the CLI checks, where the value is used (tests/cli/test_bad_input.py
runs the same inputs through the command line)."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from amalgam_rel.errors import InputError
from amalgam_rel.models.privacy import MAX_EPSILON, PrivacyError, cdp_delta, cdp_rho
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.sizes import MAX_TABLE_ROWS

SEED_ERROR = "seed must be a whole number from 0 to 4294967295"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "src.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE p (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, x DOUBLE);
        CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id), qty INTEGER);
        INSERT INTO p SELECT i, ['a', 'b', 'c'][1 + i % 3], i * 0.5 FROM range(40) t(i);
        INSERT INTO c SELECT i, i % 40, i % 7 FROM range(120) t(i);
    """)
    con.close()
    return path


@pytest.fixture(scope="module")
def fitted(source):
    return DatabaseModel(seed=3).fit(source)


@pytest.mark.parametrize("seed", [-5, 2**32, 1.5, "7", True])
def test_a_seed_out_of_range_is_refused_before_fitting(source, seed):
    with pytest.raises(InputError, match=SEED_ERROR):
        DatabaseModel(seed=seed).fit(source)
    with pytest.raises(InputError, match=SEED_ERROR):
        TableModel(seed=seed).fit(pa.table({"a": np.arange(30) % 3}))


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", None])
def test_a_bad_min_word_rows_is_refused_before_fitting(source, bad):
    with pytest.raises(InputError, match=r"^--min-word-rows must be a whole number of rows, at least 1, not "):
        DatabaseModel(min_word_rows=bad).fit(source)


def test_a_sample_seed_out_of_range_is_refused_before_writing(fitted, tmp_path):
    with pytest.raises(InputError, match=SEED_ERROR):
        fitted.sample(tmp_path / "out.duckdb", seed=-1)
    assert not (tmp_path / "out.duckdb").exists()
    with pytest.raises(InputError, match=SEED_ERROR):
        TableModel().fit(pa.table({"a": np.arange(30) % 3})).sample(5, seed=-1)


def test_the_largest_seed_samples(fitted, tmp_path):
    fitted.sample(tmp_path / "out.duckdb", seed=2**32 - 1)
    assert duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True).execute("SELECT count(*) FROM c").fetchone()[0] > 0


def test_a_seed_past_duckdbs_repeatable_samples_the_text_rows(tmp_path):
    # DuckDB's REPEATABLE parses only 0 .. 2**31 - 1: the text model's training rows were drawn
    # with the seed as it was, a parser error for any larger one
    from amalgam_rel.generation.text_plan import sample_rows
    from amalgam_rel.schema.duckdb_reader import read_duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s VARCHAR); INSERT INTO t SELECT i, 'v' || i FROM range(50) t(i)")
    table = read_duckdb(con).table("t")
    big = sample_rows(con, table, ["s"], 10, 2**31 + 5)
    assert len(big) == 10 and big == sample_rows(con, table, ["s"], 10, 5)


@pytest.mark.parametrize("scale", [math.nan, math.inf, -1.0])
def test_a_scale_that_is_no_size_is_refused(fitted, tmp_path, scale):
    with pytest.raises(InputError, match="scale must be a finite number >= 0"):
        fitted.sample(tmp_path / "out.duckdb", scale=scale)


def test_sizes_past_the_limit_name_the_table_before_anything_is_written(fitted, tmp_path):
    out = tmp_path / "out.duckdb"
    # a child grows with its parent: 40 parents asked as 4e9 make 120 children 1.2e10
    with pytest.raises(InputError, match=r"table 'c' would get 12,000,000,000 rows \(120 in the model times 1e\+08\)"):
        fitted.sample(out, rows={"p": 4 * 10**9})
    with pytest.raises(InputError, match=r"table 'p' would get 10,000,000,001 rows \(asked for\)"):
        fitted.sample(out, rows={"p": MAX_TABLE_ROWS + 1})
    with pytest.raises(InputError, match="rows asked for table 'p' must be a whole number"):
        fitted.sample(out, rows={"p": 2.5})
    assert not out.exists()


def test_the_zcdp_conversion_holds_up_to_the_largest_epsilon(source):
    # exp() of the Renyi bound overflowed a float from epsilon 1e8 on; in log space it says 1
    assert cdp_delta(1e9, 1e8) == 1.0
    rho = cdp_rho(MAX_EPSILON, 1e-9)
    assert 0 < rho < MAX_EPSILON and cdp_delta(rho, MAX_EPSILON) <= 1e-9
    with pytest.raises(PrivacyError, match="epsilon <= 709"):
        cdp_rho(1e10, 1e-9)
    with pytest.raises(InputError, match="--epsilon must be at most 709"):
        DatabaseModel(epsilon=1e10, epsilon_text="schema").fit(source)
