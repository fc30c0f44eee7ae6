"""A second process that draws text for :class:`~.text_jobs.TextJobs`: another core's share.

The decoding step holds the GIL nearly throughout, so a thread cannot use a second core; a
process can. The worker is a fresh interpreter (``python -m`` this module), never a ``fork`` of
the caller: by sampling time JAX's and DuckDB's thread pools are running, and a fork copies
their locks in whatever state they are. It gets the fitted model through a private directory,
in the saved model's own format (:func:`.lm.save`: safetensors and JSON) plus the column plans
and the copy guard's keyed digests (:meth:`.CopyGuard.handover`), which never touch a file: they
go down the pipe, and the directory is removed once the worker has read it.

Messages are pickles, one per message, between this process and its own child only. The worker
answers ``("ready",)`` once loaded, then ``(job, "ok", arrays, reports)`` or ``(job, "error",
exception)`` per job, in the order the jobs came. A job's values do not depend on the process
that draws them: every draw's stream comes from the seed, the table and the column, and torch
runs one thread in both (:func:`.lm.torch_threads`).
"""

from __future__ import annotations

import os
import pickle
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_CLOSE = None


class Worker:
    """The parent's end: :meth:`send` and :meth:`results` never block on the pipe (two threads
    move the bytes), so the caller keeps drawing while the worker reads or answers."""

    def __init__(self, model) -> None:
        from amalgam_rel.generation import lm as lm_mod

        global _spare
        self._dir = Path(tempfile.mkdtemp(prefix="amalgam-text-"))
        lm_mod.save(model.model_, model.tokenizer_, self._dir / "lm")
        self._proc, _spare = _spare or _spawn(), None
        self._outbox: queue.Queue = queue.Queue()
        self.inbox: queue.Queue = queue.Queue()
        self.loaded = False
        guard = model.guard_.handover() if model.guard_ is not None else None
        self._outbox.put(pickle.dumps({"folder": str(self._dir), "params": model.get_params(), "tables": model.tables_,
                                       "plans": model.plans_, "guard": guard, "train_report": model.train_report_,
                                       "fit_seconds": model.fit_seconds_}, protocol=5))
        threading.Thread(target=self._write, daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, job: int, table: str, context, kwargs: dict) -> None:
        self._outbox.put(pickle.dumps((job, table, context, kwargs), protocol=5))

    def close(self) -> None:
        """End the worker without waiting for it: its interpreter's exit (torch's teardown, a
        second at load) is no part of the run; a worker still loading is stopped."""
        self._outbox.put(_CLOSE)
        if self._proc.poll() is None and not self.loaded:
            self._proc.kill()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _write(self) -> None:
        pipe = self._proc.stdin
        try:
            while (data := self._outbox.get()) is not _CLOSE:
                pipe.write(data)
                pipe.flush()
            pipe.close()
        except OSError:  # the worker ended; _read says so
            pass

    def _read(self) -> None:
        pipe = self._proc.stdout
        try:
            while True:
                message = pickle.load(pipe)
                if message == ("ready",):
                    self.loaded = True
                    shutil.rmtree(self._dir, ignore_errors=True)
                self.inbox.put(message)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.inbox.put(("ended",))


_spare: subprocess.Popen | None = None


def cores() -> int:
    """Cores this process may run on (all of them where the platform cannot say)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def prestart() -> None:
    """Start a worker's interpreter now, for the next :class:`Worker` to take: its imports
    (torch, a few seconds of the other core) then run while this process fits or loads the
    model. A spare no run takes ends with this process (its input closes)."""
    global _spare
    if _spare is None:
        _spare = _spawn()


def _spawn() -> subprocess.Popen:
    path = os.pathsep.join(p for p in sys.path if p)  # the caller's amalgam_rel, not another install
    return subprocess.Popen([sys.executable, "-m", "amalgam_rel.generation.text_worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=os.environ | {"PYTHONPATH": path})


def _serve() -> None:
    """The worker's side: load the model, then draw each job as it comes."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, never into the answers
    source = sys.stdin.buffer
    from amalgam_rel.generation import lm as lm_mod
    from amalgam_rel.generation.copy_guard import CopyGuard
    from amalgam_rel.generation.text_model import TextFieldModel
    from amalgam_rel.generation.word_ngram import WordNGramLM  # noqa: F401 - loading the model imports them:
    from transformers import AutoTokenizer  # noqa: F401 - a spare does it before the model comes

    try:
        state = pickle.load(source)
    except EOFError:  # a spare no run took
        return
    folder = Path(state["folder"])
    model = TextFieldModel(**state["params"])
    device = lm_mod.select_device(model.device)
    lm, tokenizer = lm_mod.load_pretrained(str(folder / "lm"), device, what="the text model")
    guard = CopyGuard.taken_over(state["guard"]) if state["guard"] is not None else None
    model.set_fitted(tables=state["tables"], device=device, lm=lm, tokenizer=tokenizer, plans=state["plans"],
                     guard=guard, train_report=state["train_report"], fit_seconds=state["fit_seconds"])
    _answer(out, ("ready",))
    while True:
        try:
            message = pickle.load(source)
        except EOFError:
            return
        if message is _CLOSE:
            return
        job, table, context, kwargs = message
        try:
            arrays = model.generate_arrays(table, context, **kwargs)
            reports = {name: model.generation_report_[(table, name)] for name in arrays}
            _answer(out, (job, "ok", arrays, reports))
        except Exception as err:  # the caller raises it, as drawing there would have
            try:
                _answer(out, (job, "error", err))
            except (pickle.PicklingError, TypeError, AttributeError):  # an exception pickle cannot carry
                _answer(out, (job, "error", RuntimeError(f"text worker: {type(err).__name__}: {err}")))


def _answer(out, message) -> None:
    out.write(pickle.dumps(message, protocol=5))
    out.flush()


if __name__ == "__main__":
    _serve()
