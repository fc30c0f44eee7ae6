"""Whether a rule test can pass at all on a table of about ``n`` rows, decided before it is run.

A rule test (copies, date gaps, identities: :mod:`.private_copies`, :mod:`.private_offsets`,
:mod:`.private_derived`) holds only when its noisy agreeing rows beat the others by
``MAJORITY_Z`` deviations of their difference: ``MAJORITY_Z * sigma * sqrt(cells)``, with
``sigma`` set by the test's share and ``s * sqrt(k)`` for ``k`` candidates. Even if every row
agreed, a table with not :data:`POWER_Z` deviations more rows than that would pass in fewer than
5 draws of 6 (at the threshold itself, 1 in 2), and the share the test took is lost to the table
model. northwind's ``order_details`` (1,938 bounded rows in seed 2, 48 rows per unit, 12
identity candidates over 3 numbers, none holding) gave an eighth of its share to an identities
test with ``sigma`` 891, which needs 3,780 rows, and its model measured its numbers with that much
less (dp27f: inter-table trends over ``order_details`` 0.302 -> 0.250, seeds 0-4).

``n`` is a released estimate, never the true count: the driving parent's noisy row count times
the mean number of children its private model draws (post-processing, as the estimate that
sizes the table, :mod:`amalgam_rel.dp.sizes`; seed 2 released 2,841 for 1,938 bounded rows).
Without one (the unit table), every test runs.

>>> need = least_rows(12, sensitivity=48.0, rho=0.0174, cells=2)
>>> round(need, -1), reachable(2841.0, 12, 48.0, 0.0174, 2), reachable(None, 12, 48.0, 0.0174, 2)
(3780.0, False, True)
>>> reachable(682.0, 12, 1.0, 0.0133, 2)  # berka's loans: amount = duration * payments needs 90 rows
True
"""

from __future__ import annotations

import math

from amalgam_rel.dp.private_copies import MAJORITY_Z, TEST_SHARE
from amalgam_rel.dp.private_offsets import CELLS as GAP_CELLS
from amalgam_rel.models.privacy import gaussian_sigma


POWER_Z = 1.0  # deviations beyond the majority threshold: a rule every row follows passes 5 draws in 6


def least_rows(k: int, sensitivity: float, rho: float, cells: int) -> float:
    """Rows a test of ``k`` candidates at ``rho`` needs for all of them agreeing to clear its
    majority test (``MAJORITY_Z`` deviations of the difference of ``cells`` noisy cells) by
    :data:`POWER_Z` more deviations."""
    return (MAJORITY_Z + POWER_Z) * gaussian_sigma(rho, sensitivity * math.sqrt(k)) * math.sqrt(cells)


def reachable(rows: float | None, k: int, sensitivity: float, rho: float, cells: int) -> bool:
    """Whether a test can pass on about ``rows`` rows (True when no estimate is released)."""
    return rows is None or k == 0 or rows >= least_rows(k, sensitivity, rho, cells)


# The copies take one column's share per candidate, at most TEST_SHARE; the date pairs (one
# column's share each) and the identities (one for all: a table of four numbers has 48 and few
# hold) at most RULES_SHARE more: sharing one cap, the copies' noise rose from 96 to 149 rows on
# northwind's orders, and ``ship_postal_code`` was lost (dp27f).
RULES_SHARE = 0.15  # most of a table's rho the date pairs and identities take, beside the copies'


def rule_parts(d: int, left: float, pairs, dates, sums) -> tuple[float, float, int]:
    """The copies' part of the table's rho, the date pairs' and identities' part, and how many
    measurements share the latter (each date pair, and the identities together)."""
    others = len(dates) + min(len(sums), 1)
    return min(TEST_SHARE, len(pairs) / d) * left, min(RULES_SHARE, others / d) * left, others


def within_reach(rows: float | None, s: float, rho: float, parts: tuple[float, float, int], pairs, dates, sums):
    """Each family of candidates, or none of it where its test cannot pass on ``rows``."""
    copies_part, rules_part, others = parts
    return (pairs if reachable(rows, len(pairs), s, rho * copies_part, 2) else [],
            dates if reachable(rows, len(dates), s, rho * rules_part * len(dates) / max(others, 1),
                               GAP_CELLS) else [],
            sums if reachable(rows, len(sums), s, rho * rules_part / max(others, 1), 2) else [])
