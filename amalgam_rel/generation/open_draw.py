"""Open-class words drawn in two stages: the unknown-word token's mass first, then one of its words.

A column's open class (:mod:`.open_class`) is most of its support: chinook's track names hold
6,744 public words in a support of 8,132 tokens, albums 2,942 of 3,236. Each such word's logit
is its unknown-word token's plus the word's fixed log weight (the weights of a case shape sum
to 1), so a decoding step spent most of its dense work (the n-gram sum, the log, the boosts,
the masks, the softmax and the cumulative sum) on columns whose ratios it knew in advance.

Here a step works on the support without them: the unknown-word token's column stands for its
whole class, with the logit ``l + T log sum_w exp(w / T)`` (``T`` the temperature). When a row
draws it, a word is drawn by the weights, and accepted where the row's constraint allows it
and, for a word the value already holds, with the column's repeat lift (:mod:`.word_repeats`)
as a probability. A refused row draws again, from the exact distribution (its class mass
counts only the words it allows, each lifted as it applies): rejection sampling, so every row
draws from the very distribution the dense step gave, with other random numbers.

>>> import torch
>>> draw = OpenDraw(torch.tensor([0]), (torch.tensor([7, 9]),), (torch.log(torch.tensor([0.25, 0.75])),),
...                 0.0, torch.zeros(10, dtype=torch.bool))
>>> round(float(draw.log_mass(1.0)[0]), 6)
0.0
>>> draw.propose(torch.tensor([0, 0]), torch.tensor([0.1, 0.9], dtype=torch.float64), 1.0).tolist()
[7, 9]
"""

from __future__ import annotations

import torch


class OpenDraw:
    """One column's open classes over one support: per class (an unknown-word token) its
    column in the support, its words (token ids) and their log weights; and the column's repeat
    log-lift with the token ids it watches (see :class:`.word_repeats.Repeats`)."""

    def __init__(self, cols: torch.Tensor, forms: tuple[torch.Tensor, ...], log_weights: tuple[torch.Tensor, ...],
                 lift: float, words: torch.Tensor):
        self.cols, self.forms, self.lift, self.words = cols, forms, float(lift), words
        self.log_weights = tuple(w.to(torch.float64) for w in log_weights)
        self._scaled: dict[float, tuple] = {}

    def _at(self, temperature: float) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
        """(weights, cumulative weights, class log-masses) at ``temperature``."""
        if temperature not in self._scaled:
            weights = [torch.exp(w / temperature) for w in self.log_weights]
            cumulative = [w.cumsum(0) for w in weights]
            mass = torch.stack([temperature * torch.log(c[-1]) for c in cumulative])
            self._scaled[temperature] = (weights, cumulative, mass)
        return self._scaled[temperature]

    def log_mass(self, temperature: float) -> torch.Tensor:
        """What each class's logit gains for its whole class of words (float64, per class)."""
        return self._at(temperature)[2]

    def propose(self, classes: torch.Tensor, r: torch.Tensor, temperature: float) -> torch.Tensor:
        """A word per row of the class ``classes[i]``, drawn by the weights with uniform ``r[i]``."""
        _, cumulative, _ = self._at(temperature)
        out = torch.empty(len(classes), dtype=torch.long)
        for c in torch.unique(classes).tolist():
            rows = (classes == c).nonzero().squeeze(1)
            cum = cumulative[c]
            at = torch.searchsorted(cum, r[rows] * cum[-1], right=True).clamp(max=len(cum) - 1)
            out[rows] = self.forms[c][at]
        return out

    def repeat_factor(self, temperature: float) -> float:
        """The acceptance of a word the value already holds (1: the column has no repeat lift)."""
        return float(torch.exp(torch.tensor(self.lift / temperature, dtype=torch.float64)))

    def exact(self, c: int, allowed: torch.Tensor, held: torch.Tensor, temperature: float) -> torch.Tensor:
        """Per row, the weights of class ``c``'s words as that row may write them: 0 where its
        constraint bars the word (``allowed``: rows x words), times the repeat factor where its
        value holds it (``held``)."""
        weights = self._at(temperature)[0][c][None, :] * allowed
        if self.lift < 0:
            weights = torch.where(held, weights * self.repeat_factor(temperature), weights)
        return weights


def bits(masks: torch.Tensor, rows: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Whether each row's outlines bitmask (``masks``: rows x 32-bit words) allows ``tokens``:
    per row one token (``tokens`` 1-d), or a row of tokens each (2-d, broadcast)."""
    if tokens.dim() == 1:
        return ((masks[rows, tokens >> 5] >> (tokens & 31)) & 1).bool()
    return ((masks[rows[:, None], tokens >> 5] >> (tokens & 31)) & 1).bool()
