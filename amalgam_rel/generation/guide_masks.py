"""The outlines bitmasks of a decoding batch's rows, written and unpacked once per guide state.

A row's mask is a function of its guide's state, and a batch's rows share a few dozen states (a
free-text column's: one per length written). Writing a mask walks every token the state allows
(~17 us a row and step, a tenth of the word model's decoding), and unpacking it to one flag per
token of the support is a pass over the whole vocabulary: both are done once per state here, and
a step gathers its rows' masks by state.

The rows' states themselves are kept here too (:class:`GuideStates`), as numbers, not as one
outlines ``Guide`` per row: a step moves every row by its (state, token) pair, each distinct
pair looked up in the index once per constraint, where three calls of each row's guide per
step (finished? accepts? advance) cost more than the lookups.
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

    def fill(self, bitmasks: torch.Tensor, states: np.ndarray, index) -> None:
        """``bitmasks`` (rows as ``states``) with the mask of each row's state of ``index``."""
        distinct, inverse = np.unique(states, return_inverse=True)
        for state in distinct.tolist():
            if state not in self.rows:
                if len(self.rows) == len(self.masks):
                    self.masks = torch.cat([self.masks, torch.full_like(self.masks, -1)])
                at = self.rows[state] = len(self.rows)
                _write_mask(self.masks[at], index.get_allowed_tokens(state))
        rows = np.array([self.rows[s] for s in distinct.tolist()], dtype=np.int64)
        self.current = torch.from_numpy(rows[inverse.reshape(-1)])
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


def _write_mask(mask: torch.Tensor, tokens: list[int] | None) -> None:
    """``mask`` (int32 words) with bit ``t % 32`` of word ``t // 32`` set for each of ``tokens``
    within it, the others clear: what outlines' ``Guide.write_mask_into`` writes for the state."""
    bits = np.zeros(mask.shape[0] * 32, dtype=np.uint8)
    allowed = np.asarray(tokens if tokens else [], dtype=np.int64)
    bits[allowed[allowed < len(bits)]] = 1
    mask.copy_(torch.from_numpy(np.packbits(bits, bitorder="little").view(np.int32).copy()))


class GuideStates:
    """The outlines states of a batch's rows, moved as outlines' ``Guide`` moves them: a row
    goes to the state its token leads to; a row whose value may end there (a final state) stays
    where a token leads nowhere (outlines_core issue #227: outlines advances a finished guide
    only on a token it accepts); elsewhere such a token is an error. ``moves`` keeps each
    (state, token) pair's next state, per constraint (shared by its batches)."""

    def __init__(self, index, rows: int, moves: dict):
        self.index, self.moves = index, moves
        self.states = np.full(rows, index.get_initial_state(), dtype=np.int64)

    def advance(self, rows: np.ndarray, tokens: np.ndarray) -> None:
        """Move ``rows`` (batch rows) by their ``tokens``."""
        if not len(rows):
            return
        # a pair as one number (states and token ids are 32-bit): one sort of plain integers
        pairs, inverse = np.unique((self.states[rows].astype(np.uint64) << np.uint64(32)) | tokens.astype(np.uint64),
                                   return_inverse=True)
        moves = self.moves
        after = []
        for pair in pairs.tolist():
            if pair not in moves:
                moves[pair] = self._move(pair >> 32, pair & 0xFFFFFFFF)
            after.append(moves[pair])
        self.states[rows] = np.array(after, dtype=np.int64)[inverse.reshape(-1)]

    def _move(self, state: int, token: int) -> int:
        following = self.index.get_next_state(state, token)
        if following is not None:
            return following
        if self.index.is_final_state(state):
            return state
        raise ValueError(f"No next state found for the current state: {state} with token ID: {token}")
