"""Caps chosen from the data under the budget: children kept per parent row, per foreign key.

A cap that is too low truncates real children (northwind's customers place 8 orders at the
median and 15 at the 90th percentile: a cap of 8 halves the orders table); one too high
multiplies the sensitivity of every table below it. Where ``--max-children`` declares no cap,
each private FK gets one picked by the exponential mechanism from the grid :data:`CAP_GRID`,
aiming at the :data:`QUANTILE` of the children per kept parent row.

**Score.** For a cap ``c`` (the grid point before it: ``c'``, 0 for the first) with ``A(c)`` kept
parents having at most ``c`` children among ``N``, ``u(c) = -max(0, A(c') - qN, qN - A(c))``: zero
when the ``q``-quantile falls in ``(c', c]``, else how many parents it is away. A cap above every
count scores ``-(1 - q) N``, so the smallest cap that truncates nothing wins over larger ones
(a score on truncation alone ties them all). One added parent row moves ``A`` by at most 1 and
``qN`` by ``q``, so ``u`` by at most 1. Adding a unit adds its own parent rows (at most
``rows(P)``, fixed by the caps above, chosen first) and changes no other parent's count (a kept
child shares its parent's unit: :mod:`.unit_bounding`), so ``u`` has sensitivity ``rows(P)``.

**Prior.** The mechanism draws ``c`` with probability proportional to
``exp(eps * u(c) / (2 rows(P))) * w(c)``, where ``w(c) = 4 ** -|log2(c / 8)|`` is a public
weight centred on the old fixed cap: a data-independent base measure keeps the exponential
mechanism's guarantee, and where the budget is too small to tell the caps apart (59 customers at
epsilon = 1) the draw stays near 8 instead of wandering over the grid.

**Cost.** All the chosen caps together take :data:`CAP_SHARE` of rho, split evenly; each draw is
``eps**2 / 8``-zCDP (bounded range).

>>> counts = child_histogram([(k, 10) for k in range(1, 12)] + [(14, 30)])  # 140 parents, 1 to 14 children
>>> CAP_GRID[int(np.argmax(cap_scores(counts)))]  # 0.9-quantile: 14 children
16
>>> p = cap_probabilities(counts, rho=0.01, rows=1)
>>> CAP_GRID[int(np.argmax(p))], round(float(p.max()), 2)
(16, 0.76)
>>> p = cap_probabilities(counts, rho=1e-6, rows=1)  # too little budget: the prior's peak
>>> CAP_GRID[int(np.argmax(p))], round(float(p.max()), 2)
(8, 0.34)
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_softmax

from amalgam_rel.models.privacy import exponential_epsilon

CAP_GRID = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
ROW_GRID = CAP_GRID + (96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096)  # rows kept per unit
QUANTILE = 0.9  # children kept per parent: the cap aims to keep every child of 90 % of the parents
CAP_SHARE = 0.1  # of the database's rho, for all the chosen caps together
PRIOR_CENTRE = 8  # the former fixed cap: where the public prior weight peaks


def cap_scores(counts: np.ndarray, quantile: float = QUANTILE, grid: tuple[int, ...] = CAP_GRID) -> np.ndarray:
    """``u(c)`` for every cap of ``grid``; ``counts[k]``: kept parents with ``k`` children (the
    last entry: that many or more)."""
    counts = np.asarray(counts, dtype=np.float64)
    at_most = np.cumsum(counts)
    target = quantile * at_most[-1]
    upper = np.array([at_most[min(c, len(counts) - 1)] for c in grid])
    lower = np.array([at_most[min(c, len(counts) - 1)] for c in (0,) + tuple(grid[:-1])])
    lower[0] = 0.0  # the first cap's interval starts at no children
    return -np.maximum(0.0, np.maximum(lower - target, target - upper))


def prior_log_weights() -> np.ndarray:
    """Public log weights ``log w(c)``, ``w(c) = 4 ** -|log2(c / PRIOR_CENTRE)|`` (see module doc)."""
    return np.array([-2 * math.log(2) * abs(math.log2(c / PRIOR_CENTRE)) for c in CAP_GRID])


def cap_probabilities(counts: np.ndarray, *, rho: float, rows: int) -> np.ndarray:
    """The exponential mechanism's probability of each cap of :data:`CAP_GRID` at ``rho`` (zCDP),
    score sensitivity ``rows`` (the parent table's rows in one unit), with the public prior."""
    eps = exponential_epsilon(rho)
    logits = eps * cap_scores(counts) / (2 * max(rows, 1)) + prior_log_weights()
    p = np.exp(log_softmax(logits))
    return p / p.sum()


def choose_cap(counts: np.ndarray, *, rho: float, rows: int, rng: np.random.Generator) -> int:
    """One cap drawn from :func:`cap_probabilities`."""
    return CAP_GRID[int(rng.choice(len(CAP_GRID), p=cap_probabilities(counts, rho=rho, rows=rows)))]


def row_limit_probabilities(counts: np.ndarray, *, rho: float, bound: int) -> tuple[tuple[int, ...], np.ndarray]:
    """The rows kept per unit (step 4 of :mod:`.unit_bounding`): the grid points below ``bound``
    (what the caps already allow) and ``bound`` itself, each with its probability. The same score
    on the histogram of units by their rows (one unit adds one value: sensitivity 1), and a prior
    ``4 ** -log2(bound / K)`` peaking at ``bound``: with too little budget nothing more is cut."""
    grid = tuple(g for g in ROW_GRID if g < bound) + (bound,)
    prior = np.array([-2 * math.log(2) * math.log2(bound / k) for k in grid])
    logits = exponential_epsilon(rho) * cap_scores(counts, grid=grid) / 2 + prior
    p = np.exp(log_softmax(logits))
    return grid, p / p.sum()


def child_histogram(values: list[tuple[int, int]], top: int = max(CAP_GRID)) -> np.ndarray:
    """``(children, parents)`` pairs (children already clipped at ``top + 1``) as counts indexed by
    the number of children."""
    out = np.zeros(top + 2)
    for children, parents in values:
        out[min(int(children), len(out) - 1)] += parents
    return out


class CapChooser:
    """Draws the caps :func:`~amalgam_rel.dp.unit_bounding.bound_units` asks for, ``rho / count``
    each, and records them in the ledger once it exists."""

    def __init__(self, rho: float, count: int, rng: np.random.Generator):
        self.rho_each = rho / count if count else 0.0
        self.rng = rng
        self.chosen: dict[int, tuple[int, int]] = {}  # fk index -> (cap, rows(P))
        self.limits: dict[str, tuple[int, int]] = {}  # table -> (rows kept per unit, the caps' bound)

    @property
    def spent(self) -> float:
        return self.rho_each * (len(self.chosen) + len(self.limits))

    def pick(self, fk_index: int, counts: np.ndarray, rows: int) -> int:
        cap = choose_cap(counts, rho=self.rho_each, rows=rows, rng=self.rng)
        self.chosen[fk_index] = (cap, rows)
        return cap

    def pick_rows(self, table: str, counts: np.ndarray, bound: int) -> int:
        grid, p = row_limit_probabilities(counts, rho=self.rho_each, bound=bound)
        limit = grid[int(self.rng.choice(len(grid), p=p))]
        self.limits[table] = (limit, bound)
        return limit

    def record(self, ledger, plan) -> None:
        for table, (limit, bound) in self.limits.items():
            ledger.spend(f"rows per unit:{table}", "exponential", self.rho_each, table=table, sensitivity=1.0,
                         detail=f"the first {limit} rows of each unit kept (the caps allow {bound}), aiming at the "
                                f"{QUANTILE:.0%} quantile, eps={exponential_epsilon(self.rho_each):.3g}")
        for i, (cap, rows) in self.chosen.items():
            fk = plan.db.foreign_keys[i]
            ledger.spend(f"cap:{fk.label}", "exponential", self.rho_each, table=fk.table, sensitivity=float(rows),
                         detail=f"children kept per parent: {cap}, drawn from {len(CAP_GRID)} caps aiming at the "
                                f"{QUANTILE:.0%} quantile, eps={exponential_epsilon(self.rho_each):.3g}")
