"""Stratified uniforms: the randomness behind every draw of the model and its codecs.

m draws that share a distribution (rows with the same conditional distribution in the junction
tree, values decoded inside the same bin) get one uniform in each of [0, 1/m), [1/m, 2/m), ...,
in random order. Each draw still has exactly its distribution - only the spread of the counts
shrinks: a value of probability p lands within about one of m*p times instead of a binomial's
sqrt(m*p*(1-p)). On a 60-row table that spread is most of the distance between a model and its
data (non-private column shapes over the dev tables: 0.953 -> 0.986, pair trends 0.920 -> 0.964).
"""

from __future__ import annotations

import numpy as np


def stratified_uniforms(row: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniform per entry; the m entries holding the same ``row`` get one per 1/m stratum.

    >>> u = stratified_uniforms(np.zeros(4, dtype=np.int64), np.random.default_rng(0))
    >>> sorted((u * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    n = len(row)
    perm = rng.permutation(n)  # random ranks within each group, so no row order leaks in
    if n == 0 or row.min() == row.max():  # one group (an unconditioned draw): no sort needed
        return (perm + rng.random(n)) / max(n, 1)
    keys = row[perm]
    if keys.max() < 1 << 16:
        keys = keys.astype(np.uint16)  # numpy radix-sorts 16-bit keys: several times faster
    order = perm[np.argsort(keys, kind="stable")]
    held = row[order]
    starts = np.flatnonzero(np.r_[True, held[1:] != held[:-1]])
    counts = np.diff(np.r_[starts, n])
    group = np.repeat(np.arange(len(starts)), counts)
    u = np.empty(n)
    u[order] = (np.arange(n) - starts[group] + rng.random(n)) / counts[group]
    return u
