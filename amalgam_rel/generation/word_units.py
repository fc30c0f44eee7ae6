"""What text is written in, and which words a column's generated text may hold.

A value is a sequence of *units*: a word (a run of letters, an apostrophe inside it kept: the
words of :func:`amalgam_rel.generation.lexicon.words`) in scripts that put spaces between
words; a single character in scripts that do not (Han, kana, Thai, Lao, Khmer, Myanmar,
Tibetan), where telling words apart would need a dictionary; and single digits, whitespace and
punctuation. A column's vocabulary (:func:`column_words`) is its letter units (words and
unspaced-script characters) that at least ``min_rows`` distinct real rows hold, plus its words
that are public (:func:`~amalgam_rel.generation.lexicon.is_public`): a word that identifies a
single row never becomes a token the model can write. Digits are written one at a time, so a
number is never copied whole.

>>> units("AC/DC's 2 Live-Tracks 東京")
['AC', '/', "DC's", ' ', '2', ' ', 'Live', '-', 'Tracks', ' ', '東', '京']
>>> sorted(column_words(["Live at Qzxvbl", "Live in Tokyo", "Zyxwv Live"], min_rows=2))
['Live', 'Tokyo', 'at', 'in']
>>> letter_units("東京タワー 2 Tower")
['東', '京', 'タ', 'ワ', 'ー', 'Tower']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from amalgam_rel.generation.lexicon import is_public

#: scripts written without spaces between words: each character is a unit of its own
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF), (0x0F00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF),
    (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F),
    (0x20000, 0x2A6DF),
)
# literal characters, not escapes: the same pattern serves Python's re and the tokenizers
# library's Oniguruma (which spells astral escapes differently)
UNSPACED = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _UNSPACED_RANGES)
_LETTER = rf"(?:(?![{UNSPACED}])[^\W\d_])"
#: one unit: an unspaced-script character, a word, or any single other character
UNIT_PATTERN = rf"[{UNSPACED}]|{_LETTER}+(?:['’]{_LETTER}+)*|."
_UNIT = re.compile(UNIT_PATTERN, re.S)
# the first two alternatives of UNIT_PATTERN alone: where they do not match, units() takes one
# character, which is never a letter unit, and this pattern moves one character on too
_LETTER_RUN = re.compile(rf"[{UNSPACED}]|{_LETTER}+(?:['’]{_LETTER}+)*")
_UNSPACED_CHAR = re.compile(rf"[{UNSPACED}]")
APOSTROPHES = frozenset("'’")
#: how many distinct real rows must hold a word before it is written (``--min-word-rows``)
DEFAULT_MIN_ROWS = 2


def units(text: str) -> list[str]:
    """``text`` cut into units; ``"".join(units(text)) == text``."""
    return _UNIT.findall(text)


def is_letter_unit(unit: str) -> bool:
    """A word or an unspaced-script character: what the vocabulary rules apply to."""
    return bool(unit) and (unit[0].isalpha() and unit[0] != "_" or bool(_UNSPACED_CHAR.match(unit)))


def letter_units(text: str) -> list[str]:
    """The words and unspaced-script characters of ``text``, in order (the letter units of
    :func:`units`, without a unit per space and mark: a third of a fit's time on TPC-H's comments)."""
    # is_letter_unit, inlined: a run is never empty, and its first character is never "_"
    return [u for u in _LETTER_RUN.findall(text) if u[0].isalpha() or _UNSPACED_CHAR.match(u)]


def is_spaced_letter(char: str) -> bool:
    """A letter of a script that spaces its words: two of them side by side make one word."""
    return char.isalpha() and not _UNSPACED_CHAR.match(char)


def column_words(values: Iterable[str], min_rows: int = DEFAULT_MIN_ROWS, public: bool = True) -> frozenset[str]:
    """The letter units a column's generated text may hold, as spelled in the real values
    (``public=False``: only those ``min_rows`` rows hold, the ones its n-grams count).

    A word counts once per row, case folded: ``Rock`` and ``rock`` in two rows make a word of
    two rows, and both spellings are kept.
    """
    rows: Counter[str] = Counter()
    spellings: dict[str, set[str]] = {}
    for value in values:
        found = set(letter_units(value))
        for unit in found:
            spellings.setdefault(unit.lower(), set()).add(unit)
        rows.update({u.lower() for u in found})
    return frozenset(s for word, n in rows.items() if n >= min_rows or public and is_public(word) for s in spellings[word])


#: a word's letter case: all lowercase (or caseless), capitalised, all capitals (two letters or more)
CASE_SHAPES = ("aa", "Aa", "AA")


def case_shape(word: str) -> str:
    """The letter case of ``word``: ``aa``, ``Aa`` or ``AA``.

    >>> [case_shape(w) for w in ("night", "Santana", "McCartney", "AC", "A", "東")]
    ['aa', 'Aa', 'Aa', 'AA', 'Aa', 'aa']
    """
    if len(word) > 1 and word.isupper():
        return "AA"
    return "Aa" if word[:1].isupper() else "aa"


def shaped(word: str, shape: str) -> str:
    """``word`` (lowercase) written in the case ``shape``.

    >>> shaped("night", "Aa"), shaped("night", "AA"), shaped("o'brien", "Aa")
    ('Night', 'NIGHT', "O'brien")
    """
    if shape == "AA":
        return word.upper()
    return word[:1].upper() + word[1:] if shape == "Aa" else word


def untidy(value) -> bool:
    """Whether a value starts or ends with whitespace, or holds two whitespace characters in a row."""
    text = str(value)
    return text != text.strip() or bool(_DOUBLE_SPACE.search(text))


_DOUBLE_SPACE = re.compile(r"\s\s")


def check_min_rows(min_rows) -> int:
    """``min_rows`` as a count of rows, or a one-line InputError."""
    from amalgam_rel.errors import InputError

    if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 1:
        raise InputError(f"--min-word-rows must be a whole number of rows, at least 1, not {min_rows!r}")
    return min_rows
