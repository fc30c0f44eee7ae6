"""The copy guard: a generated free-text value may not repeat a real one verbatim.

Only digests of the real values are kept (and saved with the fitted model), compared after
trimming and folding case and whitespace, so a copy that differs only in spacing still counts.

>>> guard = CopyGuard.from_values(["Fluent in French.", "Joined in 1992."])
>>> guard.is_copy("fluent  in french."), guard.is_copy("Fluent in German.")
(True, False)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


def _digest(text: str) -> str:
    normal = " ".join(text.casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class CopyGuard:
    digests: frozenset[str] = frozenset()

    @classmethod
    def from_values(cls, values: Iterable[str]) -> CopyGuard:
        return cls(frozenset(_digest(v) for v in values if v is not None))

    def is_copy(self, text: str) -> bool:
        return _digest(text) in self.digests

    def __or__(self, other: CopyGuard) -> CopyGuard:
        return CopyGuard(self.digests | other.digests)

    def to_list(self) -> list[str]:
        return sorted(self.digests)
