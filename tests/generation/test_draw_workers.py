"""A column's row blocks drawn on a forked worker give the values one process gives (issue 22)."""

import random

import pytest

from amalgam_rel.connection import connect
from amalgam_rel.generation import draw_workers
from amalgam_rel.generation.draw_workers import row_blocks
from amalgam_rel.generation.sample_db import WORDS, make_shop
from amalgam_rel.generation.text_model import TextFieldModel


def test_blocks_depend_on_the_rows_alone(monkeypatch):
    monkeypatch.setattr(draw_workers, "MIN_BLOCK_ROWS", 4)
    assert row_blocks(list(range(7))) == [list(range(7))]
    assert row_blocks(list(range(9))) == [list(range(5)), list(range(5, 9))]
    assert row_blocks([]) == [[]]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    con = connect(path)
    make_shop(con, rows=300)
    con.close()
    return TextFieldModel(seed=0).fit(path, columns={"products": ["description"]})


def test_the_same_values_whichever_process_draws_a_block(fitted, monkeypatch):
    rng = random.Random(1)
    context = {"category": [rng.choice(list(WORDS)) for _ in range(80)],
               "price": [round(rng.uniform(0.5, 40), 2) for _ in range(80)]}
    monkeypatch.setattr(draw_workers, "MIN_BLOCK_ROWS", 8)  # two blocks of 40 rows
    forked = []
    worker = draw_workers._Worker
    monkeypatch.setattr(draw_workers, "_Worker", lambda *a: forked.append(1) or worker(*a))
    monkeypatch.setattr(draw_workers, "MAX_WORKERS", 1)
    alone = fitted.generate("products", context, seed=3)
    assert not forked
    monkeypatch.setattr(draw_workers, "MAX_WORKERS", 2)
    assert fitted.generate("products", context, seed=3) == alone
    assert forked  # the second block was drawn by a forked copy
