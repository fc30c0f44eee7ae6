"""Word realism of one column: are the synthetic values made of real words, as varied as real?

For a list of values and a lexicon (the column's own real words plus the public word list of
:mod:`amalgam_rel.generation.lexicon`):

* **hits**: the share of the values' scored words (words whose script the lexicon covers,
  ``lexicon.scored``) that are in the lexicon;
* **diversity**: the distinct-word rate of the values over that of the reference values, both
  counted on their first ``n`` scored words, ``n`` the smaller of the two counts (a type/token
  rate falls as a sample grows, so both sides are cut to one size), capped at 1;
* **word realism** = hits × diversity. A placeholder (``Artist 02552``: one word, repeated) or
  a short name list drawn over and over hits real words but has few distinct ones, and scores
  low.

Values with no scored word at all (Japanese, Arabic) give ``None``: not scored, not a failure.
The *ceiling* is the same measure on real values only: split in halves (even and odd sample
positions of the split values), the lexicon from the first half's words plus the public list, scored on the second
half against the first half's diversity. Word pairs are adjacent words of one value.

>>> lexicon = frozenset({"rock", "jazz", "blues", "metal"})
>>> real = ["Rock", "Jazz", "Blues", "Heavy Metal"]
>>> m = measure(["Rock", "Rock", "Rock", "Rock"], real, lexicon)
>>> m.hits, round(m.diversity, 3), round(m.realism, 3)
(1.0, 0.25, 0.25)
>>> measure(["東京", "大阪"], real, lexicon) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from amalgam_rel.generation.lexicon import scored, words


@dataclass(frozen=True)
class Measure:
    words: int  # scored words in the measured values
    hits: float
    diversity: float
    realism: float


Words = list[list[str]]  # each value's scored words


def scored_words(values: Iterable[str]) -> Words:
    """Each value's scored words (others dropped), in order."""
    return [[w for w in words(v) if scored(w)] for v in values]


def measure(values: list[str], reference: list[str], public: frozenset[str]) -> Measure | None:
    """Word realism of ``values`` against the ``reference`` values' words plus ``public``."""
    return measure_words(scored_words(values), scored_words(reference), public)


def measure_words(values: Words, reference: Words, public: frozenset[str]) -> Measure | None:
    """:func:`measure` on values already split by :func:`scored_words`."""
    tokens = [w for ws in values for w in ws]
    if not tokens:
        return None
    ref_tokens = [w for ws in reference for w in ws]
    own = set(ref_tokens)
    hits = sum(w in own or w in public for w in tokens) / len(tokens)
    d = diversity(tokens, ref_tokens)
    return Measure(len(tokens), hits, d, hits * d)


def diversity(tokens: list[str], reference: list[str]) -> float:
    """Distinct-word rate of ``tokens`` over ``reference``'s, on equal-size prefixes, capped at 1.

    >>> diversity(["a", "a", "a", "a"], ["a", "b", "c", "d"]), diversity(["a"], [])
    (0.25, 1.0)
    """
    n = min(len(tokens), len(reference))
    if not n:
        return 1.0  # nothing to compare with: diversity says nothing
    rate, ref_rate = len(set(tokens[:n])) / n, len(set(reference[:n])) / n
    return min(1.0, rate / ref_rate)


def ceiling(real: Words, public: frozenset[str]) -> Measure | None:
    """The same measure for real values (split): second half against the first half's words."""
    return measure_words(real[1::2], real[0::2], public)


def pair_share(values: Words, reference: Words) -> float | None:
    """Share of adjacent word pairs of ``values`` that occur in ``reference``; None without pairs.

    >>> pair_share(scored_words(["heavy metal", "heavy rock"]), scored_words(["Heavy Metal"]))
    0.5
    """
    seen = {p for ws in reference for p in zip(ws, ws[1:])}
    pairs = [p for ws in values for p in zip(ws, ws[1:])]
    return sum(p in seen for p in pairs) / len(pairs) if pairs else None


def pair_ceiling(real: Words) -> float | None:
    return pair_share(real[1::2], real[0::2])
