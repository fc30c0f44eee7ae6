"""Open-class words drawn in two stages draw from the distribution the dense step gave."""

import math

import torch

from amalgam_rel.generation.decoding import _choose
from amalgam_rel.generation.open_draw import choose_open
from amalgam_rel.generation.open_draw import OpenDraw

ROWS = 40_000
# token ids: 0 the end, 1-3 ordinary words, 4 the unknown-word token, 10-14 its class's words
CORE = torch.tensor([0, 1, 2, 3, 4])
FORMS = torch.tensor([10, 11, 12, 13, 14])
WEIGHTS = torch.tensor([0.4, 0.3, 0.15, 0.1, 0.05])
CORE_LOGITS = torch.tensor([-2.0, 0.5, -0.3, -1.0, 0.2])
END_COLS = torch.tensor([0])


def _masks(barred_tokens: set[int]) -> torch.Tensor:
    """One 32-bit word per row allowing every token but ``barred_tokens`` (and the unknown-word token)."""
    word = sum(1 << t for t in range(16) if t not in barred_tokens | {4})
    return torch.full((ROWS, 1), word, dtype=torch.int32)


def _dense(barred_tokens: set[int], lift: float, held: set[int]) -> torch.Tensor:
    """The dense step's probabilities over CORE then FORMS (what the model gave before)."""
    forms = CORE_LOGITS[4] + torch.log(WEIGHTS) + torch.tensor([lift if int(t) in held else 0.0 for t in FORMS])
    logits = torch.cat([CORE_LOGITS, forms])
    ids = torch.cat([CORE, FORMS]).tolist()
    barred = torch.tensor([t in barred_tokens | {4} for t in ids])
    return torch.softmax(logits.masked_fill(barred, float("-inf")), dim=0)


def _two_stage(barred_tokens: set[int], lift: float, held: set[int], seed: int = 0) -> torch.Tensor:
    draw = OpenDraw(torch.tensor([4]), (FORMS,), (torch.log(WEIGHTS),), lift, torch.ones(16, dtype=torch.bool))
    masks = _masks(barred_tokens)
    barred = torch.tensor([t in barred_tokens | {4} for t in CORE.tolist()]).expand(ROWS, -1)
    history = torch.tensor([sorted(held)] * ROWS, dtype=torch.long).reshape(ROWS, len(held))
    generator = torch.Generator().manual_seed(seed)
    u = torch.rand((ROWS, 1), dtype=torch.float64, generator=generator)
    tokens = choose_open(_choose, CORE_LOGITS.expand(ROWS, -1).clone(), barred, END_COLS, None, None,
                         lambda rows: (lambda x, e: x), 1.0, u, draw=draw, over=CORE, masks=masks,
                         history=lambda rows: history[rows], generator=generator)
    ids = torch.cat([CORE, FORMS])
    return torch.stack([(tokens == t).double().mean() for t in ids])


def _total_variation(p: torch.Tensor, q: torch.Tensor) -> float:
    return 0.5 * float((p.double() - q.double()).abs().sum())


def test_two_stages_match_the_dense_step():
    assert _total_variation(_two_stage(set(), 0.0, set()), _dense(set(), 0.0, set())) < 0.01


def test_words_the_constraint_bars_are_never_drawn_and_the_rest_keep_their_ratios():
    barred = {10, 12}
    drawn = _two_stage(barred, 0.0, set())
    assert float(drawn[5]) == 0.0 and float(drawn[7]) == 0.0  # tokens 10 and 12
    assert _total_variation(drawn, _dense(barred, 0.0, set())) < 0.01


def test_a_word_the_value_holds_is_lifted_as_the_dense_step_lifted_it():
    lift = math.log(0.2)
    drawn = _two_stage(set(), lift, {10})
    assert _total_variation(drawn, _dense(set(), lift, {10})) < 0.01
    assert float(drawn[5]) < 0.5 * float(_dense(set(), 0.0, set())[5])


def test_a_class_whose_words_are_all_barred_is_never_drawn():
    drawn = _two_stage(set(range(10, 15)), 0.0, set())
    assert float(drawn[5:].sum()) == 0.0
    assert _total_variation(drawn, _dense(set(range(10, 15)), 0.0, set())) < 0.01


def test_the_same_seed_draws_the_same_words():
    assert torch.equal(_two_stage({11}, math.log(0.5), {13}, seed=3), _two_stage({11}, math.log(0.5), {13}, seed=3))


def test_the_dense_choice_is_unchanged_without_open_classes():
    logits = CORE_LOGITS.expand(8, -1).clone()
    u = torch.rand((8, 1), dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    barred = torch.zeros((8, 5), dtype=torch.bool)
    kept = _choose(logits.clone(), barred, END_COLS, None, None, lambda x, e: x, 1.0, u)
    restored = _choose(logits.clone(), barred, END_COLS, None, None, lambda x, e: x, 1.0, u, restore=lambda x: x)
    assert torch.equal(kept, restored)
