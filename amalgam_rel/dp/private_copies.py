"""Columns that repeat their parent row's column, found under the budget: ``Invoice.BillingCity =
Customer.City``, ``InvoiceLine.UnitPrice = Track.UnitPrice``.

Without a budget the copies rule (:mod:`amalgam_rel.relational.rules.copies`) counts the agreeing
rows of every (child column, parent column) pair of a type. Here the candidates come from the
schema alone, so there are few: a column of the child and one of a parent row it names (through
any FK into a private or public table), of a type the copy fits, where the parent column's name
ends the child's (``BillingCity`` / ``City``, ``UnitPrice`` / ``UnitPrice``, at least
:data:`MIN_NAME` characters, case and punctuation ignored) or both carry one semantic type
(a city, an e-mail: read off the names). Then one Gaussian measurement of the vector
``(agreeing rows, disagreeing rows)`` of each candidate over the table's bounded frame. A unit
adds ``r <= s`` rows (the table's rows per unit; no other row changes, and a public parent's
values are public), each to exactly one entry of each pair: ``a + b = r`` with ``a, b >= 0``, so
``a**2 + b**2 <= r**2`` and the L2 sensitivity is ``s * sqrt(k)`` for ``k`` candidates. A pair whose
noisy agreement reaches :data:`HOLDS` of its noisy rows (agreeing plus disagreeing), and exceeds
the noisy disagreement by :data:`MAJORITY_Z` deviations of that difference, becomes a copy
(post-processing; without the second rule, where the noise dwarfs the rows, a pair that never
agrees passes the share test up to one time in five): the column leaves the table model and
sampling copies the parent's value, as without a budget. (Measuring ``(rows, agreeing rows of
each)`` instead, as before, costs ``s * sqrt(k + 1)`` and puts the row count's noise into every
test: ``agree - HOLDS * rows`` then carries 1.9 times the noise of ``(1 - HOLDS) * agree - HOLDS *
disagree`` for one candidate, at the same budget.)

>>> from scipy.stats import norm
>>> margin = (1 - HOLDS) * 2240  # chinook's 2,240 invoice lines at epsilon = 8 (s = 48, rho 0.02): all agree
>>> now = gaussian_sigma(0.02, 48 * math.sqrt(1)) * math.hypot(1 - HOLDS, HOLDS)
>>> before = gaussian_sigma(0.02, 48 * math.sqrt(2)) * math.hypot(1, HOLDS)  # (rows, agreeing rows)
>>> [round(float(norm.cdf(margin / sd)), 2) for sd in (now, before)]  # the chance the copy is found
[0.85, 0.69]
>>> holds(60.0, -5.0, sigma=55.7)  # 59 customers at epsilon = 1: the share passes, the majority is noise
False
>>> holds(2200.0, 40.0, sigma=248.0), holds(1900.0, 340.0, sigma=248.0)
(True, False)

>>> normalised("Billing_City"), name_copies("BillingCity", "City"), name_copies("Total", "Id")
('billingcity', True, False)
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
from sqlglot import exp

from amalgam_rel.models.privacy import gaussian_sigma
from amalgam_rel.relational.parent_copies import ParentCopy
from amalgam_rel.schema import sql
from amalgam_rel.schema.types import Kind

HOLDS = 0.9  # noisy share of agreeing rows that makes a copy
MAJORITY_Z = 2.0  # ... when the agreeing rows also outnumber the others by this many noise deviations
MIN_NAME = 4  # shortest parent column name a child's may end with
TEST_SHARE = 0.25  # most of a table's rho the test takes (one column's share per candidate below that)


def normalised(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def name_copies(column: str, source: str) -> bool:
    """Whether the parent column's name ends the child's (see the module doc)."""
    a, b = normalised(column), normalised(source)
    return len(b) >= MIN_NAME and a.endswith(b)


def _fits(child, parent) -> bool:
    a, b = child.type, parent.type
    same = a == b or (a.kind is Kind.STRING and b.kind is Kind.STRING
                      and (a.length is None or (b.length is not None and a.length >= b.length)))
    return same and (child.nullable or not parent.nullable)


def last_word(name: str) -> str:
    """The last word of a column name (``ship_name`` -> ``name``, ``ShipName`` -> ``name``)."""
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)
    return words[-1].lower() if words else ""


def word_copies(column: str, source: str) -> bool:
    """Whether both names end with one word of at least :data:`MIN_NAME` characters, each with a
    word before it (``ship_name`` / ``company_name``: a name the row repeats under its own word).

    >>> word_copies("ship_name", "company_name"), word_copies("ShipName", "CompanyName"), word_copies("ship_name", "name")
    (True, True, False)
    >>> word_copies("ship_via", "employee_via"), word_copies("order_date", "hire_date")
    (False, True)
    """
    word = last_word(column)
    return (len(word) >= MIN_NAME and word == last_word(source)
            and normalised(column) != word and normalised(source) != word)


def candidates(ft, fitted: dict, plan, semantic_of) -> list[tuple[str, int, str]]:
    """(child column, fk index, parent column) pairs from the schema; ``semantic_of(table key)``
    maps a table's generated columns to their semantic types (from names alone). A string column whose
    name or type matches no parent column's may still pair, on a second pass, with the first
    parent column (FK order, then column order) whose name ends with the same word
    (:func:`word_copies`): one candidate per child column either way."""
    skip = set(ft.plan.fk_columns) | set(ft.table.primary_key) | set(ft.sequences) | set(ft.plan.generated_keys)
    skip |= {c for cols in ft.table.unique_sets() for c in cols}
    own_types = semantic_of(ft.key)
    out, taken = [], set()
    types = functools.lru_cache(maxsize=None)(semantic_of)
    for matches in (_named_or_typed(own_types, types), _same_word):
        for fk in ((ft.plan.driver,) if ft.plan.driver else ()) + ft.plan.matched + ft.plan.attributes:
            parent = plan.db.table(fk.ref_table)
            late = {c for d in plan.tables[fk.ref_table].deferred for c in d.columns}
            for column in ft.table.columns:
                if column.name in skip or column.name in taken:
                    continue
                for source in parent.columns:
                    if source.name in late or not _fits(column, source):
                        continue
                    if matches(column, source, fk):
                        out.append((column.name, plan.fk_index(fk), source.name))
                        taken.add(column.name)
                        break
    return out


def _same_word(column, source, fk) -> bool:
    """The second pass's test: strings whose names end with one word (not dates: a child's date
    and its parent's share ``date`` without repeating it)."""
    return column.type.kind is Kind.STRING and word_copies(column.name, source.name)


def _named_or_typed(own_types: dict, semantic_of):
    """The first pass's test: the parent column's name ends the child's, or one semantic type."""
    def matches(column, source, fk) -> bool:
        typed = own_types.get(column.name) is not None and own_types.get(column.name) == semantic_of(fk.ref_table).get(source.name)
        return typed or name_copies(column.name, source.name)
    return matches


def agreeing_rows(frames, plan, key: str, pairs: list[tuple[str, int, str]]) -> np.ndarray:
    """``[agreeing rows of each pair, disagreeing rows of each pair]`` over the bounded rows of
    ``key`` (NULL equals NULL); each row is in exactly one entry of each pair."""
    table = plan.db.table(key)
    query = exp.select(exp.Count(this=exp.Star()).as_(sql.ident("rows"))).from_(frames.source(table, "c"))
    joined = {}
    for column, i, source in pairs:
        if i not in joined:
            fk = plan.db.foreign_keys[i]
            alias = f"p{len(joined)}"
            on = exp.and_(*(exp.EQ(this=sql.column(a, "c"), expression=sql.column(b, alias))
                            for a, b in zip(fk.columns, fk.ref_columns)))
            query = query.join(frames.source(plan.db.table(fk.ref_table), alias), on=on, join_type="left")
            joined[i] = alias
        same = exp.NullSafeEQ(this=sql.column(column, "c"), expression=sql.column(source, joined[i]))
        query = query.select(exp.Sum(this=exp.Cast(this=same, to=exp.DataType.build("INTEGER"))), append=True)
    found = np.array([v or 0 for v in frames.con.execute(sql.render(query)).fetchone()], dtype=np.float64)
    return np.concatenate([found[1:], found[0] - found[1:]])


def holds(agree: float, other: float, sigma: float) -> bool:
    """Whether noisy agreeing and disagreeing rows (each with noise ``sigma``) make a copy: a
    share of :data:`HOLDS`, and a majority :data:`MAJORITY_Z` deviations out of the noise. Where
    the noise dwarfs the rows (chinook's 59 customers at epsilon = 1, sigma 56) the share alone
    passed pairs that never agree (``Customer.FirstName = Employee.FirstName``)."""
    return agree - other >= MAJORITY_Z * sigma * math.sqrt(2) and agree >= HOLDS * (agree + other)


def private_copies(frames, plan, key: str, pairs: list[tuple[str, int, str]], *, sensitivity: float, rho: float,
                   rng: np.random.Generator, ledger) -> tuple[ParentCopy, ...]:
    """The pairs whose noisy agreement clears :data:`HOLDS`; spends ``rho`` in ``ledger``."""
    if not pairs:
        return ()
    counts = agreeing_rows(frames, plan, key, pairs)
    sigma = gaussian_sigma(rho, sensitivity * math.sqrt(len(pairs)))
    noisy = counts + rng.normal(0, sigma, counts.shape)
    k = len(pairs)
    found = tuple(ParentCopy(column, i, source) for (column, i, source), agree, other in zip(pairs, noisy[:k], noisy[k:])
                  if holds(agree, other, sigma))
    ledger.spend("copies", "gaussian", rho, table=key, sensitivity=sensitivity * math.sqrt(len(pairs)), sigma=sigma,
                 detail=f"rows agreeing and disagreeing with a parent column, {len(pairs)} pairs from the schema: "
                        + (", ".join(f"{c.column} = {c.source}" for c in found) or "no copy"))
    return found
