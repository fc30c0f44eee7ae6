"""Rare-word slots, pruned n-gram mass and repeated words in the default word model."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from types import SimpleNamespace

import numpy as np
import torch

from amalgam_rel.generation.lexicon import common_words, is_public
from amalgam_rel.generation.open_class import (CLOSED_CLASS, FREQUENCY_POWER, MIN_WORDS, NEW_WORDS, OpenClass,
                                               OpenSlots, column_languages, open_class)
from amalgam_rel.generation.word_ngram import WordNGramLM
from amalgam_rel.generation.word_repeats import Repeats, lift, repeats_in
from amalgam_rel.generation.vocabulary import token_bytes
from amalgam_rel.generation.word_tokenizer import UNK_OF_SHAPE, WordCodec, build_tokenizer

TAG = "<|t.c|>"


def test_a_rare_word_reads_as_the_unknown_word_of_its_case():
    tok = build_tokenizer({TAG: frozenset({"red"})}, [(TAG, "red Zorvak")], 1, [TAG])
    codec = WordCodec(tok, {TAG: frozenset({"red"})})
    ids = [codec.encode_value(TAG, w)[0] for w in ("Zorvak", "zorvak", "ZORVAK", "東")]
    assert tok.convert_ids_to_tokens(ids) == ["<|unk:Aa|>", "<|unk|>", "<|unk:AA|>", "<|unk|>"]
    spelled = token_bytes(tok)
    assert all(spelled[tok.convert_tokens_to_ids(t)] is None for t in UNK_OF_SHAPE.values())  # never in an index


def test_the_open_class_holds_public_words_the_column_lacks_in_the_rare_words_case():
    values = [f"Night {rare}" for rare in ("Zorvak", "Qwelp", "Blixo", "Quorra")] + ["night Love"]
    assert column_languages(values) == {"en": 1.0}
    found = open_class(values, frozenset({"Night", "night", "Love"}), min_rows=2)
    assert set(found.shapes) == {"Aa"} and len(found.forms) == MIN_WORDS
    assert all(is_public(f) and f[0].isupper() for f in found.forms)
    assert not {"Night", "Love", "Zorvak"} & set(found.forms)
    closed = {w.capitalize() for w, _ in common_words()["en"][:CLOSED_CLASS]}
    assert not closed & set(found.forms)  # "The", "And": never a rare word's stand-in
    assert abs(sum(found.weights) - 1) < 1e-9
    frequency = dict(common_words()["en"])
    ratios = [p / frequency[f.lower()] ** FREQUENCY_POWER for f, p in zip(found.forms, found.weights)]
    assert max(ratios) / min(ratios) < 1 + 1e-6  # in proportion to public frequency, flattened
    assert frequency[min(found.forms, key=lambda f: frequency[f.lower()]).lower()] >= \
        sorted((f for w, f in frequency.items()), reverse=True)[CLOSED_CLASS + MIN_WORDS + 3]  # the likeliest


def test_no_open_class_without_rare_words_of_k_rows_or_a_covered_language():
    assert open_class(["Night Zorvak", "Night Love"], frozenset({"Night", "Love"}), min_rows=2) is None  # one row
    assert open_class(["東京 夜", "大阪 夜"], frozenset({"夜"}), min_rows=2) is None
    assert column_languages(["東京", "大阪"]) == {}


def test_open_slots_take_their_unknown_words_logit_plus_their_log_weight():
    classes = {TAG: OpenClass(("House", "Water", "HOUSE"), ("Aa", "Aa", "AA"), (0.75, 0.25, 1.0))}
    tok = build_tokenizer({TAG: frozenset({"red"})}, [(TAG, "red Zorvak")], 1, [TAG],
                          open_words=["House", "Water", "HOUSE"])
    slots = OpenSlots.of(tok, [TAG], classes, UNK_OF_SHAPE)
    vocab = tok.get_vocab()
    at = torch.arange(len(tok))
    logits = torch.zeros((2, len(tok)))
    logits[:, vocab["<|unk:Aa|>"]] = torch.tensor([-1.0, -2.0])
    logits[:, vocab["<|unk:AA|>"]] = -3.0
    slots.apply(logits, at, torch.tensor([0, 0]))
    assert torch.allclose(logits[:, vocab["House"]], torch.tensor([-1.0, -2.0]) + np.log(0.75))
    assert torch.allclose(logits[:, vocab["Water"]], torch.tensor([-1.0, -2.0]) + np.log(0.25))
    assert torch.allclose(logits[:, vocab["HOUSE"]], torch.tensor([-3.0, -3.0]))
    assert logits[0, vocab["red"]] == 0  # the column's own words are the n-gram's
    again = OpenSlots.from_tensors(slots.tensors(), 1)
    assert again.tokens_of(0).tolist() == slots.tokens_of(0).tolist()
    assert not len(OpenSlots.from_tensors({}, 1).tokens)  # a model saved before: none


def _fit(pairs, min_rows=2):
    words = frozenset(w for _, v in pairs for w in v.split())
    tok = build_tokenizer({TAG: words}, pairs, 1, [TAG])
    examples = [(p, WordCodec(tok, {TAG: words}).encode_value(TAG, v)) for p, v in pairs]
    return tok, WordNGramLM.fit(tok, examples, [TAG], min_rows=min_rows)


def test_continuations_of_a_single_row_leave_their_mass_to_the_lower_orders():
    # "red apple" in 3 rows, "red <word>" once each for 20 words: those 20 trigrams are pruned,
    # and their rows' mass goes to the lower orders, not to "apple" (which took 3/4 of it before)
    others = ["car", "house", "river", "book", "stone", "door", "tree", "road", "ship", "bird",
              "lamp", "coat", "wall", "rose", "hat", "ring", "bell", "wine", "fish", "sky"]
    pairs = [("x" + TAG, "red apple")] * 3 + [("x" + TAG, f"red {w}") for w in others]
    tok, model = _fit(pairs)
    table, apple = model.tables["o3"], tok.convert_tokens_to_ids("apple")
    after_red = [k for k in range(len(table.keys))
                 if table.tokens[table.starts[k]:table.starts[k + 1]].tolist() == [apple]]
    assert len(after_red) == 1 and table.pruned[after_red[0]] == 20 and table.totals[after_red[0]] == 23
    assert not any(tok.convert_tokens_to_ids(w) in table.tokens for w in others)  # no trigram of one row kept
    weight = model._backoff(np.array(after_red), "o3", 1)
    assert abs(float(weight[0]) - (0.75 + 20) / 23) < 1e-6


def test_repeated_words_are_counted_and_held_words_lose_their_lift():
    words = np.array([False, True, True, True])
    assert repeats_in([[1, 0, 1, 2], [2, 3]], words) == (1, 3)
    assert float(lift((0, 99), (9, 99))) < 0 and float(lift((9, 99), (0, 99))) == 0.0
    repeats = Repeats(np.array([np.log(0.1)], dtype=np.float32), words)
    logits = torch.zeros((2, 4))
    repeats.apply(logits, torch.arange(4), [0, 0], [[1, 0, 1], []])
    assert torch.allclose(logits[0], torch.tensor([0.0, float(np.log(0.1)), 0.0, 0.0]))
    assert not logits[1].any()  # nothing written yet
    # the histories as (row, token) of every token, as the model reads them from its sequences
    flat = torch.zeros((2, 4))
    repeats.apply(flat, torch.arange(4), [0, 0], flat=(np.array([0, 0, 0]), np.array([1, 0, 1])))
    assert torch.equal(flat, logits)


class _Looping:
    """A stand-in model over tokens 0 (end), 1 (pad), 2 (tag), 3-6 (words) that, whatever it
    has written, gives word 3 most of the mass: it writes "3 3 3 ...", where real values never
    repeat a word."""

    settings = {"tags": [2], "pad": 1, "eos": 0}
    config = SimpleNamespace(vocab_size=7)

    def __call__(self, ids, compact=True):
        logits = torch.tensor([[0.0, -9.0, -9.0, 3.0, 0.0, 0.0, 0.0]]).expand(len(ids), 7)
        return SimpleNamespace(logits=logits[:, None, :].clone(), support=torch.arange(7))


def test_a_model_that_loops_is_calibrated_to_repeat_as_rarely_as_real_values():
    words = np.array([False, False, False, True, True, True, True])
    examples = [([2], 0, [3, 4]), ([2], 0, [5, 6]), ([2], 0, [4, 3, 5])] * 20
    calibrated = Repeats.calibrated(_Looping(), examples, words, barred=[1, 2])
    assert calibrated.lifts[0] < np.log(0.2)
    again = Repeats.calibrated(_Looping(), examples, words, barred=[1, 2])
    assert again.lifts.tolist() == calibrated.lifts.tolist()  # a fixed seed: the same lifts
    honest = [([2], 0, [3, 3]), ([2], 0, [3, 3, 3])] * 20  # real values repeat as much: left alone
    assert Repeats.calibrated(_Looping(), honest, words, barred=[1, 2]).lifts[0] == 0


def test_no_profanity_in_an_open_class():
    # wordfreq's common English words hold "fuck" and "shit": a title column wrote "Fuck Symphony"
    from amalgam_rel.generation.open_class import offensive, open_class

    values = [f"The {w} Qx{i}vz" for i, w in enumerate(["Night", "Love", "Song", "Dream"] * 50)]
    slots = open_class(values, frozenset({"The", "Night", "Love", "Song", "Dream"}), min_rows=2)
    english = [w for w, _ in common_words()["en"][CLOSED_CLASS:]]
    assert any(offensive(w) for w in english)  # the list the class is drawn from holds some
    assert len(slots.forms) >= MIN_WORDS and not any(offensive(f.lower()) for f in slots.forms)


def test_a_rare_public_word_of_the_column_is_its_own_open_class_word():
    # "Stranger" and "Garage" one row each (public), "Zorvak" and "Qwelp" one row each (no list
    # has them): the rare slot writes the column's own public words in proportion to their rows,
    # and common words of its language as often as unlisted words and NEW_WORDS times as often
    # as its own words (written alone, a word of one row came up about once more)
    values = ["Night Stranger", "Night Garage", "Night Zorvak", "Night Qwelp", "night Love", "Love"]
    found = open_class(values, frozenset({"Night", "night", "Love"}), min_rows=2)
    weight = dict(zip(found.forms, found.weights))
    total = 2 + 2 + NEW_WORDS * 2
    assert abs(weight["Stranger"] - 1 / total) < 1e-9 and weight["Garage"] == weight["Stranger"]
    assert "Zorvak" not in weight and "Qwelp" not in weight
    common = [f for f in found.forms if f not in ("Stranger", "Garage")]
    assert len(common) == MIN_WORDS and abs(sum(weight[f] for f in common) - (2 + NEW_WORDS * 2) / total) < 1e-9
    # a public word of min_rows rows is the n-grams', never a rare word's stand-in
    assert "Love" not in weight


def test_the_word_model_counts_only_words_of_k_rows_and_writes_rarer_public_ones_in_their_slots():
    from amalgam_rel.generation.word_model import counted_words, train_word_model
    from amalgam_rel.generation.word_units import column_words

    titles = ["Night Fever", "Night Moves", "Blue Night", "Stranger Night", "Garage Night", "Night Zorvak"]
    titles += [f"Blue {w}" for w in ("Fever", "Moves")] * 2
    words = column_words(titles, 2)
    assert {"Stranger", "Garage"} <= words  # public: the column may write them
    assert counted_words(titles, words, 2) == {"Night", "Fever", "Moves", "Blue"}
    pairs = [("x" + TAG, t) for t in titles]
    model, tok, _ = train_word_model(pairs, {TAG: words}, [TAG], min_rows=2)
    stranger = tok.convert_tokens_to_ids("Stranger")
    assert stranger in model.open.tokens_of(0).tolist()
    for table in model.tables.values():  # no n-gram or field pair of the one row that holds it
        assert stranger not in table.tokens.tolist()
    unk = tok.convert_tokens_to_ids(UNK_OF_SHAPE["Aa"])
    assert model.unigrams[0, unk] > model.unigrams[0, stranger] * 100  # its mass is the rare words' slot


def test_each_case_shape_gets_words_in_proportion_to_its_rare_rows():
    # 60 rows hold a capitalised rare word, 2 a lowercase one: the capitalised slot gets
    # WORDS_PER_RARE_ROW words per row, the lowercase one no more than MIN_WORDS (every form
    # widens each decoding step)
    from amalgam_rel.generation.open_class import WORDS_PER_RARE_ROW

    rare = [f"Zorv{chr(97 + i % 26)}{chr(97 + i // 26)}xq" for i in range(62)]
    values = [f"The Night {w}" for w in rare[:60]] + [f"the night {w.lower()}" for w in rare[60:]]
    found = open_class(values, frozenset({"The", "Night", "the", "night"}), min_rows=2)
    shapes = Counter(found.shapes)
    assert shapes["aa"] <= MIN_WORDS < WORDS_PER_RARE_ROW * 60 * 0.9 <= shapes["Aa"] <= WORDS_PER_RARE_ROW * 60


class _EndsEarly:
    """A stand-in model over tokens 0 (end), 1 (pad), 2 (tag), 3-6 (words ``ab`` .. ``gh``), 7
    (a space) that writes ``ab cd`` and ends; made to write on, it says ``ab`` again."""

    settings = {"tags": [2], "pad": 1, "eos": 0}

    def __call__(self, ids, compact=True):
        rows = []
        for row in ids.tolist():
            written = row[row.index(2) + 1:]
            words = sum(3 <= t <= 6 for t in written)
            logits = [-9.0] * 8
            if written and 3 <= written[-1] <= 6:
                logits[7], logits[0] = 0.0, (9.0 if words >= 2 else -9.0)
            else:
                logits[4 if words == 1 else 3] = 9.0
            rows.append(logits)
        return SimpleNamespace(logits=torch.tensor(rows)[:, None, :], support=torch.arange(8))


def test_repeats_are_calibrated_on_draws_written_as_generation_writes_them():
    # real values "ab cd ef" (8 characters); generation asks for about that length, and a draw
    # that would end after "ab cd" writes on, "ab cd ab": the repeat that token-by-token draws
    # ending where the model ends never show
    from amalgam_rel.generation.word_model import WordJoins
    from amalgam_rel.generation.word_repeats import Writing

    words = np.array([False, False, False, True, True, True, True, False])
    letters = torch.tensor([False, False, False, True, True, True, True, False])
    joins = WordJoins(letters, letters, torch.zeros(8, dtype=torch.bool), torch.arange(8) == 7)
    writing = Writing(joins, torch.tensor([0, 0, 0, 2, 2, 2, 2, 1]))
    examples = [([2], 0, [3, 7, 4, 7, 5])] * 60
    free = Repeats.calibrated(_EndsEarly(), examples, words, barred=[1, 2])
    written = Repeats.calibrated(_EndsEarly(), examples, words, barred=[1, 2], writing=writing, lengths=[8] * 60)
    assert free.lifts[0] > np.log(0.4) and written.lifts[0] < np.log(0.05)  # (1 / 121) / (1 / 61): fewer words, no repeat


def test_a_column_s_languages_do_not_depend_on_string_hashing():
    # four languages with one word each, three kept: a tie the code of the language breaks, not
    # the iteration order of a set of strings (PYTHONHASHSEED differs between processes)
    script = ("from amalgam_rel.generation.open_class import column_languages; "
              "print(sorted(column_languages(['the und', 'les pero'])))")
    found = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env=os.environ | {"PYTHONHASHSEED": str(h)}).stdout.strip() for h in range(6)}
    assert found == {"['de', 'en', 'es']"}
