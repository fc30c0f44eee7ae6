"""Tables' text drawn side by side: in this process and in one worker process (:mod:`.text_worker`).

A caller :meth:`~TextJobs.submit`\\ s the text of a table (what :meth:`.TextFieldModel.generate_arrays`
would be called with), goes on with other work, and :meth:`~TextJobs.take`\\ s the values when it
needs them. Pending jobs are split between the two processes when the caller needs them
(:meth:`~TextJobs.resolve`), the larger shares first to whichever has less to do, so that one
table's text (chinook's Track) runs in one process while the other draws the rest (Album, Artist).

Which process draws a job never changes its values (see :mod:`.text_worker`), so nothing here
depends on timing but the speed: with one core (``os.sched_getaffinity``), a model the worker
cannot take (a user's ``--llm``, an injected sampler), or before the worker has loaded, every
job is drawn here, to the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from amalgam_rel.generation.text_model import TextFieldModel
from amalgam_rel.generation.text_worker import Worker, cores


def can_share(model) -> bool:
    """Whether a worker process can draw ``model``'s text: the default (word) model, a second core."""
    return (type(model) is TextFieldModel and model.llm is None and model.sampler is None
            and hasattr(model, "plans_") and cores() > 1)


def _start(model) -> Worker | None:
    """A worker, or None where no interpreter can be started (an embedded Python without an executable)."""
    try:
        return Worker(model)
    except OSError:
        return None


@dataclass
class _Job:
    table: str
    context: pa.Table
    kwargs: dict
    cost: int  # values to draw, at most the budget's per column: what the split balances
    where: str = "pending"  # "pending", "worker", "done"
    values: dict = field(default_factory=dict)


class TextJobs:
    """Jobs keyed by the caller's names (a table key); ``worker=False`` draws every job here."""

    def __init__(self, model: TextFieldModel, *, worker: bool | None = None):
        self.model = model
        self._worker = _start(model) if (can_share(model) if worker is None else worker) else None
        self._ready = False
        self._jobs: dict[str, _Job] = {}
        self._numbers: dict[str, int] = {}

    def has_worker(self, wait: bool = False) -> bool:
        """Whether a worker has loaded the model and takes jobs (``wait``: until it has, if there is one)."""
        self._collect(block=False)
        while wait and self._worker is not None and not self._ready:
            self._collect(block=True)
        return self._ready

    def submit(self, name: str, table: str, context: pa.Table, **kwargs) -> None:
        """Draw ``table``'s text for ``context`` (``generate_arrays``' keyword arguments) under ``name``."""
        rows = context.num_rows
        budget = self.model.max_values_per_column
        cost = min(rows, budget) if budget else rows
        self._jobs[name] = job = _Job(table, context, kwargs, cost * len(self.model.columns_of(table)))
        self._collect(block=False)
        if self._ready and not any(j.where == "worker" for j in self._jobs.values()):
            self._send(name, job)  # an idle worker takes it now

    def resolve(self) -> None:
        """Draw every pending job: the worker takes the larger share while it has less to do."""
        self._collect(block=False)
        pending = [n for n, j in self._jobs.items() if j.where == "pending"]
        here = pending
        if self._ready and pending:
            load = sum(j.cost for j in self._jobs.values() if j.where == "worker")
            mine, here = 0, []
            for name in sorted(pending, key=lambda n: -self._jobs[n].cost):
                if mine <= load:
                    here.append(name)
                    mine += self._jobs[name].cost
                else:
                    self._send(name, self._jobs[name])
                    load += self._jobs[name].cost
        for name in sorted(here, key=pending.index):
            self._draw_here(name)
        while any(j.where == "worker" for j in self._jobs.values()):
            self._collect(block=True)

    def done(self, name: str) -> bool:
        """Whether ``name``'s values are in (without waiting)."""
        self._collect(block=False)
        return self._jobs[name].where == "done"

    def take(self, name: str) -> dict[str, pa.Array]:
        """``name``'s values (drawing what is pending first); the job is then forgotten."""
        if self._jobs[name].where != "done":
            self.resolve()
        return self._jobs.pop(name).values

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker, self._ready = None, False

    def __enter__(self) -> TextJobs:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _draw_here(self, name: str) -> None:
        job = self._jobs[name]
        job.values, job.where = self.model.generate_arrays(job.table, job.context, **job.kwargs), "done"

    def _send(self, name: str, job: _Job) -> None:
        number = len(self._numbers)
        self._numbers[name] = number
        job.where = "worker"
        self._worker.send(number, job.table, job.context, job.kwargs)

    def _collect(self, block: bool) -> None:
        """Take the worker's answers that are in (``block``: wait for one at least)."""
        if self._worker is None:
            return
        inbox = self._worker.inbox
        while block or not inbox.empty():
            message = inbox.get()
            block = False
            if message == ("ready",):
                self._ready = True
                continue
            if message == ("ended",):
                if any(j.where == "worker" for j in self._jobs.values()):  # their values are lost with it
                    raise RuntimeError("the text worker process ended before it answered")
                self.close()  # e.g. it never loaded (its error is on stderr): what comes is drawn here
                return
            number, status, *rest = message
            name = next(n for n, k in self._numbers.items() if k == number)
            if status == "error":
                raise rest[0]
            job = self._jobs[name]
            job.values, job.where = rest[0], "done"
            self.model.generation_report_.update({(job.table, c): r for c, r in rest[1].items()})
