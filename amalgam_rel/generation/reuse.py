"""The generation budget: which rows the language model writes, and which reuse a drawn value.

A six-million-row comment column cannot cost six million model calls on a laptop.
:func:`reuse_plan` keeps at most ``per_context`` draws per distinct context and at most ``most``
draws in all — a uniform sample of the rows, so each context keeps its frequency — and gives
every other row the value of a drawn row with the same context or, failing that, the longest
shared prefix of it (prompt columns come strongest-first, so the first ones matter most).

>>> import random
>>> keys = [("a", "x"), ("a", "y"), ("b", "x"), ("a", "x")]
>>> reuse_plan(keys, [0, 1, 2, 3], per_context=1, most=None, rng=random.Random(0))
([0, 1, 2], {3: 0})
>>> draw, reuse = reuse_plan(keys, [0, 1, 2, 3], per_context=None, most=2, rng=random.Random(1))
>>> len(draw), sorted(reuse) == sorted(set(range(4)) - set(draw))
(2, True)
"""

from __future__ import annotations

import random
from collections.abc import Sequence

# Language-model values per column and table: the budget that keeps a 6M-row comment column at
# minutes, not days. Rows past it reuse a value drawn for a context like theirs.
DEFAULT_MAX_VALUES = 2000


def reuse_plan(keys: Sequence[tuple], wanted: list[int], per_context: int | None, most: int | None,
               rng: random.Random) -> tuple[list[int], dict[int, int]]:
    """(rows to draw, {row: drawn row whose value it takes}) for the rows in ``wanted``."""
    draw = list(wanted)
    if per_context:
        by_key: dict[tuple, list[int]] = {}
        for i in wanted:
            by_key.setdefault(keys[i], []).append(i)
        draw = sorted(i for members in by_key.values() for i in members[:per_context])
    if most and len(draw) > most:
        draw = sorted(rng.sample(draw, most))
    if len(draw) == len(wanted):
        return draw, {}
    width = len(keys[draw[0]])
    by_prefix: list[dict[tuple, list[int]]] = [{} for _ in range(width + 1)]
    for i in draw:
        for j in range(width + 1):
            by_prefix[j].setdefault(keys[i][:j], []).append(i)
    drawn = set(draw)
    reuse = {}
    for i in wanted:
        if i in drawn:
            continue
        for j in range(width, -1, -1):
            pool = by_prefix[j].get(keys[i][:j])
            if pool:
                reuse[i] = pool[rng.randrange(len(pool))]
                break
    return draw, reuse
