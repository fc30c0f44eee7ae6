"""The copy guard: a generated free-text value may not repeat a real one verbatim.

The guard lives in memory only, for the process that read the real values: ``synth`` (fit and
sample in one run), or ``sample --guard-source SRC``, which reads them again from the source. It
is never saved. Any deterministic test for "is this a real value" that a model directory carried
would be an oracle an attacker can query offline: the unsalted SHA-256 digests saved until
issue #21 gave back a table's SSNs in half a second by hashing every candidate.

Values are compared after trimming and folding case and whitespace, so a copy that differs only
in spacing still counts; what the guard holds are keyed BLAKE2b digests under a random key drawn
per guard and never written, so even a dump of the process's memory is no list of values.

>>> guard = CopyGuard.from_values(["Fluent in French.", "Joined in 1992."])
>>> guard.is_copy("fluent  in french."), guard.is_copy("Fluent in German."), len(guard)
(True, False, 2)
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable

_KEY_BYTES = 32
_DIGEST_BYTES = 16  # 2^-64 chance that two of a million values collide: a needless redraw at worst


class CopyGuard:
    """Keyed digests of the real values a generated value may not repeat."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(_KEY_BYTES)
        self._digests: set[bytes] = set()

    @classmethod
    def from_values(cls, values: Iterable[str | None]) -> CopyGuard:
        guard = cls()
        guard.add(values)
        return guard

    def add(self, values: Iterable[str | None]) -> None:
        self._digests.update(self._digest(v) for v in values if v is not None)

    def add_rare(self, values: Iterable[str | None], max_count: int | None) -> None:
        """Guard the values that at most ``max_count`` of ``values`` hold (None: every value).

        A phrase many rows share is vocabulary, not a record (see ``guard_max_count``).
        """
        counts = Counter(str(v) for v in values if v is not None)
        self.add(v for v, n in counts.items() if max_count is None or n <= max_count)

    def is_copy(self, text: str) -> bool:
        return self._digest(text) in self._digests

    def __len__(self) -> int:
        return len(self._digests)

    def __repr__(self) -> str:
        return f"CopyGuard({len(self)} values)"

    def __reduce__(self):
        # pickling would write the key next to the digests: the guard never leaves its process
        raise TypeError("a CopyGuard is not saved: it is rebuilt from the real database where needed")

    def __deepcopy__(self, memo: dict) -> CopyGuard:
        twin = CopyGuard.__new__(CopyGuard)  # a copy inside the process is harmless
        twin._key, twin._digests = self._key, set(self._digests)
        return twin

    def handover(self) -> tuple[bytes, frozenset[bytes]]:
        """Key and digests for :meth:`taken_over` in a worker process of the same run
        (:mod:`.text_worker`): they go down a pipe, never to a file."""
        return self._key, frozenset(self._digests)

    @classmethod
    def taken_over(cls, state: tuple[bytes, frozenset[bytes]]) -> CopyGuard:
        """The guard whose :meth:`handover` gave ``state``: it finds the same copies."""
        guard = cls.__new__(cls)
        guard._key, guard._digests = state[0], set(state[1])
        return guard

    def _digest(self, text: str) -> bytes:
        normal = " ".join(text.casefold().split())
        return hashlib.blake2b(normal.encode("utf-8"), key=self._key, digest_size=_DIGEST_BYTES).digest()
