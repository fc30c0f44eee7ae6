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


@pytest.mark.parametrize("kept", [20_000, 0])  # 0: the plans are dropped at every step
def test_a_warm_model_gives_a_fresh_models_logits_as_rows_end(monkeypatch, kept):
    monkeypatch.setattr(word_ngram, "MAX_PLANS", kept)
    tok, fit = _model()
    warm = fit()
    assert warm.tables["fields"].keys.size and warm.tables["position"].keys.size
    prompts = [f"rock;short{TAG}red", f"jazz;long{TAG}red", f"rock;long{TAG}red", f"jazz;short{TAG}red"]
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
