"""The formats a column's real phone numbers and postcodes are written in, as masks, and values made from them.

Faker writes a phone in its locale's formats (``(807) 666-8548 x549``); a database writes its
own (``+1 (780) 428-9482``, ``030-0074321``). A *mask* is a value with each digit replaced by
``#`` and, in a postcode, each capital letter by ``?``: separators, other letters and a leading
``+country code`` stay as they are (``+1 (###) ###-####``, ``?#? #?#``). At fit time
:func:`learn_formats` counts the masks of the real values, overall and per value of the row's
locale column (its country), and keeps only masks at least :data:`K` distinct real values share:
a mask one value alone has could identify it. At sample time :func:`fill_formats` draws a mask
per row (its country's, else the column's) by frequency and fills it with random digits and
letters: the format is the database's, the value is nobody's.

>>> mask("+55 (12) 3923-5555"), mask("H2G 1A7", letters=True), mask("030-0074321")
('+55 (##) ####-####', '?#? #?#', '###-#######')
>>> formats = learn_formats(["+1 (780) 428-9482", "+1 (403) 262-3443", "+47 22 44 22 22"], ["CA", "CA", "NO"])
>>> [(m.masks, m.counts, m.origin) for m in formats]
[(('+1 (###) ###-####',), (2,), None), (('+1 (###) ###-####',), (2,), 'CA')]
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

K = 2  # distinct real values a mask must be shared by to be kept
DIGIT, LETTER = "#", "?"
MAX_MASKS = 40  # most frequent masks kept per set
MAX_ORIGINS = 300  # most frequent locale values (countries) given their own masks
_CALLING_CODE = re.compile(r"^\+\d{1,3}(?=\D)")  # +1, +44, +420 before a separator (not a whole number)
_ELSEWHERE = "\0elsewhere"  # the set of rows whose origin has no masks of its own
_LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
_DIGITS = np.array(list("0123456789"))


@dataclass(frozen=True)
class Masks:
    """Masks real values share, with the number of real rows written in each; ``origin``: the
    value of the locale column (``Brazil``) of the rows they were read from, None for all rows."""

    masks: tuple[str, ...]
    counts: tuple[int, ...]
    origin: str | None = None

    def __post_init__(self):
        if not self.masks or len(self.masks) != len(self.counts) or min(self.counts) < 1:
            raise ValueError("format masks need one positive count each")


def mask(value: str, *, letters: bool = False) -> str:
    """``value``'s mask: digits as ``#`` (a leading ``+country code`` kept), capital letters as
    ``?`` where ``letters`` (postcodes), everything else as it is."""
    head = m.group(0) if (m := _CALLING_CODE.match(value)) else ""
    body = re.sub(r"\d", DIGIT, value[len(head):])
    return head + (re.sub(r"[A-Z]", LETTER, body) if letters else body)


def learn_formats(values: Sequence[object], origins: Sequence[object] | None = None, *, letters: bool = False,
                  min_cover: float = 0.0) -> tuple[Masks, ...]:
    """The column's masks (first, ``origin`` None) and each origin's where it has any, from the
    non-NULL ``values`` (``origins[i]``: row ``i``'s locale value); () where no mask is shared by
    :data:`K` distinct values or the shared ones cover under ``min_cover`` of the values (a
    postcode column of free text). A value holding ``#`` or ``?`` itself is not read."""
    rows = [(str(v), None if origins is None or origins[i] is None else str(origins[i]))
            for i, v in enumerate(values) if v is not None and not {DIGIT, LETTER} & set(str(v))]
    masked = [(mask(v, letters=letters), v, o) for v, o in rows]
    overall = _shared((m, v) for m, v, _ in masked)
    if overall is None or sum(overall.counts) < min_cover * len(masked):
        return ()
    by_origin: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for m, v, o in masked:
        if o is not None:
            by_origin[o].append((m, v))
    biggest = sorted(by_origin, key=lambda o: (-len(by_origin[o]), o))[:MAX_ORIGINS]
    groups = [_shared(by_origin[o], o) for o in sorted(biggest)]
    return (overall, *(g for g in groups if g is not None))


def _shared(pairs, origin: str | None = None) -> Masks | None:
    """The masks of ``(mask, value)`` pairs that :data:`K` distinct values share, most rows first."""
    rows: Counter[str] = Counter()
    distinct: dict[str, set[str]] = defaultdict(set)
    for m, v in pairs:
        rows[m] += 1
        distinct[m].add(v)
    kept = sorted((m for m in rows if len(distinct[m]) >= K), key=lambda m: (-rows[m], m))[:MAX_MASKS]
    return Masks(tuple(kept), tuple(rows[m] for m in kept), origin) if kept else None


def fill_formats(formats: Sequence[Masks], origins: Sequence[object] | None, n: int,
                 rng: np.random.Generator) -> list[str]:
    """``n`` values, row ``i`` from a mask of its origin's set (``origins[i]``), else of the
    column's (without its ``+country code`` where the row has an origin: another country's code
    would be wrong), drawn by frequency and filled with random digits and capital letters.

    >>> fill_formats([Masks(("(###) ###-####",), (3,))], None, 2, np.random.default_rng(0))
    ['(300) 018-6956', '(976) 559-2860']
    """
    sets = {m.origin: m for m in formats}
    order = sorted(sets, key=lambda k: (k is not None, k or ""))  # the column's set first
    sets[_ELSEWHERE] = _without_calling_codes(sets[None])
    order.append(_ELSEWHERE)
    index = {k: i for i, k in enumerate(order)}
    overall = index[None]
    keys = np.fromiter((overall if origins is None or origins[i] is None else index.get(str(origins[i]), index[_ELSEWHERE])
                        for i in range(n)), np.int64, n)
    templates = sorted({m for masks in sets.values() for m in masks.masks})
    number = {m: j for j, m in enumerate(templates)}
    chosen = np.empty(n, dtype=np.int64)
    for i, key in enumerate(order):
        rows = np.flatnonzero(keys == i)
        weights = np.asarray(sets[key].counts, dtype=float)
        ids = np.array([number[m] for m in sets[key].masks])
        chosen[rows] = ids[rng.choice(len(ids), size=len(rows), p=weights / weights.sum())]
    out = np.empty(n, dtype=object)
    for j, template in enumerate(templates):
        rows = np.flatnonzero(chosen == j)
        out[rows] = _filled(template, len(rows), rng)
    return out.tolist()


def _without_calling_codes(masks: Masks) -> Masks:
    """``masks`` with their ``+country code`` taken off (counts of masks then alike merged): for a
    row of a country without masks of its own, whose code the column's most frequent ones are not.

    >>> _without_calling_codes(Masks(("+1 (###) ###-####", "(###) ###-####", "+49 ### ####"), (5, 2, 1))).masks
    ('(###) ###-####', '### ####')
    """
    counts: Counter[str] = Counter()
    for m, c in zip(masks.masks, masks.counts):
        counts[_CALLING_CODE.sub("", m).lstrip()] += c
    kept = sorted((m for m in counts if m), key=lambda m: (-counts[m], m))
    return Masks(tuple(kept), tuple(counts[m] for m in kept), _ELSEWHERE) if kept else masks


def _filled(template: str, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` fillings of one mask: a character grid, its ``#`` columns random digits, ``?`` letters."""
    if not n or not template:
        return [template] * n
    chars = np.tile(np.array(list(template)), (n, 1))
    for placeholder, alphabet in ((DIGIT, _DIGITS), (LETTER, _LETTERS)):
        where = np.flatnonzero(chars[0] == placeholder)
        if len(where):
            chars[:, where] = alphabet[rng.integers(len(alphabet), size=(n, len(where)))]
    return np.ascontiguousarray(chars).view(f"<U{len(template)}").ravel().tolist()
