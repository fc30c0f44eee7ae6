"""Training batches: a batch mixes the columns one model learns, never a column at a time."""

from collections import Counter

from amalgam_rel.generation.lm import _batches, balanced


def test_training_batches_mix_columns():
    # six columns of 500 examples, lengths 4 to 14 tokens: sorting the whole corpus by length
    # gave one column per batch, which trains the model towards it whatever the column tag says
    examples = [([column] * (4 + 2 * column), 2) for column in range(6) for _ in range(500)]
    batches = _batches(examples, seed=0)
    assert sorted(e[0][0] for b in batches for e in b) == sorted(e[0][0] for e in examples)  # each once
    mixed = sum(len({e[0][0] for e in b}) >= 2 for b in batches)
    assert mixed >= 0.6 * len(batches), (mixed, len(batches))


def test_small_columns_are_repeated_so_that_every_column_trains():
    # 59 customers' e-mails next to 3,000 track names: each pass gave e-mails 2 % of the steps
    big = [(f"{i}<|t.name|>", f"name {i}") for i in range(3000)]
    small = [(f"{i}<|c.email|>", f"a{i}@x.com") for i in range(59)]
    out = balanced(big + small, ["<|t.name|>", "<|c.email|>"])
    assert Counter(p.endswith("<|c.email|>") for p, _ in out) == {False: 3000, True: 59 * 5}
    assert set(out) == set(big + small)  # repeated, never invented
    # columns of similar sizes (or one column alone) train as they are
    assert balanced(big[:300] + small, ["<|t.name|>", "<|c.email|>"]) == big[:300] + small
    assert balanced(small, ["<|c.email|>"]) == small
