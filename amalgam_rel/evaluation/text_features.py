"""What detection sees of a text value's content: hashed character and word n-grams.

A text column otherwise reaches the classifier only as a length, so a column of invented
letter strings with real lengths (``Srow Palles``) cannot be told from real names. Each text
value becomes ``WIDTH`` numbers, computed row by row with no fitting (scikit-learn's
``HashingVectorizer`` is stateless, so the features are deterministic and learn nothing from
either side):

* ``CHAR_FEATURES`` buckets of character 2- and 3-grams inside word boundaries, lowercased,
  as shares of the value's n-grams (letter soup has other bigrams than names);
* ``WORD_FEATURES`` buckets of its lowercased words (repeated placeholders pile into one);
* the share of its words found in the public lexicon (``lexicon.public_words``), NaN without
  scored words.

A table keeps at most ``MAX_COLUMNS`` text columns (the first, in column order), so wide
tables stay fast. NULL is all zeros with a NaN lexicon share.

>>> m = text_matrix([("Rock and Roll",), (None,)])
>>> m.shape, float(m[0, :CHAR_FEATURES].sum().round(6)), float(m[0, -1])
((2, 41), 1.0, 1.0)
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from amalgam_rel.generation.lexicon import public_words, scored, words

CHAR_FEATURES = 32
WORD_FEATURES = 8
WIDTH = CHAR_FEATURES + WORD_FEATURES + 1
MAX_COLUMNS = 4

_CHARS = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 3), n_features=CHAR_FEATURES,
                           alternate_sign=False, norm="l1")
_WORDS = HashingVectorizer(analyzer=words, n_features=WORD_FEATURES, alternate_sign=False, norm="l1")


def text_matrix(rows: list[tuple]) -> np.ndarray:
    """``len(rows)`` × (``WIDTH`` × columns): the features of each row's text values."""
    if not rows:
        return np.zeros((0, 0))
    blocks = []
    for j in range(len(rows[0])):
        texts = ["" if r[j] is None else str(r[j]) for r in rows]
        blocks += [_CHARS.transform(texts).toarray(), _WORDS.transform(texts).toarray(),
                   np.array([[_public_share(t)] for t in texts])]
    return np.hstack(blocks)


def _public_share(text: str) -> float:
    found = [w for w in words(text) if scored(w)]
    if not found:
        return float("nan")
    public = public_words()
    return sum(w in public for w in found) / len(found)
