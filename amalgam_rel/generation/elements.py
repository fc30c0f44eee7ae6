"""Element frequencies of a LIST of vocabulary elements: statistics the draws are thinned towards.

When a list's elements form a small vocabulary (an enum learned from the data, see
:func:`amalgam_rel.generation.json_schema.type_schema`), how often each element occurs is a
statistic, like a text's length. The compact model gets it wrong where the row's context is
unusual: with each context column drawn on its own, US regional jets (CRJ, ERJ) paired with
European airports came out at half their rate and 319 a third too often (openflights equipment,
element TV complement 0.85 against 0.88 for lists drawn from the real ones).

So the plan keeps the real element counts, and a generation call compares them with the
elements of its own first draws: a draw is kept with probability ``min(1, p/q)`` (the geometric
mean over its elements of real share ``p`` over drawn share ``q``), else redrawn. Over-drawn
elements are thinned towards their real share; the rest keep the model's conditional
choice. Drawn in a loop, a list is kept with probability proportional to ``min(p, q)``, so
the extra draws are about the total variation (15 % on openflights). The rows of one call are
taken to be a sample of the whole table (as ``synth`` and ``sample`` call it), and the draws
must be numerous enough for ``q`` to mean something (:data:`MIN_DRAWN` per element).

>>> thin = Thinning.of((("a", 50), ("b", 50)), [["a"], ["a"], ["a"], ["b"]] * 100, min_drawn=1)
>>> round(thin.keep(["a"]), 3), thin.keep(["b"]), thin.keep([])
(0.667, 1.0, 1.0)
>>> Thinning.of((("a", 50), ("b", 50)), [["a"]] * 3) is None  # too few draws to judge
True
>>> has_repeats({"type": "array", "uniqueItems": True}, '["a","b","a"]'), has_repeats({"type": "array"}, '["a","a"]')
(True, False)
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass

MIN_DRAWN = 2.0  # drawn elements per vocabulary element before their shares are compared


def element_counts(schema: dict | None, values: list) -> tuple[tuple[str, int], ...]:
    """(element, real occurrences) of a LIST column whose items are an enum, else ().

    JSON documents that are arrays are left out: their values come as text, not lists.
    """
    schema = schema or {}
    items = schema.get("items") if schema.get("type") == "array" and not schema.get("x-map") else None
    if not items or "enum" not in items or not all(isinstance(v, list | tuple) for v in values if v is not None):
        return ()
    vocabulary = set(items["enum"])
    counts = Counter(x for v in values if v is not None for x in v if x in vocabulary)
    return tuple(sorted(counts.items()))


@dataclass(frozen=True)
class Thinning:
    """Per element, the chance a draw holding it is kept: real share over drawn share, at most 1."""

    ratio: dict

    @classmethod
    def of(cls, counts: tuple[tuple[str, int], ...], drawn: list, min_drawn: float = MIN_DRAWN) -> Thinning | None:
        """From the real counts and this call's first draws (lists); None when too few to judge."""
        seen = Counter(x for v in drawn if v is not None for x in v)
        n_seen, n_real = sum(seen.values()), sum(n for _, n in counts)
        if not counts or n_seen < min_drawn * len(counts):
            return None
        ratio = {x: (n / n_real) / (seen[x] / n_seen) for x, n in counts if seen[x]}
        return cls(ratio)

    def keep(self, value) -> float:
        if not value:
            return 1.0
        log = sum(math.log(self.ratio.get(x, 1.0)) for x in value) / len(value)
        return min(1.0, math.exp(log))


def has_repeats(schema: dict | None, text: str) -> bool:
    """Whether a drawn list repeats an element where no real list does (``uniqueItems``).

    Decoding drops the repeats (see :func:`.json_schema.to_duckdb_json`), which leaves the list
    shorter than the row asked for; while attempts are plenty, the row is redrawn instead.
    """
    if not (schema or {}).get("uniqueItems"):
        return False
    try:
        items = json.loads(text)
    except ValueError:
        return False
    return isinstance(items, list) and len({json.dumps(x, sort_keys=True) for x in items}) < len(items)
