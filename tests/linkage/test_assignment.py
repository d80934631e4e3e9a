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
