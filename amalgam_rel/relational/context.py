"""Which parent columns a child table's model sees: the few it depends on most.

Every modelled column of the driving parent (its own attributes, its child counts, and its own
context, i.e. grandparent columns) is a candidate. Each is scored by its strongest normalised
mutual information with one of the child's own modelled columns, and the best ``k`` are kept.
Normalising by the smaller entropy keeps wide, high-entropy columns from winning by size alone.

A child column may hang on a matched parent's column first (an order line's price is its
product's price) and on the driving parent only through what it does to that value (the
order's date says whether the line took the price before or after a price change: northwind's
1996 lines all sold at 80 % of the list price, 1998's at 100 %). Alone, the date tells little of
the line's price, which the product decides; given the product's price it tells a lot. So a
candidate is also scored by its mutual information with a child column *given* one of the
columns the rows are matched on (``given``; chance measured by shuffling), and the best such
candidate, where that is more than it tells alone, takes one place beyond the ``k``.

A table's context is also all its own children can inherit (they see it as ``^^name``), so a
candidate is scored too against the columns of the tables this one drives, on their rows
(``views``): a grandparent attribute that only a grandchild depends on must not be dropped a
level up for telling the parent nothing.

A list the language model writes (a route's aircraft types, a movie's genres) is in the models
only as its category (``=name``, :mod:`.text_features`), and the ``k`` places go to what tells the
row's other columns most (a route's counts, for its stops): so the candidate telling a list's
category most, and the parent's own list category telling the row most, each take one more place
(:func:`list_places`).

>>> import numpy as np, pyarrow as pa
>>> rng = np.random.default_rng(0)
>>> g = rng.integers(0, 3, 3000)
>>> frame = pa.table({"^group": g, "^noise": rng.integers(0, 3, 3000), "value": g * 10 + rng.integers(0, 2, 3000)})
>>> choose_context(frame, ["^group", "^noise"], ["value"], k=1)
('^group',)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from amalgam_rel.models.codecs import CodecOptions, make_codec
from amalgam_rel.models.codecs.scale import to_numeric
from amalgam_rel.models.columns import plan_columns
from amalgam_rel.models.structure import mutual_information, pair_counts
from amalgam_rel.schema.internal_names import CONTEXT, FREQUENT
from amalgam_rel.schema.model import Table

_OPTIONS = CodecOptions(n_bins=16, max_categories=32)
_MIN_SCORE = 0.02  # below this a parent column tells the child almost nothing
_MAX_GIVEN_ROWS = 200_000  # rows counted for the scores given a match column (TPC-H sf 1: 6 M lines)
# a parent's list category: up to 100 values, so what it tells a row column of ten is spread
# thin (movielens: a movie's genres tell its ratings 0.011, chance 0.0007, yet a comedy's share of
# ratings above 4 is 0.68 of the others'); kept where it tells this much and _CHANCE times chance
_LIST_SCORE = 0.005
_CHANCE = 3.0
# a second column matched on loosens the match on the first (its ties are broken by it) and
# widens the row's model: it must tell a row column this much given the first (openflights: an
# airline's country tells a route's aircraft 0.16 given whether it is active; northwind: a
# product's units on order tell a line's price 0.024 given the product's price, by naming the
# product inside a price bin)
_MATCH_SCORE = 0.05
_REDUNDANT = 0.75  # a candidate sharing this much with a chosen one (normalised) repeats it


def choose_context(frame: pa.Table, candidates: list[str], own: list[str], k: int = 3,
                   table: Table | None = None, required: tuple[str, ...] = (),
                   views: Sequence[tuple[pa.Table, list[str], Table | None]] = (),
                   parents: int | None = None, given: Sequence[str] = ()) -> tuple[str, ...]:
    """The (at most ``k``, plus ``required``) candidate columns most informative about ``own``
    or about the ``own`` columns of any ``(frame, own, table)`` in ``views``.

    With ``parents`` (distinct parent rows behind ``frame``), a candidate taking more than half
    as many values as there are parents is left out: it names the parent rather than describing
    it, so the child model would learn each parent by heart, and a synthetic parent that mixes
    two real parents' values would be evidence the model has never seen.
    """
    if parents is not None:
        candidates = [c for c in candidates if c in required or not _names_parent(frame.column(c), parents)]
    scores = _scores(frame, candidates, own, table)
    for view, view_own, view_table in views:
        for name, score in _scores(view, [c for c in candidates if c in view.column_names], view_own, view_table).items():
            scores[name] = max(score, scores.get(name, 0.0))
    ranked = [c for c, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if s >= _MIN_SCORE][:k]
    return tuple(dict.fromkeys(ranked + _given_extra(frame, candidates, own, table, given, scores, ranked)
                               + [c for c in required if c in candidates]))


def _given_extra(frame: pa.Table, candidates: list[str], own: list[str], table: Table | None,
                 given: Sequence[str], scores: dict[str, float], chosen: list[str]) -> list[str]:
    """At most one more candidate: the one telling a child column most *given* a ``given``
    column, where that is at least ``_MIN_SCORE`` more than it tells alone (a dependency the
    ranking above cannot see) and it does not repeat a chosen one (an order's ship date beside
    its order date). An extra place, so that no column chosen for what it tells alone (the
    customer's country, for a line's discount) is pushed out by it."""
    if not given:
        return []
    rest = [c for c in candidates if c not in chosen]
    if frame.num_rows > _MAX_GIVEN_ROWS:  # a repeatable sample: these counts need no more rows
        rows = np.sort(np.random.default_rng(0).choice(frame.num_rows, _MAX_GIVEN_ROWS, replace=False))
        frame = frame.take(pa.array(rows))
    conditional = _scores(frame, rest, own, table, given)
    gained = [c for c, s in sorted(conditional.items(), key=lambda kv: (-kv[1], kv[0]))
              if s >= _MIN_SCORE and s - scores.get(c, 0.0) >= _MIN_SCORE]
    for name in gained:
        if not chosen or _scores(frame, [name], chosen, table).get(name, 0.0) < _REDUNDANT:
            return [name]
    return []


def list_places(frame: pa.Table, candidates: list[str], own: list[str], lists: Sequence[str],
                parent_lists: Sequence[str], chosen: Sequence[str], table: Table | None = None,
                parents: int | None = None) -> tuple[str, ...]:
    """At most two candidates beyond ``chosen``: the one telling one of the row's list categories
    (``lists``) most, where it tells at least ``_MIN_SCORE`` and does not repeat a chosen one, and
    the parent list category (of ``parent_lists``) telling one of ``own`` most, where that is at
    least ``_LIST_SCORE`` and ``_CHANCE`` times what it tells shuffled."""
    rest = [c for c in candidates if c not in chosen and (parents is None or not _names_parent(frame.column(c), parents))]
    if not rest or not (lists or parent_lists):
        return ()
    if frame.num_rows > _MAX_GIVEN_ROWS:  # a repeatable sample, as for the scores given a match column
        rows = np.sort(np.random.default_rng(0).choice(frame.num_rows, _MAX_GIVEN_ROWS, replace=False))
        frame = frame.take(pa.array(rows))
    extra: list[str] = []
    scores = _scores(frame, rest, list(lists), table)
    for name, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if score >= _MIN_SCORE and (not chosen or _scores(frame, [name], list(chosen), table).get(name, 0.0) < _REDUNDANT):
            extra.append(name)
            break
    wanted = [c for c in parent_lists if c in rest and c not in extra]
    best = sorted(_scores(frame, wanted, own, table).items(), key=lambda kv: (-kv[1], kv[0]))
    extra += [name for name, score in best[:1] if score >= _LIST_SCORE and score >= _CHANCE * _shuffled_score(frame, name, own, table)]
    return tuple(extra)


def match_extra(frame: pa.Table, candidates: list[str], own: list[str], first: str, table: Table | None = None,
                parents: int | None = None) -> tuple[str, ...]:
    """At most one more column of a matched parent, beyond ``first`` (the one its rows are matched
    on): the candidate telling one of ``own`` most *given* ``first``, where that is at least
    ``_MATCH_SCORE`` beyond chance. An airline's country says which aircraft its routes fly
    (openflights: a 737-800 is flown by a US airline on 0.47 of its expected share) but not
    whether it is active, the column its routes are matched on; alone, each is one column.

    A row column naming its parent (the airline's code, copied onto each route) is told by any
    column of that parent, whatever the rows depend on: it scores nothing here. Nor does a
    candidate that names the parent together with ``first`` (a product's stock beside its
    price: 16 bins of each single out most of northwind's 77 products)."""
    rest = [c for c in candidates if c != first and (parents is None or not (
        _names_parent(frame.column(c), parents) or _pair_names_parent(frame.column(first), frame.column(c), parents)))]
    own = [c for c in own if parents is None or not _names_parent(frame.column(c), parents)]
    if not rest or not own or first not in frame.column_names:
        return ()
    if frame.num_rows > _MAX_GIVEN_ROWS:  # a repeatable sample, as for the scores given a match column
        rows = np.sort(np.random.default_rng(0).choice(frame.num_rows, _MAX_GIVEN_ROWS, replace=False))
        frame = frame.take(pa.array(rows))
    # scored by the share of the row column it tells, not of the smaller of the two: an alias a
    # few airlines have tells the aircraft as much, by that measure, as their country tells
    scores = _scores(frame, rest, own, table, [first], alone=False, of_own=True)
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(name for name, score in best[:1] if score >= _MATCH_SCORE)


def _shuffled_score(frame: pa.Table, name: str, own: list[str], table: Table | None) -> float:
    """``name``'s score with its values shuffled over the rows (seeded): what chance gives it."""
    order = np.random.default_rng(0).permutation(frame.num_rows)
    shuffled = frame.set_column(frame.column_names.index(name), name, frame.column(name).take(pa.array(order)))
    return _scores(shuffled, [name], own, table).get(name, 0.0)


def _names_parent(values: pa.ChunkedArray, parents: int) -> bool:
    """More distinct values than half the parents (after binning a continuous column)."""
    present = values.drop_null()
    if len(present) == 0:
        return False
    # numbers are binned by the codecs, so their bins, not their values, are what a child would see
    if pa.types.is_integer(present.type) or pa.types.is_floating(present.type) or pa.types.is_decimal(present.type) \
            or pa.types.is_temporal(present.type):
        distinct = len(np.unique(np.quantile(to_numeric(present)[0], np.linspace(0, 1, _OPTIONS.n_bins + 1))))
    elif pa.types.is_nested(present.type):  # a list or struct: its distinct values, as JSON-like text
        distinct = len(set(map(repr, present.to_pylist())))
    else:
        distinct = len(present.unique())
    return distinct > max(1.0, 0.5 * parents)


def _pair_names_parent(first: pa.ChunkedArray, second: pa.ChunkedArray, parents: int) -> bool:
    """More distinct pairs of values (numbers by their bins) than half the parents."""
    pairs = np.stack([_bin_codes(first), _bin_codes(second)], axis=1)
    pairs = pairs[(pairs >= 0).all(axis=1)]
    return len(pairs) > 0 and len(np.unique(pairs, axis=0)) > max(1.0, 0.5 * parents)


def _bin_codes(values: pa.ChunkedArray) -> np.ndarray:
    """Each row's value as a code, a number by its quantile bin as the codecs would see it; -1 for NULL."""
    t = values.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_temporal(t):
        numbers, valid = to_numeric(values)
        if not valid.any():
            return np.full(len(values), -1, dtype=np.int64)
        edges = np.unique(np.quantile(numbers[valid], np.linspace(0, 1, _OPTIONS.n_bins + 1)))
        return np.where(valid, np.searchsorted(edges, numbers, side="right"), -1).astype(np.int64)
    text = [None if v is None else repr(v) for v in values.to_pylist()]
    vocab = {v: i for i, v in enumerate(dict.fromkeys(v for v in text if v is not None))}
    return np.array([-1 if v is None else vocab[v] for v in text], dtype=np.int64)


def _scores(frame: pa.Table, candidates: list[str], own: list[str], table: Table | None,
            given: Sequence[str] = (), alone: bool = True, of_own: bool = False) -> dict[str, float]:
    """Each candidate's strongest normalised mutual information with one of ``own``, alone or
    given one of ``given`` (see :func:`conditional_mutual_information`; only given one of them
    where not ``alone``). Normalised by the smaller entropy of the two, or by the ``own`` column's where ``of_own``."""
    if not candidates or not own or frame.num_rows == 0:
        return {}
    given = [g for g in given if g in frame.column_names and g not in candidates and g not in own]
    # a list's category (its own ``=name``, a parent's ``^=name``) is one whatever its count of
    # values: with 32 categories here, 100 frequent lists would read as free text and score 0.
    # So is every candidate, a column of its parent's model, where strings of up to 200 values
    # are categories (an airline's country: read as free text, a route's context never had it)
    scored = candidates + own + given
    closed = tuple(c for c in scored if c.lstrip(CONTEXT).startswith(FREQUENT)) + tuple(candidates)
    specs, _ = plan_columns(frame.select(scored), table, _OPTIONS, closed=closed)
    codes, sizes, names = [], [], []
    for spec in specs:
        codec = make_codec(spec, _OPTIONS).fit(frame.column(spec.name))
        codes.append(codec.encode(frame.column(spec.name)))
        sizes.append(codec.size)
        names.append(spec.name)
    if not codes:
        return {}
    stacked = np.stack(codes, axis=0).astype(np.int64).T  # column-major: each pair's count reads two whole columns
    entropy = [_entropy(np.bincount(stacked[:, i], minlength=sizes[i])) for i in range(len(names))]
    scores, shuffled = {}, {}
    for i, name in enumerate(names):
        if name not in candidates or entropy[i] <= 0:
            continue
        best = 0.0
        for j, other in enumerate(names):
            if other in own and entropy[j] > 0:
                mi = mutual_information(pair_counts(stacked, sizes, i, j)) if alone else 0.0
                for g, other_given in enumerate(names):
                    if other_given in given and entropy[g] > 0:
                        if (i, g) not in shuffled:  # one shuffle per candidate and given column
                            shuffled[i, g] = shuffled_within(stacked[:, i], stacked[:, g])
                        mi = max(mi, conditional_mutual_information(stacked[:, i], stacked[:, j], stacked[:, g],
                                                                    sizes[i], sizes[j], sizes[g], shuffled[i, g]))
                best = max(best, mi / (entropy[j] if of_own else min(entropy[i], entropy[j])))
        scores[name] = best
    return scores


def conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray, nx: int, ny: int, nz: int,
                                   shuffled: np.ndarray | None = None) -> float:
    """``I(x; y | z)`` of three code columns beyond what chance shows (at least 0).

    Chance is measured, not estimated: the same count with ``x`` shuffled within each value of
    ``z`` (so ``x`` keeps its tie to ``z`` and loses any to ``y`` beyond it), with a fixed
    seed (``shuffled``: that shuffle, made once by :func:`shuffled_within` for every ``y``).
    With many strata of a few rows each, a formula for the bias (Miller-Madow) fell far
    short: on northwind's 2,155 order lines, a line's quantity given its product's price showed
    0.5 nats with every parent column, as much as a real dependency.

    >>> rng = np.random.default_rng(0)
    >>> z = rng.integers(0, 8, 4000); x = rng.integers(0, 2, 4000)
    >>> y = (z + x) % 8  # alone, y tells nothing of x; given z, it tells x exactly
    >>> alone = mutual_information(np.histogram2d(x, y, bins=(2, 8))[0])
    >>> round(alone, 3), round(conditional_mutual_information(x, y, z, 2, 8, 8), 2)
    (0.001, 0.69)
    >>> round(conditional_mutual_information(rng.integers(0, 2, 4000), y, z, 2, 8, 8), 3)  # an unrelated x
    0.0
    """
    if len(x) == 0:
        return 0.0
    shuffled = shuffled_within(x, z) if shuffled is None else shuffled
    observed = _conditional(x, y, z, nx, ny, nz)
    return float(max(0.0, observed - _conditional(shuffled, y, z, nx, ny, nz)))


def shuffled_within(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``x`` shuffled within each value of ``z`` (a fixed seed: the same columns, the same shuffle)."""
    order = np.argsort(z, kind="stable")
    out = x.copy()
    rng = np.random.default_rng(0)
    for part in np.split(order, np.flatnonzero(np.diff(z[order])) + 1):
        out[part] = x[part[rng.permutation(len(part))]]
    return out


def _conditional(x: np.ndarray, y: np.ndarray, z: np.ndarray, nx: int, ny: int, nz: int) -> float:
    """Plug-in ``I(x; y | z)``: each value of ``z``'s mutual information, weighted by its rows."""
    joint = np.bincount((z * nx + x) * ny + y, minlength=nz * nx * ny).reshape(nz, nx, ny).astype(np.float64)
    total = sum(stratum.sum() * mutual_information(stratum) for stratum in joint if stratum.sum() > 0)
    return total / len(x)


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())
