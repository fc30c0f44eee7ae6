"""The fast paths of fitting (issue 22) give what the plain per-item rules give: the n-gram
counts in arrays, the context hash in arrays, the letter units and the cleaned text."""

import random
from collections import Counter

import numpy as np
import pytest

from amalgam_rel.generation.output_types import clean_text
from amalgam_rel.generation.word_counts import context_hash, count_contexts, distinct_rows, hash_arrays
from amalgam_rel.generation.word_units import is_letter_unit, letter_units, units

ODD = list("東京タワー²½Ⅻ_'’ \t\n\r\x00\x1f\x7f\x85\x9f\ufffd") + [chr(0x1F600), chr(0x20001), chr(0x0E01), "\u00a0"]


def _strings(n: int, seed: int = 0):
    rng = random.Random(seed)
    alphabet = [chr(i) for i in range(0x20, 0x250)] + ODD
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(n)]


def test_clean_text_drops_exactly_controls_but_newline_and_tab():
    def plain(text):
        return "".join(ch for ch in text if ch in "\n\t" or not (ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\ufffd"))

    every = "".join(chr(i) for i in range(0x3000))
    assert clean_text(every) == plain(every)
    assert all(clean_text(s) == plain(s) for s in _strings(3000))


def test_letter_units_are_the_letter_units_of_units():
    texts = _strings(3000, seed=1) + ["AC/DC's 2 Live-Tracks 東京", "o'brien’s _x_ ²nd ½ Ⅻ"]
    assert all(letter_units(t) == [u for u in units(t) if is_letter_unit(u)] for t in texts)


def test_hash_arrays_equal_the_scalar_hash_at_the_modulus_edges():
    rng = np.random.default_rng(0)
    big = np.concatenate([rng.integers(0, (1 << 61) - 1, 500), [0, 1, (1 << 61) - 2, (1 << 32) - 1, 1 << 32]])
    small = rng.integers(0, 60_000, len(big))
    hashed = hash_arrays([big, 3, small, small[::-1].copy()])
    assert hashed.tolist() == [context_hash(int(a), 3, int(b), int(c)) for a, b, c in zip(big, small, small[::-1])]


@pytest.mark.parametrize("packed_limit", [1 << 63, 1])  # packed in one int64, and sorted by columns
def test_distinct_rows_counts_each_row_once(packed_limit):
    rng = np.random.default_rng(1)
    keys, tokens, rows = (rng.integers(0, m, 4000) for m in (30, 12, 50))
    got = distinct_rows(keys * 1_000_003, tokens, rows, packed_limit=packed_limit)
    seen = Counter((k * 1_000_003, t) for k, t, _ in set(zip(keys.tolist(), tokens.tolist(), rows.tolist())))
    assert [list(x) for x in zip(*(a.tolist() for a in got))] == [[k, t, n] for (k, t), n in sorted(seen.items())]


def _flat(fields):
    return np.array([len(f) for f in fields]), np.array([h for f in fields for h in f], dtype=np.int64)


def _plain_counts(columns, tags, fields, targets, orders, max_position):
    """The counts as WordNGramLM.fit took them, one context of one row at a time."""
    counts, position_field = {}, {}
    for column, tag, row_fields, sequence in zip(columns, tags, fields, targets):
        seen = set()
        for position, token in enumerate(sequence):
            padded = [tag] * (orders[column] - 1) + sequence[:position]
            contexts = [(f"o{o}", context_hash(column, o, *padded[len(padded) - (o - 1):]))
                        for o in range(2, orders[column] + 1)]
            contexts += [("fields", f) for f in row_fields]
            if row_fields:
                key = context_hash(row_fields[0], min(position, max_position))
                contexts.append(("position", key))
                position_field[key] = row_fields[0]
            seen |= {(name, key, token) for name, key in contexts}
        for name, key, token in seen:
            counts.setdefault(name, Counter())[(key, token)] += 1
    return counts, position_field


def test_counted_contexts_equal_counting_row_by_row():
    rng = random.Random(2)
    n, orders, tags = 400, [3, 5, 3], [900, 901, 902]
    columns = [rng.randrange(3) for _ in range(n)]
    fields = [[context_hash(c, i, rng.randrange(6)) for i in range(rng.randint(1, 3))] for c in columns]
    # few tokens, long values: n-grams and positions past the cap repeat within a row
    targets = [[rng.randrange(1, 9) for _ in range(rng.randint(0, 60))] + [0] for _ in range(n)]
    counted = count_contexts(columns, [tags[c] for c in columns], _flat(fields), targets, orders, 3, 910,
                             max_position=48)
    plain, position_field = _plain_counts(columns, [tags[c] for c in columns], fields, targets, orders, 48)
    assert sorted(counted.tables) == sorted(plain) == ["fields", "o2", "o3", "o4", "o5", "position"]
    for name, table in plain.items():
        keys, tokens, rows = counted.tables[name]
        assert list(zip(keys.tolist(), tokens.tolist(), rows.tolist())) == [(k, t, c) for (k, t), c in sorted(table.items())]
    assert counted.position_field == position_field
    unigram = np.zeros((3, 910))
    for column, sequence in zip(columns, targets):
        for token in sequence:
            unigram[column, token] += 1
    assert np.array_equal(counted.unigram, unigram)
    assert counted.field_rows == dict(Counter(f for row in fields for f in set(row)))


def test_kept_entries_follow_the_row_thresholds():
    rng = random.Random(3)
    n = 300
    columns = [0] * n
    fields = [[context_hash(0, 0, rng.randrange(40))] for _ in range(n)]  # some fields of few rows
    targets = [[rng.randrange(1, 30) for _ in range(rng.randint(0, 8))] + [0] for _ in range(n)]
    counted = count_contexts(columns, [99] * n, _flat(fields), targets, [3], 1, 100, max_position=48)
    plain, position_field = _plain_counts(columns, [99] * n, fields, targets, [3], 48)
    field_rows = Counter(f for row in fields for f in row)
    for name, table in plain.items():
        def held(key):
            return name.startswith("o") or field_rows[position_field.get(key, key)] >= 8
        expected = sorted((k, t, c) for (k, t), c in table.items() if c >= 2 and held(k))
        keys, starts, tokens, counts, pruned = counted.kept(name, min_rows=2, min_field_rows=8)
        flat = [(int(keys[i]), int(t), int(c)) for i in range(len(keys))
                for t, c in zip(tokens[starts[i]:starts[i + 1]], counts[starts[i]:starts[i + 1]])]
        assert flat == expected and counts.dtype == np.float32 and len(set(keys.tolist())) == len(keys)
        if name.startswith("o"):  # the rows of the left-out pairs of each kept context
            left_out = Counter()
            for (k, _), c in table.items():
                left_out[k] += c if c < 2 else 0
            assert pruned.dtype == np.float32 and pruned.tolist() == [left_out[k] for k in keys.tolist()]
            assert pruned.any()
        else:
            assert pruned is None and len(expected) < sum(1 for c in table.values() if c >= 2)  # fields were dropped


def test_token_ids_from_the_backend_equal_transformers():
    from amalgam_rel.generation.tokenizer import token_ids
    from amalgam_rel.generation.word_tokenizer import build_tokenizer

    texts = [t + "<|t.c|>" for t in _strings(400, seed=4)] + ["L3;red apple;4.2<|t.c|>"]
    tok = build_tokenizer({"<|t.c|>": frozenset({"red", "apple"})}, [(t, t) for t in texts], 1, special=["<|t.c|>"])
    for special in (True, False):
        assert token_ids(tok, texts, add_special_tokens=special) == tok(texts, add_special_tokens=special)["input_ids"]
    tok(texts[:3], padding=True)  # transformers leaves the backend padding: then transformers pads nothing here
    assert token_ids(tok, texts) == tok(texts)["input_ids"]


def test_repeat_lifts_go_to_each_word_a_row_already_holds():
    import torch

    from amalgam_rel.generation.word_repeats import Repeats

    rng = random.Random(5)
    words = np.array([rng.random() < 0.6 for _ in range(50)])
    repeats = Repeats(np.array([-0.5, 0.0, -1.25], dtype=np.float32), words)
    columns = [rng.randrange(3) for _ in range(40)]
    histories = [[rng.randrange(60) for _ in range(rng.randint(0, 12))] for _ in columns]
    at = torch.tensor([i if i % 7 else -1 for i in range(60)])  # some tokens outside the support
    logits = torch.zeros(40, 60)
    repeats.apply(logits, at, columns, histories)
    expected = torch.zeros(40, 60)
    for r, (column, history) in enumerate(zip(columns, histories)):
        for t in sorted({t for t in history if t < len(words) and words[t]}):
            if repeats.lifts[column] and at[t] >= 0:
                expected[r, at[t]] += float(repeats.lifts[column])
    assert torch.equal(logits, expected) and (logits < 0).any()


def test_prompt_fields_equal_the_models_own():
    from amalgam_rel.generation.word_counts import prompt_fields
    from amalgam_rel.generation.word_ngram import WordNGramLM

    model = WordNGramLM({"vocab_size": 50, "eos": 0, "pad": 1, "tags": [40, 41], "separator": 2, "orders": [3, 3],
                         "min_rows": 2}, np.zeros((2, 50), dtype=np.float32), {})
    rng = random.Random(6)
    # pads anywhere, separators in a row (empty fields), fields of one token and of many
    prompts = [[rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 7]) for _ in range(rng.randint(0, 14))] + [rng.choice([40, 41])]
               for _ in range(300)]
    columns = [model.column_of[p[-1]] for p in prompts]
    n_fields, hashes = prompt_fields(prompts, columns, pad=1, separator=2)
    expected = [model._prompt_fields(p, c) for p, c in zip(prompts, columns)]
    assert n_fields.tolist() == [len(e) for e in expected]
    assert hashes.tolist() == [h for e in expected for h in e]
