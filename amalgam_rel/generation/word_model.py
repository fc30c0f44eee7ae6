"""The default language model, on words: tokenizer, training, and the rule that keeps words whole.

The counted n-gram model of :mod:`.word_ngram` reads and writes :mod:`.word_tokenizer` tokens: a
title of four words is about eight tokens instead of thirty characters, and every word it writes
is one its column may hold (at least ``min_rows`` real rows, or public). Two word tokens side by
side would read as one new word (``Rock`` + ``Band``
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

import time
from dataclasses import dataclass

import torch

from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.open_class import OpenClass, OpenSlots, open_class
from amalgam_rel.generation.tokenizer import token_ids
from amalgam_rel.generation.vocabulary import token_bytes, token_characters
from amalgam_rel.generation.word_ngram import WordNGramLM, parameters, training_examples
from amalgam_rel.generation.word_repeats import Repeats, Writing, word_tokens
from amalgam_rel.generation.word_tokenizer import UNK_OF_SHAPE, WordCodec, build_tokenizer
from amalgam_rel.generation.word_units import APOSTROPHES, column_words, is_spaced_letter


def train_word_model(pairs: list[tuple[str, str]], words: dict[str, frozenset[str]], tags: list[str], *,
                     min_rows: int, characters: str = ""):
    """(model, tokenizer, report) counted from ``pairs``; ``words``: column tag -> the words that
    column may write (columns without an entry are written character by character)."""
    start = time.perf_counter()
    values = column_values(pairs, words)
    counted = {tag: counted_words(values.get(tag, []), ws, min_rows) for tag, ws in words.items()}
    classes = open_classes(values, counted, min_rows)
    tokenizer = build_tokenizer(words, pairs, min_rows, special=tags, characters=characters,
                                open_words={f for c in classes.values() for f in c.forms})
    codec = WordCodec(tokenizer, counted)
    examples = training_examples(tokenizer, codec, pairs)
    prompts = token_ids(tokenizer, [p for p, _ in examples], add_special_tokens=False)  # once, for both below
    model = WordNGramLM.fit(tokenizer, examples, tags, min_rows=min_rows,
                            by_character=frozenset(t for t in tags if codec.by_character(t)), prompt_ids=prompts)
    model.add_open_class(OpenSlots.of(tokenizer, tags, classes, UNK_OF_SHAPE))
    kept = [(ids, model.column_of[ids[-1]], target, len(value))
            for ids, (_, target), (_, value) in zip(prompts, examples, pairs) if ids and ids[-1] in model.column_of]
    # tokens that spell nothing (unknown words, tags) are never written
    spelled = token_bytes(tokenizer)
    barred = [i for i, b in enumerate(spelled) if b is None and i != tokenizer.eos_token_id]
    writing = Writing(WordJoins.of(tokenizer, len(tokenizer)), torch.tensor([token_characters(b) for b in spelled]))
    model.repeats = Repeats.calibrated(model, [k[:3] for k in kept], word_tokens(tokenizer, len(tokenizer)), barred,
                                       writing, [k[3] for k in kept])
    tokens = sum(len(ids) + 1 for _, ids in examples)
    # counted, not trained: no steps and no loss (NaN), one pass over the values
    report = lm_mod.TrainReport(round(time.perf_counter() - start, 2), 0, 1.0, float("nan"), len(examples), tokens,
                                parameters(model))
    return model, tokenizer, report


def column_values(pairs: list[tuple[str, str]], words: dict[str, frozenset[str]]) -> dict[str, list[str]]:
    """The values of each column written in words, by its tag."""
    tags = sorted(words, key=len, reverse=True)  # a tag that ends another is tried after it
    values: dict[str, list[str]] = {}
    for prompt, value in pairs:
        tag = next((t for t in tags if prompt.endswith(t)), None)
        if tag is not None:
            values.setdefault(tag, []).append(value)
    return values


def counted_words(values: list[str], words: frozenset[str], min_rows: int) -> frozenset[str]:
    """The words of a column's ``words`` that its n-grams count: those ``min_rows`` rows hold
    (and unspaced-script characters). Its rarer public words are written as its open class
    (:mod:`.open_class`): counted, each is a word of one row that no n-gram or field may keep,
    and the few words many rows share took their mass (chinook's track names wrote words of one
    real row at 0.1% of their words, where real names hold 24%)."""
    frequent = column_words(values, min_rows, public=False)
    return frozenset(w for w in words if w in frequent or not is_spaced_letter(w[0]))


def open_classes(values: dict[str, list[str]], counted: dict[str, frozenset[str]], min_rows: int) -> dict[str, OpenClass]:
    """The :class:`.open_class.OpenClass` of each column written in words (by its tag) that has one."""
    found = {tag: open_class(vs, counted[tag], min_rows) for tag, vs in sorted(values.items())}
    return {tag: c for tag, c in found.items() if c is not None}


@dataclass(frozen=True)
class WordJoins:
    """Per token id: whether it starts with a letter, ends with one, or is an apostrophe
    (letters of scripts that space their words; a CJK character is a word by itself)."""

    first_letter: torch.Tensor
    last_letter: torch.Tensor
    apostrophe: torch.Tensor
    space: torch.Tensor  # the token is whitespace

    @classmethod
    def of(cls, tokenizer, size: int) -> WordJoins:
        flags = torch.zeros((4, size), dtype=torch.bool)
        for i, spelled in enumerate(token_bytes(tokenizer)[:size]):
            text = spelled.decode("utf-8", errors="replace") if spelled else ""
            if text:
                flags[:, i] = torch.tensor([is_spaced_letter(text[0]), is_spaced_letter(text[-1]),
                                            text in APOSTROPHES, text.isspace()])
        return cls(*flags)

    def start(self, batch: int) -> dict[str, torch.Tensor]:
        """Per row: the last character written is a letter, is an apostrophe after a letter, is
        whitespace; and whether anything was written."""
        return {k: torch.zeros(batch, dtype=torch.bool) for k in ("letter", "glued", "space", "started")}

    def bar(self, logits: torch.Tensor, state: dict, alive: torch.Tensor, end_ids: torch.Tensor,
            tidy: bool = False, support: torch.Tensor | None = None) -> torch.Tensor:
        """``logits`` (changed in place) with letter-initial tokens barred in rows that just wrote
        a letter; with ``tidy`` (a column whose real values never start or end with whitespace,
        nor hold two in a row) whitespace barred first and after whitespace, and the end after it.
        A row left with no token may end (its text is then refused). ``support``: the token ids
        the logits' columns stand for (None: all, in order); ``end_ids`` are columns."""
        device = logits.device
        first_letter, spaces = self._over(state, support, logits.shape[1], device)
        after = (state["letter"][alive] | state["glued"][alive]).to(device)
        rows = after
        if tidy:
            spaced = (state["space"][alive] | ~state["started"][alive]).to(device)
            rows = rows | spaced
            ends = logits[:, end_ids]
            logits[:, end_ids] = torch.where(state["space"][alive].to(device)[:, None], float("-inf"), ends)
        if not bool(rows.any()):
            return logits
        # each rule over what it bars only: letter-initial columns (none where a row after a letter
        # is worked on its other columns, see .support_columns), the few whitespace ones
        if first_letter is not None and bool(after.any()):
            logits.masked_fill_(after[:, None] & first_letter[None, :], float("-inf"))
        if tidy and len(spaces):
            logits[:, spaces] = torch.where(spaced[:, None], float("-inf"), logits[:, spaces])
        stuck = rows & (logits.amax(dim=-1) == float("-inf"))  # never NaN nor +inf: nothing allowed
        if bool(stuck.any()):
            logits[stuck.nonzero()[:, :1], end_ids[None, :]] = 0.0
        return logits

    def _over(self, state: dict, support: torch.Tensor | None, width: int, device) -> tuple:
        """``first_letter`` over the logits' columns (None where none starts with a letter) and
        the columns of whitespace tokens, kept in ``state`` per set of columns (a batch's steps
        share one support, and its rows after a letter a part of it)."""
        kept = state.setdefault("over", {})
        key = (id(support), width)
        if key not in kept or kept[key][0] is not support:
            cols = support if support is not None else slice(0, width)
            first = self.first_letter[cols].to(device)
            kept[key] = (support, first if bool(first.any()) else None,
                         self.space[cols].nonzero().squeeze(1).to(device))
        return kept[key][1], kept[key][2]

    def advance(self, state: dict, alive: torch.Tensor, tokens: torch.Tensor) -> None:
        """``state`` (changed in place) after the ``alive`` rows wrote ``tokens``."""
        state["glued"][alive] = self.apostrophe[tokens] & state["letter"][alive]
        state["letter"][alive] = self.last_letter[tokens]
        state["space"][alive] = self.space[tokens]
        state["started"][alive] = True
