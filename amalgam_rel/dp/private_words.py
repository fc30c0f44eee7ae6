"""Free text under ``--epsilon`` (``--epsilon-text words``): words whose noisy counts pass a
threshold, charged to the budget.

For one text column of a private table with ``s`` rows per unit (its sensitivity):

- each row contributes its first :data:`WORDS_PER_ROW` distinct words (lowercased runs of
  letters, :func:`amalgam_rel.generation.lexicon.words`) and its word count, capped at
  :data:`MAX_LENGTH`;
- **word counts**: one unit changes at most ``s`` rows, so the vector of word counts by at most
  ``s * sqrt(K)`` in L2 (``K`` words per row, all ``s`` rows holding the same ``K``); Gaussian
  noise of that sensitivity at half the column's ``rho``. A word is released only when its noisy
  count clears ``s + sigma * Q^-1(delta / (s * K))``: a word present only because of one unit has
  a count of at most ``s``, and there are at most ``s * K`` such words, so the chance that any of
  them is released is at most ``delta`` (stability-based release). Released words are drawn in
  proportion to their noisy counts;
- **lengths**: the histogram of word counts per row, Gaussian noise of L2 sensitivity ``s`` at the
  other half;
- if no word clears the threshold (a small table), the column writes common words of the public
  lexicon (English by wordfreq's frequencies; public, no budget), and the ledger says so.

A value is its words joined by spaces, cut at a word to the column's length; DuckDB judges it as
it judges the schema placeholders (:class:`~.schema_text.SchemaText`, whose checks this reuses).

>>> model = fit_words(["the cat sat", "the cat ran", "a dog"] * 200, sensitivity=1, rho=1.0, delta=1e-9,
...                   rng=np.random.default_rng(0))
>>> sorted(model["words"])
['a', 'cat', 'dog', 'ran', 'sat', 'the']
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import numpy as np
from pydantic import Field
from scipy.stats import norm

from amalgam_rel.dp.schema_text import SchemaText, read_nulls
from amalgam_rel.generation.lexicon import common_words, words as words_of
from amalgam_rel.models.privacy import gaussian_sigma
from amalgam_rel.saved import typed
from amalgam_rel.schema.model import Database
from amalgam_rel.seeds import MAX_SEED

WORDS_PER_ROW = 8  # K: the distinct words one row may add to the counts
MAX_LENGTH = 40  # word counts per row above this are counted as this
PUBLIC_WORDS = 2_000  # common English words written where no word clears the threshold


def fit_words(values: list, *, sensitivity: float, rho: float, delta: float, rng: np.random.Generator) -> dict:
    """The released words with their noisy weights, and the noisy length histogram (see the module doc)."""
    counts: Counter = Counter()
    lengths = np.zeros(MAX_LENGTH + 1)
    for value in values:
        if value is None:
            continue
        found = words_of(value)
        counts.update(list(dict.fromkeys(found))[:WORDS_PER_ROW])
        lengths[min(len(found), MAX_LENGTH)] += 1
    sigma = gaussian_sigma(rho / 2, sensitivity * WORDS_PER_ROW ** 0.5)
    threshold = sensitivity + sigma * float(norm.isf(delta / (sensitivity * WORDS_PER_ROW)))
    noisy = {w: c + float(rng.normal(0, sigma)) for w, c in sorted(counts.items())}
    released = {w: c for w, c in noisy.items() if c >= threshold}
    lengths = np.maximum(lengths + rng.normal(0, gaussian_sigma(rho / 2, sensitivity), lengths.shape), 0)
    if lengths[1:].sum() <= 0:
        lengths[1:] = 1.0  # nothing survived the noise: any length, uniformly
    lengths[0] = 0.0  # a value has a word at least (an empty string is not text)
    if not released:
        released = dict(common_words()["en"][:PUBLIC_WORDS])
        source = "public lexicon (no word cleared the threshold)"
    else:
        source = f"{len(released)} words cleared the threshold {threshold:.3g}"
    return {"words": list(released), "weights": [float(v) for v in released.values()],
            "lengths": [float(v) for v in lengths], "sigma": sigma, "source": source}


class WordText(SchemaText):
    """:class:`SchemaText` whose free-text values are drawn from privately released words."""

    kind = "words"

    def __init__(self, db: Database, columns: dict[str, list[str]], seed: int = 0,
                 words: dict[str, dict[str, dict]] | None = None, nulls: dict[str, dict[str, float]] | None = None):
        super().__init__(db, columns, seed, nulls)
        self.words = words or {}

    def to_json(self) -> dict:
        return super().to_json() | {"words": self.words}

    @classmethod
    def from_json(cls, db: Database, doc: dict) -> WordText:
        columns = typed(dict[str, list[str]], doc["columns"], "word_text.columns")
        seed = typed(Annotated[int, Field(ge=0, le=MAX_SEED)], doc["seed"], "word_text.seed")
        model_type = dict[str, list[str] | list[float] | float | str]
        words = typed(dict[str, dict[str, model_type]], doc["words"], "word_text.words")
        for table, models in words.items():
            for column, model in models.items():
                if len(model.get("words", [])) != len(model.get("weights", [])) or not model.get("lengths"):
                    raise ValueError(f"word_text.words[{table!r}][{column!r}]: words, weights and lengths do not fit")
        return cls(db, columns, seed, words, read_nulls(doc))

    def _free_text(self, table_key: str, name: str, max_len: int | None, rng: np.random.Generator) -> str | None:
        model = self.words.get(table_key, {}).get(name)
        if model is None:
            return None
        lengths = np.asarray(model["lengths"], dtype=np.float64)
        weights = np.maximum(np.asarray(model["weights"], dtype=np.float64), 0) + 1e-12
        n = int(rng.choice(len(lengths), p=lengths / lengths.sum()))
        chosen = rng.choice(len(weights), size=max(n, 1), p=weights / weights.sum())
        text = ""
        for i in chosen:
            longer = f"{text} {model['words'][i]}" if text else model["words"][i]
            if max_len is not None and len(longer) > max_len:
                break
            text = longer
        return text or None
