"""Open-class words: what the default text model writes where it learned a rare word.

A word that fewer than k real rows of a column hold is read as an unknown-word token in
training (:mod:`.word_tokenizer`): ``<|unk|>``, or ``<|unk:Aa|>`` / ``<|unk:AA|>`` for a
capitalised / all-capitals one. The n-gram model learns where such a word goes (after
``Feat.``, in a city name) and how often, and its case; it never writes the token. Without
more, that mass was dropped, and a column of mostly one-row words (artists, album titles, city
names) was written from its few shared words, over and over.

This is the classic open-vocabulary class: the mass a context gives an unknown-word token goes
to public words, in the token's case. A rare word of the column that a public list has is one
of them, as spelled (``Stranger`` in a column of song titles: a word of its domain), in
proportion to the rows that hold it; as often as the column's rare words are in no list, the
mass goes to public words of its languages that the column does not already write, each in
proportion to its public frequency (``<|unk:Aa|>`` -> ``Night``). Those words are the
:data:`~.lexicon.COMMON_WORDS` most common of each language (wordfreq's lists): a few thousand
tokens per language and case, which the column's constraint may then write. A word of fewer
than k rows that no list has is never among them, and the saved model holds public words only.

>>> values = ["The Long Night Zorvak", "Love Song Qwelp", "Noite Feliz Blix", "Amor Perfeito Quorr"]
>>> column_languages(values)
{'en': 0.555556, 'pt': 0.444444}
>>> slots = open_class(values, frozenset({"The", "Night", "Love", "Amor"}), min_rows=2)
>>> set(slots.shapes), len(slots.forms), "House" in slots.forms, "Song" in slots.forms, "Zorvak" in slots.forms
({'Aa'}, 206, True, True, False)
>>> "Night" in slots.forms  # a word the n-grams count is theirs
False
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from amalgam_rel.generation.lexicon import LANGUAGES, common_words, is_public, scored
from amalgam_rel.generation.word_units import CASE_SHAPES, case_shape, is_spaced_letter, letter_units, shaped, units

#: a language is the column's where at least this share of its words is most common in it
MIN_LANGUAGE_SHARE = 0.1
MAX_LANGUAGES = 3
#: common words per row that holds a rare word of a case shape, in that shape (at most
#: :data:`~.lexicon.COMMON_WORDS` per language): a column's slots need a few times as many words
#: as the real rare words they stand for, and every word more widens each decoding step (chinook's
#: track names: 2,000 such rows of 3,503, almost all capitalised; sized on all rows, each shape
#: held 6,000 words, the support of a step doubled)
WORDS_PER_RARE_ROW = 8
MIN_WORDS = 200
#: the common words' mass in a rare word's slot, over that of the column's own rare public
#: words: those are mostly words of one row, and written at their own rate alone each came up
#: about once more, the column writing fewer distinct words than real values hold (chinook's
#: albums, artists: diversity 0.70 and 0.73 of real; 0.89 and 0.94 with common words as often)
NEW_WORDS = 1.0
#: common words are weighted by their public frequency to this power, flatter than in the
#: language: at its own rate the likeliest of a few thousand words ("time") came up most often
FREQUENCY_POWER = 0.5
#: the most common words of a language are its closed class (articles, pronouns, prepositions:
#: "que", "the", "para"): a rare word's slot holds a name or a content word, never one of them
CLOSED_CLASS = 150
#: words never put into an open class: wordfreq's common words hold profanity and slurs, and a
#: column of album titles read "Fuck Symphony". No package of such lists is installed, so these
#: are the common ones of the lexicon's languages: a stem bars every word it starts, a word only
#: itself (short ones, or ones other words start with: "cum" / "cumulative").
OFFENSIVE_STEMS = (
    "fuck", "shit", "cunt", "bitch", "whore", "nigg", "fagg", "porn", "dick", "cock", "pussy",
    "asshole", "bastard", "retard", "dildo", "masturb", "orgasm", "penis", "vagina", "boob", "blowjob",
    "scheiß", "scheiss", "arschloch", "wichs", "fotze", "merde", "putain", "salope", "connard", "enculé",
    "puta", "mierda", "joder", "pendej", "cabrón", "gilipoll", "caralh", "buceta", "cazz", "stronz",
    "vaffancul", "minchi", "kurw", "pierdol", "jeba", "chuj", "хуй", "пизд", "ебат", "ебан", "бляд", "orospu",
    "neuk", "fitta", "kusipää", "vittu", "πουτάν", "γαμ",
)
OFFENSIVE_WORDS = frozenset({
    "cum", "tits", "anal", "sex", "sexy", "slut", "sluts", "slutty", "rape", "raped", "nazi", "fick", "ficken", "hure", "arsch", "bite",
    "coño", "porra", "foda", "merda", "kut", "lul", "kuk", "sik", "amk", "бля", "piča", "kurac", "jebem",
})


@dataclass(frozen=True)
class OpenClass:
    """One column's open-class words: each form (a public word in a case shape), its shape, and
    its probability among the forms of its shape (those of a shape sum to 1)."""

    forms: tuple[str, ...]
    shapes: tuple[str, ...]  # per form
    weights: tuple[float, ...]  # per form

    def __post_init__(self):
        if not len(self.forms) == len(self.shapes) == len(self.weights):
            raise ValueError("an open class needs a shape and a weight per form")


def column_languages(values: Iterable[str]) -> dict[str, float]:
    """The languages of a column's words and their shares (summing to 1; empty: none found).

    Each distinct word (case folded) counts for the language whose common-word list ranks it
    highest; languages holding at least :data:`MIN_LANGUAGE_SHARE` of the counted words, at most
    :data:`MAX_LANGUAGES`, share the column."""
    rank = _ranks()
    counted: Counter[str] = Counter()
    for word in {u.lower() for v in values for u in letter_units(v)}:
        best = rank.get(word)
        if best is not None:
            counted[best] += 1
    total = sum(counted.values())
    # ties broken by the language's code, not by Counter order: that follows the iteration order
    # of a set of strings, which changes with PYTHONHASHSEED (northwind's text differed per process)
    ranked = sorted(counted.items(), key=lambda c: (-c[1], c[0]))
    chosen = [(lang, n) for lang, n in ranked if n >= MIN_LANGUAGE_SHARE * total][:MAX_LANGUAGES]
    kept = sum(n for _, n in chosen)
    return {lang: round(n / kept, 6) for lang, n in chosen}


@lru_cache(maxsize=1)
def _ranks() -> dict[str, str]:
    """Each common word -> the language that ranks it highest (the first of :data:`LANGUAGES` on a tie)."""
    best: dict[str, tuple[int, int, str]] = {}
    for order, language in enumerate(LANGUAGES):
        for rank, (word, _) in enumerate(common_words()[language]):
            if word not in best or (rank, order) < best[word][:2]:
                best[word] = (rank, order, language)
    return {w: lang for w, (_, _, lang) in best.items()}


def rare_shapes(values: Iterable[str], words: frozenset[str], min_rows: int) -> dict[str, int]:
    """The case shapes of the words outside ``words`` (the column's vocabulary) that at least
    ``min_rows`` rows hold (the unknown-word tokens the model learns often enough to place),
    each with the number of rows that hold such a word."""
    rows: Counter[str] = Counter()
    for value in values:
        rows.update({case_shape(u) for u in letter_units(value) if u not in words and is_spaced_letter(u[0])})
    return {s: rows[s] for s in CASE_SHAPES if rows[s] >= min_rows}


def offensive(word: str) -> bool:
    """Whether a (lowercase) public word is profanity or a slur: never an open-class word.

    >>> offensive("fucking"), offensive("cum"), offensive("cumulative"), offensive("night")
    (True, True, False, False)
    """
    return word in OFFENSIVE_WORDS or word.startswith(OFFENSIVE_STEMS)


def rare_words(values: Iterable[str], words: frozenset[str], min_rows: int) -> tuple[Counter[str], Counter[str]]:
    """The rare words of a column (spaced-script words outside ``words``, the words its n-grams
    count): the public ones that fewer than ``min_rows`` rows hold, as spelled, each with its
    rows; and per case shape the others, counted once per row."""
    rare_rows: list[set[str]] = [{u for u in letter_units(v) if u not in words and is_spaced_letter(u[0])}
                                 for v in values]
    rows = Counter(u for rare in rare_rows for u in {r.lower() for r in rare})
    public: Counter[str] = Counter()
    unlisted: Counter[str] = Counter()
    for rare in rare_rows:
        listed = {u for u in rare if rows[u.lower()] < min_rows and is_public(u)}
        public.update(listed)
        unlisted.update(case_shape(u) for u in rare - listed)
    return public, unlisted


def open_class(values: list[str], words: frozenset[str], min_rows: int) -> OpenClass | None:
    """The open class of a column (``values``: its real values; ``words``: the words its
    n-grams count); None where it has no rare words of a shape that ``min_rows`` rows hold.

    A rare word of a shape is a public word of the column's own (the column's ``Stranger``,
    ``Garage``: words of its domain, as spelled) in proportion to the rows that hold each, or
    one of the likeliest common words of its languages (each language weighted by its share),
    :data:`WORDS_PER_RARE_ROW` per row that holds a rare word: as often as the column's rare
    words are in no list, and :data:`NEW_WORDS` times as often as they are its own."""
    shapes = rare_shapes(values, words, min_rows)
    if not shapes:
        return None
    own, unlisted = rare_words(values, words, min_rows)
    common = _common_weights(values, words | frozenset(own))
    forms, form_shapes, weights = [], [], []
    for shape, rows in shapes.items():
        mine = sorted((f, float(n)) for f, n in own.items() if case_shape(f) == shape)
        fresh = unlisted[shape] + NEW_WORDS * sum(n for _, n in mine)
        likeliest = sorted(common[:max(MIN_WORDS, WORDS_PER_RARE_ROW * rows)])
        # a form must read back as the one public word it stands for ("ß" in capitals is "SS")
        spelled = [(shaped(w, shape), p) for w, p in likeliest]
        spelled = [(f, p) for (f, p), (w, _) in zip(spelled, likeliest)
                   if units(f) == [f] and f.lower() == w and scored(f) and f not in own]
        share = sum(p for _, p in spelled)
        chosen = mine + ([(f, fresh * p / share) for f, p in spelled] if share and fresh else [])
        total = sum(p for _, p in chosen)
        forms += [f for f, _ in chosen]
        form_shapes += [shape] * len(chosen)
        weights += [p / total for _, p in chosen]
    return OpenClass(tuple(forms), tuple(form_shapes), tuple(weights)) if forms else None


def _common_weights(values: list[str], known: frozenset[str]) -> list[tuple[str, float]]:
    """The common words (lowercase) of the column's languages that it does not know, likeliest
    first, each with its weight (the languages' shares times the public frequencies, to the
    power :data:`FREQUENCY_POWER`; empty: no language found)."""
    known = {w.lower() for w in known}
    weight: dict[str, float] = {}
    for language, share in column_languages(values).items():
        listed = [(w, f) for w, f in common_words()[language][CLOSED_CLASS:]
                  if len(w) > 1 and w not in known and not offensive(w)]
        total = sum(f for _, f in listed)
        for w, f in listed:
            weight[w] = weight.get(w, 0.0) + share * f / total
    return [(w, p ** FREQUENCY_POWER) for w, p in sorted(sorted(weight.items()), key=lambda item: -item[1])]


class OpenSlots:
    """The open classes as a :class:`.word_ngram.WordNGramLM` holds them: per column (in the
    model's order) its open-class token ids, the unknown-word token each takes its mass from,
    and its log weight; ``starts[c]:starts[c + 1]`` are column ``c``'s entries."""

    def __init__(self, starts: np.ndarray, tokens: np.ndarray, sources: np.ndarray, weights: np.ndarray):
        self.starts, self.tokens, self.sources, self.weights = starts, tokens, sources, weights
        self._places: dict[tuple, tuple] = {}

    @classmethod
    def none(cls, columns: int) -> OpenSlots:
        empty = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(columns + 1, dtype=np.int64), empty, empty, np.zeros(0, dtype=np.float32))

    @classmethod
    def of(cls, tokenizer, tags: list[str], classes: Mapping[str, OpenClass], unk_of_shape: Mapping[str, str]):
        """Each tag's :class:`OpenClass` (a tag without one has none) as token ids."""
        vocab = tokenizer.get_vocab()
        starts, tokens, sources, weights = [0], [], [], []
        for tag in tags:
            found = classes.get(tag)
            if found is not None:
                tokens += [vocab[f] for f in found.forms]
                sources += [vocab[unk_of_shape[s]] for s in found.shapes]
                weights += list(found.weights)
            starts.append(len(tokens))
        return cls(np.array(starts, dtype=np.int64), np.array(tokens, dtype=np.int64),
                   np.array(sources, dtype=np.int64), np.log(np.array(weights, dtype=np.float64)).astype(np.float32))

    def tokens_of(self, column: int) -> np.ndarray:
        return self.tokens[self.starts[column]:self.starts[column + 1]]

    def classes(self, column: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Column ``column``'s open classes: (unknown-word token, its words, their log weights),
        by token (what :mod:`.open_draw` draws in two stages)."""
        lo, hi = self.starts[column], self.starts[column + 1]
        sources = self.sources[lo:hi]
        return [(int(s), self.tokens[lo:hi][sources == s], self.weights[lo:hi][sources == s])
                for s in np.unique(sources)]

    def apply(self, logits: torch.Tensor, at: torch.Tensor, columns: torch.Tensor) -> None:
        """``logits`` (rows over the support whose places ``at`` gives; in place): each open-class
        token of a row's column gets the logit of its unknown-word token plus its log weight."""
        if not len(self.tokens):
            return
        for column in torch.unique(columns).tolist():
            groups = self._place(column, at)
            if not groups:
                continue
            whole = bool((columns == column).all())  # the usual batch: one column's rows
            rows = None if whole else (columns == column).nonzero().squeeze(1)
            part = logits if whole else logits.index_select(0, rows)
            for source, cols, weights in groups:  # one write per unknown-word token
                part.index_copy_(1, cols, part[:, source, None] + weights[None, :])
            if not whole:
                logits.index_copy_(0, rows, part)

    def _place(self, column: int, at: torch.Tensor) -> list[tuple[int, torch.Tensor, torch.Tensor]]:
        """Column ``column``'s entries as places in the support (kept per support), grouped by
        their unknown-word token: (its place, the entries' places, their log weights)."""
        key = (column, id(at))
        if key not in self._places:
            lo, hi = self.starts[column], self.starts[column + 1]
            cols = at[torch.from_numpy(self.tokens[lo:hi])]
            sources = at[torch.from_numpy(self.sources[lo:hi])]
            weights = torch.from_numpy(self.weights[lo:hi])
            groups = []
            for source in torch.unique(sources).tolist():
                chosen = (sources == source) & (cols >= 0)
                if source >= 0 and bool(chosen.any()):  # an unknown-word token the column never learned: no mass
                    groups.append((source, cols[chosen], weights[chosen]))
            self._places[key] = groups
            self._places[(key, "at")] = at  # keeps ``at`` alive: its id stays its own
        return self._places[key]

    def tensors(self) -> dict[str, torch.Tensor]:
        return {f"open.{name}": torch.from_numpy(getattr(self, name))
                for name in ("starts", "tokens", "sources", "weights")}

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, torch.Tensor], columns: int) -> OpenSlots:
        """The saved open classes; none in a model saved before they were kept."""
        if "open.starts" not in tensors:
            return cls.none(columns)
        return cls(*(tensors[f"open.{name}"].numpy() for name in ("starts", "tokens", "sources", "weights")))
