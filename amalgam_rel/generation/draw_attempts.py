"""Drawing a column's values row by row, with retries, until each is accepted or given up.

Every attempt asks the sampler for the rows still to fill (retries several draws per row, later
ones slightly hotter), and a draw is kept only when DuckDB accepts it (:mod:`.checks`), it is no
guarded copy of a real value, no frequent value the graphical model left to others, no repeat in
a UNIQUE column, and near the length its row asked for. A NOT NULL row no attempt fills takes a
value accepted for another row; a nullable one is left NULL.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from amalgam_rel.errors import DataError
from amalgam_rel.generation.checks import Validator
from amalgam_rel.generation.copy_guard import CopyGuard
from amalgam_rel.generation.elements import Thinning, has_repeats
from amalgam_rel.generation.lengths import bucket_floor, length_bucket, length_column, value_length
from amalgam_rel.generation.list_categories import key_of
from amalgam_rel.generation.output_types import OutputSpec
from amalgam_rel.generation.prompts import render_prompt
from amalgam_rel.generation.row_context import RowContext
from amalgam_rel.generation.shapes import shape_column
from amalgam_rel.generation.text_plan import ColumnPlan
from amalgam_rel.generation.word_units import letter_units

SMALL_TABLE = 500  # rows: below this, each value's length is a visible step of the length distribution
NO_CEILING = 2**31  # characters: a draw whose length no rule bounds


@dataclass
class ColumnReport:
    """What generating one column took: validity, retries, copies, duplicates."""

    rows: int = 0
    sampled: int = 0  # candidates drawn from the model
    first_pass_valid: int = 0  # accepted by DuckDB on the first draw
    first_pass_drawn: int = 0
    invalid: int = 0  # candidates DuckDB refused (regenerated)
    copies: int = 0  # verbatim copies of a real value (regenerated when the guard is on)
    first_pass_copies: int = 0
    output_copies: int = 0  # copies kept (only with the guard off)
    duplicates: int = 0  # repeats in a unique column (regenerated)
    length_misses: int = 0  # valid, but far from the length the row asked for (regenerated)
    element_misses: int = 0  # lists thinned for over-drawn or repeated elements (regenerated, see .elements)
    frequent: int = 0  # rows given a frequent real value the graphical model chose (no model call)
    frequent_repeats: int = 0  # draws equal to a frequent value in a row meant for a new one (regenerated)
    reused: int = 0  # rows served from the K distinct values of their context bucket
    null_fallbacks: int = 0  # rows of a nullable column left NULL when every attempt failed
    value_fallbacks: int = 0  # rows of a NOT NULL column given another row's value when every attempt failed
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def first_pass_validity(self) -> float:
        return self.first_pass_valid / self.first_pass_drawn if self.first_pass_drawn else 1.0

    @property
    def copy_rate(self) -> float:
        """Share of first draws that copy a real value verbatim: what the model does unguarded."""
        return self.first_pass_copies / self.first_pass_drawn if self.first_pass_drawn else 0.0

    @property
    def output_copy_rate(self) -> float:
        """Share of generated rows holding a verbatim copy (0 with the guard on)."""
        return self.output_copies / self.rows if self.rows else 0.0

    @property
    def duplicate_rate(self) -> float:
        return self.reused / self.rows if self.rows else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"first_pass_validity": self.first_pass_validity, "copy_rate": self.copy_rate,
                               "output_copy_rate": self.output_copy_rate,
                               "duplicate_rate": self.duplicate_rate}


@dataclass(frozen=True)
class DrawSettings:
    """The text model's parameters that drawing reads (see :class:`.text_model.TextFieldModel`)."""

    seed: int
    max_attempts: int
    temperature: float
    copy_guard: bool
    guard: CopyGuard | None  # None: a loaded model not screened against the real values
    named: bool  # prompts name their columns (a user's model); the compact one reads positions
    batch: int  # rows per model call: retries fill it with several draws per row
    max_distinct_per_context: int | None
    max_values_per_column: int | None


def exact_length_column(length_name: str) -> str:
    """The row-context name of the graphical model's exact length (the prompt reads the bucket)."""
    return "#" + length_name



@dataclass(frozen=True)
class _Targets:
    """What each drawn row asks for: its prompt, length bucket and exact length, document shape, context."""

    prompts: dict[int, str]
    wanted_length: dict | None
    exact_length: dict | None
    shape_of: dict
    context: dict[int, dict]
    small: bool


@dataclass(frozen=True)
class _Attempt:
    """One sampler call: the row of each slot, its draw, decoded text, DuckDB's verdict and value."""

    number: int
    slots: list[int]
    drawn: list
    decoded: list
    ok: list
    cast: list
    reps: int
    slack: int | None


class ColumnDraw:
    """The draws of one column for one call of ``generate``: the values kept so far and their texts."""

    def __init__(self, plan: ColumnPlan, rows: RowContext, settings: DrawSettings, sampler, validator: Validator,
                 report: ColumnReport, rng: np.random.Generator, avoid: frozenset = frozenset()):
        self.plan, self.rows, self.settings, self.sampler = plan, rows, settings, sampler
        self.validator, self.report, self.rng, self.avoid = validator, report, rng, avoid
        self.values: dict[int, Any] = {}
        self.texts: dict[int, str] = {}  # accepted decoded text per drawn row, to recheck where reused
        self.seen: set = set()

    def draw(self, draw: list[int]) -> None:
        """Fill ``values[i]`` for every ``i`` in ``draw`` from the model, regenerating refusals."""
        if not draw:
            return
        targets = self._targets(draw)
        # the model's draws: a torch stream of this column's own, never torch's global one
        tokens_rng = torch.Generator().manual_seed(int(self.rng.integers(2**63)))
        todo = list(draw)
        thinning: Thinning | None = None
        max_attempts = self.settings.max_attempts
        for number in range(max_attempts):
            if not todo:
                break
            attempt = self._attempt(targets, todo, number, tokens_rng)
            if number == 0 and self.plan.elements:
                thinning = Thinning.of(self.plan.elements, [v for v, good in zip(attempt.cast, attempt.ok) if good])
            # thinning, like the exact length, only while draws are cheap: a row never fails for it
            done = self._keep(attempt, targets, thinning if number < max_attempts // 4 else None)
            todo = [i for i in todo if i not in done]
        self._give_up(todo)

    def _targets(self, draw: list[int]) -> _Targets:
        plan, rows = self.plan, self.rows
        prompts = dict(zip(draw, (render_prompt(plan.table, plan.column, r, plan.prompt_columns, tag=plan.tag,
                                                named=self.settings.named)
                                  for r in rows.records(plan.prompt_columns, draw))))
        wanted_length = exact_length = None
        if plan.length_buckets:
            length = length_column(plan.column)
            wanted_length = dict(zip(draw, rows.take([length], draw)[length]))
            if exact_length_column(length) in rows.names:
                name = exact_length_column(length)
                exact_length = dict(zip(draw, rows.take([name], draw)[name]))
        small = rows.n < SMALL_TABLE
        shape_of = dict(zip(draw, rows.take([shape_column(plan.column)], draw)[shape_column(plan.column)])) \
            if plan.shapes else {}
        context = dict(zip(draw, rows.records(list(self.validator.context_types), draw)))
        return _Targets(prompts, wanted_length, exact_length, shape_of, context, small)

    def _attempt(self, targets: _Targets, todo: list[int], number: int, tokens_rng: torch.Generator) -> _Attempt:
        plan, max_attempts = self.plan, self.settings.max_attempts
        wanted_length, exact_length = targets.wanted_length, targets.exact_length
        # the asked-for length bucket first, a neighbouring one next, then any length: the
        # graphical model's length is a target, never a reason to fail a row
        slack = 0 if number < max_attempts // 4 else 1 if number < max_attempts // 2 else None
        # retries fill the batch with several draws per row (free: the batch runs anyway), and
        # later ones run slightly hotter, which helps a row out of a copied or invalid rut
        reps = 1 if number == 0 else max(1, min(8, self.settings.batch // len(todo)))
        slots = [i for i in todo for _ in range(reps)]
        # hotter only once any length will do: a hot draw is long, and would be kept for
        # rows that asked for short text
        heat = number if slack is None or wanted_length is None else 0
        # a text shorter than the bucket it must land in would be refused: it may not end before
        # the bucket's first length (where its constraint allows it to go on)
        floors = [_shortest(wanted_length[i], slack) for i in slots] \
            if wanted_length is not None and slack is not None and plan.spec.mode == "text" else None
        if floors is not None and exact_length is not None and number < max_attempts // 4:
            floors = [max(f, _nearest_allowed(exact_length[i], number, targets.small)) for f, i in zip(floors, slots)]
        # nor go on past the longest length it could be kept at: such a draw is refused whatever
        # it writes next, and a batch's last steps (a few rows each, as dear as a full one) are mostly these
        ceilings = {} if floors is None or not getattr(self.sampler, "takes_max_chars", False) else \
            {"max_chars": [_longest(wanted_length[i], slack, None if exact_length is None else exact_length[i], number,
                                    max_attempts, targets.small) for i in slots]}
        drawn = self.sampler(plan, [targets.prompts[i] for i in slots], self.settings.temperature * (1 + 0.1 * heat),
                             [targets.shape_of.get(i) for i in slots], floors, tokens_rng, **ceilings)
        decoded = [_decode(plan.spec, t) for t in drawn]
        ctx = {n: [targets.context[i][n] for i in slots] for n in self.validator.context_types}
        ok, cast = self.validator.check([d if d is not None else "" for d in decoded], ctx)
        self.report.sampled += len(slots)
        return _Attempt(number, slots, drawn, decoded, ok, cast, reps, slack)

    def _keep(self, attempt: _Attempt, targets: _Targets, thin: Thinning | None) -> set[int]:
        """Keep the first acceptable draw of each row; the rows filled."""
        done: set[int] = set()
        order = range(len(attempt.slots))
        exact_length = targets.exact_length
        if exact_length is not None and attempt.reps > 1:  # of a row's several draws, try the nearest length first
            order = sorted(order, key=lambda k: _distance(attempt.cast[k], exact_length[attempt.slots[k]])
                           if attempt.ok[k] else np.inf)
        for k in order:
            i = attempt.slots[k]
            if i in done or not self._acceptable(attempt, k, targets, thin):
                continue
            self.values[i] = attempt.cast[k]
            self.texts[i] = attempt.decoded[k]
            done.add(i)
        return done

    def _acceptable(self, attempt: _Attempt, k: int, targets: _Targets, thin: Thinning | None) -> bool:
        """Whether draw ``k`` may stand for its row; every refusal is counted in the report."""
        plan, report, number = self.plan, self.report, attempt.number
        i, text, d, value = attempt.slots[k], attempt.drawn[k], attempt.decoded[k], attempt.cast[k]
        good = attempt.ok[k] and d is not None
        if number == 0:
            report.first_pass_drawn += 1
            report.first_pass_valid += good
        if not good:
            report.invalid += 1
            return False
        copy = plan.guarded and self.settings.guard is not None and self.settings.guard.is_copy(text)
        if copy and not self._copy_allowed(text, number):
            return False
        if self.avoid and (key_of(value) if isinstance(value, list) else value) in self.avoid:  # a frequent value the graphical model did not choose for this row
            report.frequent_repeats += 1
            return False
        if number < self.settings.max_attempts // 2 and has_repeats(plan.spec.schema, text):
            report.element_misses += 1  # later on, the list with its repeats dropped will do
            return False
        if not self._length_fits(value, i, targets, attempt):
            report.length_misses += 1
            return False
        if thin is not None and self.rng.random() >= thin.keep(value):
            report.element_misses += 1
            return False
        report.output_copies += copy
        key = _hashable(value)
        if plan.unique and key in self.seen:
            report.duplicates += 1
            return False
        self.seen.add(key)
        return True

    def _copy_allowed(self, text: str, number: int) -> bool:
        """A verbatim copy of a rare real value is counted, and kept only with the guard off, or late."""
        self.report.copies += 1
        self.report.first_pass_copies += number == 0
        # a code's pattern can leave little room besides the real codes, and a column of
        # one-word names little room besides its public words: late draws may repeat a
        # real code or word (kept, and counted) rather than fail the row
        one_word = self.plan.words is not None and len(letter_units(text)) <= 1
        late = (self.plan.spec.key_like or one_word) and number >= self.settings.max_attempts * 3 // 4
        return not self.settings.copy_guard or late

    def _length_fits(self, value: Any, i: int, targets: _Targets, attempt: _Attempt) -> bool:
        """Within the attempt's slack of the bucket asked for and, on the first quarter of the
        attempts, near the exact length (a bucket spans ~40 % of its lengths)."""
        if targets.wanted_length is not None and attempt.slack is not None \
                and not _near(value, targets.wanted_length[i], attempt.slack):
            return False
        return not (attempt.number < self.settings.max_attempts // 4 and targets.exact_length is not None
                    and not _close(value, targets.exact_length[i], attempt.number, targets.small))

    def _give_up(self, todo: list[int]) -> None:
        plan = self.plan
        if todo and not plan.nullable:
            todo = self._reuse_accepted(todo)
        for _ in todo:
            if not plan.nullable:
                report = self.report
                raise DataError(
                    f"could not generate a valid value for {plan.table}.{plan.column} in {self.settings.max_attempts} "
                    f"attempts ({report.invalid} invalid, {report.copies} copies, {report.duplicates} duplicates); "
                    "relax its constraints or raise max_attempts"
                )
            self.report.null_fallbacks += 1

    def _reuse_accepted(self, todo: list[int]) -> list[int]:
        """A NOT NULL row no draw could fill takes a value accepted for another row (that its own
        CHECKs accept); the rows left are returned. Not for a UNIQUE column.

        A column whose real values are few and each held by one row (20 country names) has no
        new value left once the copy guard refuses the real ones: at ``--scale 40`` its 800 rows
        failed the whole synthesis although many had been filled.
        """
        pool = list(self.texts)
        if self.plan.unique or not pool:
            return todo
        values, texts, validator = self.values, self.texts, self.validator
        for _ in range(4):
            picks = self.rng.choice(pool, size=len(todo))
            ok, _ = validator.check([texts[k] for k in picks.tolist()], self.rows.take(validator.context_types, todo))
            left = []
            for i, k, good in zip(todo, picks.tolist(), ok):
                if good:
                    values[i], texts[i] = values[k], texts[k]
                    self.report.value_fallbacks += 1
                else:
                    left.append(i)
            todo = left
            if not todo:
                break
        return todo


def _decode(spec: OutputSpec, text: str) -> str | None:
    try:
        return spec.decode(text)
    except (ValueError, KeyError, TypeError):
        return None


def _near(value: Any, bucket: str | None, slack: int) -> bool:
    """Whether a value's length falls within ``slack`` buckets of the one asked for."""
    if bucket is None:
        return True
    return abs(int(length_bucket(value_length(value))[1:]) - int(bucket[1:])) <= slack


def _shortest(bucket: str | None, slack: int) -> int:
    """The fewest characters a value may have to fall within ``slack`` buckets of ``bucket``."""
    return 0 if bucket is None else bucket_floor(f"L{max(0, int(bucket[1:]) - slack)}")


def _longest(bucket: str | None, slack: int, exact: float | None, attempt: int, max_attempts: int,
             small: bool) -> int:
    """The most characters a value may have and still be kept (:meth:`ColumnDraw._length_fits`):
    within ``slack`` buckets of ``bucket`` and, on the first quarter of the attempts, near the
    exact length (one character to spare against rounding)."""
    longest = NO_CEILING if bucket is None else bucket_floor(f"L{int(bucket[1:]) + slack + 1}") - 1
    if attempt < max_attempts // 4 and exact is not None and not np.isnan(exact):
        longest = min(longest, int(np.floor(exact + _tolerance(exact, attempt, small))) + 1)
    return longest


def _close(value: Any, wanted: float, attempt: int, small: bool) -> bool:
    """Whether a value's length is near enough the graphical model's exact one for this attempt.

    In a small table the first draw must come within 3 % (the exact length below 34 characters):
    a 9-row table's lengths are judged by a KS step of 1/9, and 10 %-or-one-character let a
    13-character phone number stand for a 14-character one (northwind employees.home_phone length
    KS-c 0.56). In a large table those one-character misses average out, and insisting cost
    openflights 24 % more draws for nothing. Retries, several draws per row, accept 10 % (at least
    one character), the nearest first.
    """
    n = value_length(value)
    return n is None or abs(n - wanted) <= _tolerance(wanted, attempt, small)


def _tolerance(wanted: float, attempt: int, small: bool) -> float:
    return 0.03 * wanted if attempt == 0 and small else max(1.0, 0.1 * wanted)


def _nearest_allowed(wanted: float | None, attempt: int, small: bool) -> int:
    """The fewest characters :func:`_close` accepts for ``wanted``."""
    if wanted is None or np.isnan(wanted):
        return 0
    return int(np.ceil(wanted - _tolerance(wanted, attempt, small)))


def _distance(value: Any, wanted: float) -> float:
    n = value_length(value)
    return 0.0 if n is None or wanted is None or np.isnan(wanted) else abs(n - wanted)


def _hashable(v: Any):
    return json.dumps(_string_keys(v), sort_keys=True, default=str) if isinstance(v, dict | list | tuple) else v


def _string_keys(v: Any):
    """JSON takes only string keys: a MAP keyed by DECIMAL or TIMESTAMP values is spelled out."""
    if isinstance(v, dict):
        return {str(k): _string_keys(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_string_keys(x) for x in v]
    return v
