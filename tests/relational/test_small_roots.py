"""A small root table keeps its spread of child counts (the model's draws are stratified): ten
teams, six of them empty, stay close to six empty teams in every sample instead of swinging from
three to nine."""

import duckdb
import numpy as np

from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, create

DDL = """
CREATE TABLE team (id INTEGER PRIMARY KEY, league INTEGER NOT NULL);
CREATE TABLE player (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL REFERENCES team(id), age INTEGER NOT NULL);
"""


def test_small_root_table_keeps_its_spread_of_children(tmp_path):
    teams = np.arange(10, dtype=np.int32)
    full = teams[6:]  # four teams of twenty players, six teams without any
    src = create(tmp_path / "league.duckdb", DDL, {
        "team": {"id": teams, "league": (teams % 2).astype(np.int32)},
        "player": {"id": np.arange(80, dtype=np.int32), "team_id": np.repeat(full, 20).astype(np.int32),
                   "age": (18 + np.arange(80) % 15).astype(np.int32)},
    })
    model = DatabaseModel(seed=0, iters=ITERS).fit(src)
    empty_shares = []
    for seed in range(8):
        out = tmp_path / f"synth{seed}.duckdb"
        model.sample(out, seed=seed, force=True)
        con = duckdb.connect(str(out), read_only=True)
        empty = con.execute("SELECT count(*) FROM team t WHERE NOT EXISTS "
                            "(SELECT 1 FROM player p WHERE p.team_id = t.id)").fetchone()[0]
        empty_shares.append(empty / 10)
        con.close()
    # independent draws would leave this range in most of eight samples (P(inside) ~ 0.67 each)
    assert all(0.5 <= s <= 0.7 for s in empty_shares), empty_shares
