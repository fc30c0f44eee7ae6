"""Free text under ``--epsilon-text words``: the lengths written are the released lengths in characters."""

from __future__ import annotations

import duckdb
import pytest
from scipy.stats import ks_2samp

from amalgam_rel.pipeline.database_model import DatabaseModel


def test_words_mode_writes_the_character_lengths_even_from_one_released_word(tmp_path):
    # One word shared by every row (TPC-H's l_comment at epsilon = 1 released only "furiously"),
    # distinct values (a number each) of every length from 10 to 43 characters. Counting words per row wrote that word
    # once, twice, ... (lengths 9, 19, 29, 39: a length KS complement of 0.5); the noisy histogram
    # of lengths in characters, each value filled to its drawn length, writes the real shape.
    path = tmp_path / "notes.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR NOT NULL)")
    con.execute("INSERT INTO note SELECT i, rtrim(lpad(i::VARCHAR, 4, '0') || ' ' || left(repeat('furiously ', 5), 5 + i % 34)) "
                "FROM range(1, 4001) t(i)")
    real = [len(b) for (b,) in con.execute("SELECT body FROM note").fetchall()]
    con.close()
    model = DatabaseModel(seed=3, iters=30, epsilon=8.0, epsilon_text="words").fit(path)
    assert any(e.step == "text:body" for e in model.privacy_.entries)
    model.sample(tmp_path / "out.duckdb")
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    written = [len(b) for (b,) in con.execute("SELECT body FROM note").fetchall()]
    con.close()
    assert len(set(written)) > 20 and 1 - ks_2samp(real, written).statistic > 0.85


def test_a_text_candidate_kept_as_a_category_passes_its_share_to_the_table_text_columns(tmp_path):
    # Two string candidates (from the schema alone): `kind`, three labels the model keeps as a
    # category, and `body`, free text. Each had one column's share set aside for its words;
    # `kind`'s was left unspent (the ledger total below rho). Now one share for both, all `body`'s.
    path = tmp_path / "notes.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, body VARCHAR NOT NULL)")
    con.execute("INSERT INTO note SELECT i, ['a', 'b', 'c'][1 + i % 3], 'note number ' || i::VARCHAR || ' of ' || "
                "['red apples', 'green pears', 'ripe plums'][1 + i % 3] FROM range(1, 3001) t(i)")
    con.close()
    model = DatabaseModel(seed=1, iters=30, epsilon=8.0, epsilon_text="words").fit(path)
    ledger = model.privacy_
    assert not any(e.step == "text:kind" for e in ledger.entries)
    body = [e for e in ledger.entries if e.step.startswith("text:")]
    assert [e.step for e in body] == ["text:body"]
    assert ledger.spent == pytest.approx(ledger.rho, rel=1e-9)
    # the candidates together set aside one column's share of the table's (two columns and the
    # row count: a third), not one each (two thirds, `kind` paid for twice: in the model and here)
    assert body[0].rho == pytest.approx(ledger.tables["note"]["rho"] / 3, rel=1e-9)
