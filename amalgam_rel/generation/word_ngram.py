"""The default language model: counted word n-grams, conditioned on the row, exposing logits.

Training is counting: per column, how often each token (a word, or a character in a column
written by character: see :mod:`.word_tokenizer`) follows each history of up to ``order - 1``
tokens, and how often it occurs in values whose prompt holds a given field (the length bucket,
a category, ...). The next token's logits are an interpolated absolute-discounting n-gram
(Ney, Essen & Kneser 1994) times, for every prompt field seen with the token, a boost
``1 + c(field, token) / (a * P(token))`` (a naive-Bayes reading of the row's context), and the
first field joined with the position in the value (what makes a value end at its length).

Nothing is kept that fewer than ``min_rows`` real rows hold: an n-gram or a (field, token) pair
of a single row never enters the model, so no sequence of one row is stored or replayed (its
row still counts in its context's total: that mass backs off to the lower orders). Where the
model learned a rare word, it writes the column's open-class words (:mod:`.open_class`); a word
the value already holds is as rare as in real values (:mod:`.word_repeats`).
Counting takes about a second where a compact transformer took a minute, and is the same on any
machine. The model is a ``torch.nn.Module`` whose ``forward`` reads whole sequences
(``full_context``: :mod:`.decoding` passes them instead of an attention cache).

>>> from amalgam_rel.generation.word_tokenizer import build_tokenizer
>>> tok = build_tokenizer({"<|t.c|>": frozenset({"red", "apple"})}, [("x<|t.c|>", "red apple")] * 3, 1, ["<|t.c|>"])
>>> lm = WordNGramLM.fit(tok, [("x<|t.c|>", tok("red apple")["input_ids"])] * 3, ["<|t.c|>"], min_rows=2)
>>> ids = tok("x<|t.c|>red", return_tensors="pt")["input_ids"]
>>> tok.convert_ids_to_tokens(int(lm(ids).logits[0, -1].argmax()))
' '
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from amalgam_rel.generation.open_class import OpenSlots
from amalgam_rel.generation.open_draw import OpenDraw
from amalgam_rel.generation.tokenizer import token_ids
from amalgam_rel.generation.word_counts import context_hash as _hash, count_contexts, ngram_keys, prompt_fields
from amalgam_rel.generation.word_repeats import Repeats, with_lifts
from amalgam_rel.generation.word_table import KeptRows, Scratch, Table as _Table
from amalgam_rel.generation.word_steps import (EMPTY, BatchRows, Boost, Entries, FieldBoosts, PromptPlan, SignatureFields,
                                               add_entries, distinct, lifts, shared_entries)

ORDER = 3  # words: two words of history (characters of a code: see CHAR_ORDER)
CHAR_ORDER = 5
FIELD_SMOOTHING = 4.0  # the ``a`` of the field boost, in tokens
#: each expert's log-boost is weighted by this over the number of the row's fields (log-linear
#: pooling): summed at full weight, a row's fields (length, position, category, ...) multiplied
#: into a few words per position and chinook's album titles repeated (distinct share 0.76)
FIELD_WEIGHT = 1.0
MIN_FIELD_ROWS = 20  # a field value fewer rows hold (a price, a date) says nothing reliable
UNIGRAM_FLOOR = 0.01
MAX_POSITION = 48
KEPT_NUMBERS = 2**23  # the contexts' n-gram logits kept (32 MB: chinook's track names, ~6,000 contexts)
MAX_PLANS = 20_000  # prompts whose plan (see :mod:`.word_steps`) is kept: a batch holds at most a few hundred
CONFIG = "words.json"
WEIGHTS = "model.safetensors"
MODEL_TYPE = "amalgam-words"


class WordNGramLM(torch.nn.Module):
    """Counted n-grams per column behind a causal-LM interface (``forward(input_ids).logits``)."""

    full_context = True  # decoding passes whole sequences: the model keeps no cache
    draws_open = True  # ``forward(open_draw=True)``: the open classes collapsed (see :mod:`.open_draw`)

    def __init__(self, settings: dict, unigrams: torch.Tensor, tables: dict[str, _Table],
                 support: torch.Tensor | None = None, open_slots: OpenSlots | None = None,
                 repeats: Repeats | None = None):
        super().__init__()
        self.settings = settings
        self.config = SimpleNamespace(model_type=MODEL_TYPE, vocab_size=settings["vocab_size"],
                                      is_encoder_decoder=False,
                                      eos_token_id=settings["eos"], pad_token_id=settings["pad"])
        self.generation_config = SimpleNamespace(eos_token_id=settings["eos"], pad_token_id=settings["pad"])
        self.unigrams = unigrams  # [columns, vocab]: smoothed P(token | column)
        # [columns, vocab]: the tokens a column's logits cover (those its values hold, every single
        # character, the end): a step then works on a column's few thousand tokens, not on all
        self.support = support if support is not None else torch.ones(unigrams.shape, dtype=torch.bool)
        self.tables = tables  # "o2".."oN" n-grams, "fields", "position"
        # what each column writes where it learned a rare word (see :mod:`.open_class`)
        self.open = open_slots if open_slots is not None else OpenSlots.none(len(settings["tags"]))
        self.repeats = repeats if repeats is not None else Repeats.none(len(settings["tags"]), settings["vocab_size"])
        self.column_of = {t: i for i, t in enumerate(settings["tags"])}
        self._tag_ids = torch.tensor(settings["tags"], dtype=torch.long)
        self._order = max(settings["orders"], default=1)
        self._names = [f"o{o}" for o in range(2, self._order + 1)] + ["fields", "position"]
        self._fields: dict[tuple, list[int]] = {}
        self._plans: dict[tuple, PromptPlan] = {}  # see :mod:`.word_steps`
        self._supports: dict[tuple, tuple[torch.Tensor, ...]] = {}
        self._places: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}
        self._positions: dict[tuple, Boost] = {}
        self._field_boosts = FieldBoosts(MAX_PLANS)
        self._signature_fields = SignatureFields()
        self._scratch = Scratch()  # each n-gram order's gathered masses, one order at a time
        self._probs, self._shared = Scratch(), Scratch()  # the contexts' n-gram logits, the shared rows' logits
        self._contexts = KeptRows(KEPT_NUMBERS)  # the n-gram logits of the contexts met so far
        self._batch: BatchRows | None = None  # see ``forward``'s batch_rows

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    # -- counting -------------------------------------------------------------------------------

    @classmethod
    def fit(cls, tokenizer, examples: list[tuple[str, list[int]]], tags: list[str], *, min_rows: int,
            by_character: frozenset[str] = frozenset(), prompt_ids: list[list[int]] | None = None) -> WordNGramLM:
        """``examples``: (prompt, target token ids) per real row and column; ``tags`` the columns'
        tag tokens; ``by_character`` the tags of columns written one character at a time;
        ``prompt_ids`` the prompts' token ids, when the caller has them."""
        tag_ids = [tokenizer.convert_tokens_to_ids(t) for t in tags]
        settings = {"vocab_size": len(tokenizer), "eos": tokenizer.eos_token_id, "pad": tokenizer.pad_token_id,
                    "tags": tag_ids, "separator": tokenizer.convert_tokens_to_ids(";"),
                    "orders": [CHAR_ORDER if t in by_character else ORDER for t in tags], "min_rows": min_rows}
        model = cls(settings, torch.zeros(0), {})
        prompts = prompt_ids if prompt_ids is not None else \
            token_ids(tokenizer, [p for p, _ in examples], add_special_tokens=False)
        rows = [(ids, model.column_of[ids[-1]], target) for ids, (_, target) in zip(prompts, examples)
                if ids and ids[-1] in model.column_of]
        # counted in arrays (see .word_counts): each context once per row, so an entry needs min_rows rows;
        # an n-gram context keeps the rows of its left-out entries as pruned mass (see _Table)
        counted = count_contexts([c for _, c, _ in rows], [ids[-1] for ids, _, _ in rows],
                                 prompt_fields([ids for ids, _, _ in rows], [c for _, c, _ in rows],
                                               settings["pad"], settings["separator"]),
                                 [list(t) + [settings["eos"]] for _, _, t in rows], settings["orders"],
                                 len(tags), settings["vocab_size"], MAX_POSITION)
        model.tables = {name: _Table(*counted.kept(name, min_rows, MIN_FIELD_ROWS)) for name in counted.tables}
        unigram = counted.unigram
        totals = unigram.sum(axis=1, keepdims=True)
        smoothed = (unigram + UNIGRAM_FLOOR) / (totals + UNIGRAM_FLOOR * unigram.shape[1])
        model.unigrams = torch.from_numpy(smoothed.astype(np.float32))
        single = np.zeros(unigram.shape[1], dtype=bool)
        special = set(tokenizer.all_special_ids)
        single[[i for t, i in tokenizer.get_vocab().items() if len(t) == 1 and i not in special]] = True
        held = (unigram > 0) | single[None, :]
        held[:, settings["eos"]] = True
        model.support = torch.from_numpy(held)
        return model

    def add_open_class(self, slots: OpenSlots) -> None:
        """Write ``slots``' words where each column learned a rare word: they join its support."""
        self.open = slots
        for column in range(len(self.settings["tags"])):
            self.support[column, torch.from_numpy(slots.tokens_of(column))] = True
        self._supports.clear()
        self._places.clear()

    def _prompt_fields(self, prompt: list[int], column: int) -> list[int]:
        """Hashes of the prompt's fields (separated by ``;``, pads left out), one per position."""
        key = (column, tuple(prompt))
        if key not in self._fields:
            fields, current = [], []
            for token in prompt[:-1]:
                if token == self.settings["pad"]:
                    continue
                if token == self.settings["separator"]:
                    fields.append(current)
                    current = []
                else:
                    current.append(token)
            fields.append(current)
            self._fields[key] = [_hash(column, i, *f) for i, f in enumerate(fields)]
        return self._fields[key]

    # -- logits ---------------------------------------------------------------------------------

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, *, compact: bool = False,
                open_draw: bool = False, batch_rows: torch.Tensor | None = None, shared_rows: bool = False,
                **_) -> SimpleNamespace:
        """Next-token logits after each row of ``input_ids`` (prompt, column tag, tokens written).

        ``compact``: logits over ``support`` only (the tokens the rows' columns cover, returned
        with them), as :mod:`.decoding` asks; else over the whole vocabulary, -inf elsewhere.
        ``open_draw`` (with ``compact``, rows of one column): the support leaves out the
        column's open-class words, each class's unknown-word token standing for them, and
        ``open_draw`` (an :class:`.open_draw.OpenDraw`) says how to draw them.
        ``batch_rows``: the rows of the call's batch these are (the decoding loop's later steps,
        each row its prompt and tokens since): their plans and tags are the ones the call
        without it (the batch's first step) found, not looked up again.
        ``shared_rows`` (with ``compact``): rows of the same logits share one row (``same``:
        each row's; valid to the next call); else one row per row (``same``: its place)."""
        if batch_rows is not None and self._batch is not None:
            batch, rows = self._batch, batch_rows.numpy()
        else:
            batch, rows = BatchRows.of(*self._plans_of(input_ids)), None
            self._batch = batch
        in_batch = np.arange(len(batch.plans)) if rows is None else rows  # each row's place in the batch
        tag_at, column_at = batch.tag_at[in_batch], batch.columns[in_batch]
        ids = input_ids.numpy()
        columns = tuple(np.unique(column_at).tolist())
        support, self._at, unigrams, draw = self._support(columns, open_draw and compact and len(columns) == 1)
        found = {o: self._found(ngram_keys(ids, tag_at, column_at, batch.orders[in_batch], o), f"o{o}")
                 for o in range(2, self._order + 1)}
        lengths = ids.shape[1] - 1 - tag_at
        # rows of one column and contexts share their n-gram probabilities, and those that also
        # share a field signature and a position group all their logits but the repeat lifts:
        # each worked out once (chinook's 115,147 rows and steps: 33,260 contexts, 51,693 shared
        # rows), by the same operations on the same operands as row by row, so to the same bits
        contexts, context_of = distinct(column_at, *(f for f in found.values() if f is not None))
        shared, shared_of = distinct(context_of, batch.signatures[in_batch], batch.groups[in_batch], lengths)
        seen = [column_at[contexts]] + [f[contexts] for f in found.values() if f is not None]
        kept, places = self._contexts.rows(self._at, list(zip(*(k.tolist() for k in seen))),
                                           lambda new: self._ngram_logits(unigrams, column_at[contexts[new]], {
                                               o: None if f is None else f[contexts[new]] for o, f in found.items()}))
        # room past the shared rows for the rows given a lift (see .word_repeats.with_lifts)
        held = self.repeats.held_after(self._at, ids, tag_at, column_at, columns, kept.dtype)
        lifted = np.unique(held[0]) if held is not None and shared_rows and compact else EMPTY
        room = self._shared.take((len(shared) + len(lifted), kept.shape[1]), kept.dtype)
        part = room[: len(shared)]
        torch.index_select(kept, 0, places[torch.from_numpy(context_of[shared])], out=part)
        self._signature_fields.add_to(part, self._at, batch, batch.signatures[in_batch[shared]])
        add_entries(part, self._position_entries(batch, in_batch[shared], lengths[shared], part.dtype))
        if draw is None:
            self.open.apply(part, self._at, torch.from_numpy(column_at[shared]))
        logits, same = with_lifts(room, len(shared), shared_of, held, lifted, shared_rows and compact)
        if draw is not None:  # the last column took the open-class words' entries: dropped
            draw.lift = float(self.repeats.lifts[columns[0]])
            draw.words = self._repeat_words()
            return SimpleNamespace(logits=logits[:, None, :len(support)], support=support, open_draw=draw, same=same)
        if compact:
            return SimpleNamespace(logits=logits[:, None, :].float(), support=support, same=same)
        full = torch.full((len(logits), self.unigrams.shape[1]), float("-inf"))
        full[:, support] = logits.float()
        return SimpleNamespace(logits=full[:, None, :])

    def _ngram_logits(self, unigrams: torch.Tensor, column_at: np.ndarray, found: dict) -> torch.Tensor:
        """log P(token | context) per row (of column ``column_at``, its context's index in each
        order's table ``found``), over the support of ``unigrams``: P_o = s_o + b_o P_(o-1) down to
        the unigram, the backoff weights multiplied first, then each order's discounted counts
        added, scaled by the weights above it. In a reused buffer: the caller gathers from it."""
        n = len(column_at)
        columns = np.unique(column_at)
        # one column (a batch is one column's): its unigrams broadcast, not gathered per row
        base = unigrams[torch.from_numpy(column_at)] if len(columns) > 1 else unigrams[int(columns[0])][None, :]
        scale = torch.ones(n, dtype=base.dtype)
        scales = {}
        for o in range(self._order, 1, -1):
            scales[o] = scale.clone()
            scale = scale * self._backoff(found[o], f"o{o}", n)
        probs = torch.mul(base, scale[:, None], out=self._probs.take((n, base.shape[1]), base.dtype))
        for o in range(2, self._order + 1):
            self._add_masses(probs, found[o], f"o{o}", scales[o])
        return torch.log_(probs)

    def _plans_of(self, input_ids: torch.Tensor) -> tuple[list[PromptPlan], np.ndarray]:
        """Each row's :class:`.word_steps.PromptPlan` and the place of its column tag (its last
        tag: what follows it is the value written so far)."""
        is_tag = torch.isin(input_ids, self._tag_ids)
        if not bool(is_tag.any(dim=1).all()):
            raise ValueError("a word n-gram model reads prompts that end with a column tag")
        tag_at = (is_tag * torch.arange(1, input_ids.shape[1] + 1)).argmax(dim=1).numpy()
        if len(tag_at) and (tag_at == tag_at[0]).all():  # left-padded prompts: every tag in one column
            # each distinct prompt once (a retry repeats its rows' prompts), in the order rows first hold them
            _, first, inverse = np.unique(input_ids[:, : int(tag_at[0]) + 1].numpy(), axis=0, return_index=True,
                                          return_inverse=True)
            order = np.argsort(first)
            prompts = list(map(tuple, input_ids[torch.from_numpy(first[order]), : int(tag_at[0]) + 1].tolist()))
            place = np.argsort(order)[inverse.reshape(-1)]
        else:
            prompts = [tuple(ids[: at + 1]) for ids, at in zip(input_ids.tolist(), tag_at.tolist())]
            place = np.arange(len(prompts))
        if len(self._plans) > MAX_PLANS:  # a table of millions of rows: a few batches' plans suffice
            self._plans.clear()
        self._plan_new([p for p in dict.fromkeys(prompts) if p not in self._plans])
        plans = [self._plans[p] for p in prompts]
        return [plans[i] for i in place.tolist()], tag_at.astype(np.int64)

    def _plan_new(self, prompts: list[tuple[int, ...]]) -> None:
        """The :class:`.word_steps.PromptPlan` of each of ``prompts``, worked out at its first step."""
        if not prompts:
            return
        columns = [self.column_of[p[-1]] for p in prompts]
        fields = [self._prompt_fields(list(p), c) for p, c in zip(prompts, columns)]
        experts = torch.tensor([len(f) + (1 if f else 0) for f in fields])
        weights = FIELD_WEIGHT / experts.clamp(min=1).to(self.unigrams.dtype)
        boosts = self._field_boosts.of(self.tables.get("fields"), self.unigrams, columns, fields, weights, FIELD_SMOOTHING)
        for i, prompt in enumerate(prompts):
            self._plans[prompt] = PromptPlan(columns[i], self.settings["orders"][columns[i]], prompt[-1],
                                             tuple(fields[i]), weights[i], *boosts[i])

    def _support(self, columns: tuple[int, ...], collapse: bool = False) -> tuple:
        """The tokens the ``columns``' logits cover, each token's place among them (-1: none),
        every column's unigrams over them (a row's are then a gather of its support, not of the
        vocabulary), and the :class:`.open_draw.OpenDraw` of the collapsed open classes (None:
        none collapsed).

        ``collapse`` (one column): the words of each open class whose unknown-word token the
        column learned are left out; their entries (written over by the class in the dense
        step) go to one more column past the support, which the logits then drop."""
        key = (columns, collapse)
        if key not in self._supports:
            held = self.support[torch.tensor(columns)].any(dim=0)
            classes = [(s, torch.from_numpy(f), torch.from_numpy(w))
                       for s, f, w in (self.open.classes(columns[0]) if collapse else []) if held[s]]
            for _, forms, _ in classes:
                held[forms] = False
            support = held.nonzero().squeeze(1)
            at = torch.full((self.unigrams.shape[1],), -1, dtype=torch.long)
            at[support] = torch.arange(len(support))
            unigrams = self.unigrams[:, support]
            draw = None
            if classes:
                for _, forms, _ in classes:
                    at[forms] = len(support)
                unigrams = torch.cat([unigrams, torch.ones((len(unigrams), 1), dtype=unigrams.dtype)], dim=1)
                draw = OpenDraw(at[torch.tensor([s for s, _, _ in classes])], tuple(f for _, f, _ in classes),
                                tuple(w for _, _, w in classes), 0.0, self._repeat_words())
            self._supports[key] = (support, at, unigrams, draw)
        return self._supports[key]

    def _repeat_words(self) -> torch.Tensor:
        return torch.from_numpy(self.repeats.words)

    def draws_open_words(self, first_letter: torch.Tensor | None) -> bool:
        """Whether :mod:`.decoding` may draw the open classes in two stages: every open-class word
        starts with a letter (``first_letter`` per token id; None: no rule on letters), so a row
        that may not start a word (after a letter) writes none of them, as its class token barred."""
        return first_letter is None or bool(first_letter[torch.from_numpy(self.open.tokens)].all())

    def _position_entries(self, batch: BatchRows, picked, lengths: np.ndarray, dtype: torch.dtype) -> Entries:
        """The position boosts of the rows ``picked`` of ``batch``, each ``lengths`` tokens into
        its value, as entries: worked out once per position group and position, gathered per row."""
        groups = batch.groups[picked]
        pair = np.where(groups >= 0, groups * (MAX_POSITION + 1) + np.minimum(lengths, MAX_POSITION), -1)
        pairs, choice = np.unique(pair, return_inverse=True)
        boosts = [self._position_boost(batch.leaders[p // (MAX_POSITION + 1)], p % (MAX_POSITION + 1))
                  if p >= 0 else Boost.none() for p in pairs.tolist()]
        return shared_entries(self._at, boosts, choice.reshape(-1), dtype)

    def _position_boost(self, plan: PromptPlan, position: int) -> Boost:
        """The boost of the first field joined with ``position`` (none without fields)."""
        if not plan.fields:
            return Boost.none()
        # the weight follows from the number of fields
        key = (plan.column, plan.fields[0], min(position, MAX_POSITION), len(plan.fields))
        if key not in self._positions:
            self._positions[key] = lifts(self.tables.get("position"), self.unigrams, plan.column,
                                         [_hash(plan.fields[0], key[2])], plan.weight, FIELD_SMOOTHING)
        return self._positions[key]

    def _found(self, keys: np.ndarray, name: str) -> np.ndarray | None:
        """Per row, the index of its context ``keys`` in table ``name`` (-1: unseen, or no key); None without the table."""
        table = self.tables.get(name)
        if table is None:
            return None
        return table.find(keys)

    def _backoff(self, found: np.ndarray | None, name: str, n: int) -> torch.Tensor:
        """The weight of the lower orders per row (see :meth:`.word_table.Table.backoff`), 1 without the table."""
        if found is None:
            return torch.ones(n, dtype=self.unigrams.dtype)
        return self.tables[name].backoff(found, self.unigrams.dtype)

    def _add_masses(self, probs: torch.Tensor, found: np.ndarray | None, name: str, scale: torch.Tensor) -> None:
        """``probs`` (in place) plus table ``name``'s masses (see :meth:`.word_table.Table.add_masses`)."""
        if found is None or not (found >= 0).any():
            return
        table = self.tables[name]
        key = (name, id(self._at))
        if key not in self._places:  # each entry's column in this support, kept with the support
            self._places[key] = (self._at, self._at[torch.from_numpy(table.tokens)])
        table.add_masses(probs, found, scale, self._places[key][1], self._scratch)

    # -- persistence ------------------------------------------------------------------------------

    def save_pretrained(self, path: str | Path, **_) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        tensors = {"unigrams": self.unigrams.contiguous(), "support": self.support.to(torch.uint8).contiguous()}
        for name, table in self.tables.items():
            tensors |= table.tensors(name)
        tensors |= self.open.tensors() | self.repeats.tensors()
        save_file(tensors, str(path / WEIGHTS))
        (path / CONFIG).write_text(json.dumps(self.settings | {"tables": sorted(self.tables)}, indent=1))

    @classmethod
    def from_pretrained(cls, path: str | Path) -> WordNGramLM:
        path = Path(path)
        settings = json.loads((path / CONFIG).read_text())
        tensors = load_file(str(path / WEIGHTS))
        tables = {name: _Table.from_tensors(tensors, name) for name in settings.pop("tables")}
        return cls(settings, tensors["unigrams"], tables, tensors["support"].bool(),
                   OpenSlots.from_tensors(tensors, len(settings["tags"])),
                   Repeats.from_tensors(tensors, len(settings["tags"]), settings["vocab_size"]))


def is_word_ngram(path: str | Path) -> bool:
    return (Path(path) / CONFIG).is_file()


def training_examples(tokenizer, codec, pairs: list[tuple[str, str]]) -> list[tuple[str, list[int]]]:
    """(prompt, target ids) per pair, each value spelled as its column is written."""
    return list(zip((p for p, _ in pairs), codec.encode_pairs(pairs)))


def parameters(model: WordNGramLM) -> int:
    """Numbers the model holds (the report's ``parameters``)."""
    return int(model.unigrams.numel() + sum(2 * len(t.tokens) + len(t.keys) for t in model.tables.values())
               + 2 * len(model.open.tokens))


