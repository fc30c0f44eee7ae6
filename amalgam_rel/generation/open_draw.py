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

import numpy as np
import torch

from amalgam_rel.generation.support_columns import class_of as _class_of


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
        """A word per row of the class ``classes[i]``, drawn by the weights with uniform ``r[i]``
        (in numpy: a few classes, a few hundred rows, where torch's calls cost more than the search)."""
        _, cumulative, _ = self._at(temperature)
        classes, r = classes.numpy(), r.numpy()
        out = np.empty(len(classes), dtype=np.int64)
        for c in np.unique(classes).tolist():
            rows = np.flatnonzero(classes == c)
            cum = cumulative[c].numpy()
            at = np.minimum(np.searchsorted(cum, r[rows] * cum[-1], side="right"), len(cum) - 1)
            out[rows] = self.forms[c].numpy()[at]
        return torch.from_numpy(out)

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


def choose_open(choose, part: torch.Tensor, barred: torch.Tensor, end_cols: torch.Tensor, floor: torch.Tensor | None,
                 early: torch.Tensor | None, bar, temperature: float, u: torch.Tensor, *, draw, over: torch.Tensor,
                 masks: torch.Tensor, history, generator: torch.Generator,
                 alike: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """``choose`` (:func:`.decoding._choose`, passed in: decoding imports this module) for rows that may start an open-class word, as token ids: each class
    drawn as its unknown-word token's column, then one of its words (see this module's docstring),
    kept where the row's bitmask (``masks``) allows it and, for a word the value already holds
    (``history(rows)``: the rows' tokens so far), with the repeat lift as a probability; a row
    refused draws again from its exact distribution. ``part`` is left as it is; ``bar(rows)``
    gives the joins of some of its rows (None: all).

    ``alike`` (see :meth:`.decoding._Run._alike`): ``part`` and ``barred`` hold only the first
    row of each set of rows whose draws read the same inputs, ``alike[0]`` their rows, and
    ``alike[1]`` each row's set; the other arguments hold every row."""
    cols = draw.cols
    first, inverse = (None, None) if alike is None else alike

    def proposal(masked: torch.Tensor) -> torch.Tensor:  # each class at its whole mass
        masked[:, cols] = part[:, cols] + draw.log_mass(temperature).to(part.dtype)
        return masked

    picked = choose(part, barred, end_cols, _at(floor, first), _at(early, first), bar(first), temperature, u,
                    restore=proposal, inverse=inverse)
    tokens = over[picked]
    classes = _class_of(picked, cols)
    rows = (classes >= 0).nonzero().squeeze(1)
    if not len(rows):
        return tokens
    forms = draw.propose(classes[rows], torch.rand(len(rows), dtype=torch.float64, generator=generator), temperature)
    kept = bits(masks, rows, forms)
    if draw.lift < 0:
        watched = kept & draw.words[forms] & (history(rows) == forms[:, None]).any(dim=1)
        if bool(watched.any()):
            odds = torch.rand(int(watched.sum()), dtype=torch.float64, generator=generator)
            kept[watched] = odds < draw.repeat_factor(temperature)
    tokens[rows] = forms
    refused = rows[~kept]
    if len(refused):
        own = refused if inverse is None else inverse[refused]  # their rows of ``part`` and ``barred``
        tokens[refused] = _exact_open(choose, part[own], barred[own], end_cols,
                                      None if floor is None else floor[refused],
                                      None if early is None else early[refused], bar(refused), temperature,
                                      draw=draw, over=over, masks=masks[refused], history=history(refused),
                                      generator=generator)
    return tokens


def _at(values: torch.Tensor | None, rows: torch.Tensor | None) -> torch.Tensor | None:
    """``values[rows]`` (``rows`` None: ``values``; ``values`` None: None)."""
    return values if values is None or rows is None else values[rows]


def _exact_open(choose, part: torch.Tensor, barred: torch.Tensor, end_cols: torch.Tensor, floor: torch.Tensor | None,
                early: torch.Tensor | None, bar, temperature: float, *, draw, over: torch.Tensor,
                masks: torch.Tensor, history: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Token ids for the rows refused a proposed word: each class at the mass of the words the
    row may write (none: barred), the words then drawn by those weights."""
    everyone = torch.arange(len(part))
    weights = [draw.exact(c, bits(masks, everyone, forms[None, :].expand(len(part), -1)),
                          (history[:, None, :] == forms[None, :, None]).any(dim=2), temperature)
               for c, forms in enumerate(draw.forms)]
    mass = temperature * torch.log(torch.stack([w.sum(dim=1) for w in weights], dim=1))

    def exact(masked: torch.Tensor) -> torch.Tensor:
        masked[:, draw.cols] = part[:, draw.cols] + mass.to(part.dtype)
        return masked

    u = torch.rand((len(part), 1), dtype=torch.float64, generator=generator)
    picked = choose(part, barred, end_cols, floor, early, bar, temperature, u, restore=exact)
    tokens = over[picked]
    classes = _class_of(picked, draw.cols)
    for c, forms in enumerate(draw.forms):
        rows = (classes == c).nonzero().squeeze(1)
        if len(rows):
            cdf = weights[c][rows].cumsum(dim=1)
            r = torch.rand((len(rows), 1), dtype=torch.float64, generator=generator)
            at = torch.searchsorted(cdf, r * cdf[:, -1:], right=True).squeeze(1).clamp(max=len(forms) - 1)
            tokens[rows] = forms[at]
    return tokens
