"""What any value the language model writes may hold: the characters, and how long free text gets."""

from __future__ import annotations

import re

MAX_TEXT_CHARS = 2000  # longer free text is cut: the regex and the sequence length stay bounded


def clean_text(text: str) -> str:
    """Drop the characters no generated value may hold (controls other than newline and tab, and U+FFFD)."""
    return _UNWRITTEN.sub("", text)


_UNWRITTEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")
