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


def _pair_share(own: np.ndarray, partner: np.ndarray, n_values: int) -> tuple[float, float] | None:
    """(real equal share, chance's) of two columns' codes (-1 missing) on the rows holding both,
    if beyond chance, else None."""
    both = (own >= 0) & (partner >= 0)
    rows = int(both.sum())
    if rows < MIN_ROWS:
        return None
    own, partner = own[both], partner[both]
    share = float((own == partner).mean())
    # two independent draws from the two columns' marginals
    chance = float((np.bincount(own, minlength=n_values) / rows * np.bincount(partner, minlength=n_values) / rows).sum())
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
    vocab, codes = _encode([own] + [values for _, values in partners])
    own_code = codes[:, 0]
    scored = [(i != first, -information(*found), i, j) for j, (i, _) in enumerate(partners, start=1)
              if (found := _pair_share(own_code, codes[:, j], len(vocab))) is not None]
    if not scored:
        return None
    scored = sorted(scored, key=lambda t: t[:3])[:MAX_PARTNERS]
    columns = codes[:, [j for *_, j in scored]]
    share, chance = _pair_share(own_code, columns[:, 0], len(vocab))
    patterns, outcomes = _outcomes(own_code, columns)
    values, shares = _value_shares(vocab, own_code, columns[:, 0], share)
    return SharedValue(fk, column, tuple(i for _, _, i, _ in scored), round(share, 6), round(chance, 6), patterns,
                       outcomes, values, shares)


def _value_shares(vocab: np.ndarray, own: np.ndarray, first: np.ndarray, share: float
                  ) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Per value of the first partner's (the most frequent), the share of its rows taking it."""
    valid = (own >= 0) & (first >= 0)
    counts = np.bincount(first[valid], minlength=len(vocab))
    same = np.bincount(first[valid], weights=(own[valid] == first[valid]), minlength=len(vocab))
    seen = np.flatnonzero(counts)
    top = np.sort(seen[np.lexsort((seen, -counts[seen]))][:MAX_VALUES])  # vocab is sorted: by value
    shares = (same[top] + PRIOR_ROWS * share) / (counts[top] + PRIOR_ROWS)
    return tuple(str(v) for v in vocab[top]), tuple(round(float(s), 6) for s in shares)


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


def _encode(columns: list) -> tuple[np.ndarray, np.ndarray]:
    """(the values' sorted vocabulary, a code per row and column: -1 where missing), over all
    columns alike (numpy object arrays of strings and None, or Arrow string arrays)."""
    arrays = [c if isinstance(c, pa.Array) else pa.array(c, type=pa.string()) for c in columns]
    vocab = pc.unique(pa.concat_arrays(arrays)).drop_null()
    vocab = vocab.take(pc.sort_indices(vocab))
    codes = np.full((len(arrays[0]), len(arrays)), -1, dtype=np.int64)
    for j, a in enumerate(arrays):
        codes[:, j] = pc.fill_null(pc.index_in(a, value_set=vocab), -1).to_numpy(zero_copy_only=False)
    return np.asarray(vocab.to_pylist(), dtype=object), codes


def _patterns(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (partners' codes, -1 missing): its :func:`pattern` name's index in :func:`_names`,
    its distinct codes in order of first appearance (-1 padded), and how many there are."""
    n, k = codes.shape
    marks = np.full((n, k), -1, dtype=np.int64)
    distinct = np.full((n, k), -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for j in range(k):
        present = codes[:, j] >= 0
        for i in range(j):  # equal to an earlier partner: that partner's position
            same = present & (marks[:, j] < 0) & (codes[:, i] == codes[:, j])
            marks[same, j] = marks[same, i]
        new = present & (marks[:, j] < 0)
        marks[new, j] = count[new]
        distinct[new, count[new]] = codes[new, j]
        count += new
    key = ((marks + 1) * (k + 1) ** np.arange(k)).sum(axis=1)  # each mark -1..k-1 as a digit
    return key, distinct, count


def _names(k: int) -> dict[str, int]:
    """Every :func:`pattern` name of ``k`` partners -> the key :func:`_patterns` gives it."""
    out = {}
    for digits in np.ndindex(*([k + 1] * k)):
        name = ".".join("-" if d == 0 else str(d - 1) for d in digits)
        out[name] = int(sum(d * (k + 1) ** j for j, d in enumerate(digits)))
    return out


def _outcomes(own_code: np.ndarray, codes: np.ndarray) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
    """Per pattern of the partners' agreement (their codes, -1 missing), among the rows not
    taking the first partner's value, the share taking each other distinct value."""
    key, distinct, count = _patterns(codes)
    first_present = codes[:, 0] >= 0
    rows = (own_code >= 0) & ~(first_present & (own_code == codes[:, 0]))
    offset = first_present.astype(np.int64)  # the first partner's value is not among the others
    hit = np.full(len(own_code), -1, dtype=np.int64)
    for g in range(codes.shape[1]):  # the g-th distinct value other than the first partner's
        at = g + offset
        take = rows & (hit < 0) & (at < count)
        take[take] = distinct[np.flatnonzero(take), at[take]] == own_code[take]
        hit[take] = g
    names = {v: name for name, v in _names(codes.shape[1]).items()}
    out_names, out_shares = [], []
    for value in np.unique(key[rows]):
        mine = rows & (key == value)
        name = names[int(value)]
        marks = name.split(".")
        width = len({m for m in marks if m != "-"}) - (marks[0] != "-")
        tally = np.bincount(hit[mine][hit[mine] >= 0], minlength=width)[:width] / mine.sum()
        out_names.append(name)
        out_shares.append(tuple(round(float(x), 6) for x in tally))
    order = np.argsort(out_names)
    return tuple(out_names[i] for i in order), tuple(out_shares[i] for i in order)


def draw_targets(rule: SharedValue, partners: list[np.ndarray], slot_values: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """The value each row's parent should hold (None: any): the first partner's value at its
    share, else another partner's by the pattern of the partners' values; the slots holding a
    value by chance count towards its share."""
    n, k = len(slot_values), len(partners)
    vocab, codes = _encode(partners + [slot_values])
    codes, slot_code = codes[:, :-1], codes[:, -1]
    key, distinct, count = _patterns(codes)
    first_present = codes[:, 0] >= 0
    own_share = np.full(len(vocab) + 1, rule.share)  # the last entry: a row without a first partner
    index = {v: i for i, v in enumerate(vocab.tolist())}
    for value, share in zip(rule.values, rule.shares):
        if value in index:
            own_share[index[value]] = share
    first = np.where(first_present, own_share[codes[:, 0]], 0.0)
    table = np.zeros(((k + 1) ** k, k))
    names = _names(k)
    for name, shares in zip(rule.patterns, rule.outcomes):
        if name in names and len(shares) <= k:
            table[names[name], :len(shares)] = shares
    others = table[key]
    p = np.where(first_present[:, None], np.column_stack([first, (1 - first)[:, None] * others[:, :k - 1]]), others)
    p[np.arange(k)[None, :] >= count[:, None]] = 0.0  # a pattern with fewer distinct values
    chance = np.bincount(slot_code[slot_code >= 0], minlength=len(vocab)) / max(n, 1)
    c = np.where(distinct >= 0, chance[np.maximum(distinct, 0)], 0.0)
    none = (1 - p.sum(axis=1)) / np.maximum(1 - c.sum(axis=1), 1e-9)  # rows left to any slot still hit a value by chance
    cumulative = np.cumsum(np.clip(p - none[:, None] * c, 0, None), axis=1)
    hit = (cumulative <= rng.random(n)[:, None]).sum(axis=1)
    target = np.full(n, None, dtype=object)
    drawn = hit < count
    target[drawn] = vocab[distinct[np.flatnonzero(drawn), hit[drawn]]]
    return target


def share_slots(slot_values: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Slot positions handed out again: ``out[row]`` is the slot row ``row`` takes, a random slot
    holding its ``target`` value while such slots last, any slot left otherwise; and each row's
    group (its target's code, -1 for the rest) for an alignment within groups
    (:func:`.matching.align_to_values`)."""
    n = len(slot_values)
    vocab, codes = _encode([slot_values, target])
    slot_code, row_code = codes[:, 0], codes[:, 1]
    rows = np.flatnonzero(row_code >= 0)
    rows = rows[np.lexsort((rng.random(len(rows)), row_code[rows]))]
    slots = np.lexsort((rng.random(n), slot_code))
    slots = slots[slot_code[slots] >= 0]
    # the k-th row wanting value v takes the k-th slot holding v, while there is one
    held = np.bincount(slot_code[slots], minlength=len(vocab))
    start = np.concatenate([[0], np.cumsum(held)[:-1]])
    rank = _rank_within(row_code[rows])
    served = rank < held[row_code[rows]]
    out = np.full(n, -1, dtype=np.int64)
    group = np.full(n, -1, dtype=np.int64)
    out[rows[served]] = slots[start[row_code[rows[served]]] + rank[served]]
    group[rows[served]] = row_code[rows[served]]
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
