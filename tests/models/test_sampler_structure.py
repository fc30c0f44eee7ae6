"""Structure learning finds planted dependencies; the sampler is exact and honours evidence."""

from __future__ import annotations

import itertools

import numpy as np

from amalgam_rel.models import structure
from amalgam_rel.models.sampler import JunctionTreeSampler


def test_chow_liu_finds_the_planted_chain():
    rng = np.random.default_rng(0)
    n = 20_000
    a = rng.integers(0, 5, n)
    b = np.where(rng.random(n) < 0.8, a, rng.integers(0, 5, n))  # a -> b
    c = np.where(rng.random(n) < 0.7, (b + 1) % 5, rng.integers(0, 5, n))  # b -> c
    noise = rng.integers(0, 5, (n, 2))
    codes = np.column_stack([noise[:, 0], c, a, noise[:, 1], b])  # shuffled column order
    mi = structure.pairwise_mutual_information(codes, [5] * 5)
    tree = {tuple(sorted(e)) for e in structure.chow_liu(mi)}
    assert {(2, 4), (1, 4)} <= tree  # a-b and b-c, not a-c
    assert (1, 2) not in tree


def _brute_force(attrs, sizes, cliques, pots):
    """The full joint of a small model, for checking the sampler."""
    joint = np.zeros(sizes)
    for idx in itertools.product(*[range(s) for s in sizes]):
        value = 0.0
        for cl, p in zip(cliques, pots):
            value += p[tuple(idx[attrs.index(a)] for a in cl)]
        joint[idx] = np.exp(value)
    return joint / joint.sum()


def _model():
    rng = np.random.default_rng(3)
    attrs, sizes = ["a", "b", "c", "d"], [3, 4, 2, 3]
    cliques = [("a", "b", "c"), ("c", "d")]  # a 3-way clique and a pair, joined at c
    pots = [rng.normal(0, 1.5, (3, 4, 2)), rng.normal(0, 1.5, (2, 3))]
    return attrs, sizes, cliques, pots


def test_unconditional_samples_match_the_joint():
    attrs, sizes, cliques, pots = _model()
    sampler = JunctionTreeSampler(attrs, sizes, cliques, pots, [(0, 1)])
    rows = sampler.sample(200_000, np.random.default_rng(0))
    joint = _brute_force(attrs, sizes, cliques, pots)
    flat = np.ravel_multi_index([rows[a] for a in attrs], sizes)
    empirical = np.bincount(flat, minlength=joint.size) / len(flat)
    assert 0.5 * np.abs(empirical - joint.ravel()).sum() < 0.01


def test_conditional_samples_honour_evidence_and_the_conditional():
    attrs, sizes, cliques, pots = _model()
    sampler = JunctionTreeSampler(attrs, sizes, cliques, pots, [(0, 1)])
    joint = _brute_force(attrs, sizes, cliques, pots)
    n = 120_000
    rng = np.random.default_rng(1)
    d = rng.integers(0, 3, n)  # evidence on a leaf far from a and b
    rows = sampler.sample(n, np.random.default_rng(2), {"d": d})
    assert np.array_equal(rows["d"], d)
    for value in range(3):
        mask = d == value
        want = joint[:, :, :, value].sum(axis=2)
        want = want / want.sum()  # P(a, b | d = value)
        got = np.bincount(rows["a"][mask] * 4 + rows["b"][mask], minlength=12) / mask.sum()
        assert 0.5 * np.abs(got - want.ravel()).sum() < 0.02


def test_evidence_on_several_attributes_in_chunks():
    attrs, sizes, cliques, pots = _model()
    sampler = JunctionTreeSampler(attrs, sizes, cliques, pots, [(0, 1)])
    rng = np.random.default_rng(4)
    a, d = rng.integers(0, 3, 50_000), rng.integers(0, 3, 50_000)
    rows = sampler.sample(50_000, np.random.default_rng(5), {"a": a, "d": d})
    assert np.array_equal(rows["a"], a) and np.array_equal(rows["d"], d)
    joint = _brute_force(attrs, sizes, cliques, pots)
    mask = (a == 2) & (d == 0)
    want = joint[2, :, :, 0].sum(axis=1)
    got = np.bincount(rows["b"][mask], minlength=4) / mask.sum()
    assert 0.5 * np.abs(got - want / want.sum()).sum() < 0.03


def test_same_seed_same_samples():
    attrs, sizes, cliques, pots = _model()
    sampler = JunctionTreeSampler(attrs, sizes, cliques, pots, [(0, 1)])
    one = sampler.sample(1000, np.random.default_rng(9), {"c": np.ones(1000, dtype=np.int64)})
    two = sampler.sample(1000, np.random.default_rng(9), {"c": np.ones(1000, dtype=np.int64)})
    assert all(np.array_equal(one[a], two[a]) for a in attrs)


def test_extra_edges_try_a_bounded_number_of_candidates_strongest_first():
    # 60 columns: 1,711 candidate pairs; each try builds a junction tree, so only the strongest are tried
    d = 60
    rng = np.random.default_rng(0)
    mi = np.triu(rng.uniform(0.5, 1.0, (d, d)), 1)
    mi = mi + mi.T
    tree = structure.chow_liu(mi)
    tried = []

    def fits(edges):  # every extra edge but the first 3 tried is over budget
        tried.append(edges[-1])
        return 10 if len(tried) <= 3 else 10**9

    chosen = structure.add_extra_edges(mi, tree, [4] * d, extra=30, max_clique_cells=100, fits=fits)
    assert len(chosen) == len(tree) + 3
    assert len(tried) == max(structure.MIN_TRIES, 4 * 30)
    assert [mi[p] for p in tried] == sorted((mi[p] for p in tried), reverse=True)


def test_small_samples_hold_their_counts_close_to_expectation():
    # 60 draws of p = (0.5, 0.3, 0.2): independent draws miss 30/18/12 by ~3 on average; the
    # stratified draws land within one of each, also per evidence group, and rows stay shuffled.
    pot = np.log(np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]]))
    s = JunctionTreeSampler(["a", "b"], [2, 3], [("a", "b")], [pot], [])
    for seed in range(20):
        a = np.repeat([0, 1], 60)
        rows = s.sample(120, np.random.default_rng(seed), {"a": a})
        for group, expected in ((0, [30, 18, 12]), (1, [12, 18, 30])):
            counts = np.bincount(rows["b"][a == group], minlength=3)
            assert np.abs(counts - expected).max() <= 1, (seed, group, counts)
        assert len(set(rows["b"][:60][:10].tolist())) > 1  # not sorted by value


def test_decoded_numbers_spread_over_their_bin():
    from amalgam_rel.models.stratified import stratified_uniforms

    u = stratified_uniforms(np.array([3, 3, 3, 3, 7, 7]), np.random.default_rng(1))
    assert sorted((u[:4] * 4).astype(int).tolist()) == [0, 1, 2, 3]
    assert sorted((u[4:] * 2).astype(int).tolist()) == [0, 1]


def test_a_wide_independent_column_is_no_hub_of_the_tree():
    """A length that depends on a genre (25 values), beside 100 composers independent of both:
    counted on 6,000 rows the composers share more mutual information with each (by chance)
    than the two share with each other, and the plain tree joined both to the composers."""
    rng = np.random.default_rng(1)
    n = 6000
    genre = rng.integers(0, 25, n)
    length = rng.normal(0, 1, 25)[genre] * 0.5 + rng.normal(0, 1, n)
    length_bins = np.searchsorted(np.quantile(length, np.linspace(0, 1, 33)[1:-1]), length)
    composer = rng.integers(0, 100, n)
    codes = np.column_stack([length_bins, genre, composer])
    mi = structure.pairwise_mutual_information(codes, [32, 25, 100])
    assert (0, 1) in {tuple(sorted(e)) for e in structure.chow_liu(mi)}


def test_extra_edges_are_ranked_by_the_observed_mutual_information(monkeypatch):
    """The tree by the mutual information less its bias, the extras by the one counted: on a small
    table the bias ranked the extras by how few cells a pair fills (northwind's orders took a
    mostly empty ship region over the customer's country, and lost its pair trends)."""
    import pyarrow as pa

    from amalgam_rel.models.table_model import TableModel

    seen = {}
    both, add = structure.mutual_information_matrices, structure.add_extra_edges

    def record_both(codes, sizes):
        seen["observed"], seen["corrected"] = both(codes, sizes)
        return seen["observed"], seen["corrected"]

    def record_add(mi, tree, *args):
        seen["ranked"], seen["tree"] = mi, tree
        return add(mi, tree, *args)

    monkeypatch.setattr(structure, "mutual_information_matrices", record_both)
    monkeypatch.setattr(structure, "add_extra_edges", record_add)
    rng = np.random.default_rng(2)
    n = 90
    country = rng.integers(0, 21, n)
    region = np.where(rng.random(n) < 0.7, 0, rng.integers(0, 20, n))
    data = pa.table({"day": rng.integers(0, 400, n), "country": [f"c{c}" for c in country],
                     "region": [f"r{r}" for r in region], "amount": rng.normal(0, 1, n) + country})
    TableModel().fit(data)
    assert seen["ranked"] is seen["observed"]
    assert seen["tree"] == structure.chow_liu(seen["corrected"])
    ranked, corrected = seen["observed"], seen["corrected"]
    counted = ranked > 0
    assert counted.any() and (ranked[counted] > corrected[counted]).all()  # as counted, not less the bias


def test_only_pairs_beyond_chance_are_extra_candidates():
    """On many rows two independent wide columns still show a little mutual information (their
    bias), more than a weak real pair of narrow columns: the weak real pair is a candidate, the
    noise is not."""
    rng = np.random.default_rng(4)
    n = 60_000
    a, b = rng.integers(0, 32, n), rng.integers(0, 32, n)  # independent
    flag = rng.integers(0, 2, n)
    date = np.where(rng.random(n) < 0.03, flag * 3 + rng.integers(0, 3, n), rng.integers(0, 6, n))  # weak
    extras, corrected = structure.mutual_information_matrices(np.column_stack([a, b, flag, date]), [32, 32, 2, 6])
    noise = structure.mutual_information(structure.pair_counts(np.column_stack([a, b]), [32, 32], 0, 1))
    weak = structure.mutual_information(structure.pair_counts(np.column_stack([flag, date]), [2, 6], 0, 1))
    assert noise > weak  # as counted, the noise outranks the weak real pair
    assert extras[0, 1] == 0 and extras[2, 3] == weak
