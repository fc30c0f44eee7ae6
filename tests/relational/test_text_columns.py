"""A table whose free text carries a CHECK and whose JSON documents differ in their keys, through
the whole pipeline: the language model's columns keep their constraints and their key rates."""

from __future__ import annotations

import json

import duckdb

from amalgam_rel.generation.sample_db import make_shop
from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, query


def test_text_checks_and_json_key_presence_survive_synthesis(tmp_path):
    src = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(src))
    make_shop(con, rows=300)  # CHECK (length(description) >= 10); meta: organic on ~1/2, ratings on ~1/3
    con.close()
    model = DatabaseModel(seed=0, iters=ITERS, text_steps=100).fit(src)
    out = tmp_path / "synth.duckdb"
    model.sample(out)  # the writer rejects any value DuckDB or a CHECK would not take
    assert query(out, "SELECT count(*) FROM products WHERE length(description) < 10")[0][0] == 0
    real = [json.loads(d) for (d,) in query(src, "SELECT meta FROM products WHERE meta IS NOT NULL")]
    synth = [json.loads(d) for (d,) in query(out, "SELECT meta FROM products WHERE meta IS NOT NULL")]
    assert len(synth) == len(real)
    for key in ("origin", "organic", "ratings"):
        real_rate, rate = (sum(key in d for d in docs) / len(docs) for docs in (real, synth))
        assert abs(rate - real_rate) <= 0.1, (key, rate, real_rate)
    assert "{meta" in model.tables_["products"].modelled  # the shapes were the graphical model's
