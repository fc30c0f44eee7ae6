"""A table too large to read, fitted from a PostgreSQL or MySQL source (issue 28): the counts over
all its rows run inside the server (its own dialect, through the scanner's pass-through query),
the sample holds the same rows as from a DuckDB copy, and the model is the same.

The data has what the dialects treat differently: text that a MySQL collation folds ('bulk',
'Bulk', 'bulk '), decimals, dates, timestamps, floats, a NULL foreign key."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.plan import plan_database
from amalgam_rel.relational.training import TrainingFrames
from amalgam_rel.schema.sources import open_source

from .conftest import fresh_name
from .servers import MYSQL_URL, PG_URL, drop_from_server, load_into_server, require_server

DDL = """
CREATE TABLE shop (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL);
CREATE TABLE sale (id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop (id), qty INTEGER NOT NULL,
    status VARCHAR, amount DECIMAL(10, 2), day DATE, seen TIMESTAMP, score DOUBLE);
INSERT INTO shop SELECT i, CASE WHEN i % 3 = 0 THEN 'big' ELSE 'small' END FROM range(1, 41) r(i);
INSERT INTO sale SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + i % 40 END, 1 + (i * 7) % 9,
    (['bulk', 'Bulk', 'bulk ', 'single', NULL])[1 + (i * 7) % 5], round((i * 37) % 1000 * 0.13, 2),
    DATE '2021-01-01' + ((i * 11) % 700)::INTEGER, TIMESTAMP '2021-01-01 08:00:00' + to_seconds((i * 7919) % 9000000),
    ((i * 13) % 101) * 0.25 FROM range(1, 1201) r(i);
"""
MAX_ROWS = 300


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("pushed") / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
    return path


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def server_copy(request, shop):
    """(kind, location) of ``shop`` loaded into a fresh schema of the server."""
    kind = request.param
    require_server(kind)
    name, url = fresh_name("amalgam_pushed"), PG_URL if kind == "postgres" else MYSQL_URL
    load_into_server(shop, kind, url, name)
    try:
        yield kind, (url, name) if kind == "postgres" else (url.rsplit("/", 1)[0] + "/" + name, None)
    finally:
        drop_from_server(kind, url, name)


def _open(location):
    url, schema = location
    return open_source(url, schema=schema)


def _sale_counts(src):
    """The sale table's frame and every aggregate of it, from ``src``'s engine."""
    frames = TrainingFrames(src.con, plan_database(src.database), max_rows=MAX_ROWS, engine=src.engine())
    for key in frames.plan.graph.order:
        frames.build(key, context_from_parent=("kind",) if key == "sale" else ())
    frame = frames.frames["sale"]
    aggregates = frames.aggregates("sale", frame.column_names)
    names = ["status", "^kind", "qty"]
    counts = {n: sorted(zip(v.to_pylist(), c.tolist()), key=repr) + [nulls]
              for n, (v, c, nulls) in aggregates.value_counts(names).items()}
    ranges = {n: (v.to_pylist(), nulls) for n, (v, nulls) in
              aggregates.ranges(["amount", "day", "seen", "score"], {n: frame.schema.field(n).type
                                                                    for n in ("amount", "day", "seen", "score")}).items()}
    return frames, frame, counts, ranges


def test_the_servers_counts_and_sample_are_the_duckdb_copys(shop, server_copy):
    kind, location = server_copy
    with open_source(shop) as local, _open(location) as remote:
        frames, frame, counts, ranges = _sale_counts(local)
        server_frames, server_frame, server_counts, server_ranges = _sale_counts(remote)
        assert server_frames.sampled["sale"].counted_in == {"postgres": "PostgreSQL", "mysql": "MySQL"}[kind]
        assert frames.sampled["sale"].counted_in == "DuckDB"
        assert server_frames.engine.queries > 0  # the GROUP BYs ran in the server
        # the same rows sampled (the hash is the same in every dialect), the same counts of all rows
        # (selected inside the server, read back with the types DuckDB's views give, in key order)
        assert server_frame.to_pylist() == frame.to_pylist()
        assert replace(server_frames.sampled["sale"], counted_in="DuckDB") == frames.sampled["sale"]
        assert server_counts == counts  # 'bulk', 'Bulk' and 'bulk ' stay three values in MySQL too
        assert server_ranges == ranges


def test_a_model_fitted_from_the_server_is_the_duckdb_copys(shop, server_copy):
    kind, location = server_copy
    local = DatabaseModel(seed=0, iters=100, max_rows=MAX_ROWS).fit(shop)
    with _open(location) as src:
        remote = DatabaseModel(seed=0, iters=100, max_rows=MAX_ROWS).fit(src)
    name = {"postgres": "PostgreSQL", "mysql": "MySQL"}[kind]
    assert any(f"over all rows in {name}" in line for line in remote.sampled_lines()), remote.sampled_lines()
    mine, theirs = local.tables_["sale"].model, remote.tables_["sale"].model
    assert [c.name for c in mine.codecs_] == [c.name for c in theirs.codecs_]
    for a, b in zip(mine.codecs_, theirs.codecs_):
        assert repr(a.state()[0]) == repr(b.state()[0]), a.name
        for x, y in zip(a.state()[1].values(), b.state()[1].values()):
            assert np.array_equal(np.asarray(x), np.asarray(y)), a.name
    assert mine.summary_.cliques == theirs.summary_.cliques
