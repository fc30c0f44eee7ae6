"""The default language model, on words: tokenizer, training, and the rule that keeps words whole.

The compact GPT-2 of :mod:`.lm` reads and writes :mod:`.word_tokenizer` tokens: a title of four
words is about eight tokens instead of thirty characters, so each value costs a quarter of the
decoding steps, and every word it writes is one its column may hold (at least ``min_rows`` real
rows, or public). Two word tokens side by side would read as one new word (``Rock`` + ``Band``
is ``RockBand``), so :class:`WordJoins` bars a token that starts with a letter right after one
that ends with a letter (or with an apostrophe after a letter: ``O'`` + ``Brien``), in
:mod:`.decoding`'s loop.

>>> from amalgam_rel.generation.word_tokenizer import build_tokenizer
>>> tok = build_tokenizer({}, [("p", "ab 'c")], min_rows=1)
>>> joins = WordJoins.of(tok, len(tok))
>>> [t for t in ("a", " ", "'") if joins.first_letter[tok.convert_tokens_to_ids(t)]]
['a']
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.vocabulary import token_bytes
from amalgam_rel.generation.word_tokenizer import WordCodec, build_tokenizer
from amalgam_rel.generation.word_units import APOSTROPHES, is_spaced_letter


def word_shape(n_tokens: int) -> lm_mod.LMShape:
    """The model's size for ``n_tokens`` training tokens (words count as one)."""
    return lm_mod.LMShape.for_corpus(n_tokens)


def train_word_model(pairs: list[tuple[str, str]], words: dict[str, frozenset[str]], tags: list[str], *,
                     steps: int, max_epochs: float, min_rows: int, seed: int, device: torch.device):
    """(model, tokenizer, report) trained on ``pairs``; ``words``: column tag -> the words that
    column may write (columns without an entry are written character by character)."""
    tokenizer = build_tokenizer(words, pairs, min_rows, special=tags)
    codec = WordCodec(tokenizer, words)
    n_tokens = sum(len(ids) + 8 for ids in codec.encode_pairs(pairs))  # ~8 prompt tokens each
    model = lm_mod.new_model(tokenizer, word_shape(n_tokens), seed=seed)
    # small columns repeated (see lm.balanced); the pass cap still comes from the real rows
    report = lm_mod.train(model, tokenizer, lm_mod.balanced(pairs, tags), steps=steps, max_epochs=max_epochs,
                          seed=seed, device=device, encode_targets=codec.encode_pairs)
    return model, tokenizer, report


@dataclass(frozen=True)
class WordJoins:
    """Per token id: whether it starts with a letter, ends with one, or is an apostrophe
    (letters of scripts that space their words; a CJK character is a word by itself)."""

    first_letter: torch.Tensor
    last_letter: torch.Tensor
    apostrophe: torch.Tensor

    @classmethod
    def of(cls, tokenizer, size: int) -> WordJoins:
        first = torch.zeros(size, dtype=torch.bool)
        last = torch.zeros(size, dtype=torch.bool)
        apostrophe = torch.zeros(size, dtype=torch.bool)
        for i, spelled in enumerate(token_bytes(tokenizer)[:size]):
            text = spelled.decode("utf-8", errors="replace") if spelled else ""
            if text:
                first[i], last[i] = is_spaced_letter(text[0]), is_spaced_letter(text[-1])
                apostrophe[i] = text in APOSTROPHES
        return cls(first, last, apostrophe)

    def start(self, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Per row: (the last character written is a letter, it is an apostrophe after a letter)."""
        return torch.zeros(batch, dtype=torch.bool), torch.zeros(batch, dtype=torch.bool)

    def bar(self, logits: torch.Tensor, letter: torch.Tensor, glued: torch.Tensor, end_ids: torch.Tensor) -> torch.Tensor:
        """``logits`` (changed in place) with letter-initial tokens barred in rows that just wrote
        a letter; a row left with no token may end (its text, cut short, is then refused)."""
        rows = (letter | glued).to(logits.device)
        if not bool(rows.any()):
            return logits
        barred = rows[:, None] & self.first_letter.to(logits.device)[None, : logits.shape[1]]
        logits.masked_fill_(barred, float("-inf"))
        stuck = rows & ~torch.isfinite(logits).any(dim=-1)
        if bool(stuck.any()):
            logits[stuck.nonzero()[:, :1], end_ids[None, :]] = 0.0
        return logits

    def advance(self, tokens: torch.Tensor, letter: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The rows' state after writing ``tokens`` (``letter``: their state before)."""
        return self.last_letter[tokens], self.apostrophe[tokens] & letter
