"""Public word lists: what counts as a real word, for generating text and for scoring it.

The lexicon is the union of wordfreq's lists of the most common words of a fixed set of
languages (wordfreq ships them inside its wheel: nothing is downloaded). Words are lowercased
runs of letters (digits and punctuation are not words); a word is *scored* only when its
script is one the lexicon covers, so a Japanese or Arabic column is reported as not scored
rather than as made of invented words.

>>> words("Hello, Wörld! AC/DC 2 O'Brien")
['hello', 'wörld', 'ac', 'dc', "o'brien"]
>>> is_public("world"), is_public("xqzvw")
(True, False)
>>> scored("東京"), scored("Berlin")
(False, True)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: languages whose common words make up the lexicon (Latin, Greek and Cyrillic scripts)
LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl", "cs", "tr", "ru", "el")
#: words taken from each language's list, most common first
WORDS_PER_LANGUAGE = 50_000
_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """The words of ``text``: lowercased runs of letters (an apostrophe inside a word is kept)."""
    return _WORD.findall(str(text).lower())


@lru_cache(maxsize=1)
def public_words() -> frozenset[str]:
    """Every word of the lexicon, lowercased."""
    import wordfreq

    found: set[str] = set()
    for language in LANGUAGES:
        found.update(w for w in wordfreq.top_n_list(language, WORDS_PER_LANGUAGE) if _WORD.fullmatch(w))
    return frozenset(found)


def is_public(word: str) -> bool:
    """Whether ``word`` (any case) is a word of the lexicon."""
    return word.lower() in public_words()


@lru_cache(maxsize=65_536)
def scored(word: str) -> bool:
    """Whether the lexicon covers ``word``'s script, so that its absence from it means something."""
    for ch in word:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if not name.startswith(_SCRIPTS):
            return False
    return True
