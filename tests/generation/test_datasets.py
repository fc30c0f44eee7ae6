"""The text and list columns of the dev databases: every generated value goes into DuckDB.

Short training schedules: these tests are about validity (constraints + DuckDB + retries), the
fidelity figures come from ``benchmarks/bench_lm.py``.
"""

import random

import duckdb
import pytest

from amalgam_rel.generation.lengths import is_length_column
from amalgam_rel.generation.shapes import is_shape_column
from amalgam_rel.generation.text_model import TextFieldModel
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import read_duckdb


pytestmark = pytest.mark.datasets

CASES = [
    ("northwind", {"employees": ["notes"]}, 40),
    ("movielens_small", {"movies": ["genres"], "tags": ["tag"]}, 100),
    ("openflights", {"routes": ["equipment"]}, 80),
]


@pytest.mark.parametrize("name, columns, steps", CASES, ids=[c[0] for c in CASES])
def test_generated_values_are_accepted_by_duckdb(name, columns, steps, dataset):
    path = dataset(name)
    model = TextFieldModel(train_steps=steps, max_rows_per_column=3000, seed=0).fit(path, columns=columns)
    con = duckdb.connect(str(path), read_only=True)
    db = read_duckdb(con)
    rng = random.Random(0)
    out = duckdb.connect()
    for table_key, names in columns.items():
        table = db.table(table_key)
        # lengths (~col) and shapes ({col) are left out: without the PGM's, the model draws them
        # from their real distribution
        prompt_cols = sorted({c for n in names for c in model.plans_[(table_key, n)].prompt_columns
                              if not (is_length_column(c) or is_shape_column(c))} - set(names))
        context = {}
        for c in prompt_cols:  # each column from its own marginal: synthetic rows, not real ones
            real = [r[0] for r in con.execute(sql.select_columns(table.name, [c], table.schema).sql("duckdb")).fetchall()]
            context[c] = [rng.choice(real) for _ in range(32)]
        values = model.generate(table_key, context, n_rows=32)
        for col in names:
            ctype = table.column(col).type.sql(named_enums=False)
            out.execute(f'CREATE OR REPLACE TABLE t (v {ctype})')
            out.executemany("INSERT INTO t VALUES (?)", [[v] for v in values[col]])
            assert out.execute("SELECT count(*) FROM t").fetchone()[0] == 32
            assert sum(v is None for v in values[col]) <= 32 * 0.2  # NULLs only at the learned rate
