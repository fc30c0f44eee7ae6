"""The word n-gram model's per-prompt caches give the logits a fresh model gives, bit for bit.

Decoding is fast because the model keeps what a prompt needs from one step to the next
(:mod:`amalgam_rel.generation.word_steps`) and the loop reads bitmasks in one pass; the draws must
not depend on what the model saw before, nor on which rows of a batch have ended.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from amalgam_rel.generation import word_ngram
from amalgam_rel.generation.guide_masks import _allowed
from amalgam_rel.generation.word_ngram import WordNGramLM
from amalgam_rel.generation.word_tokenizer import build_tokenizer

TAG = "<|t.c|>"
WORDS = ["red", "apple", "pear", "green", "plum", "ripe"]


def _model():
    rng = np.random.default_rng(3)
    pairs = []
    for i in range(120):
        value = " ".join(rng.choice(WORDS, rng.integers(1, 4)).tolist())
        # two fields, both held by many rows: each token gets boosts from both (sums of two entries)
        pairs.append((f"{['rock', 'jazz'][i % 2]};{['short', 'long'][len(value) > 9]}{TAG}", value))
    tok = build_tokenizer({TAG: frozenset(WORDS)}, pairs, 1, [TAG])
    examples = [(p, tok(v, add_special_tokens=False)["input_ids"]) for p, v in pairs]
    return tok, lambda: WordNGramLM.fit(tok, examples, [TAG], min_rows=2)


def _ids(tok, texts):
    rows = [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
    assert len({len(r) for r in rows}) == 1
    return torch.tensor(rows)


# 0: the plans, and the contexts' n-gram logits, dropped at every step
@pytest.mark.parametrize("kept, numbers", [(20_000, 2**23), (0, 0)])
def test_a_warm_model_gives_a_fresh_models_logits_as_rows_end(monkeypatch, kept, numbers):
    monkeypatch.setattr(word_ngram, "MAX_PLANS", kept)
    monkeypatch.setattr(word_ngram, "KEPT_NUMBERS", numbers)
    tok, fit = _model()
    warm = fit()
    assert warm.tables["fields"].keys.size and warm.tables["position"].keys.size
    # rows that share a context, some all of their prompt (worked out once, then read per row)
    prompts = [f"rock;short{TAG}red", f"jazz;long{TAG}red", f"rock;long{TAG}red", f"jazz;short{TAG}red",
               f"rock;short{TAG}red"]
    first = warm(_ids(tok, prompts), compact=True)
    # the next step: the first and third rows ended, the others wrote one more word
    going = [f"jazz;long{TAG}red pear", f"jazz;short{TAG}red ripe"]
    later = warm(_ids(tok, going), compact=True)
    last = [f"jazz;long{TAG}red pear "]  # then the last row ended: the first rows stay in place
    final = warm(_ids(tok, last), compact=True)
    for rows, out in ((prompts, first), (going, later), (last, final)):
        fresh = fit()(_ids(tok, rows), compact=True)
        assert torch.equal(out.support, fresh.support)
        assert torch.equal(out.logits, fresh.logits)  # bit for bit: the same draws
        # and each row as it would be alone
        for r, text in enumerate(rows):
            assert torch.equal(out.logits[r], fit()(_ids(tok, [text]), compact=True).logits[0])


def test_the_bitmask_is_read_bit_for_bit():
    g = torch.Generator().manual_seed(0)
    bitmasks = torch.randint(-2**31, 2**31 - 1, (5, 40), dtype=torch.int32, generator=g)
    support = torch.sort(torch.randperm(40 * 32, generator=g)[:300]).values
    shifted = ((bitmasks[:, support >> 5] >> (support & 31)) & 1).bool()
    assert torch.equal(_allowed(bitmasks, support), shifted)
    assert torch.equal(_allowed(bitmasks[:3], support), shifted[:3])  # the loop's alive rows


def test_field_boosts_are_shared_by_prompts_that_differ_in_unkept_fields_only():
    from amalgam_rel.generation.word_steps import FieldBoosts, field_lifts

    tok, fit = _model()
    model = fit()
    table, column = model.tables["fields"], 0
    kept = [int(k) for k in table.keys[:2]]
    unkept = [int(table.keys.max()) + 1 + i for i in range(3)]  # keys the table never held
    fields = [[kept[0], unkept[0], kept[1]], [kept[0], unkept[1], kept[1]], [unkept[2], kept[1]], [kept[0], kept[1]]]
    weights = torch.tensor([1 / 3, 1 / 3, 1 / 3, 0.5], dtype=torch.float32)
    shared = FieldBoosts(limit=100).of(table, model.unigrams, [column] * 4, fields, weights, 4.0)
    assert shared[0] is shared[1]  # one boost for the first two: the same kept fields and weight
    assert shared[0] is not shared[3]  # another weight: its own boost
    for i, f in enumerate(fields):  # each the boost the prompt gets alone, bit for bit
        (first, rest), = field_lifts(table, model.unigrams, [column], [f], weights[i:i + 1], 4.0)
        assert np.array_equal(shared[i][0].tokens, first.tokens) and torch.equal(shared[i][0].values, first.values)
        assert np.array_equal(shared[i][1].tokens, rest.tokens) and torch.equal(shared[i][1].values, rest.values)


def test_masses_added_through_a_reused_scratch_are_those_of_fresh_tensors():
    from amalgam_rel.generation.word_table import Scratch

    _, fit = _model()
    table = fit().tables["o2"]
    places = torch.from_numpy(table.tokens.astype(np.int64))  # each entry's column: its token id
    width = int(places.max()) + 1
    scratch = Scratch()
    for rows in (7, 3, 9):  # a buffer shrunk, then grown
        found = np.resize(np.append(np.arange(len(table.keys)), -1), rows)
        scale = torch.rand(rows, generator=torch.Generator().manual_seed(rows))
        base = torch.rand((rows, width), generator=torch.Generator().manual_seed(rows + 1))
        fresh, reused = base.clone(), base.clone()
        table.add_masses(fresh, found, scale, places)
        table.add_masses(reused, found, scale, places, scratch)
        assert torch.equal(fresh, reused) and not torch.equal(fresh, base)


def test_field_boosts_of_any_rank_sum_in_the_order_of_their_entries():
    from amalgam_rel.generation.word_steps import BatchRows, Boost, PromptPlan, SignatureFields

    def plan(first, rest):
        return PromptPlan(0, 3, 0, (1, 2, 3), torch.tensor(1.0), Boost.of(*first), Boost.of(*rest))

    # token 2 of the first prompt has four entries: its first, then three later ones, each half
    # an ulp of its logit 1.0, which adds nothing one at a time (ties to even) but 2 ulps summed first
    tiny = 2.0 ** -24
    plans = [plan((np.array([2, 5]), torch.tensor([tiny, 0.1])),
                  (np.array([2, 5, 2, 2]), torch.tensor([tiny, 0.7, tiny, tiny]))),
             plan((np.array([1]), torch.tensor([0.25])), (np.array([], dtype=np.int64), torch.zeros(0))),
             plan((np.array([6]), torch.tensor([2.5])), (np.array([6]), torch.tensor([1e-9])))]
    batch, at = BatchRows.of(plans, np.zeros(3, dtype=np.int64)), torch.arange(8)
    base = torch.randn((3, 8), generator=torch.Generator().manual_seed(0)) * 1000
    base[0, 2] = 1.0
    expected = base.clone()
    for r, p in enumerate(plans):  # entry by entry, each rounded as it is added
        for boost in (p.field_first, p.field_rest):
            for token, value in zip(boost.tokens.tolist(), boost.values):
                expected[r, token] = expected[r, token] + value
    fields = SignatureFields()
    logits = base.clone()
    fields.add_to(logits, at, batch, batch.signatures)
    assert torch.equal(logits, expected) and float(logits[0, 2]) == 1.0
    later = base[[0, 2, 2]].clone()  # rows read by signature: any rows, in any order
    fields.add_to(later, at, batch, batch.signatures[[0, 2, 2]])
    assert torch.equal(later, expected[[0, 2, 2]])


def test_distinct_rows_share_a_place_exactly_when_all_their_keys_agree():
    from amalgam_rel.generation.word_steps import distinct

    rng = np.random.default_rng(0)
    # ranges whose product passes 2^62: the code is renumbered on the way
    keys = [rng.integers(-1, 3, 200), rng.integers(0, 5, 200) * 2**38, rng.integers(-1, 1, 200),
            rng.integers(0, 3, 200) * 2**40]
    first, place = distinct(*keys)
    rows = list(zip(*(k.tolist() for k in keys)))
    assert len(first) == len(set(rows)) and len(place) == 200
    for r, row in enumerate(rows):
        assert rows[first[place[r]]] == row


def test_kept_rows_are_made_once_per_key_and_owner_and_given_way_when_full():
    from amalgam_rel.generation.word_table import KeptRows

    made = []

    def make(keys):
        def rows(new):
            made.extend(keys[i] for i in new.tolist())
            return torch.tensor([[float(keys[i][0]), 1.0] for i in new.tolist()])
        return rows

    kept, owner, other = KeptRows(limit=8), object(), object()
    for keys in ([(1,), (2,)], [(2,), (3,)], [(1,), (3,)]):
        rows, places = kept.rows(owner, keys, make(keys))
        assert rows[places, 0].tolist() == [float(k[0]) for k in keys]
    assert made == [(1,), (2,), (3,)]
    rows, places = kept.rows(other, [(1,)], make([(1,)]))  # another support: its own rows
    assert made[-1] == (1,) and rows[places, 0].tolist() == [1.0]
    keys = [(4,), (5,), (1,)]  # 8 numbers kept already: all given way, these made afresh
    rows, places = kept.rows(owner, keys, make(keys))
    assert made[-3:] == keys and rows[places, 0].tolist() == [4.0, 5.0, 1.0]
