"""Training the text model's language model on the (prompt, value) pairs of every planned column.

The default is a word n-gram model, counted rather than trained (:mod:`.word_model`); a user's
``--llm`` is loaded, and fine-tuned on the pairs only when asked. Steps come from the data
(:func:`auto_steps`), never from the clock.
"""

from __future__ import annotations

import torch

from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.text_plan import ColumnPlan, spelled
from amalgam_rel.generation.word_model import train_word_model


def train_language_model(pairs: list[tuple[str, str]], plans: list[ColumnPlan], *, llm: str | None,
                         fine_tune: bool, steps: int, seed: int, device: torch.device, min_word_rows: int):
    """``(model, tokenizer, train report or None)`` for the pairs of ``plans``."""
    if llm is not None:
        model, tokenizer = lm_mod.load_pretrained(llm, device)
        if not fine_tune:
            return model, tokenizer, None
        report = lm_mod.train(model, tokenizer, pairs, steps=steps, max_epochs=_max_epochs(pairs),
                              lr=1e-4, seed=seed, device=device)
        return model, tokenizer, report
    words = {p.tag: frozenset(p.words) for p in plans if p.words is not None}
    characters = "".join(sorted({ch for p in plans for ch in spelled(p.spec)}))  # what the types spell literally
    return train_word_model(pairs, words, [p.tag for p in plans], min_rows=min_word_rows, characters=characters)


def auto_steps(n_values: int) -> int:
    """Training steps for ``n_values`` (prompt, value) pairs: 160 plus one per 19 values, at most 800.

    Counted in values, not characters: shorter prompts should buy more epochs, not fewer steps.
    Small corpora stop earlier anyway, at their epoch cap (:func:`_max_epochs`). This replaced a
    wall-clock budget (20 s plus 1 s per 150 values, at most 100 s), whose steps depended on how
    busy the machine was; 8 steps a second of it is what 2 shared CPU cores gave the compact
    model (chinook: 440 steps in 68 s at load 5.5; 1,250-1,900 steps in 55-95 s at load 3-4).
    chinook now trains 538 steps (83 s at load 5).
    """
    return int(min(800, 160 + n_values // 19))


def _max_epochs(pairs: list[tuple[str, str]]) -> float:
    # few rows: many passes, but not so many that the model learns them by heart; many rows: at
    # least 4 passes while the step budget lasts (openflights equipment: 2 passes left element
    # TV-c at 0.82, 3.4 passes reach 0.86)
    n_chars = sum(len(p) + len(t) for p, t in pairs)
    return float(min(100.0, max(4.0, 2_000_000 / max(1, n_chars))))
