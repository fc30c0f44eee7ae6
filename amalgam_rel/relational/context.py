"""Which parent columns a child table's model sees: the few it depends on most.

Every modelled column of the driving parent (its own attributes, its child counts, and its own
context, i.e. grandparent columns) is a candidate. Each is scored by its strongest normalised
mutual information with one of the child's own modelled columns, and the best ``k`` are kept.
Normalising by the smaller entropy keeps wide, high-entropy columns from winning by size alone.

A table's context is also all its own children can inherit (they see it as ``^^name``), so a
candidate is scored too against the columns of the tables this one drives, on their rows
(``views``): a grandparent attribute that only a grandchild depends on must not be dropped a
level up for telling the parent nothing.

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
from amalgam_rel.schema.model import Table

_OPTIONS = CodecOptions(n_bins=16, max_categories=32)
_MIN_SCORE = 0.02  # below this a parent column tells the child almost nothing


def choose_context(frame: pa.Table, candidates: list[str], own: list[str], k: int = 3,
                   table: Table | None = None, required: tuple[str, ...] = (),
                   views: Sequence[tuple[pa.Table, list[str], Table | None]] = (),
                   parents: int | None = None) -> tuple[str, ...]:
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
    return tuple(dict.fromkeys(ranked + [c for c in required if c in candidates]))


def _names_parent(values: pa.ChunkedArray, parents: int) -> bool:
    """More distinct values than half the parents (after binning a continuous column)."""
    present = values.drop_null()
    if len(present) == 0:
        return False
    # numbers are binned by the codecs, so their bins, not their values, are what a child would see
    if pa.types.is_integer(present.type) or pa.types.is_floating(present.type) or pa.types.is_decimal(present.type) \
            or pa.types.is_temporal(present.type):
        distinct = len(np.unique(np.quantile(to_numeric(present)[0], np.linspace(0, 1, _OPTIONS.n_bins + 1))))
    else:
        distinct = len(present.unique())
    return distinct > max(1.0, 0.5 * parents)


def _scores(frame: pa.Table, candidates: list[str], own: list[str], table: Table | None) -> dict[str, float]:
    """Each candidate's strongest normalised mutual information with one of ``own``."""
    if not candidates or not own or frame.num_rows == 0:
        return {}
    specs, _ = plan_columns(frame.select(candidates + own), table, _OPTIONS)
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
    scores = {}
    for i, name in enumerate(names):
        if name not in candidates or entropy[i] <= 0:
            continue
        best = 0.0
        for j, other in enumerate(names):
            if other in own and entropy[j] > 0:
                mi = mutual_information(pair_counts(stacked, sizes, i, j))
                best = max(best, mi / min(entropy[i], entropy[j]))
        scores[name] = best
    return scores


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())
