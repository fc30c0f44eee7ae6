"""The vocabulary a constraint's token index is built on: each token's exact bytes.

outlines 1.3 spells each token with ``convert_tokens_to_string([token])``, one token at a time.
In a byte-level BPE vocabulary (ours, GPT-2's, Llama 3's, Qwen's) a token holding part of a
multi-byte UTF-8 character then reads U+FFFD, so a character no single token spells (an ``ë``
the merges passed over, ``✓``, most CJK in a small vocabulary) could not be written at all, and
outlines refused the column's regex ("The vocabulary provided is incompatible with the regex
... ["\\xc3"]"). Here each token stands for its bytes; outlines_core's automaton works on bytes,
so such a character is written one byte token at a time. Special tokens (padding, column tags)
are left out: they write no text, and a pad token that matched a regex would vanish on decoding.

>>> from amalgam_rel.generation.tokenizer import train_tokenizer
>>> tok = train_tokenizer(["plain ascii text"] * 20, vocab_size=300)
>>> spelled = token_bytes(tok)
>>> spelled[tok.convert_tokens_to_ids("Ã")], spelled[tok.eos_token_id]
(b'\\xc3', None)
>>> token_characters(b"\\xc3\\xab!"), token_characters(b"\\xab")  # 'ë!': two characters; a tail byte starts none
(2, 0)
"""

from __future__ import annotations

import json
import re
import weakref

from outlines_core import Vocabulary
from transformers.convert_slow_tokenizer import bytes_to_unicode

_BYTE_OF_CHAR = {char: byte for byte, char in bytes_to_unicode().items()}
_BYTE_FALLBACK = re.compile(r"<0x([0-9A-Fa-f]{2})>")  # SentencePiece's byte tokens
_SPIECE_SPACE = "\u2581"


def token_bytes(tokenizer) -> tuple[bytes | None, ...]:
    """The bytes each token id writes (None for special tokens, which write no text).

    Kept per tokenizer while its tokens and special tokens stay the same: a word-level
    vocabulary is spelled token by token through transformers (~0.1 s per 10,000 tokens), and a
    fit and its columns' constraints ask for it a dozen times."""
    special = {i for i, t in tokenizer.added_tokens_decoder.items() if t.special}
    special |= {i for i in tokenizer.all_special_ids}
    key = (len(tokenizer), frozenset(special))
    kept = _SPELLED.get(tokenizer)
    if kept is not None and kept[0] == key:
        return kept[1]
    kinds = _decoder_kinds(tokenizer)
    out: list[bytes | None] = [None] * len(tokenizer)
    for token, i in tokenizer.get_vocab().items():
        if i in special or i >= len(out):
            continue
        out[i] = _spell(tokenizer, token, kinds)
    _SPELLED[tokenizer] = (key, tuple(out))
    return _SPELLED[tokenizer][1]


_SPELLED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _spell(tokenizer, token: str, kinds: set[str]) -> bytes:
    if "ByteLevel" in kinds and all(ch in _BYTE_OF_CHAR for ch in token):
        return bytes(_BYTE_OF_CHAR[ch] for ch in token)
    if "ByteFallback" in kinds and (m := _BYTE_FALLBACK.fullmatch(token)):
        return bytes([int(m.group(1), 16)])
    if _SPIECE_SPACE in token and "ByteLevel" not in kinds:
        return token.replace(_SPIECE_SPACE, " ").encode()
    # any other tokenizer: outlines' own spelling (a whole-character token reads right)
    text = tokenizer.convert_tokens_to_string([token])
    return text.encode()


def _decoder_kinds(tokenizer) -> set[str]:
    """The types of the fast tokenizer's decoder and of its parts (empty without one)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return set()
    decoder = json.loads(backend.to_str()).get("decoder") or {}
    return {decoder.get("type")} | {d.get("type") for d in decoder.get("decoders") or ()}


def byte_vocabulary(tokenizer, allowed: set[int] | None = None) -> Vocabulary:
    """outlines_core's vocabulary of ``tokenizer``, spelled in bytes (see the module docstring);
    only the token ids in ``allowed`` when given (a word-level column's own words, see
    :func:`.word_tokenizer.column_token_ids`): the constraint then writes nothing else."""
    by_spelling: dict[bytes, list[int]] = {}
    eos = tokenizer.eos_token_id
    for i, spelled in enumerate(token_bytes(tokenizer)):
        # an empty spelling would let the index loop without writing anything; the end token
        # is outlines_core's own
        if spelled and i != eos and (allowed is None or i in allowed):
            by_spelling.setdefault(spelled, []).append(i)
    return Vocabulary(tokenizer.eos_token_id, by_spelling)


def constrained_generator(model, vocabulary: Vocabulary, output_type):
    """outlines' generator of ``output_type`` for ``model`` (an outlines model), its index built
    on ``vocabulary`` instead of outlines' own spelling."""
    from outlines.backends.outlines_core import OutlinesCoreLogitsProcessor
    from outlines.generator import SteerableGenerator
    from outlines.types.dsl import python_types_to_terms, to_regex
    from outlines_core import Index

    from amalgam_rel.generation.decoding import fast_generation

    regex = to_regex(python_types_to_terms(output_type))
    index = Index(regex, vocabulary)
    if not isinstance(model.model, fast_generation):
        return SteerableGenerator.from_processor(model, OutlinesCoreLogitsProcessor(index, model.tensor_library_name))
    # our own loop (.decoding) reads the processor's index and makes the guides itself; outlines'
    # constructor would import torch._dynamo (~1.4 s a run) only to quiet torch.compile, never run here
    processor = OutlinesCoreLogitsProcessor.__new__(OutlinesCoreLogitsProcessor)
    processor.index, processor.tensor_library_name, processor.is_first_token = index, model.tensor_library_name, True
    return SteerableGenerator.from_processor(model, processor)


def token_characters(spelled: bytes | None) -> int:
    """Characters a token starts: its bytes that are not UTF-8 continuation bytes."""
    return 0 if not spelled else sum((b & 0xC0) != 0x80 for b in spelled)
