"""Within-row consistency: dependencies the real rows keep between two text columns of a table.

Two kinds, both found in the real sample of :mod:`.word_columns` and scored on the synthetic
sample by the values' own structure, so fresh values (a Faker city that no real row holds)
score as well as copied ones:

* **A → B (near-functional)**: the real rows with equal A (a city) almost always share B (a
  country). Evidence: at least ``MIN_GROUPS`` values of A held by two rows or more; *purity*
  = share of those rows whose B is the most common B of their A ≥ ``PURITY``; and B is not
  nearly constant (two random rows share B with probability ≤ ``CHANCE``). The synthetic
  purity is measured the same way on synthetic rows (a synthetic city must map to one
  country, whichever); score = min(1, synthetic purity / real purity). A synthetic A with no
  repeated value gives no evidence: not scored.
* **e-mail ↔ name**: in ≥ ``EMAIL_SHARE`` of real rows, the e-mail's local part contains a word
  (≥ 3 letters, accents and case ignored) of a name column of the row. Score = min(1, synthetic
  share / real share).

>>> rows = [("Paris", "France"), ("Paris", "France"), ("Lyon", "France"), ("Lyon", "France")]
>>> purity(rows, 0, 1)
(1.0, 2)
>>> purity([("Paris", "France"), ("Paris", "Peru")], 0, 1)
(0.5, 1)
>>> mentions("luisg@embraer.com.br", "Luís")
True
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from amalgam_rel.evaluation.word_columns import EMAIL, MOSTLY, StringSample
from amalgam_rel.generation.lexicon import words

MIN_GROUPS = 5
PURITY = 0.95
CHANCE = 0.5
EMAIL_SHARE = 0.5
MAX_PER_TABLE = 8


@dataclass(frozen=True)
class Dependency:
    table: str
    kind: str  # "functional" (a -> b) | "email" (e-mail a contains a word of b)
    a: str
    b: str
    real: float  # the real rows' purity / share
    synth: float | None  # None: the synthetic rows give no evidence
    groups: int  # functional: repeated values of a among the real rows

    @property
    def score(self) -> float | None:
        if self.synth is None or not self.real:
            return None
        return min(1.0, self.synth / self.real)


def purity(rows, a: int, b: int) -> tuple[float | None, int]:
    """(share of rows agreeing with their A-group's most common B, number of repeated A values)."""
    groups: dict = defaultdict(Counter)
    for row in rows:
        if row[a] is not None and row[b] is not None:
            groups[row[a]][row[b]] += 1
    repeated = [c for c in groups.values() if sum(c.values()) >= 2]
    total = sum(sum(c.values()) for c in repeated)
    if not total:
        return None, 0
    return sum(max(c.values()) for c in repeated) / total, len(repeated)


def chance(rows, b: int) -> float:
    """Probability that two random rows (with a B) share B."""
    counts = Counter(r[b] for r in rows if r[b] is not None)
    n = sum(counts.values())
    return sum((c / n) ** 2 for c in counts.values()) if n else 1.0


def dependencies(table: str, real: StringSample, synth: StringSample, columns: list[str],
                 names: list[str]) -> list[Dependency]:
    """The table's dependencies among ``columns`` (any VARCHAR columns) found in ``real`` and
    scored on ``synth``; ``names`` are the word columns an e-mail may be built from."""
    found = [*_functional(table, real, synth, columns), *_emails(table, real, synth, columns, names)]
    return found[:MAX_PER_TABLE]


def _functional(table: str, real: StringSample, synth: StringSample, columns: list[str]) -> list[Dependency]:
    out = []
    index = {c: real.columns.index(c) for c in columns}
    for a in columns:
        for b in columns:
            if a == b:
                continue
            p, groups = purity(real.rows, index[a], index[b])
            if p is None or groups < MIN_GROUPS or p < PURITY or chance(real.rows, index[b]) > CHANCE:
                continue
            s, _ = purity(synth.rows, index[a], index[b])
            out.append(Dependency(table, "functional", a, b, p, s, groups))
    return sorted(out, key=lambda d: -d.groups)


def _emails(table: str, real: StringSample, synth: StringSample, columns: list[str], names: list[str]) -> list[Dependency]:
    out = []
    for e in columns:
        values = real.values(e)
        if not values or sum(bool(EMAIL.match(v)) for v in values) < MOSTLY * len(values):
            continue
        for n in names:
            if n == e:
                continue
            r = _mention_share(real, e, n)
            if r is not None and r >= EMAIL_SHARE:
                out.append(Dependency(table, "email", e, n, r, _mention_share(synth, e, n), 0))
    return out


def _mention_share(sample: StringSample, email: str, name: str) -> float | None:
    i, j = sample.columns.index(email), sample.columns.index(name)
    pairs = [(r[i], r[j]) for r in sample.rows if r[i] is not None and r[j] is not None]
    return sum(mentions(e, n) for e, n in pairs) / len(pairs) if pairs else None


def mentions(email: str, name: str) -> bool:
    """Whether the address's local part contains a word (≥ 3 letters) of ``name``."""
    local = _plain(email.split("@", 1)[0])
    return any(len(w) >= 3 and w in local for w in words(_plain(name)))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
