"""Realism: do the synthetic text values read like real ones? (the ``realism`` area)

Per word column (:mod:`.word_columns`), word realism against its real ceiling and word-pair
realism (:mod:`.word_realism`); per table, the within-row dependencies real rows keep
(:mod:`.consistency`). A column's score is min(1, word realism / ceiling) (the word realism
itself when the real values are too few to split); a dependency's is its synthetic/real
ratio. A table's score is the mean of two means, its columns' and its dependencies' (where
each exists); the area's the mean over tables that have one. Columns with no scored word (a script the lexicon does not
cover) are reported as not scored; skipped columns are listed with the reason.

>>> ColumnRealism("t", "c", 10, 0.5, 1.0, 0.5, 1.0, None, None, None).score
0.5
>>> ColumnRealism("t", "c", 0, None, None, None, None, None, None, None).status
'not scored'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

import amalgam_rel.evaluation.word_realism as wr  # the module, not the package: its __init__ imports this one
from amalgam_rel.evaluation.consistency import Dependency, dependencies
from amalgam_rel.evaluation.context import Context
from amalgam_rel.evaluation.word_columns import Skipped, key_names, string_sample, word_columns
from amalgam_rel.generation.lexicon import public_words
from amalgam_rel.generation.semantic.names import name_words


@dataclass(frozen=True)
class ColumnRealism:
    table: str
    column: str
    words: int  # scored synthetic words
    word_realism: float | None  # hits x diversity; None: no scored word
    hits: float | None
    diversity: float | None
    ceiling: float | None  # the same measure for real values (split halves)
    pair_realism: float | None  # share of synthetic adjacent word pairs seen in real values
    pair_ceiling: float | None
    real_words: int | None = None  # scored real words (None: counted nowhere)

    @property
    def status(self) -> str:
        return "scored" if self.word_realism is not None else "not scored"

    @property
    def ratio(self) -> float | None:
        if self.word_realism is None:
            return None
        return self.word_realism / self.ceiling if self.ceiling else self.word_realism

    @property
    def score(self) -> float | None:
        return None if self.ratio is None else min(1.0, self.ratio)


@dataclass(frozen=True)
class Realism:
    columns: tuple[ColumnRealism, ...]
    dependencies: tuple[Dependency, ...]
    skipped: tuple[Skipped, ...]

    def table_scores(self) -> dict[str, float]:
        """Per table, the mean of its words' mean score and its dependencies' mean score (where
        each exists): eight dependencies among one address's parts weigh no more than its words."""
        halves: dict[str, tuple[list, list]] = {}
        for i, items in enumerate((self.columns, self.dependencies)):
            for item in items:
                if item.score is not None:
                    halves.setdefault(item.table, ([], []))[i].append(item.score)
        return {t: float(np.mean([np.mean(h) for h in pair if h])) for t, pair in halves.items()}

    @property
    def score(self) -> float | None:
        tables = self.table_scores()
        return float(np.mean(list(tables.values()))) if tables else None

    def summary(self, field: str) -> float | None:
        """Mean of a column field over the scored columns."""
        values = [getattr(c, field) for c in self.columns if getattr(c, field) is not None]
        return float(np.mean(values)) if values else None

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "word_realism": self.summary("word_realism"),
            "ceiling": self.summary("ceiling"),
            "ratio": self.summary("ratio"),
            "pair_realism": self.summary("pair_realism"),
            "pair_ceiling": self.summary("pair_ceiling"),
            "consistency": _mean([d.score for d in self.dependencies]),
            "tables": self.table_scores(),
            "columns": [asdict(c) | {"status": c.status, "ratio": c.ratio, "score": c.score} for c in self.columns],
            "dependencies": [asdict(d) | {"score": d.score} for d in self.dependencies],
            "skipped": [asdict(s) for s in self.skipped],
        }


def _mean(xs: list[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return float(np.mean(xs)) if xs else None


def realism(ctx: Context) -> Realism:
    chosen, skipped = word_columns(ctx)
    # a real city or surname is a real word: the lexicon's common words miss most of them
    public = public_words() | name_words() if chosen else frozenset()
    columns = [column_realism(ctx, t, c, public) for t, c in chosen]
    deps: list[Dependency] = []
    for t in ctx.schema.tables:
        real, synth = string_sample(ctx, "real", t.key), string_sample(ctx, "synth", t.key)
        keys = key_names(ctx, t.key)
        candidates = [c for c in real.columns if c not in keys]
        names = [c for tt, c in chosen if tt == t.key]
        if len(candidates) >= 2:
            deps += dependencies(t.key, real, synth, candidates, names)
    return Realism(tuple(columns), tuple(deps), tuple(skipped))


def column_realism(ctx: Context, table: str, column: str, public: frozenset[str]) -> ColumnRealism:
    real = wr.scored_words(string_sample(ctx, "real", table).values(column))
    synth = wr.scored_words(string_sample(ctx, "synth", table).values(column))
    real_words = sum(len(ws) for ws in real)
    # a column whose real values have no scored word is in a script the lexicon does not cover
    m = wr.measure_words(synth, real, public) if real_words else None
    top = wr.ceiling(real, public)
    # real words but not one synthetic word (all NULL, digits only): nothing realistic at all
    realism = m.realism if m else (0.0 if real_words else None)
    return ColumnRealism(
        table, column, m.words if m else 0, realism, m and m.hits, m and m.diversity,
        top and top.realism, wr.pair_share(synth, real), wr.pair_ceiling(real), real_words)
