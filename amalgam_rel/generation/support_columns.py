"""Which columns of a decoding batch's support a step works on, and for which rows.

The word model's logits cover a batch's support (the tokens its column writes). A row that
just wrote a letter may write only a token that starts no word: :class:`Columns` groups such
rows apart, to be worked on over those few hundred columns (see :mod:`.decoding`).
"""

from __future__ import annotations

import torch


class Columns:
    """A batch's support, the end tokens' columns in it, and (for the word model's joins) the
    columns of the tokens that do not start with a letter: all that a row which just wrote a
    letter may write next. Such rows (about half of a free-text column's steps) are worked on
    those few hundred columns only, not on the column's thousands of words; with the other
    rows' they take the same uniform number, and draw the same token as over the whole support
    (a barred token's probability is 0), up to the rounding of the softmax's sum."""

    def __init__(self, support: torch.Tensor | None, end_ids: torch.Tensor, joins):
        self.support = support
        self.full = (support, None, end_ids if support is None else columns_of(support, end_ids))
        self.letters = None
        if joins is not None and support is not None:
            cols = (~joins.first_letter[support]).nonzero().squeeze(1)
            over = support[cols]
            self.letters = (over, cols, columns_of(over, end_ids))

    def groups(self, state: dict, alive: torch.Tensor, n: int):
        """(rows, (support, columns, end columns)) of the rows to work on together (rows None: all)."""
        if self.letters is None:
            return [(None, self.full)]
        after = state["letter"][alive] | state["glued"][alive]
        if not bool(after.any()):
            return [(None, self.full)]
        rows = after.nonzero().squeeze(1)
        if len(rows) == n:
            return [(None, self.letters)]
        return [((~after).nonzero().squeeze(1), self.full), (rows, self.letters)]


def part(logits: torch.Tensor, rows: torch.Tensor | None, cols: torch.Tensor | None) -> torch.Tensor:
    """``logits`` itself (all rows and columns), or a copy of some of its rows and columns
    (``index_select``: a fifth of the time of indexing by tensors, on a CPU)."""
    if rows is not None:
        logits = logits.index_select(0, rows)
    return logits if cols is None else logits.index_select(1, cols)


def class_of(picked: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Per row, the open class whose column it drew (-1: another column)."""
    classes = torch.full_like(picked, -1)
    for c, col in enumerate(cols.tolist()):
        classes[picked == col] = c
    return classes


def within(picked, sub):
    """Rows ``sub`` of the rows ``picked`` (a slice of all, or indices), as indices of all."""
    if sub is None:
        return picked
    return sub if isinstance(picked, slice) else picked[sub]


def columns_of(support: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """The positions in ``support`` of the token ``ids`` it holds."""
    at = torch.searchsorted(support, ids).clamp(max=len(support) - 1)
    return at[support[at] == ids]
