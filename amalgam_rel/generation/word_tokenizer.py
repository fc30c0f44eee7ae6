"""The default model's tokenizer: one token per word, digit, space or punctuation mark.

A ``tokenizers`` WordLevel model behind a pre-tokenizer that cuts text into
:mod:`.word_units`, wrapped as a transformers ``PreTrainedTokenizerFast`` (outlines and
``save_pretrained`` take it as they take any). Its tokens are the words the columns may write
(:func:`~.word_units.column_words`), the words that at least ``min_rows`` prompts hold, and every
single character of the corpus: codes and documents (:attr:`WordCodec.by_character` columns) are
written one character at a time, free text word by word. A word no token spells reads
``<|unk|>``: in a prompt it says "some rare word"; as a target (``<|unk:Aa|>`` for a
capitalised one, ``<|unk:AA|>`` for one in capitals) it is learned, and never drawn (special
tokens are outside every constraint's index): its mass goes to the column's open-class words
(:mod:`.open_class`), which are tokens too.

>>> tok = build_tokenizer({"<|t.c|>": frozenset({"red", "apple"})}, [("L1<|t.c|>", "red apple, 42")], min_rows=1,
...                       special=["<|t.c|>"])
>>> codec = WordCodec(tok, {"<|t.c|>": frozenset({"red", "apple"})})
>>> tok.decode(codec.encode_value("<|t.c|>", "red apple, 42"))
'red apple, 42'
>>> tok.decode(codec.encode_value("<|t.c|>", "red kiwi"), skip_special_tokens=True)
'red '
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from amalgam_rel.generation.tokenizer import EOS, PAD
from amalgam_rel.generation.word_units import UNIT_PATTERN, case_shape, is_letter_unit, letter_units, units

UNK = "<|unk|>"
#: the unknown-word token of a rare word in each case shape (see :func:`.word_units.case_shape`)
UNK_OF_SHAPE = {"aa": UNK, "Aa": "<|unk:Aa|>", "AA": "<|unk:AA|>"}
_UNKS = list(dict.fromkeys(UNK_OF_SHAPE.values()))


def build_tokenizer(words: Mapping[str, frozenset[str]], pairs: Iterable[tuple[str, str]], min_rows: int,
                    special: Iterable[str] = (), characters: Iterable[str] = (),
                    open_words: Iterable[str] = ()) -> PreTrainedTokenizerFast:
    """Tokens: the ``special`` ones (column tags), every character of the (prompt, value)
    ``pairs`` and of ``characters`` (those the columns' types spell: a STRUCT key ``naïve`` no
    value holds), the columns' ``words``, the public ``open_words`` (:mod:`.open_class`), and
    the words that at least ``min_rows`` prompts of one column hold (one prompt per row: a
    context value then reads as itself, a rare one as ``<|unk|>``). Sorted, so the same corpus
    gives the same ids."""
    special = list(dict.fromkeys(special))
    chars: set[str] = set(characters)
    in_prompts: dict[str, Counter[str]] = {}
    for prompt, value in pairs:
        chars.update(prompt)
        chars.update(value)
        tag = next((t for t in special if prompt.endswith(t)), "")
        in_prompts.setdefault(tag, Counter()).update(set(letter_units(prompt)))
    common = {w for counts in in_prompts.values() for w, n in counts.items() if n >= min_rows}
    tokens = chars | {w for ws in words.values() for w in ws} | common | set(open_words)
    tokens -= set(special) | {EOS, PAD, *_UNKS}
    vocab = {t: i for i, t in enumerate([EOS, PAD, *_UNKS, *special, *sorted(tokens)])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(UNIT_PATTERN), behavior="isolated")
    tok.decoder = decoders.Fuse()  # tokens are the text itself: joined as they are
    tok.add_special_tokens([EOS, PAD, *_UNKS, *special])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, bos_token=EOS, pad_token=PAD, unk_token=UNK,
                                   clean_up_tokenization_spaces=False)


class WordCodec:
    """Training targets as the model must learn to write them, column by column.

    ``words``: column tag -> the words that column's n-grams count (those ``min_rows`` rows
    hold: :func:`.word_model.counted_words`); a tag missing from it is a column written
    :attr:`by_character`. Any other word, of another column or rarer, is an unknown-word token
    in this one's targets: the model learns what each column may say, and where it says a rare
    word.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerFast, words: Mapping[str, frozenset[str]]):
        self.tokenizer = tokenizer
        self.words = dict(words)
        self.vocab = tokenizer.get_vocab()
        self.unk = self.vocab[UNK]
        # a tokenizer saved before unknown words had case shapes has the one
        self.unk_of_shape = {s: self.vocab.get(t, self.unk) for s, t in UNK_OF_SHAPE.items()}

    def by_character(self, tag: str) -> bool:
        return tag not in self.words

    def encode_value(self, tag: str, text: str) -> list[int]:
        if self.by_character(tag):
            return [self.vocab.get(ch, self.unk) for ch in text]
        allowed = self.words[tag]
        return [self.vocab.get(u, self.unk) if not is_letter_unit(u) else
                self.vocab.get(u, self.unk) if u in allowed else self.unk_of_shape[case_shape(u)] for u in units(text)]

    def encode_pairs(self, pairs: list[tuple[str, str]]) -> list[list[int]]:
        """Each pair's target, its column read from the tag its prompt ends with."""
        tags = sorted(self.words, key=len, reverse=True)
        out = []
        for prompt, text in pairs:
            tag = next((t for t in tags if prompt.endswith(t)), "")
            out.append(self.encode_value(tag, text))
        return out


def is_word_tokenizer(tokenizer) -> bool:
    """Whether ``tokenizer`` is one :func:`build_tokenizer` made (a user's model has its own)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    return backend is not None and isinstance(backend.model, models.WordLevel) and UNK in tokenizer.get_vocab()


def token_texts(tokenizer) -> np.ndarray | None:
    """The text each token id decodes to with special tokens skipped (an object array; a special
    one ``""``), where decoding is joining them (this module's ``Fuse`` decoder); else None.
    A row's text is then ``"".join(texts[row])``: what the backend's ``decode_batch`` gives, in a
    fraction of its time (it looks each id up and builds a string per token)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if not is_word_tokenizer(tokenizer) or not isinstance(backend.decoder, decoders.Fuse):
        return None
    vocab = tokenizer.get_vocab()
    texts = np.full(max(vocab.values(), default=-1) + 1, "", dtype=object)
    for token, i in vocab.items():
        texts[i] = token
    skipped = set(tokenizer.all_special_ids) | {i for i, t in backend.get_added_tokens_decoder().items() if t.special}
    texts[sorted(skipped)] = ""
    return texts


def column_token_ids(tokenizer: PreTrainedTokenizerFast, words: frozenset[str] | None,
                     alphabet: str | None = None) -> set[int]:
    """The token ids a column may write: a word-level column its ``words`` and every non-letter
    character; a column written by character (``words`` None) the characters of its
    ``alphabet`` (every single character without one), as it was trained: its constraint's
    index then stays the size of its own alphabet, not of every column's characters."""
    special = set(tokenizer.all_special_ids)
    if words is None:
        return {i for t, i in tokenizer.get_vocab().items() if i not in special and len(t) == 1
                and (alphabet is None or t in alphabet)}
    return {i for t, i in tokenizer.get_vocab().items()
            if i not in special and (not is_letter_unit(t) or t in words)}
