"""Blocking: candidate pairs are the union of the rules' exact-key joins, oversized blocks left
out, whatever the sizes of the two sides."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.blocking import BlockingRule, candidate_pairs


def _expected(left: pd.DataFrame, right: pd.DataFrame, rules: list[BlockingRule]) -> set[tuple[int, int]]:
    out = set()
    for rule in rules:
        rk = right[list(rule.columns)].astype(str).agg("|".join, axis=1)
        ok = right[list(rule.columns)].notna().all(axis=1)
        sizes = rk[ok].value_counts()
        for i, row in left.iterrows():
            if row[list(rule.columns)].isna().any():
                continue
            key = "|".join(str(row[c]) for c in rule.columns)
            if sizes.get(key, 0) == 0 or sizes[key] > rule.max_block:
                continue
            out.update((i, int(j)) for j in np.flatnonzero((rk == key) & ok))
    return out


def test_small_left_side_gives_the_same_pairs_as_a_full_index():
    rng = np.random.default_rng(3)
    n_right = 2000
    right = pd.DataFrame(
        {
            "name": rng.choice(["张伟", "王芳", "李娜", "刘洋", None], n_right),
            "village": rng.choice(["v1", "v2", "v3", None], n_right),
        }
    )
    rules = [BlockingRule("name_village", ("name", "village"), 125), BlockingRule("name", ("name",), 410)]
    left = right.sample(40, random_state=1).reset_index(drop=True)  # 40 * 4 < 2000: the pruned path
    got = set()
    for chunk in candidate_pairs(left, right, rules, chunk_rows=7):
        got.update(zip(chunk["l"].tolist(), chunk["r"].tolist(), strict=True))
    expected = _expected(left, right, rules)
    assert got == expected and len(expected) > 0
    # the limits did leave blocks out (and the pruned path kept the sizes right)
    uncapped = [BlockingRule(r.name, r.columns, 10**6) for r in rules]
    assert len(expected) < len(_expected(left, right, uncapped))
