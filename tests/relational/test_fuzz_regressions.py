"""Crashes the fuzz suite (benchmarks/fuzz.py) found, each reduced to its smallest database (#21)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from amalgam_rel.cli import app


def _synth(tmp_path, ddl: str, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    source, out = tmp_path / "s.duckdb", tmp_path / "o.duckdb"
    con = duckdb.connect(str(source))
    con.execute(ddl)
    for row in rows:  # one statement a row: a self-reference must find the row before it
        con.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(row))})", row)
    con.close()
    result = CliRunner().invoke(app, ["synth", str(source), "-o", str(out), "--text-steps", "5"])
    assert result.exit_code == 0, (result.stderr, result.exception)
    return duckdb.connect(str(out), read_only=True)


def test_a_self_reference_to_a_key_the_model_draws(tmp_path):
    # a TIME key has no generator: the model draws it, and the self-reference must wait for it
    # (it looked the table up among the parents: KeyError 't')
    con = _synth(tmp_path, "CREATE TABLE t (k TIME PRIMARY KEY, p TIME REFERENCES t(k), v INTEGER)",
                 [("01:00:00", None, 1), ("02:00:00", "01:00:00", 2), ("03:00:00", "01:00:00", 3),
                  ("04:00:00", "02:00:00", 4), ("05:00:00", "04:00:00", 5)])
    rows = con.sql("SELECT count(*), count(p) FROM t").fetchone()
    orphans = con.sql("SELECT count(*) FROM t c WHERE p IS NOT NULL AND p NOT IN (SELECT k FROM t)").fetchone()[0]
    assert rows[0] == 5 and rows[1] > 0 and orphans == 0


def test_a_column_with_no_text_to_spell_gets_a_token_budget(tmp_path):
    # a plan whose column has no non-empty training target: the tokenizer refuses an empty batch
    from amalgam_rel.generation.text_model import TextFieldModel
    from amalgam_rel.generation.text_plan import with_token_budget

    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note VARCHAR)")
    con.execute("INSERT INTO t SELECT i, 'note number ' || i FROM range(30) r(i)")
    con.close()
    model = TextFieldModel(train_steps=5, seed=0).fit(tmp_path / "s.duckdb", columns={"t": ["note"]})
    plan = next(iter(model.plans_.values()))
    assert with_token_budget(plan, model.tokenizer_, []).max_new_tokens >= 1


def test_a_self_reference_on_a_ubigint_key_past_2_63(tmp_path):
    # DuckDB pushed the join's key filter into the Arrow scan as a Python int: OverflowError
    big = 18446744073709551615
    con = _synth(tmp_path, "CREATE TABLE t (k UBIGINT PRIMARY KEY, p UBIGINT REFERENCES t(k), v INTEGER)",
                 [(big, None, 1), (31594, big, 2), (321893, big, 3), (99999999, 31594, 4), (5, None, 5)])
    orphans = con.sql("SELECT count(*) FROM t c WHERE p IS NOT NULL AND p NOT IN (SELECT k FROM t)").fetchone()[0]
    assert con.sql("SELECT count(*) FROM t").fetchone()[0] == 5 and orphans == 0


def test_text_columns_without_one_value(tmp_path):
    # the language model was handed columns holding only NULLs: 'no column to learn text from'
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, tags VARCHAR[], note VARCHAR, v DOUBLE)",
                 [(i, None, None, i / 3) for i in range(12)])
    assert con.sql("SELECT count(*), count(tags), count(note) FROM t").fetchone() == (12, 0, 0)


def test_a_decimal_key_past_2_63_is_counted_on(tmp_path):
    # new keys were counted in int64 from the smallest real key: OverflowError
    con = _synth(tmp_path, "CREATE TABLE t (k DECIMAL(20,0) PRIMARY KEY, v INTEGER)",
                 [(9999999999999999999 + i, i) for i in range(6)])
    assert con.sql("SELECT count(DISTINCT k), min(k) > 9223372036854775807 FROM t").fetchone() == (6, True)


def test_maps_keyed_by_times_and_lists_of_lists_as_text(tmp_path):
    # a MAP keyed by TIME values, a fixed-size array of lists: JSON keys must be strings and a
    # drawn value was looked up in a set as it came ('keys must be str', 'unhashable type')
    rows = [({f"0{i % 9}:00:00": i / 7, "12:30:00": None}, [[i, i + 1], [i * 2]]) for i in range(30)]
    source, out = tmp_path / "s.duckdb", tmp_path / "o.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, m MAP(TIME, DOUBLE) NOT NULL, a INTEGER[][2] NOT NULL)")
    for i, (m, a) in enumerate(rows):
        con.execute("INSERT INTO t VALUES (?, MAP(?::TIME[], ?::DOUBLE[]), ?::INTEGER[][2])",
                    [i, list(m), list(m.values()), a])
    con.close()
    result = CliRunner().invoke(app, ["synth", str(source), "-o", str(out), "--text-steps", "5", "--text-values", "4"])
    assert result.exit_code in (0, 2), result.exception
    assert result.exit_code == 0 or len(result.stderr.splitlines()) == 1, result.stderr


def test_timestamptz_values_reach_python(tmp_path):
    # DuckDB hands TIMESTAMPTZ to Python only with pytz installed: 'Required module ... failed to import'
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, happened TIMESTAMPTZ, note VARCHAR)",
                 [(i, f"2024-01-{i + 1:02d} 10:00:00+02", f"note {i} of many words") for i in range(25)])
    assert con.sql("SELECT count(happened) FROM t").fetchone()[0] > 0


def _synth_script(tmp_path, script: str, *options: str) -> duckdb.DuckDBPyConnection:
    """``synth`` of the database ``script`` builds (exit 0 asserted); the output, read-only."""
    source, out = tmp_path / "s.duckdb", tmp_path / "o.duckdb"
    con = duckdb.connect(str(source))
    con.execute(script)
    con.close()
    result = CliRunner().invoke(app, ["synth", str(source), "-o", str(out), *options])
    assert result.exit_code == 0, (result.stderr, result.exception)
    return duckdb.connect(str(out), read_only=True)


def test_a_list_of_bignums_is_counted_not_built(tmp_path):
    # BIGNUM[] reaches Arrow as an opaque extension type: dropping its NULLs had no builder
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, big BIGNUM[], v DOUBLE)",
                 [(i, None, i / 3) for i in range(10)])
    assert con.sql("SELECT count(*), count(big) FROM t").fetchone() == (10, 0)


def test_json_lists_whose_elements_are_of_several_kinds(tmp_path):
    # a JSON element schema that is itself a union of kinds had no 'type' to match: KeyError
    docs = ['{"a": 1}', '[1, 2]', '"text"', '3', 'true', '{"b": [1, {"c": null}]}']
    source, out = tmp_path / "s.duckdb", tmp_path / "o.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, docs JSON[] NOT NULL)")
    for i in range(30):
        con.execute("INSERT INTO t VALUES (?, ?::JSON[])", [i, [docs[i % 6], docs[(i * 5) % 6]]])
    con.close()
    result = CliRunner().invoke(app, ["synth", str(source), "-o", str(out), "--text-steps", "5", "--text-values", "4"])
    assert result.exit_code == 0 or (result.exit_code == 2 and len(result.stderr.splitlines()) == 1), result.exception


def test_an_infinite_date_beside_a_nested_column(tmp_path):
    # the row context handed to the language model turned DATE '-infinity' into a Python date
    source, out = tmp_path / "s.duckdb", tmp_path / "o.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE t (d DATE NOT NULL, m MAP(VARCHAR, INTEGER) NOT NULL)")
    con.execute("INSERT INTO t VALUES (DATE '-infinity', MAP {})")
    con.close()
    result = CliRunner().invoke(app, ["synth", str(source), "-o", str(out), "--text-steps", "5", "--text-values", "4"])
    assert result.exit_code == 0, (result.stderr, result.exception)


def test_an_all_null_union_column_is_written_as_null_of_its_type(tmp_path):
    # DuckDB read the sampled all-NULL Arrow column as INTEGER, which a UNION of DATE and VARCHAR refuses
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, u UNION(d DATE, s VARCHAR), v DOUBLE)",
                 [(i, None, i / 3) for i in range(6)])
    assert con.sql("SELECT count(*), count(u) FROM t").fetchone() == (6, 0)


def test_a_bignum_column_is_no_total_of_children(tmp_path):
    # BIGNUM values reach Arrow as opaque bytes: the totals finder cast them to double and crashed
    _synth_script(tmp_path, "CREATE TABLE parent (id TIMESTAMP PRIMARY KEY, big BIGNUM NOT NULL);"
                  "CREATE TABLE child (x BIGINT, pid TIMESTAMP REFERENCES parent (id));"
                  "INSERT INTO parent VALUES ('2020-01-01', '5'::BIGNUM), ('2020-01-02', '7'::BIGNUM);"
                  "INSERT INTO child VALUES (3, '2020-01-01'), (4, '2020-01-01'), (7, '2020-01-02')")


def test_a_unique_blob_column_gets_no_value_twice(tmp_path):
    # blobs keep the real lengths, and there is only one empty blob: a UNIQUE column repeated it
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB UNIQUE, v DOUBLE)",
                 [(i, bytes([i - 1]) if i else b"", i / 3) for i in range(40)])
    assert con.sql("SELECT count(b), count(DISTINCT b) FROM t").fetchone() == (40, 40)


def test_decimal_keys_with_a_scale_stay_inside_their_type(tmp_path):
    # the key sequence counted whole numbers from int(min): 0, 1, ... and DECIMAL(2,2) holds no 1
    con = _synth_script(tmp_path, "CREATE TABLE t (id DECIMAL(2,2) PRIMARY KEY, v INTEGER);"
                        "CREATE TABLE w (id DECIMAL(6,2) PRIMARY KEY, v INTEGER);"
                        "INSERT INTO t VALUES (0.97, 1), (0.98, 2), (0.99, 3), (-0.99, 4);"
                        "INSERT INTO w VALUES (1, 1), (2, 2), (3, 3), (5, 4)", "--scale", "3")
    assert con.sql("SELECT count(DISTINCT id), min(id) FROM t").fetchone() == (12, Decimal("-0.99"))
    whole = con.sql("SELECT id FROM w ORDER BY id LIMIT 3").fetchall()
    assert [r[0] for r in whole] == [Decimal(1), Decimal(2), Decimal(3)]  # whole keys stay whole



def test_a_hugeint_inside_a_struct_beyond_int64(tmp_path):
    # generated STRUCT values went to Arrow as Python ints, inferred int64: OverflowError
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, s STRUCT(h HUGEINT), u UHUGEINT[])",
                 [(i, {"h": -16997798621306276403691833524224 * (i + 1)}, [340282366920938463463374607431768211455 - i])
                  for i in range(6)])
    assert con.sql("SELECT count(*), count(s.h), count(u) FROM t").fetchone() == (6, 6, 6)
    assert con.sql("SELECT min(s.h) < -9223372036854775808 FROM t").fetchone()[0]


def test_generated_quotes_in_a_json_string_round_trip(tmp_path):
    # fuzz database 171: a JSON column of a 20-character string holding quotes (see
    # test_output_types: the index build took minutes while a quote was spelled \")
    con = _synth(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSON NOT NULL)",
                 [(1, '"\'); DROP \\"TABLE\\" t; --"'), (2, "[]"), (3, '"say \\"hi\\" to all of them"')])
    assert con.sql("SELECT count(*) FROM t WHERE json_valid(doc)").fetchone()[0] == 3


def test_a_unique_timestamp_ns_pair_whose_check_names_its_extremes(tmp_path):
    # two findings of one database: the real maximum 04:47:46.000480 ns read back as a double
    # 256 ns past it, so the CHECK redrew the row onto the other row's value after the unique
    # sets were repaired, and the duplicate reached the write
    lo, hi = "2200-07-01 18:43:14.025631", "2226-12-18 04:47:46.000480"
    con = _synth(tmp_path, "CREATE TYPE city AS ENUM ('Chennai', 'Pune'); "
                           "CREATE TABLE t (j TIMESTAMP_NS, a6 city, UNIQUE (a6, j), "
                           f"CHECK (j BETWEEN CAST('{lo}' AS TIMESTAMP_NS) AND CAST('{hi}' AS TIMESTAMP_NS)))",
                 [(lo, "Chennai"), (hi, "Chennai")])
    assert con.sql("SELECT count(*), count(DISTINCT (a6, j)) FROM t").fetchone() == (2, 2)
    inside = f"j BETWEEN CAST('{lo}' AS TIMESTAMP_NS) AND CAST('{hi}' AS TIMESTAMP_NS)"
    assert con.sql(f"SELECT bool_and({inside}) FROM t").fetchone()[0]
