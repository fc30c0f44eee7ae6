"""Writes held in order behind a table whose text is still being drawn.

While another process draws a table's text (:mod:`amalgam_rel.generation.text_jobs`), later
tables are sampled; their rows may not reach the writer first, since DuckDB checks each foreign
key on insert and a child would name parents not yet written. So every writer call after such a
table waits in a queue, and the queue runs, in the order the calls came, as far as the text it
waits on is in. The writer sees the calls of a one-process run in the same order, so its output
is the same file whoever drew the text.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

import pyarrow as pa


class HeldWrites:
    """A :class:`~amalgam_rel.writing.writer.DatabaseWriter`'s stand-in for a run that defers text."""

    def __init__(self, writer, jobs) -> None:
        self.writer, self.jobs = writer, jobs
        self._queue: deque[tuple[str | None, Callable[[], None]]] = deque()

    @property
    def notes(self) -> list[str]:
        return self.writer.notes

    def append(self, table: str, data: pa.Table | pa.RecordBatch) -> None:
        self.then(lambda: self.writer.append(table, data))

    def update(self, table_key: str, key: tuple[str, ...], data: pa.Table) -> None:
        self.then(lambda: self.writer.update(table_key, key, data))

    def then(self, call: Callable[[], None]) -> None:
        """Run ``call`` (a write, or what is counted of one) now, or after the held ones before it."""
        if not self._queue:
            call()
        else:
            self._queue.append((None, call))

    def hold(self, name: str, finish: Callable[[], None]) -> None:
        """``finish()`` writes a table once its text job ``name`` is done; later calls wait behind it."""
        self._queue.append((name, finish))
        self.run(wait=False)

    def run(self, wait: bool) -> None:
        """Run the queue as far as the text it waits on is in; ``wait``: draw what is pending
        (both processes at once, :meth:`.TextJobs.resolve`) and run it all."""
        if wait and any(name is not None for name, _ in self._queue):
            self.jobs.resolve()
        while self._queue:
            name, call = self._queue[0]
            if name is not None and not self.jobs.done(name):
                return
            self._queue.popleft()
            call()
