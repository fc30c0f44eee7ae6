"""A column's rows drawn in blocks, the blocks' draws side by side on a second core.

The default word model's decoding is one Python pass per token over the batch (a few hundred
small torch and numpy calls), so it holds the GIL nearly throughout: two threads draw no
faster than one. A column with many rows to draw is therefore cut into :data:`BLOCKS` blocks
(:func:`row_blocks`, by the number of rows alone), each with a random stream of its own (see
:meth:`.draw_attempts.ColumnDraw.draw`), and :class:`BlockRunner` has a forked copy of the
process draw every block but the first, attempt by attempt, while this process draws the
first. Only the sampler's call runs there; DuckDB's checks and the choice of the values kept
stay here, block by block in order. A block's draws are a function of its prompts and its
stream's state, which travels with the call and back, so the values are the same whichever
process drew them: on a one-core machine (or ``MAX_WORKERS = 1``) the blocks are drawn one
after the other, to the same database.

The copy is forked once the column's constraint indexes are built and its prompts tokenized
(the sampler's ``prepare``), so it builds nothing again; it runs torch on one thread, never
touches DuckDB, and ends with ``os._exit`` (no exit handler of this process runs twice).
Only a sampler that says it may be forked (``forkable``: the default word model on the CPU)
is; any other draws its blocks here.
"""

from __future__ import annotations

import os
import pickle
from multiprocessing.connection import Connection, Pipe

import torch

from amalgam_rel.errors import DataError

BLOCKS = 2  # blocks of a column with many rows to draw: a fixed number, whatever the machine
# rows per block at least: below, a block's own retries (each ~25 decoding steps of ~1.5 ms
# whatever its rows) and the fork cost more than the second core saves (chinook's track names,
# 3,503 rows: 2 blocks; its album titles, 347: 1)
MIN_BLOCK_ROWS = 1024
MAX_WORKERS: int | None = None  # processes drawing blocks at once (None: the cores this process may use)


def row_blocks(rows: list[int]) -> list[list[int]]:
    """``rows`` cut into consecutive blocks of near-equal size: :data:`BLOCKS` of them where
    each holds at least :data:`MIN_BLOCK_ROWS`, else one. Depends on the rows alone."""
    count = BLOCKS if len(rows) >= BLOCKS * MIN_BLOCK_ROWS else 1
    size = -(-len(rows) // count) if rows else 1
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [rows]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class BlockRunner:
    """Runs each attempt's sampler calls, one per block, the first here and the others in
    forked workers (see the module's text); a context manager that ends its workers."""

    def __init__(self, sampler, plan, prompts: dict, shapes: dict, blocks: int):
        self.sampler, self.plan = sampler, plan
        wanted = min(blocks, MAX_WORKERS or _cores())
        self.workers: list[_Worker] = []
        if wanted > 1 and getattr(sampler, "forkable", False):
            sampler.prepare(plan, list(prompts.values()), set(shapes.values()) or {None})
            self.workers = [_Worker(sampler, plan) for _ in range(wanted - 1)]

    def __enter__(self) -> BlockRunner:
        return self

    def __exit__(self, *_) -> None:
        for worker in self.workers:
            worker.close()

    def __call__(self, calls: list[tuple], streams: list[torch.Generator]) -> list[list]:
        """Each call's draws (``sampler(*call, stream)``), each stream advanced as the call left it."""
        executors = [None] + self.workers
        # call k goes to executor k mod n: the first block always draws here
        for k, (call, stream) in enumerate(zip(calls, streams)):
            if k % len(executors):
                executors[k % len(executors)].send(call, stream)
        out: list = [None] * len(calls)
        for k, (call, stream) in enumerate(zip(calls, streams)):
            if not k % len(executors):
                out[k] = self.sampler(*call, stream)
        for k, stream in enumerate(streams):
            if k % len(executors):
                out[k] = executors[k % len(executors)].receive(stream)
        return out


class _Worker:
    """A forked copy of this process that draws the calls it is sent, one at a time."""

    def __init__(self, sampler, plan):
        here, there = Pipe()
        # tokenizers warns on a fork after its thread pool ran, and turns the pool off in the
        # copy: told so beforehand, it says nothing (this process keeps its own setting)
        before = os.environ.get("TOKENIZERS_PARALLELISM")
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
        self.pid = -1
        try:
            self.pid = os.fork()
        finally:
            if self.pid != 0:
                _restore("TOKENIZERS_PARALLELISM", before)
        if self.pid == 0:  # the copy: never returns
            here.close()
            _serve(there, sampler, plan)
        there.close()
        self.conn: Connection = here
        self.pending = False

    def send(self, call: tuple, stream: torch.Generator) -> None:
        # the plan stays behind: the copy holds it (a column's words can be many)
        self.conn.send((call[1:], _state(stream)))
        self.pending = True

    def receive(self, stream: torch.Generator) -> list:
        try:
            ok, payload = self.conn.recv()
        except EOFError:
            raise DataError("a text-drawing worker process ended before answering") from None
        self.pending = False
        if not ok:
            raise pickle.loads(payload)
        drawn, state = payload
        _set_state(stream, state)
        return drawn

    def close(self) -> None:
        """Tell the copy to end (after reading an answer left unread: it may wait on a full pipe)."""
        try:
            if self.pending:
                self.conn.recv()
            self.conn.send(None)
        except EOFError:
            pass
        except (BrokenPipeError, OSError):
            pass
        self.conn.close()
        os.waitpid(self.pid, 0)


def _serve(conn: Connection, sampler, plan) -> None:
    """The worker's loop: draw each call sent, send back the draws and the stream's state."""
    code = 0
    try:
        torch.set_num_threads(1)
        while (message := conn.recv()) is not None:
            args, state = message
            stream = _set_state(torch.Generator(), state)
            try:
                conn.send((True, (sampler(plan, *args, stream), _state(stream))))
            except Exception as err:  # noqa: BLE001 - handed to the parent, which raises it
                conn.send((False, _picklable(err)))
    except BaseException:  # noqa: BLE001 - the parent sees the pipe close
        code = 1
    finally:
        os._exit(code)


def _state(stream: torch.Generator) -> bytes:
    """The stream's state as bytes: a tensor would go through torch's shared-memory pickling,
    whose file-descriptor handover waits on a thread the forked copy does not have."""
    return stream.get_state().numpy().tobytes()


def _set_state(stream: torch.Generator, state: bytes) -> torch.Generator:
    stream.set_state(torch.frombuffer(bytearray(state), dtype=torch.uint8))
    return stream


def _picklable(err: Exception) -> bytes:
    try:
        return pickle.dumps(err)
    except Exception:  # noqa: BLE001
        return pickle.dumps(DataError(f"text drawing failed in a worker process: {err}"))


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
