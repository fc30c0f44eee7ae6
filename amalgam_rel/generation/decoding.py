"""Our own sampling loop for the compact model, in place of ``transformers``' ``generate``.

outlines asks the model's ``generate`` for a batch; transformers then draws every token with
``torch.multinomial`` (a quarter of the generation time on a CPU, at 64 rows and a few thousand
tokens) and keeps computing every row until the longest is done (a batch of notes runs to its
longest note). :func:`sample` draws from the same distribution with one uniform number per row
against the cumulative probabilities, drops rows from the batch and from the attention cache as
soon as they end, and applies the column's constraint as :mod:`.masking` does: each row's
outlines state (kept as a number, :mod:`.guide_masks`) gives its bitmask, one copy, one call. Given ``min_chars``, a row may not end
before it has written that many characters (a draw shorter than its length bucket is refused
anyway: half of all length misses), where its constraint lets it go on, and is nudged to end
soon after (the other half overshoot).

:func:`fast_generation` wraps a model for outlines; everything but ``generate`` is the model's.
It serves our compact GPT-2 and a user's ``--llm`` model of an architecture in
:data:`ARCHITECTURES` (each checked token for token against transformers' ``generate``); other
architectures keep transformers' loop.

A model that collapses its open classes (the word model, ``draws_open``) gets each class as one
column, and a row that draws it draws one of the class's words next (:mod:`.open_draw`); its
outlines masks are written once per guide state (:mod:`.guide_masks`).

Every uniform number comes from the caller's ``torch.Generator`` (on the CPU, whatever the
model's device), never from torch's global one: a column's draws are a function of its seed,
not of what else the process sampled before. :mod:`.token_draw` draws each token.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from amalgam_rel.generation.end_rules import END_WEIGHT, no_early_end as _no_early_end, nudge_end as _nudge_end  # noqa: F401 - END_WEIGHT read through this module
from amalgam_rel.generation.guide_masks import GuideStates, StateMasks
from amalgam_rel.generation.masking import bitmask_kernel
from amalgam_rel.generation.open_draw import choose_open
from amalgam_rel.generation.token_draw import draw
from amalgam_rel.generation.support_columns import Columns as _Columns
from amalgam_rel.generation.support_columns import part as _part, within as _within
from amalgam_rel.generation.word_steps import distinct as _distinct

# forward(input_ids, attention_mask, position_ids, past_key_values=DynamicCache) as GPT-2's
ARCHITECTURES = frozenset({"gpt2", "llama", "mistral", "qwen2"})
KEPT_INDEXES = 64  # constraints whose masks per state fast_generation keeps
# rows of a step that share every input of their draw are worked out once (see ``_Run._alike``)
# where the step holds at least ALIKE_ROWS rows and the sets are at most ALIKE_SHARE of them
# (chinook's 125,000 rows and steps: 56 % of the cells); below, telling them apart costs more
ALIKE_ROWS = 64
ALIKE_SHARE = 0.8


def supports(model) -> bool:
    return getattr(model.config, "model_type", None) in ARCHITECTURES


class fast_generation:  # noqa: N801 - reads as what it does to the model
    """``model`` for outlines, with :func:`sample` as its ``generate``."""

    def __init__(self, model, token_chars: torch.Tensor | None = None, joins=None):
        self._model = model
        self._token_chars = token_chars  # characters each token writes (see ``sample``'s min_chars)
        self._joins = joins  # the word model's WordJoins (see ``sample``'s whole_words)
        # per row of the last batch: whether it ended, or was cut at max_new_tokens (outlines
        # hands back only the decoded text, in which a cut value may look whole)
        self.finished: list[bool] = []
        # each constraint's masks per guide state, kept from batch to batch (a column's batches
        # meet the same states), by the identity of outlines' index (kept with them)
        self._state_masks: dict[int, tuple[object, dict]] = {}

    def __getattr__(self, name):
        return getattr(self._model, name)

    def generate(self, input_ids, attention_mask, logits_processor, max_new_tokens: int, temperature: float = 1.0,
                 do_sample: bool = True, top_k: int | None = 0, top_p: float = 1.0,
                 min_chars: list[int] | None = None, generator: torch.Generator | None = None,
                 whole_words: bool = False, tidy_spaces: bool = False,
                 max_chars: list[int] | None = None) -> torch.Tensor:
        """``generator``: the CPU generator every draw comes from (None: a fresh one seeded 0)."""
        if not do_sample or top_k not in (0, None) or top_p != 1.0:
            raise ValueError("fast generation samples from the whole distribution only (do_sample, top_k=0, top_p=1)")
        processors = list(logits_processor or ())
        if len(processors) != 1:
            raise ValueError("fast generation takes exactly one outlines logits processor")
        if (min_chars is not None or max_chars is not None) and self._token_chars is None:
            raise ValueError("min_chars and max_chars need the characters of each token (fast_generation(model, token_chars))")
        if whole_words and self._joins is None:
            raise ValueError("whole_words needs the letters of each token (fast_generation(model, joins=...))")
        generator = generator if generator is not None else torch.Generator().manual_seed(0)
        tokens, self.finished = sample(self._model, input_ids, attention_mask, processors[0], max_new_tokens,
                                       temperature, min_chars=min_chars, max_chars=max_chars,
                                       token_chars=self._token_chars,
                                       generator=generator, joins=self._joins if whole_words else None,
                                       tidy_spaces=tidy_spaces, state_masks=self._masks_of(processors[0].index))
        return tokens

    def _masks_of(self, index) -> dict:
        """Where :func:`sample` keeps ``index``'s masks per state (by the bitmask's width)."""
        kept = self._state_masks.get(id(index))
        if kept is None or kept[0] is not index:
            if len(self._state_masks) >= KEPT_INDEXES:  # a table of many columns: the last few suffice
                self._state_masks.clear()
            kept = self._state_masks[id(index)] = (index, {})
        return kept[1]


@torch.inference_mode()
def sample(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, processor, max_new_tokens: int,
           temperature: float = 1.0, *, generator: torch.Generator, min_chars: list[int] | None = None,
           token_chars: torch.Tensor | None = None, joins=None,
           tidy_spaces: bool = False, state_masks: dict | None = None,
           max_chars: list[int] | None = None) -> tuple[torch.Tensor, list[bool]]:
    """Prompt plus up to ``max_new_tokens`` constrained tokens per row, padded after the end as
    transformers pads, and per row whether it ended (False: cut at ``max_new_tokens``).

    ``min_chars`` (with ``token_chars``, the characters each token id writes): a row may not end
    before it has written that many characters, wherever its constraint lets it go on; from
    there on (for a positive floor) its end tokens weigh ``END_WEIGHT`` times more.
    ``max_chars`` (with ``token_chars``): a row stops once it has written more characters than
    that (it counts as ended: its caller refuses a text that long, whatever would follow).

    ``joins`` (a :class:`.word_model.WordJoins`): no token starting with a letter right after a
    letter, so that word tokens never run together into a word no token spells; with
    ``tidy_spaces``, no whitespace first, twice in a row or last.

    ``state_masks``: where the masks per guide state are kept between calls (a dict per
    outlines index; None: worked out for this call alone).
    """
    batch = input_ids.shape[0]
    if max_new_tokens <= 0 or batch == 0:
        return input_ids, [False] * batch
    run = _Run(model, input_ids, attention_mask, processor, max_new_tokens, min_chars, token_chars, joins,
               tidy_spaces, state_masks, max_chars)
    for step in range(max_new_tokens):
        tokens = run.choose(step, temperature, generator)
        going = run.record(step, tokens)
        if going is None:
            break
        run.next_step(tokens, going)
    return torch.cat([input_ids.cpu(), run.generated[:, :run.steps]], dim=1), run.finished


def _end_tokens(model) -> tuple[set[int], int]:
    """The model's end token ids (Llama 3 ends on any of several) and its padding id."""
    config = model.generation_config
    given = config.eos_token_id if config.eos_token_id is not None else model.config.eos_token_id
    ends = {given} if isinstance(given, int) else set(given)
    return ends, config.pad_token_id if config.pad_token_id is not None else min(ends)


class _Run:
    """One batch's decoding: the rows still going (``alive``, in cache order), their guides,
    masks and tokens so far, and the model's last logits. Each step :meth:`choose` draws a
    token per row, :meth:`record` writes them, and :meth:`next_step` drops the rows that ended
    and asks the model for the next logits."""

    def __init__(self, model, input_ids: torch.Tensor, attention_mask: torch.Tensor, processor, max_new_tokens: int,
                 min_chars: list[int] | None, token_chars: torch.Tensor | None, joins, tidy_spaces: bool,
                 state_masks: dict | None = None, max_chars: list[int] | None = None):
        self.model, self.joins, self.tidy_spaces, self.token_chars = model, joins, tidy_spaces, token_chars
        self.ends, pad = _end_tokens(model)
        batch, self.device = input_ids.shape[0], input_ids.device
        self.max_new_tokens = max_new_tokens
        self.generated = torch.full((batch, max_new_tokens), pad, dtype=torch.long)
        self.mask = attention_mask.to(self.device)
        positions = (self.mask.long().cumsum(-1) - 1).clamp(min=0)
        self._open_model(model, joins)
        self.sequences = input_ids
        self._read(model(input_ids=input_ids, attention_mask=self.mask, position_ids=positions, use_cache=True,
                         **self.with_cache))
        # a model may give logits over some tokens only (``support``: their ids, ascending)
        width = model.config.vocab_size if self.support is not None else self.logits.shape[1]
        # each row's outlines state, kept as a number (see :mod:`.guide_masks`)
        kept = {} if state_masks is None else state_masks
        self.guides = GuideStates(processor.index, batch, kept.setdefault("moves", {}))
        self.apply_token_bitmask_inplace = bitmask_kernel() if self.support is None else None
        self.bitmasks = torch.full((batch, (width + 31) // 32), -1, dtype=torch.int32)
        words = self.bitmasks.shape[1]
        self.state_masks = kept.setdefault(words, StateMasks(words))
        self.alive_ids = torch.arange(batch)  # batch rows still generating, in cache order
        self.short = torch.as_tensor(min_chars, dtype=torch.long) if min_chars is not None else None
        self.long = torch.as_tensor(max_chars, dtype=torch.long) if max_chars is not None else None
        self.written = torch.zeros(batch, dtype=torch.long)
        self.end_ids = torch.tensor(sorted(self.ends), device=self.device)
        self._ends = self.end_ids.cpu()  # the drawn tokens are on the CPU
        self.last = positions[:, -1]
        self.join_state = joins.start(batch) if joins is not None else None
        self.steps = 0
        self.finished = [True] * batch
        self.columns_of = _Columns(None, self.end_ids, joins)

    def _open_model(self, model, joins) -> None:
        """How the model is called: with an attention cache, or (a counted n-gram model,
        ``full_context``) with the whole sequences at every step, and then whether it draws
        open-class words in two stages (see :mod:`.open_draw`) and keeps its rows' prompts."""
        self.full = getattr(model, "full_context", False)
        self.cache = None if self.full else _new_cache()
        self.with_cache = {"compact": True} if self.full else {_cache_argument(model): self.cache}
        if self.full and getattr(model, "draws_open", False) and \
                model.draws_open_words(joins.first_letter if joins is not None else None):
            self.with_cache["open_draw"] = True
        self.keeps_rows = self.full and getattr(model, "draws_open", False)
        if self.keeps_rows:
            self.with_cache["shared_rows"] = True

    def _read(self, out) -> None:
        self.out = out
        self.logits = out.logits[:, -1, :].float()
        self.support = getattr(out, "support", None)
        # a model may give the rows that share their logits one row of them (``shared_rows``):
        # then ``row_of`` is each row's
        self.row_of = torch.from_numpy(out.same) if self.with_cache.get("shared_rows") else None

    def _bar(self, part, end_cols, rows, over):
        """The joins of some rows (of this step's alive ones)."""
        if self.joins is None:
            return part
        return self.joins.bar(part, self.join_state, self.alive_ids[rows], end_cols, self.tidy_spaces, over)

    def choose(self, step: int, temperature: float, generator: torch.Generator) -> torch.Tensor:
        """A token per alive row: its guide's mask, one uniform number per row, then the draw."""
        n = len(self.alive_ids)
        self.state_masks.fill(self.bitmasks[:n], self.guides.states[self.alive_ids.numpy()], self.guides.index)
        u = torch.rand((n, 1), dtype=torch.float64, generator=generator)  # one number per row and step
        floor = self.short[self.alive_ids] if self.short is not None else None
        early = self.written[self.alive_ids] < floor if self.short is not None else None
        if self.support is None:
            self.apply_token_bitmask_inplace(self.logits, self.bitmasks[:n].to(self.logits.device))
            return _choose(self.logits, None, self.end_ids, floor, early,
                           lambda x, e: self._bar(x, e, slice(None), None), temperature, u).cpu()
        return self._choose_support(step, floor, early, temperature, u, generator)

    def _choose_support(self, step: int, floor, early, temperature: float, u: torch.Tensor,
                        generator: torch.Generator) -> torch.Tensor:
        """:meth:`choose` over a model's support, group by group of rows (see :mod:`.support_columns`)."""
        n = len(self.alive_ids)
        if self.support is not self.columns_of.support:  # a batch's steps share one support
            self.columns_of = _Columns(self.support, self.end_ids, self.joins)
        tokens = torch.empty(n, dtype=torch.long)
        draw = getattr(self.out, "open_draw", None)
        for rows, (over, cols, end_cols) in self.columns_of.groups(self.join_state, self.alive_ids, n):
            picked = slice(None) if rows is None else rows
            row_floor = None if floor is None else floor[picked]
            row_early = None if early is None else early[picked]
            alike = self._alike(picked, row_floor, row_early)
            # rows whose every input to the draw is the same are worked out once (see ``_alike``)
            first = None if alike is None else alike[0]
            part = _part(self.logits, self._logit_rows(picked, first), cols)
            # the barred tokens read straight from the inverted bits (a pass over the words, not the logits)
            barred = self.state_masks.barred(over, picked if first is None else _within(picked, first))
            if draw is None or cols is not None:  # rows after a letter start no open-class word
                tokens[picked] = over[_choose(part, barred, end_cols, _some(row_floor, first), _some(row_early, first),
                                              lambda x, e, p=_within(picked, first), o=over: self._bar(x, e, p, o),
                                              temperature, u[picked],
                                              inverse=None if alike is None else alike[1])]
                continue
            ids = self.alive_ids[picked]
            tokens[picked] = choose_open(
                _choose, part, barred, end_cols, row_floor, row_early,
                lambda sub, picked=picked, over=over: (lambda x, e: self._bar(x, e, _within(picked, sub), over)),
                temperature, u[picked], draw=draw, over=over, masks=self.bitmasks[:n][picked],
                history=lambda sub, ids=ids: self.generated[ids[sub], :step], generator=generator, alike=alike)
        return tokens

    def _logit_rows(self, picked, first: torch.Tensor | None) -> torch.Tensor | None:
        """The rows of ``logits`` that the rows ``picked`` (of this step's alive ones; only
        their ``first`` ones where given) read (None: every row, in order)."""
        rows = _within(picked, first)
        if self.row_of is None:
            return None if isinstance(rows, slice) else rows
        return self.row_of if isinstance(rows, slice) else self.row_of[rows]

    def _alike(self, picked, floor, early) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Of the rows ``picked`` (of this step's alive ones), those whose draw reads the same
        logits (the model says which rows share them: ``same``), guide state, joins and end
        rules: (the first row of each such set, each row's place among them), or None where no
        two rows share everything (or the batch is small). Worked out once per set, each row's
        draw then takes its own uniform number: the same operations on the same operands as row
        by row, so the same tokens."""
        same = getattr(self.out, "same", None)
        ids = self.alive_ids[picked]
        if same is None or len(ids) < ALIKE_ROWS:
            return None
        keys = [same[picked if isinstance(picked, slice) else picked.numpy()],
                self.state_masks.current[picked].numpy()]
        if self.joins is not None:
            keys += [self.join_state[k][ids].numpy() for k in ("space", "started")]
        if floor is not None:
            keys += [floor.gt(0).numpy(), early.numpy()]
        first, inverse = _distinct(*keys)
        if len(first) > ALIKE_SHARE * len(ids):
            return None
        return torch.from_numpy(first), torch.from_numpy(inverse)

    def record(self, step: int, tokens: torch.Tensor) -> torch.Tensor | None:
        """Write the step's tokens and advance the guides; the places (among the alive rows) of
        the rows that go on, None where the batch is done."""
        self.steps = step + 1
        self.generated[self.alive_ids, step] = tokens
        if self.short is not None or self.long is not None:
            self.written[self.alive_ids] += self.token_chars[tokens]
        if self.joins is not None:
            self.joins.advance(self.join_state, self.alive_ids, tokens)
        # one vectorised pass, not a Python test per row (a tenth of a large step's record)
        ended = tokens == self._ends[0] if len(self._ends) == 1 else torch.isin(tokens, self._ends)
        if self.long is not None:  # past the longest text its caller keeps: stopped as if ended
            ended |= self.written[self.alive_ids] > self.long[self.alive_ids]
        going = (~ended).nonzero().squeeze(1)
        if not len(going) or step == self.max_new_tokens - 1:
            for i in self.alive_ids[going].tolist():
                self.finished[i] = False
            return None
        places = going.numpy()
        self.guides.advance(self.alive_ids.numpy()[places], tokens.numpy()[places])
        return going

    def next_step(self, tokens: torch.Tensor, going: torch.Tensor) -> None:
        """Drop the rows that ended (from the batch and the cache), then the model's next logits."""
        device = self.device
        if self.full:
            self.sequences = torch.cat([self.sequences, tokens.to(device)[:, None]], dim=1)
        if len(going) < len(self.alive_ids):
            keep = going.to(device)
            if self.full:
                self.sequences = self.sequences[keep]
            else:
                self.cache.batch_select_indices(keep)
            self.mask, self.last, tokens = self.mask[keep], self.last[keep], tokens[going]
            self.alive_ids = self.alive_ids[going]
        self.mask = torch.cat([self.mask, torch.ones((len(self.alive_ids), 1), dtype=self.mask.dtype, device=device)],
                              dim=1)
        self.last = self.last + 1
        step_ids = self.sequences if self.full else tokens.to(device)[:, None]
        # a model that keeps its rows' prompts (the word model) is told which rows these are
        rows_of = {"batch_rows": self.alive_ids} if self.keeps_rows else {}
        self._read(self.model(input_ids=step_ids, attention_mask=self.mask, position_ids=self.last[:, None],
                              use_cache=True, **self.with_cache, **rows_of))


def _choose(logits: torch.Tensor, barred: torch.Tensor | None, end_cols: torch.Tensor, floor: torch.Tensor | None,
            early: torch.Tensor | None, bar, temperature: float, u: torch.Tensor, restore=None,
            inverse: torch.Tensor | None = None) -> torch.Tensor:
    """The column drawn per row of ``logits`` (changed in place, unless ``restore`` is given):
    ``barred`` tokens masked (then ``restore(masked)`` writes the columns the mask must not
    bar), the end rules (``floor``, ``early``), the joins (``bar(logits, end_cols)``), then
    ``u`` against the cumulative probabilities. ``inverse``: per draw, the row of ``logits``
    (and of the other rows' inputs) it reads, with its own ``u`` (None: one draw per row)."""
    device = logits.device
    if restore is not None:  # ``where``: the masked copy in one pass (masked_fill copies, then writes)
        logits = restore(torch.where(barred, float("-inf"), logits) if barred is not None else logits.clone())
    elif barred is not None:
        logits.masked_fill_(barred, float("-inf"))
    if floor is not None:
        logits = _no_early_end(logits, early.to(device), end_cols)
        logits = _nudge_end(logits, (~early & (floor > 0)).to(device), end_cols)
    logits = bar(logits, end_cols)
    # x / 1.0 is x: the division only where it changes something
    return draw(torch.softmax(logits / temperature if temperature != 1 else logits, dim=-1), u=u, rows=inverse)


def _some(values, at):
    """``values[at]`` (``at`` None: ``values``; ``values`` None: None)."""
    return values if values is None or at is None else values[at]


def _new_cache():
    from transformers import DynamicCache

    return DynamicCache()


def _cache_argument(model) -> str:
    """The name ``forward`` takes the attention cache by: ``cache`` from transformers 5.25 on
    (``past_key_values`` there is deprecated, with a FutureWarning per call site), before it
    ``past_key_values``."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

