"""A byte-level BPE tokenizer trained on the database's own text (the compact GPT-2's; the
default word model has its own, :mod:`.word_tokenizer`).

Byte-level, so every string the constraint may demand has a spelling (no unknown tokens), and
small, because the model and the token index of every constraint scale with the vocabulary.

>>> tok = train_tokenizer(["red apple", "green pear"] * 20, vocab_size=300)
>>> tok.decode(tok("red pear")["input_ids"])
'red pear'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

EOS = "<|endoftext|>"
PAD = "<|pad|>"
# A merge needs a pair seen this often in the training text, so no token spells what one row
# alone holds: a value enters the corpus at most three times (its own target, and cut short in
# the prompts of the next two text columns of its row). Without it a small corpus ran out of
# shared pairs and merged single names into tokens, saved verbatim in tokenizer.json (issue #21).
MIN_MERGE_COUNT = 5


def train_tokenizer(texts: Iterable[str], vocab_size: int, special: Sequence[str] = ()) -> PreTrainedTokenizerFast:
    """``special`` tokens (the column tags) are never split and never merged into others."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[EOS, PAD, *special], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=MIN_MERGE_COUNT, show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, bos_token=EOS, pad_token=PAD)


def vocab_size_for(n_chars: int) -> int:
    """Grows with the corpus (more merges pay off on more text), from 512 to 4096."""
    return int(min(4096, max(512, n_chars // 150)))


def token_ids(tokenizer, texts: list[str], *, add_special_tokens: bool = True) -> list[list[int]]:
    """``tokenizer(texts, add_special_tokens=...)["input_ids"]``, read straight from the fast
    backend when it pads and cuts nothing: transformers' conversion of every encoding into its
    own dict costs about what the tokenizing does (TPC-H: ~3 s for 150,000 prompts). An empty
    batch goes to transformers, which refuses it."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if not texts or backend is None or backend.padding is not None or backend.truncation is not None:
        return tokenizer(texts, add_special_tokens=add_special_tokens)["input_ids"]
    return [e.ids for e in backend.encode_batch(texts, add_special_tokens=add_special_tokens)]
