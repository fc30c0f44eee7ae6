"""Words said twice in one value: as rare in generated text as in the column's real values.

An n-gram of two tokens of history cannot see the word three tokens back, and the row's field
boosts lift the same words at every step: after ``Feat. `` the model does not know it just
wrote ``Feat``, and chinook's artists came out as ``Santana Feat. Feat. Feat.``, its albums as
``[Disc 1] [Disc 2] [Disc 1`` (a word the value already held: 6.5% of the artists' words, 1.5%
of the real ones'). On real prefixes the model repeats about as often as real values do; the
loops start in its own, most where generation makes it write on to the row's length. So
:class:`Repeats` lets the fitted model write values for some real rows of each column (from a
fixed seed, in whole words and to about the row's length, as generation writes: see
:class:`Writing`) and compares the share of their words
that repeat one the value already holds with the real share; where the model repeats more, a
word the value already holds has its probability multiplied by the ratio (a lift below 1, as
the model's other counted lifts are applied, see :mod:`.word_ngram`). A column whose model
repeats no more than its real values is left as it is.

>>> round(float(np.exp(lift(real=(1, 99), generated=(9, 99)))), 3)  # 2% real, 10% generated (one repeat more)
0.2
>>> float(lift(real=(9, 99), generated=(1, 99)))  # repeating less than real: left alone
0.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain

import numpy as np
import torch

from amalgam_rel.generation.token_draw import draw as draw_token
from amalgam_rel.generation.word_units import is_letter_unit

#: real rows per column whose values are counted and whose prompts the model writes for
CALIBRATION_ROWS = 300
SEED = 0


def lift(real: tuple[int, int], generated: tuple[int, int]) -> np.float32:
    """The log-lift of repeating a word, from (repeats, words after the first) of the real and
    the generated values: the ratio of the rates, each with one repeat more (a column of few
    words moves little), at most 1."""
    rate = [(r + 1) / (n + 1) for r, n in (real, generated)]
    return np.float32(min(0.0, np.log(rate[0] / rate[1])))


def word_tokens(tokenizer, size: int) -> np.ndarray:
    """Per token id: a word of two letters or more (what :class:`Repeats` watches)."""
    words = np.zeros(size, dtype=bool)
    special = set(tokenizer.all_special_ids)
    words[[i for t, i in tokenizer.get_vocab().items()
           if len(t) > 1 and is_letter_unit(t) and i not in special]] = True
    return words


def repeats_in(sequences: list[list[int]], words: np.ndarray) -> tuple[int, int]:
    """(words that repeat one their value already holds, words after their value's first)."""
    repeated = later = 0
    for sequence in sequences:
        held: set[int] = set()
        for token in sequence:
            if token < len(words) and words[token]:
                if held:
                    later += 1
                    repeated += token in held
                held.add(token)
    return repeated, later


EMPTY = np.zeros(0, dtype=np.int64)


class Repeats:
    """Per column its repeat log-lift (0: none), and per token id whether it is a word."""

    def __init__(self, lifts: np.ndarray, words: np.ndarray):
        self.lifts, self.words = lifts.astype(np.float32, copy=False), words.astype(bool, copy=False)

    @classmethod
    def none(cls, columns: int, vocab: int) -> Repeats:
        return cls(np.zeros(columns, dtype=np.float32), np.zeros(vocab, dtype=bool))

    @classmethod
    def calibrated(cls, model, examples: list[tuple[list[int], int, list[int]]], words: np.ndarray,
                   barred: list[int], writing: Writing | None = None, lengths: list[int] | None = None) -> Repeats:
        """The lifts of ``model`` (without repeat lifts) from ``examples``: (prompt ids, column,
        target ids) per real row, the first :data:`CALIBRATION_ROWS` of each column; ``barred``
        the token ids the model never writes (unknown words, tags); ``writing``: how generation
        writes, ``lengths`` the characters of each row's real value (without: token by token,
        ending where the model ends)."""
        by_column: dict[int, list[tuple[list[int], list[int], int]]] = {}
        for i, (prompt, column, target) in enumerate(examples):
            taken = by_column.setdefault(column, [])
            if len(taken) < CALIBRATION_ROWS:
                taken.append((prompt, list(target), 0 if lengths is None else lengths[i]))
        lifts = np.zeros(len(model.settings["tags"]), dtype=np.float32)
        generator = torch.Generator().manual_seed(SEED)
        for column, rows in sorted(by_column.items()):
            real = repeats_in([t for _, t, _ in rows], words)
            if not real[1]:
                continue  # values of one word: nothing to repeat
            longest = max(len(t) for _, t, _ in rows) + 1
            floors = [0 if writing is None else writing.floor(n) for _, _, n in rows]
            written = _write(model, [p for p, _, _ in rows], 2 * longest, barred, generator, writing, floors)
            lifts[column] = lift(real, repeats_in(written, words))
        return cls(lifts, words)

    def apply(self, logits: torch.Tensor, at: torch.Tensor, columns: list[int], histories: list[list[int]] | None = None,
              *, flat: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """``logits`` (in place, over the support whose places ``at`` gives): each word a row's
        value already holds gets its column's log-lift. ``flat``: the histories as (row, token)
        of every token, row by row, in place of ``histories``."""
        self.add(logits, self.held(at, columns, flat if flat is not None else _flat(histories), logits.dtype))

    def held(self, at: torch.Tensor, columns: list[int], flat: tuple[np.ndarray, np.ndarray],
             dtype: torch.dtype) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """What :meth:`apply` adds: (row, column of the support, lift) of each word a row's value
        holds (``flat``: see :meth:`apply`), rows ascending."""
        if not self.lifts[sorted(set(columns))].any():  # the batch's columns repeat as real ones do
            return EMPTY, torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=dtype)
        rows, tokens = _held_words(flat, self.words, self.lifts[np.asarray(columns, dtype=np.int64)] != 0)
        places = at[torch.from_numpy(tokens)]
        kept = places >= 0
        values = torch.from_numpy(self.lifts[np.asarray(columns, dtype=np.int64)[rows]]).to(dtype)
        return rows[kept.numpy()], places[kept], values[kept]

    def held_after(self, at: torch.Tensor, ids: np.ndarray, tag_at: np.ndarray, column_at: np.ndarray,
                   columns: tuple[int, ...], dtype: torch.dtype) -> tuple | None:
        """:meth:`held` of each row of ``ids`` (its tokens after its column tag at ``tag_at``,
        read in place; its column ``column_at``), None where ``columns`` have no lift."""
        if not self.lifts[list(columns)].any():
            return None
        written = np.arange(ids.shape[1])[None, :] > tag_at[:, None]
        return self.held(at, column_at.tolist(), (np.nonzero(written)[0], ids[written]), dtype)

    @staticmethod
    def add(logits: torch.Tensor, held: tuple[np.ndarray, torch.Tensor, torch.Tensor],
            rows: np.ndarray | None = None) -> None:
        """``logits`` (in place) plus the lifts ``held`` (see :meth:`held`), each row's into
        ``logits``' row ``rows[row]`` (None: the row itself)."""
        at, places, values = held
        if len(at):
            into = torch.from_numpy(at if rows is None else rows[at])
            logits.index_put_((into, places), values, accumulate=True)

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"repeat.lifts": torch.from_numpy(self.lifts), "repeat.words": torch.from_numpy(self.words)}

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, torch.Tensor], columns: int, vocab: int) -> Repeats:
        """The saved lifts; none in a model saved before they were counted."""
        if "repeat.lifts" not in tensors:
            return cls.none(columns, vocab)
        return cls(tensors["repeat.lifts"].numpy(), tensors["repeat.words"].numpy())



def with_lifts(room: torch.Tensor, shared: int, shared_of: np.ndarray, held: tuple | None, lifted: np.ndarray,
               shared_rows: bool) -> tuple[torch.Tensor, np.ndarray]:
    """(the logits, the row of them each row reads) of a step whose rows share the first
    ``shared`` rows of ``room`` (row ``r`` the row ``shared_of[r]``), each row's lifts ``held``
    (see :meth:`Repeats.held`; None: none) added: one row per row, or (``shared_rows``) the
    shared rows themselves, then a row of its own for each row given a lift (``lifted``, in
    the room past the shared rows), the others still sharing theirs."""
    part = room[:shared]
    if not shared_rows:
        logits = torch.index_select(part, 0, torch.from_numpy(shared_of))
        if held is not None:
            Repeats.add(logits, held)
        return logits, np.arange(len(shared_of))
    if not len(lifted):
        return part, shared_of
    same = shared_of.copy()
    same[lifted] = shared + np.arange(len(lifted))
    torch.index_select(part, 0, torch.from_numpy(shared_of[lifted]), out=room[shared:])
    Repeats.add(room, held, same)
    return room, same


@dataclass(frozen=True)
class Writing:
    """How generation writes a column's values, for :class:`Repeats` to write as it does: whole
    words (a :class:`.word_model.WordJoins`), and no end before about the row's length (the
    characters each token id spells: ``token_chars``). A draw the model would end early writes
    on there, and that is where it repeats (chinook's artists: 2.1% of the words repeat one
    the value holds, 1.0% of real ones'; written without the floor, the model repeated no more
    than real values and no lift was set)."""

    joins: object
    token_chars: torch.Tensor

    @staticmethod
    def floor(length: int) -> int:
        """The characters a draw for a value of ``length`` writes before it may end (as
        generation's retries ask: within 10%, at least one character)."""
        return max(0, int(np.ceil(length - max(1.0, 0.1 * length))))


def _write(model, prompts: list[list[int]], steps: int, barred: list[int], generator,
           writing: Writing | None = None, floors: list[int] | None = None) -> list[list[int]]:
    """The tokens ``model`` writes after each prompt, up to the end or ``steps`` tokens; with
    ``writing``, in whole words and not ending before ``floors[i]`` characters.

    A model without repeat lifts yet (the one being calibrated) draws its open-class words in
    two stages, as decoding does (:mod:`.open_draw`): nothing here bars a word of a class but
    the joins, which bar the whole class after a letter, so the class's mass is whole."""
    pad, eos = model.settings["pad"], model.settings["eos"]
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    written: list[list[int]] = [[] for _ in prompts]
    chars = torch.zeros(len(prompts), dtype=torch.long)
    state = writing.joins.start(len(prompts)) if writing is not None else None
    alive = list(range(len(prompts)))
    collapse = getattr(model, "draws_open", False) and not model.repeats.lifts.any() and \
        model.draws_open_words(writing.joins.first_letter if writing is not None else None)
    for step in range(steps):
        # the word model: open classes collapsed, and told which rows of its first call these are
        extra = {"open_draw": True} | ({"batch_rows": torch.tensor(alive)} if step else {}) if collapse else {}
        out = model(ids, compact=True, **extra)
        logits = out.logits[:, -1, :]
        draw = getattr(out, "open_draw", None)
        classes = logits[:, draw.cols] + draw.log_mass(1.0).to(logits.dtype) if draw is not None else None
        logits[:, torch.isin(out.support, torch.tensor(barred))] = float("-inf")
        alive_ids = torch.tensor(alive)
        if draw is not None:  # each class at its whole mass, where a word may start
            after = state["letter"][alive_ids] | state["glued"][alive_ids] if writing is not None else \
                torch.zeros(len(alive), dtype=torch.bool)
            logits[:, draw.cols] = torch.where(after[:, None], float("-inf"), classes)
        if writing is not None:
            end = (out.support == eos).nonzero().squeeze(1)
            early = chars[alive_ids] < torch.tensor([floors[i] for i in alive])
            logits[early[:, None] & (out.support == eos)[None, :]] = float("-inf")
            logits = writing.joins.bar(logits, state, alive_ids, end, support=out.support)
        # one uniform number per row against the cumulative probabilities, as decoding draws
        # (torch.multinomial drew an exponential per token: 1.7 s of chinook's 5 s fit)
        picked = draw_token(torch.softmax(logits.double(), dim=-1), generator)
        tokens = out.support[picked]
        if draw is not None:
            _open_words(tokens, picked, draw, generator)
        if writing is not None:
            writing.joins.advance(state, alive_ids, tokens)
            chars[alive_ids] += writing.token_chars[tokens]
        going = []
        for i, token in enumerate(tokens.tolist()):
            if token != eos:
                written[alive[i]].append(token)
                going.append(i)
        if not going:
            break
        keep = torch.tensor(going)
        ids = torch.cat([ids[keep], tokens[keep, None]], dim=1)
        alive = [alive[i] for i in going]
    return written


def _open_words(tokens: torch.Tensor, picked: torch.Tensor, draw, generator) -> None:
    """``tokens`` (in place): where a row drew an open class's column, one of its words."""
    classes = torch.full_like(picked, -1)
    for c, col in enumerate(draw.cols.tolist()):
        classes[picked == col] = c
    rows = (classes >= 0).nonzero().squeeze(1)
    if len(rows):
        tokens[rows] = draw.propose(classes[rows], torch.rand(len(rows), dtype=torch.float64, generator=generator), 1.0)


def _flat(histories: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(row, token) of every token of ``histories``, row by row."""
    lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
    flat = np.fromiter(chain.from_iterable(histories), dtype=np.int64, count=int(lengths.sum()))
    return np.repeat(np.arange(len(histories)), lengths), flat


def _held_words(histories: tuple[np.ndarray, np.ndarray], words: np.ndarray,
                lifted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, token) of each distinct word token each ``lifted`` row's history (``histories``:
    (row, token) of every token, see :func:`_flat`) holds, by row then token: the words a row's
    value already holds, found in one pass of numpy over the batch."""
    row, flat = histories
    is_word = flat < len(words)
    is_word[is_word] = words[flat[is_word]]
    chosen = is_word & lifted[row]
    pairs = np.sort(row[chosen] * len(words) + flat[chosen])
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    return pairs // max(1, len(words)), pairs % max(1, len(words))
