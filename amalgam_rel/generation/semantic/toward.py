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
