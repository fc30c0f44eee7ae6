"""Lengths, frequent values and JSON shapes become columns of the table's graphical model, for the columns the
language model fills."""

import pyarrow as pa

from amalgam_rel.models.codecs.base import CodecOptions

from amalgam_rel.relational.text_features import add_text_features, without_text_features
from amalgam_rel.schema.model import Column, Table
from amalgam_rel.schema.types import parse_type


def test_lengths_and_frequent_values_only_for_columns_left_to_the_language_model():
    n = 200
    notes = [None if i % 10 == 0 else "word " * (1 + i % 13) + str(i) for i in range(n)]
    frame = pa.table({
        "id": list(range(n)),
        "kind": ["a", "b"] * (n // 2),  # a category: the graphical model's, no length
        "notes": notes,  # free text: the language model's
        "tags": [[str(i)] * (i % 4) for i in range(n)],  # a list: the language model's
        # one composer credited on a quarter of the rows, the others on one row each
        "composer": ["Steve Harris" if i % 4 == 0 else f"composer {i}" for i in range(n)],
    })
    table = Table("t", (Column("id", parse_type("INTEGER"), False), Column("kind", parse_type("VARCHAR"), True),
                        Column("notes", parse_type("VARCHAR"), True), Column("tags", parse_type("VARCHAR[]"), True),
                        Column("composer", parse_type("VARCHAR"), True)),
                  ("id",))
    out = add_text_features(frame, table, exclude=("id",))
    assert set(out.column_names) - set(frame.column_names) == {"~notes", "~tags", "~composer", "=composer"}
    frequent = out.column("=composer").to_pylist()
    assert frequent == [v if v == "Steve Harris" else None for v in frame.column("composer").to_pylist()]
    lengths = out.column("~notes").to_pylist()
    assert lengths == [None if v is None else len(v) for v in notes]  # NULL stays NULL
    assert out.column("~tags").to_pylist()[:5] == [0, 1, 2, 3, 0]
    assert without_text_features(out.column_names) == tuple(frame.column_names)


def test_json_document_shapes_become_a_category_of_the_graphical_model():
    docs = ['{"origin":"north"}', '{"origin":"south","organic":true}', None, '[1,2]', '{"organic":false,"origin":"x"}']
    frame = pa.table({"id": list(range(5)), "meta": pa.array(docs, pa.string())})
    table = Table("t", (Column("id", parse_type("INTEGER"), False), Column("meta", parse_type("JSON"), True)), ("id",))
    out = add_text_features(frame, table, exclude=("id",))
    assert out.column("{meta").to_pylist() == ['["origin"]', '["organic","origin"]', None, "*", '["organic","origin"]']
    assert without_text_features(out.column_names) == tuple(frame.column_names)
    same = pa.table({"id": [0, 1], "meta": ['{"a":1}', '{"a":2}']})  # one shape: nothing to model
    assert add_text_features(same, table, exclude=("id",)).column_names == ["id", "meta"]


def test_no_features_for_a_column_the_model_owns_with_its_own_category_limit():
    # 100 countries: free text under the codec's default 64 categories, a category of a model
    # fitted with 200 (the pipeline's); that model must not also get its length and frequent values
    frame = pa.table({"id": list(range(1000)), "country": [f"country {i % 100}" for i in range(1000)]})
    table = Table("t", (Column("id", parse_type("INTEGER"), False), Column("country", parse_type("VARCHAR"), True)), ("id",))
    assert {"~country", "=country"} <= set(add_text_features(frame, table, exclude=("id",)).column_names)
    wide = add_text_features(frame, table, exclude=("id",), options=CodecOptions(max_categories=200))
    assert wide.column_names == ["id", "country"]


def test_a_child_column_follows_its_parents_list(tmp_path):
    # a child's grade is 'hi' under a parent tagged ['x'] and 'lo' under one tagged ['y', 'z']:
    # the list is the language model's, so only its category (=tags) lets the child depend on it
    import duckdb

    from amalgam_rel.pipeline.database_model import DatabaseModel

    src, out = tmp_path / "real.duckdb", tmp_path / "synth.duckdb"
    con = duckdb.connect(str(src))
    con.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, tags VARCHAR[]);"
                "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id), grade VARCHAR)")
    con.execute("INSERT INTO p SELECT i, CASE WHEN i % 2 = 0 THEN ['x'] ELSE ['y', 'z'] END FROM range(120) r(i)")
    con.execute("INSERT INTO c SELECT i, i // 3, CASE WHEN (i // 3) % 2 = 0 THEN 'hi' ELSE 'lo' END FROM range(360) r(i)")
    con.close()
    model = DatabaseModel(seed=0, iters=100, text_steps=5).fit(src)
    model.sample(out)
    con = duckdb.connect(str(out), read_only=True)
    lists = con.sql("SELECT DISTINCT tags::VARCHAR FROM p ORDER BY 1").fetchall()
    assert lists == [("[x]",), ("[y, z]",)]  # the drawn categories are the real lists themselves
    agree, n = con.sql("SELECT avg(((p.tags = ['x']) = (c.grade = 'hi'))::INT), count(*) "
                       "FROM c JOIN p ON c.p_id = p.id").fetchone()
    assert n > 200 and agree > 0.9, agree
