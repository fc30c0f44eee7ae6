"""The default language model writes words: only words of at least k real rows, or public ones."""

from __future__ import annotations

import numpy as np
import pytest

from amalgam_rel.connection import connect
from amalgam_rel.errors import InputError
from amalgam_rel.generation.lexicon import is_public, words
from amalgam_rel.generation.text_model import TextFieldModel
from amalgam_rel.generation.word_units import column_words, letter_units, units

COMMON = ["Live", "Night", "Blue", "Love", "Song", "Dream", "River", "Light", "Road", "Heart"]
SHARED = ["Zorvak", "Quellin", "Brantox"]  # not public, each in many rows: the column's own words
JA = list("東京大阪夜空海山花雨風星光道")
AR = ["مرحبا", "سلام", "نور", "قمر", "بحر", "ليل", "حب", "طريق"]
ROWS = 240


def _rare(rng: np.random.Generator, i: int) -> str:
    """A made-up word only row ``i`` holds (never public: consonant soup with the row number)."""
    return "Xq" + "".join(rng.choice(list("bcdfghjklmnpqrstvwz"), 5)) + "vj" + "abcdefghij"[i % 10] * 2


def _arabic_number(i: int) -> str:
    """Letters spelling ``i``: a word no other row holds."""
    return "".join("بتثجحخدذرس"[int(d)] for d in f"{i:03d}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(ROWS):
        title = " ".join(rng.choice(COMMON + SHARED, rng.integers(1, 4)).tolist())
        rare_word = _rare(rng, i) if i % 3 == 0 else None
        if rare_word:
            title = f"{title} {rare_word}"
        ja = "".join(rng.choice(JA, rng.integers(2, 6)).tolist()) + (chr(0x9F00 + i) if i % 4 == 0 else "")
        ar = " ".join(rng.choice(AR, rng.integers(1, 4)).tolist()) + (f" ز{_arabic_number(i)}ظ" if i % 4 == 0 else "")
        rows.append((i, ["rock", "jazz", "folk"][i % 3], title[:40], ja, ar, rare_word))
    path = tmp_path_factory.mktemp("words") / "words.duckdb"
    con = connect(path)
    con.execute("CREATE TABLE titles (id INTEGER PRIMARY KEY, genre VARCHAR, title VARCHAR(40) NOT NULL, "
                "ja VARCHAR, ar VARCHAR, CHECK (length(title) >= 3))")
    con.executemany("INSERT INTO titles VALUES (?, ?, ?, ?, ?)", [r[:5] for r in rows])
    con.close()
    return {"path": path, "rows": rows, "rare": {r[5] for r in rows if r[5]}}


@pytest.fixture(scope="module")
def fitted(corpus):
    return TextFieldModel(train_steps=120, seed=0).fit(corpus["path"], columns={"titles": ["title", "ja", "ar"]})


@pytest.fixture(scope="module")
def generated(fitted):
    return fitted.generate("titles", {"genre": ["rock", "jazz", "folk"] * 100})


def test_the_vocabulary_holds_words_of_k_rows_and_public_words_only():
    values = ["Zorvak night", "Zorvak day", "Qwrtzl love", "Brnxq"]
    assert column_words(values, min_rows=2) == {"Zorvak", "night", "day", "love"}  # public words of one row stay
    assert "Qwrtzl" not in column_words(values, min_rows=2) and not is_public("qwrtzl")
    assert column_words(values, min_rows=1) >= {"Qwrtzl", "Brnxq"}
    assert column_words(values, min_rows=3) == {"night", "day", "love"}
    assert column_words(["ROCK on", "rock it"], min_rows=2) >= {"ROCK", "rock"}  # one word, two spellings


def test_units_cut_words_digits_and_unspaced_scripts():
    assert units("Live 2 東京 O'Brien") == ["Live", " ", "2", " ", "東", "京", " ", "O'Brien"]
    assert letter_units("٣ نور-قمر 42") == ["نور", "قمر"]


def test_the_fitted_vocabulary_keeps_no_word_of_a_single_row(fitted, corpus):
    plan = fitted.plans_[("titles", "title")]
    assert set(SHARED) | set(COMMON) <= set(plan.words)
    assert not corpus["rare"] & set(plan.words)
    assert not corpus["rare"] & set(fitted.tokenizer_.get_vocab())  # no token spells one either


def test_every_generated_word_is_a_word_of_the_vocabulary_or_public(fitted, generated, corpus):
    for column in ("title", "ja", "ar"):
        allowed = set(fitted.plans_[("titles", column)].words)
        values = [v for v in generated[column] if v is not None]
        assert len(values) > 200
        outside = [u for v in values for u in letter_units(v) if u not in allowed and not is_public(u)]
        assert outside == [], column
    titles = [v for v in generated["title"] if v is not None]
    lowered = {w.lower() for w in fitted.plans_[("titles", "title")].words}
    assert all(w in lowered or is_public(w) for v in titles for w in words(v))  # read as the evaluator reads words
    assert not {w for v in titles for w in v.split()} & corpus["rare"]
    assert len(set(titles)) > 0.5 * len(titles)  # recombined, not one value repeated


def test_rare_word_slots_are_written_with_public_words_in_their_case(fitted, generated):
    # a third of the titles end with a rare made-up word: the model learned a capitalised rare
    # word goes there, and writes capitalised public words the column never held instead
    allowed = set(fitted.plans_[("titles", "title")].words)
    new = [u for v in generated["title"] if v for u in letter_units(v) if u not in allowed]
    assert len(new) > 20 and len(set(new)) > 10
    assert all(is_public(u) and u[0].isupper() and u[1:].islower() for u in new)
    # the scripts the lexicon does not cover get none
    for column in ("ja", "ar"):
        tag = fitted.tokenizer_.convert_tokens_to_ids(fitted.plans_[("titles", column)].tag)
        assert not len(fitted.model_.open.tokens_of(fitted.model_.column_of[tag]))


def test_unspaced_and_arabic_columns_write_only_characters_and_words_of_k_rows(fitted, generated):
    ja_chars = set(fitted.plans_[("titles", "ja")].words)
    assert set(JA) <= ja_chars and not any(0x9F00 <= ord(c) < 0x9F00 + ROWS for c in ja_chars)
    assert all(not any(0x9F00 <= ord(c) < 0x9F00 + ROWS for c in v) for v in generated["ja"] if v)
    ar_words = set(fitted.plans_[("titles", "ar")].words)
    assert set(AR) <= ar_words and not any(w.startswith("ز") for w in ar_words)


def test_type_and_length_constraints_still_hold(generated):
    titles = generated["title"]
    assert all(v is not None and 3 <= len(v) <= 40 for v in titles)


def test_same_seed_same_values_and_save_load_keeps_the_words(fitted, generated, corpus, tmp_path):
    again = fitted.generate("titles", {"genre": ["rock", "jazz", "folk"] * 100})
    assert again == generated
    fitted.save(tmp_path / "m")
    loaded = TextFieldModel.load(tmp_path / "m").screen_against(corpus["path"])  # the copy guard is never saved
    assert loaded.min_word_rows == 2
    assert loaded.plans_[("titles", "title")].words == fitted.plans_[("titles", "title")].words
    assert loaded.generate("titles", {"genre": ["rock", "jazz", "folk"] * 100}) == generated


def test_min_word_rows_is_a_parameter_of_the_fit(corpus):
    model = TextFieldModel(train_steps=5, seed=0, min_word_rows=1).fit(corpus["path"], columns={"titles": ["title"]})
    assert corpus["rare"] <= set(model.plans_[("titles", "title")].words)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_a_bad_min_word_rows_is_one_line(corpus, bad):
    with pytest.raises(InputError, match=r"^--min-word-rows must be a whole number of rows, at least 1, not "):
        TextFieldModel(train_steps=5, min_word_rows=bad).fit(corpus["path"], columns={"titles": ["title"]})


def test_no_ngram_or_field_pair_of_a_single_row_is_kept():
    from amalgam_rel.generation.word_ngram import WordNGramLM
    from amalgam_rel.generation.word_tokenizer import build_tokenizer

    tag = "<|t.c|>"
    pairs = [(f"fruit{tag}", "red apple")] * 30 + [(f"fruit{tag}", "red pear")]
    tok = build_tokenizer({tag: frozenset({"red", "apple", "pear"})}, pairs, 1, [tag])
    examples = [(p, tok(v, add_special_tokens=False)["input_ids"]) for p, v in pairs]
    model = WordNGramLM.fit(tok, examples, [tag], min_rows=2)
    pear, apple = tok.convert_tokens_to_ids("pear"), tok.convert_tokens_to_ids("apple")
    assert all(pear not in t.tokens for t in model.tables.values())
    assert any(apple in t.tokens for t in model.tables.values())
    logits = model(tok(f"fruit{tag}red ", return_tensors="pt")["input_ids"]).logits[0, -1]
    assert logits[apple] > logits[pear] + 3


def test_the_word_model_is_counted_in_seconds_and_batches_wide(fitted):
    from amalgam_rel.generation.text_model import WORD_BATCH

    assert fitted.train_report_.steps == 0 and fitted.train_report_.seconds < 30
    assert fitted._batch() == WORD_BATCH


def test_characters_a_type_spells_get_tokens_though_no_value_holds_them():
    # a fuzz find: the STRUCT key 'naïve' of a column of empty lists was in the constraint but in
    # no value, so the word model had no token for 'ï' and outlines refused the constraint
    from amalgam_rel.generation.word_tokenizer import build_tokenizer

    pairs = [("p", "[]"), ("p", "[]")]
    without = build_tokenizer({}, pairs, 2)
    with_type = build_tokenizer({}, pairs, 2, characters='[{"naïve":1}]')
    assert "ï" not in without.get_vocab() and "ï" in with_type.get_vocab()
