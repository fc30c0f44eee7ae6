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
