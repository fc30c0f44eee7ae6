"""Training batches: a batch mixes the columns one model learns, never a column at a time."""

from amalgam_rel.generation.lm import _batches


def test_training_batches_mix_columns():
    # six columns of 500 examples, lengths 4 to 14 tokens: sorting the whole corpus by length
    # gave one column per batch, which trains the model towards it whatever the column tag says
    examples = [([column] * (4 + 2 * column), 2) for column in range(6) for _ in range(500)]
    batches = _batches(examples, seed=0)
    assert sorted(e[0][0] for b in batches for e in b) == sorted(e[0][0] for e in examples)  # each once
    mixed = sum(len({e[0][0] for e in b}) >= 2 for b in batches)
    assert mixed >= 0.6 * len(batches), (mixed, len(batches))
