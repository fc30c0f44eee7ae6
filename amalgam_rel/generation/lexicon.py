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

import hashlib
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

#: languages whose common words make up the lexicon (Latin, Greek and Cyrillic scripts)
LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl", "cs", "tr", "ru", "el")
#: words taken from each language's list, most common first
WORDS_PER_LANGUAGE = 50_000
_MIN_WORDS = 100_000  # fewer in a cached list: not the list this code builds
_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """The words of ``text``: lowercased runs of letters (an apostrophe inside a word is kept)."""
    return _WORD.findall(str(text).lower())


@lru_cache(maxsize=1)
def public_words() -> frozenset[str]:
    """Every word of the lexicon, lowercased.

    Building it reads 16 of wordfreq's frequency tables (~4 s); the list is then kept in the
    user's cache folder (one word a line, named by wordfreq's version and the settings above),
    so later runs read it in a fraction of that. A cache that cannot be written is no error."""
    cache = _cache_path("lexicon", f"{LANGUAGES} {WORDS_PER_LANGUAGE} {_WORD.pattern}")
    cached = _read_cache(cache)
    if cached is not None:
        words_read = frozenset(cached.split("\n"))
        if len(words_read) >= _MIN_WORDS:  # an emptied or edited cache is built again
            return words_read
    found = _build()
    _write_cache(cache, "\n".join(sorted(found)))
    return found


#: words per language that open-class slots draw from (see :mod:`.open_class`), most common first
COMMON_WORDS = 3000


@lru_cache(maxsize=1)
def common_words() -> dict[str, tuple[tuple[str, float], ...]]:
    """Per language of :data:`LANGUAGES`, its :data:`COMMON_WORDS` most common words (lowercase
    runs of letters) with their wordfreq frequency, most common first; cached as
    :func:`public_words` is (a line per word: language, word, frequency).

    >>> words_en = dict(common_words()["en"])
    >>> words_en["the"] > words_en["house"] > 0
    True
    """
    cache = _cache_path("common", f"{LANGUAGES} {COMMON_WORDS} {_WORD.pattern}")
    cached = _read_cache(cache)
    if cached is not None:
        parsed = _parse_common(cached)
        if parsed is not None:
            return parsed
    found = _build_common()
    _write_cache(cache, "\n".join(f"{lang}\t{w}\t{f!r}" for lang, ws in found.items() for w, f in ws))
    return found


def _build_common() -> dict[str, tuple[tuple[str, float], ...]]:
    import wordfreq

    found = {}
    for language in LANGUAGES:
        listed = [w for w in wordfreq.top_n_list(language, 2 * COMMON_WORDS) if _WORD.fullmatch(w)][:COMMON_WORDS]
        found[language] = tuple((w, float(wordfreq.word_frequency(w, language))) for w in listed)
    return found


def _parse_common(text: str) -> dict[str, tuple[tuple[str, float], ...]] | None:
    """The cached lists, or None where the cache is not whole (a list short of its words)."""
    found: dict[str, list[tuple[str, float]]] = {language: [] for language in LANGUAGES}
    try:
        for line in text.split("\n"):
            language, word, frequency = line.split("\t")
            found[language].append((word, float(frequency)))
    except (ValueError, KeyError):
        return None
    if any(len(ws) < COMMON_WORDS // 2 for ws in found.values()):
        return None
    return {language: tuple(ws) for language, ws in found.items()}


def _build() -> frozenset[str]:
    import wordfreq

    found: set[str] = set()
    for language in LANGUAGES:
        found.update(w for w in wordfreq.top_n_list(language, WORDS_PER_LANGUAGE) if _WORD.fullmatch(w))
    return frozenset(found)


def _cache_path(name: str, settings: str) -> Path:
    from importlib.metadata import version

    digest = hashlib.sha256(f"{version('wordfreq')} {settings}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "amalgam-rel" / f"{name}-{digest}.txt"


def _read_cache(cache: Path) -> str | None:
    try:
        return cache.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_cache(cache: Path, text: str) -> None:
    """``text`` into ``cache``, whole or not at all (a reader never sees half a list); a cache
    that cannot be written is no error."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass


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
