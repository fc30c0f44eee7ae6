"""The default model's decoding shortcuts (issue 22) draw what the plain way draws: rows that just
wrote a letter are worked on the non-letter columns only, and a batch's prompts are tokenized
once per model, outside outlines' per-batch wrapper."""

import random

import duckdb
import pytest
import torch

from amalgam_rel.generation import decoding, token_draw
from amalgam_rel.generation.sample_db import WORDS, make_shop
from amalgam_rel.generation.text_model import TextFieldModel


@pytest.fixture(scope="module")
def shop_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        make_shop(con, rows=200)
    return path


def _fit(shop_path):
    return TextFieldModel(seed=0).fit(shop_path, columns={"products": ["description", "label"]})


def _context(n, seed=1):
    rng = random.Random(seed)
    return {"category": [rng.choice(list(WORDS)) for _ in range(n)],
            "price": [round(rng.uniform(0.5, 40), 2) for _ in range(n)]}


def test_rows_after_a_letter_draw_over_the_non_letter_columns_only(shop_path, monkeypatch):
    widths = []
    choose = decoding._choose

    def recording(logits, *args, **kwargs):
        widths.append(logits.shape[1])
        return choose(logits, *args, **kwargs)

    monkeypatch.setattr(decoding, "_choose", recording)
    narrow = _fit(shop_path).generate("products", _context(60), seed=5)
    support = _fit(shop_path).model_.support.sum(dim=1).max().item()
    assert min(widths) < max(widths) <= support  # some steps worked on far fewer columns
    # the whole support for every row: the same draws
    monkeypatch.setattr(decoding._Columns, "groups", lambda self, state, alive, n: [(None, self.full)])
    assert _fit(shop_path).generate("products", _context(60), seed=5) == narrow


class _Counting:
    """A tokenizer that counts the prompts it is asked to tokenize."""

    def __init__(self, tokenizer):
        self._tokenizer, self.asked = tokenizer, []

    def __call__(self, texts, **kwargs):
        self.asked += list(texts)
        return self._tokenizer(texts, **kwargs)

    def __getattr__(self, name):
        return getattr(self._tokenizer, name)


def test_prompts_are_tokenized_once_and_batches_equal_outlines_own(shop_path):
    model = _fit(shop_path)
    plan = model.plans_[("products", "description")]
    constrained = model.sampler_.generator(plan)
    prompts = [f"L{2 + i % 3};{c}<|products.description|>" for i, c in enumerate(["fruit", "dairy", "bakery"] * 6)]
    options = dict(max_new_tokens=plan.max_new_tokens, do_sample=True, temperature=1.0, top_k=0, top_p=1.0)
    theirs = constrained.batch(prompts, generator=torch.Generator().manual_seed(7), **options)
    counting = model.sampler_.tokenizer = _Counting(model.tokenizer_)
    ours = model.sampler_.own_loop_batch(constrained, prompts, generator=torch.Generator().manual_seed(7), **options)
    again = model.sampler_.own_loop_batch(constrained, prompts, generator=torch.Generator().manual_seed(7), **options)
    assert ours == theirs and again == ours
    assert sorted(counting.asked) == sorted(set(prompts))  # each distinct prompt once, across batches


def test_token_spellings_are_kept_until_the_tokens_change(shop_path):
    from amalgam_rel.generation.vocabulary import token_bytes

    tokenizer = _fit(shop_path).tokenizer_
    first = token_bytes(tokenizer)
    assert token_bytes(tokenizer) is first
    tokenizer.add_tokens(["zqxv"])
    assert len(token_bytes(tokenizer)) == len(first) + 1 and token_bytes(tokenizer)[-1] == b"zqxv"


@pytest.mark.parametrize("width", [256, 1000, 1388])  # a whole number of blocks, and a part one at the end
def test_a_wide_row_drawn_by_blocks_draws_the_token_of_its_whole_cumulative_sum(width):
    g = torch.Generator().manual_seed(width)
    logits = torch.randn((512, width), generator=g) * 4
    logits[:, torch.randperm(width, generator=g)[: width // 3]] = float("-inf")  # barred tokens: probability 0
    logits[:8, 40:] = float("-inf")  # rows whose mass sits in their first block
    logits[8:16, : width - 3] = float("-inf")  # ... in the last one
    probs = torch.softmax(logits, dim=-1)
    for _ in range(20):
        u = torch.rand((512, 1), dtype=torch.float64, generator=g)
        u[:4] = 1.0 - 2**-53  # the largest draw: the target rounds to (or past) the total
        blocks, exact = token_draw.draw_blocks(probs, u), token_draw.draw_exact(probs, u)
        assert torch.equal(blocks, exact)
        assert bool((probs.gather(1, blocks[:, None]) > 0).all())


def test_masks_kept_from_batch_to_batch_give_the_draws_of_masks_worked_out_anew(shop_path, monkeypatch):
    context = _context(150, seed=3)
    model = _fit(shop_path)
    model.sampler_.batch = 32  # several batches per column: the later ones read the masks kept
    kept = model.generate("products", context, seed=5)
    wrapper = model.sampler_.generators["outlines"].model
    assert wrapper._state_masks and all(masks for _, masks in wrapper._state_masks.values())
    monkeypatch.setattr(decoding, "KEPT_INDEXES", 0)  # every call starts afresh
    anew = _fit(shop_path)
    anew.sampler_.batch = 32
    assert anew.generate("products", context, seed=5) == kept


def test_rows_alike_are_worked_out_once_and_draw_what_each_drew_alone(shop_path, monkeypatch):
    """Rows of a step that share every input of their draw share one row of the work, each with
    its own number: the values are those drawn row by row."""
    draws = []
    choose = decoding._choose

    def recording(logits, *args, inverse=None, **kwargs):
        draws.append((logits.shape[0], inverse is not None))
        return choose(logits, *args, inverse=inverse, **kwargs)

    monkeypatch.setattr(decoding, "_choose", recording)
    monkeypatch.setattr(decoding, "ALIKE_ROWS", 2)
    shared = _fit(shop_path).generate("products", _context(120), seed=5)
    assert any(alike for _, alike in draws)  # the short descriptions' first words repeat
    monkeypatch.setattr(decoding, "ALIKE_ROWS", 10**9)
    assert _fit(shop_path).generate("products", _context(120), seed=5) == shared


def test_guide_states_move_and_mask_as_outlines_guides():
    from outlines_core import Guide, Index, Vocabulary

    from amalgam_rel.generation.guide_masks import GuideStates, StateMasks

    vocabulary = Vocabulary(40, {"a": [1], "b": [2], "ab": [3], "ba": [4], "c": [33]})
    index = Index("(a|b)+c?(ab)?", vocabulary)
    rng = random.Random(0)
    states, masks = GuideStates(index, 6, {}), StateMasks(2)
    guides = [Guide(index) for _ in range(6)]
    bitmasks, expected = torch.zeros((6, 2), dtype=torch.int32), torch.zeros((6, 2), dtype=torch.int32)
    for _ in range(6):
        masks.fill(bitmasks, states.states, index)
        for i, guide in enumerate(guides):
            guide.write_mask_into(expected[i].data_ptr(), 2, 4)
        assert torch.equal(bitmasks, expected)
        tokens = [rng.choice(index.get_allowed_tokens(guide.get_state())) for guide in guides]
        going = [i for i, t in enumerate(tokens) if t != 40]
        for i in going:
            if not guides[i].is_finished() or guides[i].accepts_tokens([tokens[i]]):
                guides[i].advance(token_id=tokens[i], return_tokens=False)
        states.advance(torch.tensor(going, dtype=torch.long).numpy(), torch.tensor(tokens)[going].numpy())
        assert [states.states[i] for i in going] == [guides[i].get_state() for i in going]


def test_the_word_tokenizers_texts_join_to_what_its_backend_decodes(shop_path):
    from amalgam_rel.generation.word_tokenizer import token_texts

    model = _fit(shop_path)
    tokenizer = model.tokenizer_
    texts = token_texts(tokenizer)
    rows = torch.randint(len(texts), (300, 12), generator=torch.Generator().manual_seed(3))
    rows[::7, 4:] = tokenizer.pad_token_id  # padding after the end, as a batch's shorter rows have it
    rows[::5, 0] = tokenizer.eos_token_id
    ours = ["".join(texts[r]) for r in rows.numpy()]
    assert ours == tokenizer.backend_tokenizer.decode_batch(rows.tolist(), skip_special_tokens=True)
    assert any(ours) and ours != tokenizer.backend_tokenizer.decode_batch(rows.tolist(), skip_special_tokens=False)


@pytest.mark.parametrize("small", [False, True])
def test_the_longest_length_a_draw_may_keep_bounds_every_length_kept_and_no_more(small):
    from amalgam_rel.generation.draw_attempts import _close, _longest, _near

    attempts = 8
    for bucket in range(0, 16):
        for slack in (0, 1):
            for exact in (None, float("nan"), 3.0, 17.5, 40.0, 120.0):
                for attempt in range(attempts // 2):  # slack is None (no ceiling) past half of the attempts
                    top = _longest(f"L{bucket}", slack, exact, attempt, attempts, small)
                    kept = [n for n in range(400) if _near("x" * n, f"L{bucket}", slack) and (
                        attempt >= attempts // 4 or exact is None or exact != exact
                        or _close("x" * n, exact, attempt, small))]
                    assert all(n <= top for n in kept), (bucket, slack, exact, attempt, top)
                    if kept:  # and a draw stops no later than one character past the longest kept
                        assert top <= max(kept) + 1, (bucket, slack, exact, attempt, top, max(kept))


def test_a_row_stops_once_it_has_written_more_than_its_most_characters(shop_path, monkeypatch):
    model = _fit(shop_path)
    plan = model.plans_[("products", "description")]
    prompts = [f"L{2 + i % 3};{c}<|products.description|>" for i, c in enumerate(["fruit", "dairy", "bakery"] * 20)]
    steps = []
    record = decoding._Run.record

    def counting(self, step, tokens):
        steps.append(step)
        return record(self, step, tokens)

    monkeypatch.setattr(decoding._Run, "record", counting)

    def draw(**ceiling):
        steps.clear()
        texts = model.sampler_(plan, prompts, 1.0, None, None, torch.Generator().manual_seed(4), **ceiling)
        return texts, len(steps)

    free, free_steps = draw()
    # a ceiling no row reaches changes no draw
    assert draw(max_chars=[10**6] * len(prompts)) == (free, free_steps)
    longest = max(len(t) for t in model.tokenizer_.get_vocab())
    ceiling = sorted(len(t) for t in free)[len(free) // 4]
    assert max(len(t) for t in free) > ceiling + longest  # without it some rows write well past it
    capped, capped_steps = draw(max_chars=[ceiling] * len(prompts))
    # each row stopped within one token past its ceiling, and the batch ran fewer steps
    assert all(len(t) <= ceiling + longest for t in capped) and any(len(t) > ceiling for t in capped)
    assert capped_steps < free_steps
