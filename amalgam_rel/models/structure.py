"""Which marginals to measure: Chow-Liu trees, extra edges under a size budget, MST-style DP.

Every 1-way marginal is measured; on top of that a maximum spanning tree over pairwise mutual
information (Chow-Liu) captures the strongest dependencies. For the tree the mutual information
is counted less its bias (:func:`corrected_mutual_information`): counted on a sample, two
independent columns of many values share a lot of it, so wide columns (a text column's 100
frequent values) became hubs (a track's length hung off its composer, and lost its genre).
``extra_edges`` more pairs with the highest remaining mutual information *as counted* may be
added while the junction tree that mbi builds for them keeps every maximal clique under
``max_clique_cells`` - those triangles are the optional higher-order cliques. The extras are
ranked by the observed value because they do another job than the tree: the tree already joins
every column to its real neighbour, and an extra pair is worth what it adds to the fit of the
rows the model reproduces, ``N`` times its observed mutual information (the log-likelihood gain
of measuring it). Ranked less the bias, a small table's extras went to the columns that fill
the fewest cells (northwind's orders: a ship region that is mostly empty, in place of the
customer's country; pair trends 0.953 -> 0.938, and the order lines' counts per product with
them). Only pairs dependent beyond chance are candidates (the corrected value above 3 standard
deviations of what independent columns show): on a large table the observed value of pure noise
(32 x 32 bins on 60,000 TPC-H order lines: 0.008) outranked weak real pairs (a line's return
flag by its ship date: 0.0009) and took their place.

The private variant (as in MST) grows the tree with the exponential mechanism: each round picks
one pair joining two components, scored by how badly the independent model (from the noisy
1-way counts) explains the real pair counts (L1, sensitivity 1).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a = rng.integers(0, 4, 5000); b = (a + (rng.random(5000) < 0.1)) % 4; c = rng.integers(0, 4, 5000)
>>> mi = pairwise_mutual_information(np.stack([a, b, c], 1), [4, 4, 4])
>>> chow_liu(mi)[0]  # the planted pair comes first
(0, 1)
"""

from __future__ import annotations

import itertools

import numpy as np

from amalgam_rel.models.ledger import Ledger
from amalgam_rel.models.privacy import exponential_epsilon, exponential_mechanism


def pair_counts(codes: np.ndarray, sizes: list[int], i: int, j: int) -> np.ndarray:
    """Contingency table of columns i and j (one ``np.bincount`` on combined codes)."""
    joint = np.bincount(codes[:, i] * sizes[j] + codes[:, j], minlength=sizes[i] * sizes[j])
    return joint.reshape(sizes[i], sizes[j]).astype(np.float64)


def mutual_information(joint: np.ndarray) -> float:
    total = joint.sum()
    if total <= 0:
        return 0.0
    p = joint / total
    outer = p.sum(axis=1, keepdims=True) * p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] / outer[nz])))


def pairwise_mutual_information(codes: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Every pair's mutual information less its bias (:func:`corrected_mutual_information`)."""
    return mutual_information_matrices(codes, sizes)[1]


def mutual_information_matrices(codes: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every pair's mutual information for the extra edges (as counted, 0 where it is not beyond
    chance) and less its bias for the tree, from one count of each pair (see the module)."""
    d = codes.shape[1]
    extras, corrected = np.zeros((d, d)), np.zeros((d, d))
    for i, j in itertools.combinations(range(d), 2):
        joint = pair_counts(codes, sizes, i, j)
        observed, bias = mutual_information(joint), mutual_information_bias(joint)
        corrected[i, j] = corrected[j, i] = observed - bias
        if observed - bias > CHANCE_SPREADS * _chance_spread(bias, joint.sum()):
            extras[i, j] = extras[j, i] = observed
    return extras, corrected


CHANCE_SPREADS = 3  # an extra pair's mutual information must exceed chance by 3 standard deviations


def _chance_spread(bias: float, rows: float) -> float:
    """Standard deviation of the mutual information two independent columns show on ``rows``:
    ``2 N I`` is about chi-squared with ``2 N bias`` degrees of freedom (variance twice that).

    >>> round(_chance_spread(0.008, 60_000), 5)  # 32 x 32 bins on TPC-H's 60,000 order lines
    0.00037
    """
    return float(np.sqrt(max(bias, 0.0) / rows)) if rows > 0 else 0.0


def corrected_mutual_information(joint: np.ndarray) -> float:
    """The plug-in mutual information less its first-order bias (Miller-Madow): counted on ``N``
    rows, two independent columns show about ``(cells - rows - columns + 1) / 2N`` nats (the
    occupied cells of the joint and of each marginal), which for 32 bins by 100 values on 3,500
    rows is 0.44 nats, more than many real dependencies have. Below 0 where the bias is larger
    than what was counted: the order among weak pairs still says which is the least weak.

    >>> rng = np.random.default_rng(0)
    >>> independent = np.histogram2d(rng.integers(0, 20, 5000), rng.integers(0, 20, 5000), bins=20)[0]
    >>> round(mutual_information(independent), 3), round(corrected_mutual_information(independent), 3)
    (0.041, 0.005)
    """
    return mutual_information(joint) - mutual_information_bias(joint)


def mutual_information_bias(joint: np.ndarray) -> float:
    """Miller-Madow's first-order bias of the plug-in mutual information of ``joint`` (nats)."""
    total = joint.sum()
    if total <= 0:
        return 0.0
    occupied = np.count_nonzero(joint) - np.count_nonzero(joint.sum(axis=1)) - np.count_nonzero(joint.sum(axis=0)) + 1
    return int(occupied) / (2 * float(total))


class _Components:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def chow_liu(mi: np.ndarray) -> list[tuple[int, int]]:
    """Maximum spanning tree edges, strongest first (Kruskal; ties broken by index)."""
    d = mi.shape[0]
    pairs = sorted(itertools.combinations(range(d), 2), key=lambda p: (-mi[p], p))
    comps, edges = _Components(d), []
    for i, j in pairs:
        if comps.union(i, j):
            edges.append((i, j))
    return edges


MIN_TRIES = 200


def add_extra_edges(mi: np.ndarray, tree: list[tuple[int, int]], sizes: list[int], extra: int,
                    max_clique_cells: int, fits) -> list[tuple[int, int]]:
    """Up to ``extra`` more high-MI pairs whose junction tree stays under the clique budget.

    ``fits(edges)`` returns the largest maximal-clique size (cells) of the junction tree those
    edges would induce; it comes from mbi so that we budget exactly what mbi will build. Each
    call builds a junction tree (~0.1 s at 120 columns), so at most ``max(200, 4 * extra)``
    candidates are tried, strongest first: every pair of a table of up to 20 columns, and at 120
    columns 240 tries instead of ~1,700 (fit 166 s -> ~25 s; the pairs given up are the weakest).
    """
    chosen = list(tree)
    if extra <= 0:
        return chosen
    tries = max(MIN_TRIES, 4 * extra)
    have = set(chosen)
    candidates = sorted((p for p in itertools.combinations(range(len(sizes)), 2) if p not in have),
                        key=lambda p: (-mi[p], p))
    threshold = np.median([mi[e] for e in tree]) if tree else 0.0
    for pair in candidates:
        if extra <= 0 or tries <= 0 or mi[pair] < 0.5 * threshold or mi[pair] <= 1e-6:
            break  # weak pairs are not worth the extra model size
        tries -= 1
        if fits(chosen + [pair]) <= max_clique_cells:
            chosen.append(pair)
            extra -= 1
    return chosen


def private_tree(codes: np.ndarray, sizes: list[int], one_way: list[np.ndarray], rho: float,
                 ledger: Ledger, rng: np.random.Generator, names: list[str]) -> list[tuple[int, int]]:
    """MST-style spanning tree chosen with the exponential mechanism (d-1 rounds)."""
    d = len(sizes)
    if d < 2:
        return []
    if d == 2:  # one candidate pair: the choice does not depend on the data, so it costs nothing
        return [(0, 1)]
    rounds = d - 1
    rho_round = rho / rounds
    eps = exponential_epsilon(rho_round)
    n_hat = max(1.0, float(np.mean([max(c.sum(), 1.0) for c in one_way])))
    probs = [np.maximum(c, 0) / max(np.maximum(c, 0).sum(), 1e-12) for c in one_way]
    scores = {}
    for i, j in itertools.combinations(range(d), 2):
        independent = n_hat * np.outer(probs[i], probs[j])
        scores[(i, j)] = float(np.abs(pair_counts(codes, sizes, i, j) - independent).sum())
    comps, edges = _Components(d), []
    for r in range(rounds):
        options = [p for p in scores if comps.find(p[0]) != comps.find(p[1])]
        pick = options[exponential_mechanism(np.array([scores[p] for p in options]), eps, 1.0, rng)]
        comps.union(*pick)
        edges.append(pick)
        ledger.spend(f"structure:round {r + 1}", "exponential", rho_round,
                     detail=f"picked ({names[pick[0]]}, {names[pick[1]]}) from {len(options)} pairs, eps={eps:.3g}")
    return edges
