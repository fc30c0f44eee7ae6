"""Inserts run on one thread of their own, so that DuckDB checks keys while the next rows are drawn.

DuckDB releases Python's lock while it executes, and checking a million rows' primary and
foreign keys on insert takes seconds of its own: run in line, that time adds to sampling's;
run beside it, a second core does it meanwhile. One thread runs the statements in the order
they were handed over, so the database is the same statement by statement; at most
:data:`AHEAD` inserts wait, so memory holds no more than that many parts; and anything else the
writer does on the connection first waits for every insert (:meth:`Inserts.wait`), which also
raises an insert's error — later than in line, but the same error and still before the commit.

>>> done = []
>>> with Inserts() as inserts:
...     inserts.submit(done.append, 1); inserts.submit(done.append, 2); inserts.wait()
>>> done
[1, 2]
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

AHEAD = 2  # inserts handed over and not yet done, at most: each holds one part of rows


class Inserts:
    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="amalgam-insert")
        self._pending: deque[Future] = deque()

    def submit(self, insert: Callable, *args) -> None:
        """Run ``insert(*args)`` after those handed over before it; waits while :data:`AHEAD` are pending."""
        while len(self._pending) >= AHEAD:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(insert, *args))

    def wait(self) -> None:
        """Every insert handed over done; the first one's error raised."""
        while self._pending:
            self._pending.popleft().result()

    def cancel(self) -> None:
        """No more inserts: the waiting ones dropped, the running one finished (its error ignored)."""
        while self._pending:
            future = self._pending.popleft()
            if not future.cancel():
                future.exception()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Inserts:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.cancel()
        self.close()
