"""Fuzz: no rule writes a value its column refuses, on tables of half-determined columns
(``tests/fuzz_columns.py``): a code spelling a nullable integer where it is set and a letter
where not, a sum of two columns where both are set, a date a gap after another where that is
set; NOT NULL or not, CHECKed or not. Sampling must write every table (DuckDB enforces each
constraint on insert), and a rule the model reports holds wherever its operands are set."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

from .conftest import fit

from hypothesis import HealthCheck, given, settings  # a test dependency: never skipped

_spec = importlib.util.spec_from_file_location("fuzz_columns", Path(__file__).resolve().parent.parent / "fuzz_columns.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=fuzz.half_determined_tables(min_rows=60, max_rows=400))
def test_every_half_determined_table_is_written_and_its_rules_hold_where_determined(tmp_path_factory, table):
    folder = tmp_path_factory.mktemp("half")
    model = fit(fuzz.write(folder / "real.duckdb", table))
    out = folder / "synth.duckdb"
    model.sample(out)  # a value a column refuses stops the write
    computed = {name for name, _ in model.computed_columns()}
    con = duckdb.connect(str(out), read_only=True)
    try:
        assert con.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0] == table.rows
        for identity in table.identities:
            if f"{table.name}.{identity.column}" in computed:
                assert fuzz.violations(con, table, identity) == 0, (identity, table.ddl)
    finally:
        con.close()
