"""Fit clique potentials to (noisy) marginal measurements with mbi, and hand back numpy arrays.

mbi's MirrorDescent turns measured marginals into a Markov random field. We keep only what
sampling needs - the junction tree's maximal cliques, their log-potentials and the tree's
edges - as plain numpy, so sampling and saved models never need JAX.

The first estimate in a process pays JAX compilation (a few seconds, more for larger cliques);
compiled programs are cached per shape, on disk under the project's cache directory.

>>> import numpy as np
>>> m = [Measurement(("a",), np.array([30.0, 70.0]), 1.0), Measurement(("a", "b"), np.array([[25.0, 5.0], [5.0, 65.0]]), 1.0)]
>>> fit = estimate(["a", "b"], [2, 2], m, iters=300)
>>> fit.cliques
[('a', 'b')]
>>> p = np.exp(fit.log_potentials[0]); bool(np.allclose(p / p.sum(), [[0.25, 0.05], [0.05, 0.65]], atol=0.01))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amalgam_rel.models.jax_setup import import_mbi


@dataclass(frozen=True)
class Measurement:
    """Counts of one marginal (axes in ``clique`` order) with the noise's standard deviation."""

    clique: tuple[str, ...]
    counts: np.ndarray
    stddev: float


@dataclass(frozen=True)
class Potentials:
    cliques: list[tuple[str, ...]]
    log_potentials: list[np.ndarray]
    edges: list[tuple[int, int]]
    total: float


def estimate(names: list[str], sizes: list[int], measurements: list[Measurement], *, iters: int = 1000,
             known_total: float | None = None, tol: float | None = None) -> Potentials:
    mbi = import_mbi()
    import jax.numpy as jnp

    domain = mbi.Domain(list(names), [int(s) for s in sizes])
    position = {a: i for i, a in enumerate(names)}
    linear = []
    for m in measurements:
        # mbi reads a measurement vector in the domain's attribute order: put the axes there.
        order = sorted(range(len(m.clique)), key=lambda k: position[m.clique[k]])
        clique = tuple(m.clique[k] for k in order)
        counts = np.transpose(m.counts, order) if len(order) > 1 else m.counts
        linear.append(mbi.LinearMeasurement(jnp.asarray(counts.ravel()), clique, stddev=float(m.stddev)))
    model = mbi.estimation.MirrorDescent().estimate(domain, linear, known_total=known_total, iters=iters, tol=tol)
    jtree, _ = mbi.junction_tree.make_junction_tree(domain, [tuple(c) for c in model.cliques])
    maximal = list(jtree.nodes)
    expanded = model.potentials.expand(maximal)
    cliques, logs = [], []
    for cl in maximal:
        factor = expanded[cl]
        cliques.append(tuple(factor.domain.attributes))
        logs.append(np.asarray(factor.values, dtype=np.float64))
    index = {cl: i for i, cl in enumerate(maximal)}
    edges = [(index[a], index[b]) for a, b in jtree.edges]
    return Potentials(cliques, logs, edges, float(model.total))


def maximal_cliques(names: list[str], sizes: list[int], cliques: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], list[tuple[int, int]]]:
    """The maximal cliques of the junction tree mbi builds for ``cliques`` (attributes in
    ``names`` order) and the tree's edges, as indexes into them."""
    mbi = import_mbi()
    domain = mbi.Domain(list(names), [int(s) for s in sizes])
    jtree, _ = mbi.junction_tree.make_junction_tree(domain, cliques)
    index = {cl: i for i, cl in enumerate(jtree.nodes)}
    return [tuple(a for a in names if a in cl) for cl in jtree.nodes], [(index[a], index[b]) for a, b in jtree.edges]


def closed_form(names: list[str], sizes: list[int], codes: np.ndarray, cliques: list[tuple[str, ...]],
                counted: dict[tuple[str, ...], np.ndarray] | None = None, rows: float | None = None) -> Potentials:
    """Exact maximum-likelihood potentials of the decomposable model mbi would build.

    Without noise, the MLE over the junction tree of ``cliques`` is prod(clique marginals) /
    prod(separator marginals), which every mbi estimator converges to; computing it directly
    is exact (cells absent from the data stay impossible, which iterative estimators only
    approach) and needs no JIT compilation. A maximal clique found in ``counted`` takes its
    counts from there (all rows of a table too large to read, :mod:`.aggregates`), the others
    from ``codes``; ``rows`` is then the table's row count.
    """
    maximal, edges = maximal_cliques(names, sizes, cliques)
    col = {a: i for i, a in enumerate(names)}
    counted = counted or {}
    probs = [_normalised(counted[cl]) if cl in counted else _marginal(codes, sizes, [col[a] for a in cl]) for cl in maximal]
    parent = _parents(len(maximal), edges)
    for c, p in enumerate(parent):
        if p < 0:
            continue
        sep = [a for a in maximal[c] if a in maximal[p]]
        if not sep:
            continue
        mu_s = probs[c].sum(axis=tuple(i for i, a in enumerate(maximal[c]) if a not in sep), keepdims=True)
        probs[c] = np.divide(probs[c], mu_s, out=np.zeros_like(probs[c]), where=mu_s > 0)
    with np.errstate(divide="ignore"):
        logs = [np.log(p) for p in probs]
    return Potentials(maximal, logs, edges, float(len(codes) if rows is None else rows))


def _normalised(counts: np.ndarray) -> np.ndarray:
    return counts / max(counts.sum(), 1.0)


def _marginal(codes: np.ndarray, sizes: list[int], cols: list[int]) -> np.ndarray:
    flat = np.zeros(len(codes), dtype=np.int64)
    for i in cols:
        flat = flat * sizes[i] + codes[:, i]
    shape = [sizes[i] for i in cols]
    counts = np.bincount(flat, minlength=int(np.prod(shape))).astype(np.float64)
    return (counts / max(counts.sum(), 1.0)).reshape(shape)


def _parents(m: int, edges: list[tuple[int, int]]) -> list[int]:
    neighbours: list[list[int]] = [[] for _ in range(m)]
    for i, j in edges:
        neighbours[i].append(j)
        neighbours[j].append(i)
    parent, seen = [-1] * m, [False] * m
    for root in range(m):
        if seen[root]:
            continue
        seen[root], stack = True, [root]
        while stack:
            c = stack.pop()
            for k in neighbours[c]:
                if not seen[k]:
                    seen[k], parent[k] = True, c
                    stack.append(k)
    return parent


def largest_clique_cells(names: list[str], sizes: list[int], cliques: list[tuple[str, ...]]) -> int:
    """Cells of the largest maximal clique of the junction tree mbi builds for ``cliques``."""
    mbi = import_mbi()
    domain = mbi.Domain(list(names), [int(s) for s in sizes])
    jtree, _ = mbi.junction_tree.make_junction_tree(domain, cliques)
    return max((domain.size(cl) for cl in jtree.nodes), default=1)
