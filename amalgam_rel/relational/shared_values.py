"""Parents of one row that share a value more often than chance: matched together.

A route names an airline, a source and a destination airport; half of the real routes stay in
one country, and most are flown by a carrier of the source's or the destination's country.
Matched by degree alone, each parent is independent of the others, and the share of domestic
routes falls to what independent draws give (Σ p(country)², 6 % on openflights). The same holds
for any foreign keys of a row whose parents carry a column of the same name (a customer's region
and its sales rep's, a match's two teams' league).

Fitting measures, on the real rows, how often a matched key's parent holds the same value as
the parent of a key filled before it (a *partner*); partners beyond chance are kept, the driver
first (its parent is drawn with the row), the others best first (:func:`information`). Each value
of the first partner's keeps its own share (the United States' routes are mostly domestic,
Luxembourg's are not). On the rows not taking it, the other partners' values may agree among
themselves or not (an international route's airline from its source's country, or not): those
rows are counted per such *pattern*, and per pattern how often the parent takes each other
partner's value, or none (:class:`SharedValue`).

Sampling keeps the degree-exact multiset of matched parents (each parent keeps its number of
children) and only hands the slots out again: a row draws which partner value its parent should
hold (:func:`draw_targets`), and takes a slot holding it while one is left (:func:`share_slots`).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> slot_values = np.array(["a", "b", "a", "b"], dtype=object)
>>> target = np.array(["b", "a", "b", "a"], dtype=object)
>>> out, group = share_slots(slot_values, target, rng)
>>> bool((slot_values[out] == target).all())  # each row's slot now holds the value it drew
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MIN_ROWS = 50  # real rows with both keys filled: fewer prove nothing
MIN_LIFT = 0.05  # the equal share must beat chance by this much ...
MIN_RATIO = 2.0  # ... and be this many times chance
MAX_PARTNERS = 3  # partners per key (5 patterns of agreement among three)
PRIOR_ROWS = 20.0  # a first-partner value's own share is shrunk towards the overall share by this many rows
MAX_VALUES = 1000  # first-partner values with a share of their own (the most frequent)


@dataclass(frozen=True)
class SharedValue:
    """Matched FK ``fk`` gives its row a parent whose ``column`` holds the value of that column
    in the row's parent through one of ``partners`` (keys filled before: the driver, or keys
    matched earlier), best first.

    ``share`` is the real share of rows whose parent holds the first partner's value, and
    ``values[j]`` of the first partner's has a share of its own, ``shares[j]``. The other
    partners matter on the rows that do not: ``patterns[k]`` names how the partners' values
    agree on a row (:func:`pattern`), and ``outcomes[k][g]`` is the share of such rows whose
    parent holds the ``g``-th distinct value other than the first partner's.
    """

    fk: int
    column: str
    partners: tuple[int, ...]
    share: float
    chance: float  # the share independent sides would give the first partner's value
    patterns: tuple[str, ...] = ()
    outcomes: tuple[tuple[float, ...], ...] = ()
    values: tuple[str, ...] = ()
    shares: tuple[float, ...] = ()


def as_text(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Values as comparable strings (None where missing): an integer code and its text are one value."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    try:
        text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.full(len(values), None, dtype=object)
    return np.asarray(text.to_pylist(), dtype=object)


def pair_share(own: np.ndarray, partner: np.ndarray) -> tuple[float, float] | None:
    """(real equal share, chance's) on the rows holding both values, if beyond chance, else None."""
    both = np.array([a is not None and b is not None for a, b in zip(own, partner)], dtype=bool)
    if both.sum() < MIN_ROWS:
        return None
    own, partner = own[both], partner[both]
    share = float((own == partner).mean())
    chance = _chance(own, partner)
    if share < chance + MIN_LIFT or share < MIN_RATIO * chance:
        return None
    return share, chance


def information(share: float, chance: float) -> float:
    """What knowing that two values are equal tells, in nats: the divergence of the real equal
    share from chance's. A coarse column (a time-zone rule) is equal often, but by chance too;
    a finer one (the country) less often, and far beyond chance: the finer one wins.

    >>> round(information(0.48, 0.06), 2), round(information(0.75, 0.24), 2)
    (0.69, 0.58)
    """
    p, q = min(max(share, 1e-9), 1 - 1e-9), min(max(chance, 1e-9), 1 - 1e-9)
    return float(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))


def measure(fk: int, column: str, own: np.ndarray, partners: list[tuple[int, np.ndarray]],
            first: int | None = None) -> SharedValue | None:
    """The record of key ``fk`` over the ``partners`` (index, values per real row) that share
    ``column``'s value beyond chance; None when none does. Partner ``first`` (the driver: its
    parent is drawn with the row, not matched under constraints of its own) comes first when
    it qualifies, the others by :func:`information`."""
    scored = [(i != first, -information(*s), i, values) for i, values in partners
              if (s := pair_share(own, values)) is not None]
    if not scored:
        return None
    scored = sorted(scored, key=lambda t: t[:3])[:MAX_PARTNERS]
    columns = [values for *_, values in scored]
    share, chance = pair_share(own, columns[0])
    patterns, outcomes = _outcomes(own, columns)
    values, shares = _value_shares(own, columns[0], share)
    return SharedValue(fk, column, tuple(i for _, _, i, _ in scored), round(share, 6), round(chance, 6), patterns,
                       outcomes, values, shares)


def _value_shares(own: np.ndarray, first: np.ndarray, share: float) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Per value of the first partner's (the most frequent), the share of its rows taking it."""
    valid = np.array([a is not None and b is not None for a, b in zip(own, first)], dtype=bool)
    keys, inverse, counts = np.unique(first[valid].astype(str), return_inverse=True, return_counts=True)
    same = np.bincount(inverse, weights=(own[valid] == first[valid]), minlength=len(keys))
    top = np.sort(np.lexsort((keys, -counts))[:MAX_VALUES])
    shares = (same[top] + PRIOR_ROWS * share) / (counts[top] + PRIOR_ROWS)
    return tuple(keys[top].tolist()), tuple(round(float(s), 6) for s in shares)


def _chance(own: np.ndarray, partner: np.ndarray) -> float:
    """The equal share of two independent draws from the two columns' marginals."""
    a_keys, a_counts = np.unique(own.astype(str), return_counts=True)
    b_keys, b_counts = np.unique(partner.astype(str), return_counts=True)
    common, ia, ib = np.intersect1d(a_keys, b_keys, return_indices=True)
    return float((a_counts[ia] / len(own) * b_counts[ib] / len(partner)).sum()) if len(common) else 0.0


def pattern(values: tuple) -> tuple[str, tuple]:
    """How partner values agree: each partner's position among the distinct values ("-" where
    missing), and the distinct values in order of first appearance.

    >>> pattern(("FR", "DE", "FR"))
    ('0.1.0', ('FR', 'DE'))
    >>> pattern(("FR", None))
    ('0.-', ('FR',))
    """
    distinct: list = []
    marks = []
    for v in values:
        if v is None:
            marks.append("-")
            continue
        if v not in distinct:
            distinct.append(v)
        marks.append(str(distinct.index(v)))
    return ".".join(marks), tuple(distinct)


def _outcomes(own: np.ndarray, columns: list[np.ndarray]) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
    """Per pattern of the partners' agreement, among the rows not taking the first partner's
    value, the share taking each other distinct value."""
    counts: dict[str, np.ndarray] = {}
    for k, row in enumerate(zip(*columns)):
        if own[k] is None or (row[0] is not None and own[k] == row[0]):
            continue  # a row without this parent, or one taking the first partner's value
        name, distinct = pattern(row)
        rest = distinct[1:] if row[0] is not None else distinct
        tally = counts.setdefault(name, np.zeros(len(rest) + 1))
        tally[rest.index(own[k]) if own[k] in rest else len(rest)] += 1
    names = sorted(counts)
    return tuple(names), tuple(tuple(round(float(x), 6) for x in counts[n][:-1] / counts[n].sum()) for n in names)


def draw_targets(rule: SharedValue, partners: list[np.ndarray], slot_values: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """The value each row's parent should hold (None: any): the first partner's value at its
    share, else another partner's by the pattern of the partners' values; the slots holding a
    value by chance count towards its share."""
    n = len(slot_values)
    outcome = dict(zip(rule.patterns, rule.outcomes))
    own_share = dict(zip(rule.values, rule.shares))
    keys, counts = np.unique(slot_values[[v is not None for v in slot_values]].astype(str), return_counts=True)
    chance = dict(zip(keys.tolist(), (counts / max(n, 1)).tolist()))
    draws = rng.random(n)
    target = np.full(n, None, dtype=object)
    for k, row in enumerate(zip(*partners)):
        name, distinct = pattern(row)
        first = own_share.get(row[0], rule.share) if row[0] is not None else 0.0
        others = np.array(outcome.get(name, ()), dtype=np.float64)
        if len(others) != len(distinct) - (row[0] is not None):
            others = np.zeros(len(distinct) - (row[0] is not None))  # a pattern the real rows never showed
        p = np.concatenate([[first], (1 - first) * others]) if row[0] is not None else others
        c = np.array([chance.get(v, 0.0) for v in distinct])
        none = (1 - p.sum()) / max(1 - c.sum(), 1e-9)  # rows left to any slot still hit a value by chance
        hit = np.searchsorted(np.cumsum(np.clip(p - none * c, 0, None)), draws[k], side="right")
        if hit < len(distinct):
            target[k] = distinct[hit]
    return target


def share_slots(slot_values: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Slot positions handed out again: ``out[row]`` is the slot row ``row`` takes, a random slot
    holding its ``target`` value while such slots last, any slot left otherwise; and each row's
    group (its target's code, -1 for the rest) for an alignment within groups
    (:func:`.matching.align_to_values`)."""
    n = len(slot_values)
    wants = np.array([v is not None for v in target], dtype=bool)
    keys, codes = np.unique(np.concatenate([slot_values.astype(str), target.astype(str)]), return_inverse=True)
    slot_code = np.where(np.array([v is not None for v in slot_values], dtype=bool), codes[:n], -2)
    row_code = np.where(wants, codes[n:], -1)
    rows = np.flatnonzero(wants)
    rows = rows[np.lexsort((rng.random(len(rows)), row_code[rows]))]
    slots = np.lexsort((rng.random(n), slot_code))
    slots = slots[slot_code[slots] >= 0]
    # the k-th row wanting value v takes the k-th slot holding v, while there is one
    slot_at = dict(zip(zip(slot_code[slots].tolist(), _rank_within(slot_code[slots]).tolist()), slots.tolist()))
    out = np.full(n, -1, dtype=np.int64)
    group = np.full(n, -1, dtype=np.int64)
    for row, c, r in zip(rows.tolist(), row_code[rows].tolist(), _rank_within(row_code[rows]).tolist()):
        s = slot_at.get((c, r))
        if s is not None:
            out[row], group[row] = s, c
    used = np.zeros(n, dtype=bool)
    used[out[out >= 0]] = True
    out[out < 0] = rng.permutation(np.flatnonzero(~used))
    return out, group


def _rank_within(codes: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal ``codes`` (``codes`` sorted)."""
    if len(codes) == 0:
        return codes.astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    return np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
