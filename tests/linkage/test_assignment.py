"""The decision rule: a record's candidate profiles compete for it, with a 'none of them' option."""

import numpy as np

from linkage.persons import assignment_probability, estimate_share


def test_candidates_of_one_record_share_the_probability():
    li = np.array([3, 0, 0, 1])
    bits = np.array([0.0, 20.0, 20.0, 20.0])
    p = assignment_probability(li, bits, n_profiles=1000, share=0.9)
    a = 0.9 / 1000 * 2**20
    assert np.isclose(p[1], a / (2 * a + 0.1)) and np.isclose(p[2], p[1])   # two equal candidates
    assert np.isclose(p[3], a / (a + 0.1)) and p[3] > 0.99                   # one strong candidate
    assert p[0] < 0.01                                                       # weak evidence: none of them


def test_share_moves_to_what_the_candidates_say():
    rng = np.random.default_rng(1)
    li = np.repeat(np.arange(1000), 2)
    strong = rng.random(1000) < 0.7  # 70 % of records have a clear candidate, the rest none
    bits = np.where(np.repeat(strong, 2) & (np.arange(2000) % 2 == 0), 40.0, -10.0)
    share = estimate_share(li, bits, n_profiles=10_000, start=0.9)
    assert 0.65 < share < 0.75


def test_per_record_summary_gives_the_same_probabilities_as_the_pairs():
    """Township blocks hand `decide` one row per record (best, second, log-sum), not every pair:
    the probabilities of the best and second candidate must be those of the pairwise rule."""
    from linkage.persons import best_per_record, candidate_probability

    rng = np.random.default_rng(7)
    pairs = np.unique(rng.integers(0, 300, 2000) * 10_000 + rng.integers(0, 5000, 2000))  # distinct
    li, pi = pairs // 10_000, pairs % 10_000
    bits = rng.normal(5, 15, len(li))
    pair_p = assignment_probability(li, bits, n_profiles=5000, share=0.8)
    best = best_per_record(li, pi, bits)
    top = candidate_probability(best["top"], best["lse"], 5000, 0.8)
    assert np.allclose(top, pair_p[best["row"]])
    for k, record in enumerate(best["l"][:50]):
        mine = np.sort(pair_p[li == record])[::-1]
        assert np.isclose(top[k], mine[0])
        second = candidate_probability(best["second"][k : k + 1], best["lse"][k : k + 1], 5000, 0.8)[0]
        assert np.isclose(second, mine[1] if len(mine) > 1 else 0.0)
    # and the county-wide share is the same whether estimated from pairs or from the summaries
    from linkage.persons import share_from_lse

    assert np.isclose(estimate_share(li, bits, 5000, 0.9), share_from_lse(best["lse"], 5000, 0.9))
