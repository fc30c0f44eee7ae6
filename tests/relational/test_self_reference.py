"""A self-reference becomes a forest with the real depths and fan-outs and no cycle (issue 6, 3).

``category.parent_id -> category.id``: 25 roots, fan-out shrinking with depth, five levels; a
category's kind is set by its level. Depth is measured with a recursive CTE from the roots,
so a row on a cycle (or below a dangling parent) would have none.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import column, create, insert, fit, ks_complement, query, validity_violations

DDL = """
CREATE TABLE category (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES category (id),
                       kind VARCHAR NOT NULL, weight DOUBLE NOT NULL);
"""
KINDS = np.array(["department", "aisle", "shelf", "bin", "slot"])
FANOUT = (4.0, 3.0, 1.5, 0.6)  # mean children of a node at depth 0, 1, 2, 3 (depth 4: leaves)

DEPTH = """
WITH RECURSIVE walk (id, depth) AS (
    SELECT id, 0 FROM category WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, w.depth + 1 FROM category c JOIN walk w ON c.parent_id = w.id
)
SELECT depth FROM walk
"""
FANOUTS = "SELECT count(c.id) FROM category p LEFT JOIN category c ON c.parent_id = p.id GROUP BY p.id"


def build(path):
    rng = np.random.default_rng(3)
    parent, depth = [-1] * 25, [0] * 25
    frontier = list(range(25))
    for level, mean in enumerate(FANOUT):
        children = rng.poisson(mean, len(frontier))
        new = []
        for node, k in zip(frontier, children):
            for _ in range(k):
                parent.append(node)
                depth.append(level + 1)
                new.append(len(parent) - 1)
        frontier = new
    parent, depth = np.array(parent), np.array(depth)
    n = len(parent)
    # ids are shuffled so that a parent's id is not always smaller than its children's
    ids = rng.permutation(n) + 1
    parent_id = np.where(parent < 0, 0, ids[np.maximum(parent, 0)])
    columns = {"id": ids, "parent_id": np.ma.masked_array(parent_id, parent < 0), "kind": KINDS[depth],
               "weight": np.round(rng.gamma(2, 1 + depth), 3)}
    create(path, DDL, {})
    for level in range(depth.max() + 1):  # DuckDB checks a row's parent against earlier statements
        insert(path, "category", {k: v[depth == level] for k, v in columns.items()})
    return path


@pytest.fixture(scope="module")
def forest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tree")
    real = build(folder / "real.duckdb")
    model = fit(real)
    synth = folder / "synth.duckdb"
    model.sample(synth)
    return real, model, synth


def test_every_row_reaches_a_root(forest):
    real, _, synth = forest
    total = query(synth, "SELECT count(*) FROM category")[0][0]
    assert total == query(real, "SELECT count(*) FROM category")[0][0]
    reached = column(synth, DEPTH)
    assert len(reached) == total  # a row on a cycle, or under a missing parent, is never reached
    assert query(synth, "SELECT count(*) FROM category WHERE parent_id = id")[0][0] == 0


def test_depth_distribution_is_kept(forest):
    real, _, synth = forest
    a, b = column(real, DEPTH), column(synth, DEPTH)
    assert b.max() == a.max()
    shares_a = np.bincount(a, minlength=a.max() + 1) / len(a)
    shares_b = np.bincount(b, minlength=a.max() + 1) / len(b)
    assert np.abs(shares_a - shares_b).max() <= 0.04, (shares_a.round(3), shares_b.round(3))
    assert ks_complement(a, b) >= 0.95


def test_fanout_distribution_is_kept(forest):
    real, _, synth = forest
    a, b = column(real, FANOUTS), column(synth, FANOUTS)
    assert ks_complement(a, b) >= 0.9, (np.bincount(a), np.bincount(b))


def test_attributes_still_follow_the_level(forest):
    """The kind is a function of the depth in real data; in synthetic rows it mostly stays so."""
    real, _, synth = forest
    sql = DEPTH.replace("SELECT depth FROM walk", "SELECT avg((c.kind = list_extract($kinds, w.depth + 1))::INTEGER) "
                                                   "FROM walk w JOIN category c USING (id)")
    import duckdb

    con = duckdb.connect(str(synth), read_only=True)
    agree = con.execute(sql, {"kinds": KINDS.tolist()}).fetchone()[0]
    con.close()
    assert agree >= 0.9


def test_synthetic_forest_is_valid(forest):
    real, _, synth = forest
    assert validity_violations(real, synth) == []
