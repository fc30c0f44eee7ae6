"""SIGTERM is handled like Ctrl-C, and an interrupted command says what it did not write.

Python turns SIGINT into :class:`KeyboardInterrupt`, so every ``with`` block and ``finally``
clause unwinds and the temporary outputs are removed; by default SIGTERM (what ``kill``, a job
scheduler or a container stop sends) ends the process on the spot and leaves them behind.
Raising :class:`Terminated`, a KeyboardInterrupt, from its handler gives it the same cleanup.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from amalgam_rel.outputs import written


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwind as for Ctrl-C."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (signals reach only the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """The shell's convention, 128 + the signal number: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)


def interrupted_line(planned: Iterable[Path | None]) -> str:
    """One line: which of the command's outputs were completed and which were not written."""
    done_paths = {p.resolve() for p in written()}
    planned = [Path(p) for p in planned if p is not None]
    done = [p for p in planned if p.resolve() in done_paths]
    pending = [p for p in planned if p.resolve() not in done_paths]
    parts = []
    if done:
        parts.append("wrote " + ", ".join(map(str, done)))
    if pending:
        parts.append("nothing was written to " + " or ".join(map(str, pending)))
    return "interrupted" + (": " + "; ".join(parts) if parts else "")
