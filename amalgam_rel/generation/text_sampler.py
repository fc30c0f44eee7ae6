"""Drawing text from the fitted language model under each column's constraint.

The drawing code (:mod:`.text_drawing`) asks a :class:`Sampler` for one draw per prompt; the
default, :class:`ConstrainedSampler`, runs outlines' constrained generators (built once per
column and document shape) on our own decoding loop (:mod:`.decoding`) where the model allows
it, else on transformers'. A test or a caller may hand :class:`~.text_model.TextFieldModel` any
other sampler with the same call.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import chain
from typing import Protocol

import numpy as np
import torch

from amalgam_rel.errors import DataError
from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.decoding import fast_generation, supports
from amalgam_rel.generation.json_schema import schema_regex
from amalgam_rel.generation.masking import prepare_outlines
from amalgam_rel.generation.output_types import OutputSpec
from amalgam_rel.generation.shapes import keys_of, restrict
from amalgam_rel.generation.text_plan import MAX_NEW_TOKENS, ColumnPlan
from amalgam_rel.generation.tokenizer import token_ids
from amalgam_rel.generation.vocabulary import byte_vocabulary, constrained_generator, token_bytes, token_characters
from amalgam_rel.generation.word_model import WordJoins
from amalgam_rel.generation.word_tokenizer import column_token_ids, is_word_tokenizer, token_texts

# On a GPU the compact model's step time is the host's (one Python pass over the batch per
# token), nearly flat in the batch: H200, warm, 640 short descriptions + tags at batch 64 took
# 2.7 s, at 256 1.6 s. On a CPU each row costs its own arithmetic, and a bigger batch only
# waits longer for its longest row.
CPU_BATCH, GPU_BATCH = 64, 256
# The word model's step costs ~100 small tensor operations whatever its rows: 1,024 rows a call
# halve chinook's decoding steps against 256 (generate 6.4 -> ~4.6 CPU s; other draws, same realism);
# 2,048 another 7-10 % (its rows share contexts, worked out once: docs/benchmarks.md, part 5)
WORD_BATCH = 2048
PROMPT_CACHE = 100_000  # prompts whose token ids are kept (see ConstrainedSampler.prompt_ids)


class Sampler(Protocol):
    """One draw per prompt for ``plan``'s column.

    ``shapes``: per prompt, the document shape token (``K<i>``) whose constraint it is written
    under, or None; ``min_chars``: per prompt, the characters a draw writes before it may end;
    ``tokens_rng``: every random number comes from it. A draw may be None: a runaway, cut at
    the column's token budget. A sampler whose ``takes_max_chars`` is true is also given
    ``max_chars``: per prompt, the most characters a kept draw may have (see ConstrainedSampler).
    """

    def __call__(self, plan: ColumnPlan, prompts: list[str], temperature: float,
                 shapes: list[str | None] | None = None, min_chars: list[int] | None = None,
                 tokens_rng: torch.Generator | None = None) -> list[str | None]: ...


def batch_rows(batch_size: int | None, model, device: torch.device, llm: str | None) -> int:
    """Rows per model call: ``batch_size`` when given, else what the model and device make cheap."""
    if batch_size:
        return batch_size
    if getattr(model, "full_context", False):  # counted n-grams: cheap rows
        return WORD_BATCH
    # a user's model may be large: its batch (and memory) stays the CPU's unless asked
    return GPU_BATCH if device.type == "cuda" and llm is None else CPU_BATCH


class ConstrainedSampler:
    """The fitted model's own sampler: outlines' constrained generation, one generator per column."""

    takes_max_chars = True  # __call__ takes ``max_chars`` (see there)

    def __init__(self, model, tokenizer, plans: dict, *, llm: str | None, device: torch.device, batch: int,
                 seed: int):
        self.model, self.tokenizer, self.plans = model, tokenizer, plans
        self.llm, self.device, self.batch, self.seed = llm, device, batch, seed
        self.generators: dict = {}
        self._prompt_cache: dict[str, list[int]] = {}
        self._word_tokens = is_word_tokenizer(tokenizer)  # asked once: it reads the whole vocabulary
        self._texts = token_texts(tokenizer) if self._word_tokens else None  # each id's text (None: decode)

    def __call__(self, plan: ColumnPlan, prompts: list[str], temperature: float,
                 shapes: list[str | None] | None = None, min_chars: list[int] | None = None,
                 tokens_rng: torch.Generator | None = None, max_chars: list[int] | None = None) -> list[str | None]:
        """One draw per prompt; prompts asking for a document shape get that shape's constraint.

        ``min_chars`` holds on our own sampling loop only; with transformers' loop draws end where
        the model ends them. ``tokens_rng`` None: a stream seeded with the fit's seed.
        ``max_chars``: per prompt, the most characters a draw may write and still be kept; on our
        own loop with the word tokenizer (whose text is its tokens' characters) a draw stops one
        character past it, its text then longer than that (refused by its caller, as it would be
        whole). Elsewhere draws run on.
        """
        tokens_rng = tokens_rng if tokens_rng is not None else torch.Generator().manual_seed(self.seed)
        groups: dict[str | None, list[int]] = {}
        for k, token in enumerate(shapes or [None] * len(prompts)):
            groups.setdefault(token, []).append(k)
        out: list = [""] * len(prompts)
        for token, members in groups.items():
            generator = self.generator(plan, token)
            for lo in range(0, len(members), self.batch):
                chunk = members[lo : lo + self.batch]
                texts = self._batch_texts(generator, [prompts[k] for k in chunk], plan.max_new_tokens, temperature,
                                          tokens_rng, None if min_chars is None else [min_chars[k] for k in chunk],
                                          None if max_chars is None else [max_chars[k] for k in chunk],
                                          whole_words=plan.words is not None, tidy_spaces=plan.tidy_spaces)
                for k, t in zip(chunk, texts):
                    out[k] = t if t is None or isinstance(t, str) else t[0]
        return out

    def _batch_texts(self, generator, prompts: list[str], max_new_tokens: int, temperature: float,
                     tokens_rng: torch.Generator, min_chars: list[int] | None, max_chars: list[int] | None = None,
                     whole_words: bool = False, tidy_spaces: bool = False) -> list:
        options = dict(max_new_tokens=max_new_tokens, do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
        model = self.generators["outlines"].model
        if isinstance(model, fast_generation):
            floor = {"min_chars": min_chars} if min_chars is not None else {}
            floor |= {"max_chars": max_chars} if max_chars is not None and self._texts is not None else {}
            floor |= {"whole_words": True, "tidy_spaces": tidy_spaces} if whole_words else {}
            texts = self.own_loop_batch(generator, prompts, generator=tokens_rng, **options, **floor)
            if max_new_tokens >= MAX_NEW_TOKENS:
                return texts  # as long as the model can write: the cut value stands, as before
            # a draw cut at max_new_tokens ran past every real value's length in bytes: a runaway,
            # whose text may still look whole (an address without its house number)
            return [t if whole else None for t, whole in zip(texts, model.finished)]
        # transformers' loop draws from torch's global generator: seeded from the column's stream
        # for this batch, and given back as it was
        with lm_mod.seeded_torch(int(torch.randint(2**62, (1,), generator=tokens_rng)), self.device):
            return generator.batch(prompts, **options)

    def own_loop_batch(self, constrained, prompts: list[str], **options) -> list[str]:
        """What outlines' ``constrained.batch(prompts, **options)`` returns, run on our own loop
        (:mod:`.decoding`) with each prompt tokenized once: outlines tokenizes every batch anew, and
        a retry's batch repeats its prompts (up to 8 times each), TPC-H's long ones at ~40 us each."""
        ids = self.prompt_ids(prompts)
        input_ids, mask = _left_padded(ids, self.tokenizer.pad_token_id)
        width = input_ids.shape[1]
        constrained.logits_processor.reset()
        tokens = constrained.model.model.generate(input_ids=input_ids, attention_mask=mask,
                                                  logits_processor=[constrained.logits_processor], **options)
        if self._texts is not None:  # the word tokenizer's decoding joins its tokens' texts
            return list(map("".join, self._texts[tokens[:, width:].numpy()].tolist()))
        rows = tokens[:, width:].tolist()
        if self._word_tokens:
            # the backend's own decoding, what batch_decode ends in for this tokenizer (no clean-up of
            # spaces): transformers first checks every id of every row in Python (~0.4 s of chinook's 7,628 values)
            return self.tokenizer.backend_tokenizer.decode_batch(rows, skip_special_tokens=True)
        return self.tokenizer.batch_decode(rows, skip_special_tokens=True)

    def prompt_ids(self, prompts: list[str]) -> list[list[int]]:
        """Each prompt's token ids as outlines' tokenizer call gives them, tokenized once per model."""
        if len(self._prompt_cache) > PROMPT_CACHE:  # a table of millions of rows: a few batches' prompts suffice
            self._prompt_cache = {}
        cache = self._prompt_cache
        new = [p for p in dict.fromkeys(prompts) if p not in cache]
        if new:
            cache.update(zip(new, token_ids(self.tokenizer, new)))
        return [cache[p] for p in prompts]

    def generator(self, plan: ColumnPlan, shape: str | None = None):
        """The column's constrained generator; for a common document shape (``K<i>``), that shape's."""
        common = shape is not None and shape != "K*"
        key = (plan.table, plan.column, shape if common else None)
        if key not in self.generators:
            prepare_outlines()
            if "outlines" not in self.generators:
                self._prepare_model()
            spec = plan.spec
            if common:
                schema = restrict(spec.schema, keys_of(plan.shapes[int(shape[1:])][0]))
                spec = replace(spec, schema=schema, regex=schema_regex(schema))
            self.generators[key] = self._constrained(plan, spec)
        return self.generators[key]

    def _prepare_model(self) -> None:
        """outlines' model and byte vocabulary, on our own decoding loop where the model allows it."""
        self.generators["outlines"] = _outlines_model(self.model, self.tokenizer)
        # the index spells tokens in bytes: outlines' own spelling loses partial characters
        self.generators["vocabulary"] = byte_vocabulary(self.tokenizer)
        if self.llm is None or supports(self.model):  # other architectures keep transformers' loop
            joins = WordJoins.of(self.tokenizer, _vocab_rows(self.model)) \
                if any(p.words is not None for p in self.plans.values()) else None
            self.generators["outlines"].model = fast_generation(
                self.model, token_chars(self.tokenizer, self.model), joins)

    def _constrained(self, plan: ColumnPlan, spec: OutputSpec):
        if not is_word_tokenizer(self.tokenizer):
            return constrained_generator(self.generators["outlines"], self.generators["vocabulary"],
                                         spec.output_type())
        # the word model: each column writes its own tokens
        words = None if plan.words is None else frozenset(plan.words)
        allowed = column_token_ids(self.tokenizer, words, plan.alphabet)
        if words is not None:
            allowed |= _open_tokens(self.model, self.tokenizer, plan.tag)
        vocabulary = byte_vocabulary(self.tokenizer, allowed)
        try:
            return constrained_generator(self.generators["outlines"], vocabulary, spec.output_type())
        except ValueError:
            # the type spells a character the column's values never hold (a STRUCT key
            # 'naïve'): any single character of the vocabulary may write it
            wider = byte_vocabulary(self.tokenizer, allowed | _single_characters(self.tokenizer))
            return _constrained_or_refused(self.generators["outlines"], wider, spec, plan)


def _left_padded(ids: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The rows ``ids`` padded on the left, as outlines has the tokenizer pad, and their
    attention mask: written in one numpy pass (a nested list to a tensor took ~20 us a row)."""
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    width = int(lengths.max())
    flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(ids)), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(width - lengths, lengths)
    input_ids = np.full((len(ids), width), pad, dtype=np.int64)
    input_ids[rows, cols] = flat
    mask = np.zeros((len(ids), width), dtype=np.int64)
    mask[rows, cols] = 1
    return torch.from_numpy(input_ids), torch.from_numpy(mask)


def _single_characters(tokenizer) -> set[int]:
    """Ids of the tokens that spell one character."""
    out = set()
    for i, spelled in enumerate(token_bytes(tokenizer)):
        try:
            if spelled and len(spelled.decode("utf-8")) == 1:
                out.add(i)
        except UnicodeDecodeError:
            continue
    return out


def _constrained_or_refused(model, vocabulary, spec: OutputSpec, plan: ColumnPlan):
    try:
        return constrained_generator(model, vocabulary, spec.output_type())
    except ValueError as err:
        missing = str(err).split("following characters:")[-1].strip().rstrip(".")[:60]
        raise DataError(f"{plan.table}.{plan.column}: the text model has no token for a character its type "
                        f"needs ({missing.split('. This')[0]}); give it values holding that character or --llm") from None


def token_chars(tokenizer, model):
    """Characters each token id starts (0 for special tokens and ids the tokenizer lacks).

    Counted in bytes: a token holding the first byte of an ``ë`` starts one character, the
    token with its second byte none (decoded alone, each read as one U+FFFD).
    """
    size = _vocab_rows(model)
    spelled = token_bytes(tokenizer)[:size]
    counts = torch.zeros(size, dtype=torch.long)
    counts[: len(spelled)] = torch.tensor([token_characters(b) for b in spelled], dtype=torch.long)
    return counts


def _outlines_model(model, tokenizer):
    """``outlines.from_transformers(model, tokenizer)`` for a tokenizer, without its test for a
    multimodal processor: importing transformers' ``ProcessorMixin`` loads its modeling modules
    (~2.5 s of every run, for a class the default model never has)."""
    from outlines.models.transformers import Transformers
    from transformers import PreTrainedTokenizer, PreTrainedTokenizerFast

    if isinstance(tokenizer, (PreTrainedTokenizer, PreTrainedTokenizerFast)):
        return Transformers(model, tokenizer)
    import outlines

    return outlines.from_transformers(model, tokenizer)


def _open_tokens(model, tokenizer, tag: str) -> set[int]:
    """The column's open-class tokens (:mod:`.open_class`): public words it writes where it
    learned a rare one, which its constraint must let through."""
    slots = getattr(model, "open", None)
    column = getattr(model, "column_of", {}).get(tokenizer.convert_tokens_to_ids(tag))
    return set() if slots is None or column is None else set(slots.tokens_of(column).tolist())


def _vocab_rows(model) -> int:
    """Logits per step: the output embedding's rows (a word n-gram model has none: its vocabulary)."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    return head.weight.shape[0] if head is not None else model.config.vocab_size
