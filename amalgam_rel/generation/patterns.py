"""Regexes learned from key-like strings (codes, phone numbers, e-mails, postcodes).

A value is cut into runs of one character class (ASCII upper, lower, digit) or one literal
character; the run classes form its *skeleton*. Skeletons that cover almost every value become
the alternatives of the regex, each run with the length range seen in the data, so the language
model only chooses the characters while the shape stays exactly that of the real keys. A run
of two or more characters whose text every value of its skeleton shares (at least
:data:`MIN_SHARED` of them: a prefix ``INV``, a company's mail domain) stays that text.

>>> learn_pattern(["ALFKI", "ANATR", "BERGS", "BONAP"] * 5)
'[A-Z]{5}'
>>> learn_pattern(["(503) 555-9831", "(71) 555-2282"] * 5)
'\\\\([0-9]{2,3}\\\\) 555\\\\-[0-9]{4}'
>>> learn_pattern([f"{n}@chinookcorp.com" for n in ("andrew", "nancy", "jane", "steve", "laura")])
'[a-z]{4,6}@chinookcorp\\\\.com'
>>> is_key_like(["funny", "very good", "dark humor"] * 5)
False
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

# One character of free text: printable, plus newline and tab (real notes contain them); never
# U+FFFD, which only appears when bytes were cut mid-character.
TEXT_CHAR = r"[^\x00-\x08\x0B-\x1F\x7F-\x9F\uFFFD]"

_CLASS_REGEX = {"A": "[A-Z]", "a": "[a-z]", "9": "[0-9]"}
_UNSEEN_RUN = 64  # characters a LIKE wildcard may run when no real value shows how long
_CLASS_META = set("\\]^-[&~")  # characters with a meaning inside a character class
MIN_SHARED = 5  # values of a skeleton that must share a run's text before it is kept literally
# Characters with a meaning in regex syntax; every other literal is written as is.
_META = set("\\.+*?()|[]{}^$#&-~")


def _char_class(ch: str) -> str:
    if "A" <= ch <= "Z":
        return "A"
    if "a" <= ch <= "z":
        return "a"
    if "0" <= ch <= "9":
        return "9"
    return "=" + ch  # a literal: the prefix keeps it apart from the three class names


def _runs(value: str) -> list[tuple[str, str]]:
    """(class, text) of each run of one character class."""
    runs: list[tuple[str, str]] = []
    for ch in value:
        cls = _char_class(ch)
        if runs and runs[-1][0] == cls:
            runs[-1] = (cls, runs[-1][1] + ch)
        else:
            runs.append((cls, ch))
    return runs


def char_class(chars: Iterable[str]) -> str:
    """A regex class of exactly ``chars`` (newline and tab included, spelled as escapes).

    >>> print(char_class("b-a\\t"))
    [\\t\\-ab]
    """
    named = {"\n": "\\n", "\t": "\\t"}
    return "[" + "".join(named.get(ch) or ("\\" + ch if ch in _CLASS_META else ch) for ch in sorted(set(chars))) + "]"


def escape_literal(text: str) -> str:
    """Escape ``text`` for the regex dialect outlines compiles (Rust ``regex``)."""
    return "".join("\\" + ch if ch in _META else ch for ch in text)


def _run_regex(cls: str, lo: int, hi: int) -> str:
    atom = _CLASS_REGEX[cls] if cls in _CLASS_REGEX else escape_literal(cls[1:])
    if lo == hi == 1:
        return atom
    if len(atom) > 1 and cls not in _CLASS_REGEX:
        atom = f"(?:{atom})"
    return atom + (f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}")


def _length_range(lengths: list[int], tail: float = 0.005) -> tuple[int, int]:
    """The run lengths seen, without the rarest ``tail`` at each end.

    One 3-letter code among 7,692 4-letter ICAO codes made the run ``{3,4}``, and the model then
    wrote 3 letters half the time: a range says nothing of how often each length occurs.
    """
    ordered = sorted(lengths)
    last = len(ordered) - 1
    return ordered[int(tail * last)], ordered[math.ceil((1 - tail) * last)]


def learn_pattern(
    values: Iterable[str], *, max_alternatives: int = 8, min_coverage: float = 0.95, max_length: int = 64
) -> str | None:
    """A regex covering at least ``min_coverage`` of ``values`` with few skeletons, else None."""
    by_skeleton: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    total = 0
    for value in values:
        if not value or len(value) > max_length:
            return None
        runs = _runs(value)
        by_skeleton[tuple(c for c, _ in runs)].append([text for _, text in runs])
        total += 1
    if total == 0:
        return None
    ranked = sorted(by_skeleton.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    chosen, covered = [], 0
    for skeleton, lengths in ranked:
        if covered >= min_coverage * total:
            break
        if len(chosen) == max_alternatives:
            return None
        chosen.append((skeleton, lengths))
        covered += len(lengths)
    alternatives = []
    for skeleton, texts in chosen:
        parts = []
        for c, run in zip(skeleton, zip(*texts)):
            # a single shared character stays a class: codes A1..A9 keep room for more keys
            shared = len(run) >= MIN_SHARED and len(set(run)) == 1 and c in _CLASS_REGEX and len(run[0]) > 1
            parts.append(escape_literal(run[0]) if shared else _run_regex(c, *_length_range([len(t) for t in run])))
        alternatives.append("".join(parts))
    return alternatives[0] if len(alternatives) == 1 else "(" + "|".join(alternatives) + ")"


def is_key_like(values: list[str]) -> bool:
    """Codes, phone numbers, e-mails, postcodes: few shapes, and digits, '@' or (almost) no lower case.

    Short lower-case phrases (tags, names) also have few shapes, but their content is words, so
    they stay free text.
    """
    values = [v for v in values if v]
    if len(values) < 5 or learn_pattern(values) is None:
        return False
    counts = Counter()
    for v in values:
        counts["digit"] += any(ch.isdigit() for ch in v)
        counts["at"] += "@" in v
        counts["lower"] += any(ch.islower() for ch in v)
    n = len(values)
    # a stray typo ('8z' among 1,537 airline codes) does not make codes free text
    return counts["digit"] > 0.5 * n or counts["at"] > 0.5 * n or counts["lower"] <= n // 100


def is_code(values: list[str]) -> bool:
    """Key-like strings that are codes rather than addresses: no '@' in most of them.

    A UNIQUE column of codes (``SKU-000123``) gets fresh codes in its format from the key
    generator; e-mail addresses carry names and domains, which the language model writes.

    >>> is_code([f"SKU-{i:06d}" for i in range(1, 9)]), is_code([f"u{i}@mail.com" for i in range(9)])
    (True, False)
    """
    present = [v for v in values if v]
    return is_key_like(present) and sum("@" in v for v in present) <= 0.5 * len(present)


def like_regex(like: str, values: list[str], max_length: int) -> str:
    """A regex whose matches satisfy ``LIKE like``, shaped by the real values where it can be.

    ``prefix%suffix`` keeps the literals and learns the middle from the values (a pattern for
    key-like middles, else text with their length range); other LIKE patterns map ``_`` to one
    character and each ``%`` to text as long as it runs in the real values (up to 64 characters
    when none match), without the literal character that follows it. Both keep the automaton
    small: ``%@%.%`` on a VARCHAR became three runs of up to 2,000 characters that could each hold
    the '@' and the '.', and compiling that constraint took over 17 GB.

    >>> like_regex("P-%", ["P-0042", "P-1234", "P-9999", "P-0001", "P-5555"], 8)
    'P\\\\-[0-9]{4}'
    >>> like_regex("%@%.%", ["ann@mail.com", "bo@x.org"], 2000).count("{")
    3
    """
    if like.count("%") == 1 and "_" not in like:
        pre, suf = like.split("%")
        middles = [v[len(pre) : len(v) - len(suf)] for v in values
                   if v.startswith(pre) and v.endswith(suf) and len(v) >= len(pre) + len(suf)]
        room = max(0, max_length - len(pre) - len(suf))
        middle = learn_pattern(middles) if is_key_like(middles) else None
        if middle is None:
            lengths = [len(m) for m in middles] or [0, room]
            middle = f"{TEXT_CHAR}{{{min(min(lengths), room)},{min(room, max(lengths))}}}"
        return escape_literal(pre) + middle + escape_literal(suf)
    tokens = [t for t in re.split(r"([%_])", like) if t]
    # the real values, split where a lazy match puts each %: how long each one runs
    matcher = re.compile("".join("(.*?)" if t == "%" else "." if t == "_" else re.escape(t) for t in tokens), re.S)
    runs = [m.groups() for v in values if v is not None and (m := matcher.fullmatch(v))]
    out, k = [], 0
    for i, t in enumerate(tokens):
        if t == "_":
            out.append(TEXT_CHAR)
        elif t != "%":
            out.append(escape_literal(t))
        else:
            seen = [len(r[k]) for r in runs]
            k += 1
            lo, hi = (min(seen), max(seen)) if seen else (0, _UNSEEN_RUN)
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            char = TEXT_CHAR
            if following not in (None, "%", "_"):
                first = following[0]
                char = TEXT_CHAR[:-1] + ("\\" + first if first in _CLASS_META else first) + "]"
            out.append(f"{char}{{{min(lo, max_length)},{min(hi, max_length)}}}")
    return "".join(out)
