"""The outlines bitmasks of a decoding batch's rows, written and unpacked once per guide state.

A row's mask is a function of its guide's state, and a batch's rows share a few dozen states (a
free-text column's: one per length written). Writing a mask walks every token the state allows
(~17 us a row and step, a tenth of the word model's decoding), and unpacking it to one flag per
token of the support is a pass over the whole vocabulary: both are done once per state here, and
a step gathers its rows' masks by state.
"""

from __future__ import annotations

import sys

import numpy as np
import torch


class StateMasks:
    """The outlines bitmask of each guide state, written once per state: a row's mask is a
    function of its guide's state, and the rows of a batch share a few dozen states (a free
    text column's: one per length written), where writing a mask walks every token the state
    allows (~17 us a row and step, a tenth of a word model's decoding)."""

    def __init__(self, words: int):
        self.words = words
        self.rows: dict[int, int] = {}
        self.masks = torch.full((64, words), -1, dtype=torch.int32)
        self.current = torch.zeros(0, dtype=torch.long)  # the state of each row of the last fill
        self._barred: dict[int, list] = {}

    def fill(self, bitmasks: torch.Tensor, guides: list) -> None:
        """``bitmasks`` (rows as ``guides``) with each guide's mask."""
        states = [g.get_state() for g in guides]
        for guide, state in zip(guides, states):
            if state not in self.rows:
                if len(self.rows) == len(self.masks):
                    self.masks = torch.cat([self.masks, torch.full_like(self.masks, -1)])
                at = self.rows[state] = len(self.rows)
                guide.write_mask_into(self.masks[at].data_ptr(), self.words, 4)
        self.current = torch.tensor([self.rows[s] for s in states])
        torch.index_select(self.masks, 0, self.current, out=bitmasks)

    def barred(self, support: torch.Tensor, rows) -> torch.Tensor:
        """Whether each token of ``support`` is barred, for ``rows`` (a slice of all, or
        indices) of the last fill: each state's row of it unpacked once per support."""
        kept = self._barred.get(id(support))
        if kept is None or kept[0] is not support:
            kept = self._barred[id(support)] = [support, torch.zeros((0, len(support)), dtype=torch.bool)]
        if len(kept[1]) < len(self.rows):
            kept[1] = torch.cat([kept[1], _allowed(~self.masks[len(kept[1]):len(self.rows)], support)])
        return kept[1].index_select(0, self.current[rows])


def _allowed(bitmasks: torch.Tensor, support: torch.Tensor) -> torch.Tensor:
    """Per row, whether each token of ``support`` is allowed by the rows' outlines bitmasks.

    Token ``t`` is bit ``t % 32`` of word ``t // 32``: on a little-endian machine, bit ``t`` of
    the words' bytes read least significant bit first, which numpy unpacks in one pass (a
    tenth of the time of shifting each gathered word, at 64 rows and 4,000 tokens)."""
    if sys.byteorder != "little":
        return ((bitmasks[:, support >> 5] >> (support & 31)) & 1).bool()
    bits = np.unpackbits(bitmasks.contiguous().numpy().view(np.uint8), axis=1, bitorder="little")
    return torch.from_numpy(bits.view(np.bool_)[:, support.cpu().numpy()]).to(support.device)
