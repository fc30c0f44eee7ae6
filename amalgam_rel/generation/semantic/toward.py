"""Generated values brought toward the length the table model drew and the form real values have.

The graphical model owns each generated column's length (``~name``, sampled jointly with the
row: an 8-row table of Calgary, Edmonton and Lethbridge asks for 7 to 10 letters), while Faker
picks names of any length. And a column's real values share a few *forms* (:func:`shape`: the
kinds of characters they are made of; ``andrew@chinookcorp.com`` has no digit and no ``_``,
``Speedy Express`` no comma), learned at fit time as shares of the real rows (:func:`learn_forms`:
kinds of characters, never a value), while Faker mixes its own. Each row asks for a length and
a form (:class:`Targets`); rows whose values miss them are drawn again, whole (a row's e-mail
stays built from its own name), a few rounds, and keep the nearest draw: a target is never a
reason to fail a row.

>>> import numpy as np
>>> words = iter(["Toronto", "Regina", "Edmonton"])
>>> redraw = lambda rows: {"city": [next(words) for _ in rows]}
>>> toward({"city": ["Vancouver", "Whitehorse"]}, {"city": Targets(np.array([7.0, 8.0]))}, redraw)
{'city': ['Toronto', 'Edmonton']}
>>> shape("+1 (780) 428-9482"), shape("780-428-9482"), shape("T5K 2N1"), shape("ana.lopez@mail.com")
(' ()+-9', '-9', ' 9A', '.@a')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

ROUNDS = 4  # fresh draws a row gets toward its targets (each only for the rows still off)
# rounds of fresh values shared by a column's rows still off (:func:`toward_pooled`): on TPC-H's
# addresses (lengths 10-40, Faker's 13-32, and forms Faker never writes) 2 rounds cost 1.65 calls
# a row and miss the lengths by 2.7 characters on average, where :func:`toward` cost 5 and missed by 4.0
POOLED_ROUNDS = 2
FORM_MISS = 4.0  # a value of another form costs as much as this many characters off its length
MAX_FORMS = 12  # most frequent forms a column keeps
_RUN = re.compile(r"[^\W\d_]+|\d+")


def shape(value: str) -> str:
    """A value's form as the kinds of characters it is made of, whatever their order and number:
    ``9`` digits, ``A`` a capitalised word, ``a`` a lower-case word, every other character as itself; sorted."""
    kinds = set(_RUN.sub("", value))
    for run in _RUN.findall(value):
        kinds.add("9" if run[0].isdigit() else "A" if run[0].isupper() else "a")
    return "".join(sorted(kinds))


def learn_forms(values: Sequence[object]) -> tuple[tuple[str, float], ...]:
    """The :data:`MAX_FORMS` most frequent forms of the non-NULL ``values`` and their shares of them.

    >>> learn_forms(["Calgary", "Edmonton", "Red Deer", None])
    (('A', 0.667), (' A', 0.333))
    """
    counts = Counter(shape(str(v)) for v in values if v is not None)
    top = counts.most_common(MAX_FORMS)
    total = sum(c for _, c in top)
    return tuple((form, round(c / total, 3)) for form, c in top)


def draw_forms(forms: tuple[tuple[str, float], ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """A form per row, by the shares of ``forms``."""
    names = np.array([f for f, _ in forms], dtype=object)
    shares = np.array([s for _, s in forms], dtype=float)
    return names[rng.choice(len(names), size=n, p=shares / shares.sum())]


@dataclass(frozen=True)
class Targets:
    """One column's wanted ``lengths`` (NaN: none) and ``forms`` (None: any) per row."""

    lengths: np.ndarray | None = None
    forms: np.ndarray | None = None

    def take(self, rows) -> Targets:
        return Targets(None if self.lengths is None else self.lengths[rows], None if self.forms is None else self.forms[rows])


def misses(values: dict[str, list], targets: dict[str, Targets]) -> np.ndarray:
    """Per row, how far its values are from their targets: the characters beyond a tolerance of
    a tenth of the wanted length (none under 10), plus :data:`FORM_MISS` per value of another form."""
    n = len(next(iter(values.values()))) if values else 0
    cost = np.zeros(n)
    for column, t in targets.items():
        for i, value in enumerate(values[column]):
            if value is None:
                continue
            if t.lengths is not None and np.isfinite(t.lengths[i]):
                cost[i] += max(0.0, abs(len(value) - t.lengths[i]) - int(t.lengths[i] // 10))
            if t.forms is not None and t.forms[i] is not None and shape(value) != t.forms[i]:
                cost[i] += FORM_MISS
    return cost


def toward(values: dict[str, list], targets: dict[str, Targets],
           redraw: Callable[[list[int]], dict[str, list]], rounds: int = ROUNDS) -> dict[str, list]:
    """``values`` (``{column: row values}``) with rows off their ``targets`` replaced by a nearer
    draw of ``redraw(rows)`` (every column of those rows, in their order), for up to ``rounds``
    rounds; columns without targets are carried along with their row."""
    targets = {c: t for c, t in targets.items() if c in values}
    if not targets:
        return values
    cost = misses(values, targets)
    for _ in range(rounds):
        rows = [int(i) for i in np.flatnonzero(cost > 0)]
        if not rows:
            break
        fresh = redraw(rows)
        fresh_cost = misses(fresh, {c: t.take(rows) for c, t in targets.items()})
        for j, i in enumerate(rows):
            if fresh_cost[j] < cost[i]:
                cost[i] = fresh_cost[j]
                for column in values:
                    values[column][i] = fresh[column][j]
    return values


def toward_pooled(values: list, targets: Targets, draw: Callable[[int], list], rounds: int = POOLED_ROUNDS) -> list:
    """``values`` of a column whose values do not depend on their row (any of its values could go
    to any row of the locale), handed to the rows by their targets: each round, a value goes to a
    row whose length and form it meets (the nearest length first), and the rows left get
    ``draw(k)`` fresh values between them — only the rows some value seen so far would meet, so
    a length or form Faker never writes costs no call — up to ``rounds`` rounds; rows still left
    take the unmet values nearest in length (the shortest for the shortest asked), rows without
    a target what remains. About one call a value, where :func:`toward` makes one per row and
    round whichever rows a fresh value would have suited.

    >>> toward_pooled(["Regina", "Vancouver", "Edmonton"], Targets(np.array([9.0, 6.0, np.nan])), lambda k: [])
    ['Vancouver', 'Regina', 'Edmonton']
    """
    n = len(values)
    pool = _Pool(list(values))
    lengths = np.full(n, np.nan) if targets.lengths is None else np.asarray(targets.lengths, dtype=float)
    forms = np.full(n, None, dtype=object) if targets.forms is None else np.asarray(targets.forms, dtype=object)
    asks = np.isfinite(lengths) | (forms != None)  # noqa: E711 - elementwise
    given = np.full(n, -1, dtype=np.int64)
    for round_ in range(rounds + 1):
        left = np.flatnonzero(asks & (given < 0))
        pool.meet(left, lengths, forms, given)
        left = np.flatnonzero(asks & (given < 0))
        hopeful = left[pool.seen_meets(left, lengths, forms)] if round_ < rounds else left[:0]
        if not len(hopeful):
            break
        pool.add(draw(len(hopeful)))
    pool.nearest(np.flatnonzero(asks & (given < 0)), lengths, given)
    rest = np.flatnonzero(given < 0)
    given[rest] = pool.take_any(len(rest))
    return [pool.values[i] for i in given.tolist()]


class _Pool:
    """Values drawn for a column, by form and length, each given to one row at most."""

    def __init__(self, values: list):
        self.values: list = []
        self._free: dict[tuple[str, int], list[int]] = {}  # (form, length) -> unused values, first drawn first
        self._seen: Counter = Counter()  # (form, length) -> values ever drawn
        self.add(values)

    def add(self, values: list) -> None:
        for value in values:
            key = (shape(value), len(value))
            self._free.setdefault(key, []).append(len(self.values))
            self._seen[key] += 1
            self.values.append(value)
        for stack in self._free.values():
            stack.sort(reverse=True)  # popped from the end: the first drawn goes first

    def _window(self, length: float, form) -> list[tuple[str, int]]:
        """The (form, length) keys meeting a row's targets, nearest length first; a form never
        drawn is no target (every value misses it alike: the length alone tells them apart)."""
        keys = [k for k in self._seen if form is None or k[0] == form]
        if not keys:
            keys = list(self._seen)
        if not np.isfinite(length):
            return keys
        slack = int(length // 10)
        near = [k for k in keys if abs(k[1] - length) - slack <= 0]
        return sorted(near, key=lambda k: (abs(k[1] - length), k[1], k[0]))

    def meet(self, rows: np.ndarray, lengths: np.ndarray, forms: np.ndarray, given: np.ndarray) -> None:
        """Each row in ``rows`` (grouped by targets, the groups in row order) a free value meeting its targets, if any."""
        for (length, form), members in _groups(rows, lengths, forms):
            if not np.isfinite(length):  # a form alone: its values in the order drawn, whatever their length
                window = self._window(length, form)
                chosen = sorted(i for key in window for i in self._free.get(key, ()))[:len(members)]
                given[members[:len(chosen)]] = chosen
                self._drop(set(chosen))
                continue
            at = 0
            for key in self._window(length, form):
                stack = self._free.get(key)
                while stack and at < len(members):
                    given[members[at]] = stack.pop()
                    at += 1
                if at == len(members):
                    break

    def seen_meets(self, rows: np.ndarray, lengths: np.ndarray, forms: np.ndarray) -> np.ndarray:
        """Per row, whether any value drawn so far meets its targets."""
        out = np.zeros(len(rows), dtype=bool)
        position = {int(r): j for j, r in enumerate(rows)}
        for (length, form), members in _groups(rows, lengths, forms):
            if self._window(length, form):
                out[[position[m] for m in members]] = True
        return out

    def nearest(self, rows: np.ndarray, lengths: np.ndarray, given: np.ndarray) -> None:
        """``rows`` the free values nearest their lengths: the rows by length, the shorter of them
        (below the free values' median) the shortest values, the others the longest."""
        if not len(rows):
            return
        free = sorted((k[1], i) for k, stack in self._free.items() for i in stack)
        wanted = np.where(np.isfinite(lengths[rows]), lengths[rows], np.inf)
        order = rows[np.argsort(wanted, kind="stable")]
        short = int(np.sum(wanted < free[len(free) // 2][0])) if free else 0
        chosen = [i for _, i in free[:short]] + [i for _, i in free[len(free) - (len(rows) - short):]]
        given[order] = chosen
        self._drop(set(chosen))

    def take_any(self, k: int) -> list[int]:
        """``k`` free values, first drawn first."""
        free = sorted(i for stack in self._free.values() for i in stack)[:k]
        self._drop(set(free))
        return free

    def _drop(self, taken: set[int]) -> None:
        if taken:
            for stack in self._free.values():
                stack[:] = [i for i in stack if i not in taken]


def _groups(rows: np.ndarray, lengths: np.ndarray, forms: np.ndarray):
    """``rows`` grouped by their (length, form) targets: ((length, form), [rows]) in order of each group's first row."""
    groups: dict[tuple, list[int]] = {}
    for r in rows.tolist():
        length = lengths[r]
        groups.setdefault((length if np.isfinite(length) else np.nan, forms[r]), []).append(r)
    return groups.items()
