"""Tables over the ``max_rows`` limit: a repeatable sample in the frame, counts of all rows beside it."""

import duckdb
import pytest

from amalgam_rel.api.synthesizer import Synthesizer
from amalgam_rel.errors import InputError
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.plan import plan_database
from amalgam_rel.relational.totals import find_totals
from amalgam_rel.relational.training import TrainingFrames
from amalgam_rel.schema.duckdb_reader import read_duckdb

DDL = """
CREATE TABLE shop (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, total INTEGER);
CREATE TABLE sale (id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop (id), qty INTEGER NOT NULL, status VARCHAR);
CREATE TABLE line (id INTEGER PRIMARY KEY, sale_id INTEGER REFERENCES sale (id), price DOUBLE NOT NULL);
INSERT INTO shop SELECT i, CASE WHEN i % 3 = 0 THEN 'big' ELSE 'small' END, NULL FROM range(1, 101) r(i);
INSERT INTO sale SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + i % 100 END, 1 + (i * 7) % 9,
    CASE WHEN (i * 7) % 9 > 5 THEN 'bulk' ELSE 'single' END FROM range(1, 801) r(i);
UPDATE shop SET total = (SELECT coalesce(sum(qty), 0) FROM sale WHERE shop_id = shop.id);
INSERT INTO line SELECT i, 1 + (i * 13) % 800, round(1 + (i * 31) % 97 * 0.5, 2) FROM range(1, 301) r(i);
"""


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
    return path


def _frames(path, max_rows):
    con = duckdb.connect(str(path), read_only=True)
    frames = TrainingFrames(con, plan_database(read_duckdb(con)), max_rows=max_rows)
    for key in frames.plan.graph.order:
        frames.build(key, context_from_parent=())
    return frames


def test_a_large_table_is_read_as_a_repeatable_sample_with_its_whole_counts(shop_db):
    first, again = _frames(shop_db, 200), _frames(shop_db, 200)
    sale = first.sampled["sale"]
    assert "shop" not in first.sampled and first.rows("shop") == 100
    assert sale.rows == first.rows("sale") == 800 and 100 < sale.sample_rows < 300 == 300
    assert first.frames["sale"].equals(again.frames["sale"])  # same source, same sample
    assert first.null_driver_rows("sale") == 16  # every 50th sale has no shop, counted over all rows
    # the line table (300 rows, under the limit) is read through its sampled parent: every parent is sampled
    line = first.frames["line"]
    kept = set(first.frames["sale"].column("id").to_pylist())
    assert first.sampled["line"].by_parent and first.rows("line") == 300
    assert 0 < line.num_rows < 300 and set(line.column("sale_id").to_pylist()) <= kept
    assert first.aggregates("line", line.column_names) is None
    whole = first.aggregates("sale", first.frames["sale"].column_names)
    assert whole.rows == 800 and {"qty", "status", "#1"} <= whole.columns


def test_a_model_fitted_with_max_rows_stands_for_every_row(shop_db):
    model = DatabaseModel(seed=0, iters=100, max_rows=200).fit(shop_db)
    sale = model.tables_["sale"]
    assert sale.real_rows == 800 and sale.model.n_rows_ == 800 and sale.model.summary_.sample_rows < 800
    assert any(line.startswith("fitted from aggregates: sale: 800 rows") for line in model.sampled_lines())
    statuses = model.tables_["sale"].model.codecs_[[c.name for c in sale.model.codecs_].index("status")]
    assert statuses.categories == ["single", "bulk"]
    assert DatabaseModel(seed=0, iters=100).fit(shop_db).sampled_lines() == []


def test_max_rows_is_checked_before_fitting(shop_db):
    with pytest.raises(InputError, match="--max-rows must be a whole number >= 1"):
        Synthesizer(max_rows=0).check(shop_db)
    with pytest.raises(InputError, match="--max-rows cannot be combined with --epsilon"):
        Synthesizer(max_rows=10, epsilon=1.0).check(shop_db)


def test_totals_are_found_on_the_children_of_a_share_of_the_parents(shop_db):
    with duckdb.connect(str(shop_db), read_only=True) as con:
        db = read_duckdb(con)
        assert find_totals(con, db, max_rows=400) == find_totals(con, db)
        assert [t.column for t in find_totals(con, db, max_rows=400)] == ["total"]


CHAIN = """
CREATE TABLE client (id INTEGER PRIMARY KEY, region VARCHAR NOT NULL);
CREATE TABLE purchase (id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES client (id), amount INTEGER NOT NULL);
CREATE TABLE item (id INTEGER PRIMARY KEY, purchase_id INTEGER NOT NULL REFERENCES purchase (id), qty INTEGER NOT NULL);
INSERT INTO client SELECT i, 'r' || (i % 7) FROM range(1, 1001) r(i);
INSERT INTO purchase SELECT i, CASE WHEN i % 100 = 0 THEN NULL ELSE 1 + (i * 7) % 1000 END, i % 13 FROM range(1, 5001) r(i);
INSERT INTO item SELECT i, 1 + (i * 11) % 5000, 1 + i % 5 FROM range(1, 20001) r(i);
"""


@pytest.fixture(scope="module")
def chain_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "chain.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(CHAIN)
    return path


def test_a_child_of_a_sampled_parent_reads_whole_families_of_about_max_rows(chain_db):
    # the children of all 200 sampled clients would be 1,000 purchases, and theirs 4,000 items:
    # a child reads the families of a share of its sampled parents instead, about max_rows rows
    frames, again = _frames(chain_db, 200), _frames(chain_db, 200)
    with duckdb.connect(str(chain_db), read_only=True) as con:
        real = {(t, p): n for t, p, n in con.execute(
            "SELECT 'purchase', client_id, count(*) FROM purchase WHERE client_id IS NOT NULL GROUP BY ALL "
            "UNION ALL SELECT 'item', purchase_id, count(*) FROM item GROUP BY ALL").fetchall()}
    for child, parent, fk in (("purchase", "client", "client_id"), ("item", "purchase", "purchase_id")):
        frame, sampled = frames.frames[child], frames.sampled[child]
        assert sampled.by_parent and frames.rows(child) == {"purchase": 5000, "item": 20000}[child]
        assert 120 <= frame.num_rows <= 300, (child, frame.num_rows)
        assert frame.equals(again.frames[child])  # the same families on every run
        keys = [k for k in frame.column(fk).to_pylist() if k is not None]
        assert set(keys) <= set(frames.frames[parent].column("id").to_pylist())  # each row's parent is sampled
        assert all(keys.count(k) == real[child, k] for k in set(keys))  # and with all its children
    assert frames.frames["purchase"].column("client_id").null_count > 0  # rows without a parent keep a share
