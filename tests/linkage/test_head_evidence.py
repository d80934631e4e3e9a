"""Household-head evidence: a feed whose records usually name the head of a household (an
electricity account, a land contract) tells two people of the same name in one village apart.
How much each feed says is learned per feed; a feed like any other says nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage import compare, persons
from linkage.fs import FSModel


def _slots(codes: dict[str, int], n_profiles: int) -> persons.FeedSlots:
    return persons.FeedSlots({}, np.zeros((n_profiles, 1), dtype=np.uint8), codes)


def test_head_level_encodes_feed_and_head_and_is_missing_when_unknown():
    slots = _slots({"dashuju_shuidian": 0, "renshe_yanglao": 1}, 4)
    feeds = np.array(["dashuju_shuidian", "dashuju_shuidian", "renshe_yanglao", "new_feed", "renshe_yanglao"])
    head = np.array([1.0, 0.0, 1.0, 1.0, np.nan])  # prepare_profiles' "head" column
    assert slots.head_level(feeds, head).tolist() == [1, 0, 3, -1, -1]
    profiles = persons.prepare_profiles(_profiles_frame().assign(is_head=[True, None]))
    assert profiles["head"].tolist()[0] == 1.0 and np.isnan(profiles["head"].tolist()[1])


def test_head_probabilities_are_learned_per_feed_and_shrunk():
    rng = np.random.default_rng(3)
    # feed 0 names heads (all its 400 sampled matches are heads); feed 1 names anyone (30 % heads);
    # feed 2 has only 3 sampled records, all heads: shrunk towards the overall share
    match = np.concatenate([np.full(400, 1), 2 + (rng.random(600) < 0.3), np.full(3, 5)])
    non = rng.random(2000) < 0.3
    non_levels = np.where(rng.random(2000) < 0.5, 0, 2) + non  # random profiles: 30 % heads
    levels = np.concatenate([match, non_levels]).astype(np.int32)
    is_match = np.concatenate([np.ones(len(match), bool), np.zeros(len(non_levels), bool)])
    m, u = persons.head_probabilities(levels, is_match, 3)
    bits = {lv: np.log2(m[lv] / u[lv]) for lv in m if lv >= 0}
    assert bits[1] > 1.5 and bits[0] < -4  # feed 0: a head is likely, a non-head very unlikely
    assert abs(bits[3]) < 0.3 and abs(bits[2]) < 0.3  # feed 1: nothing either way
    assert 0 < bits[5] < bits[1] and bits[4] > bits[0]  # feed 2: some evidence, shrunk
    assert m[1] <= persons.HEAD_SHARE_BOUNDS[1]


def _profiles_frame() -> pd.DataFrame:
    base = dict(
        name2=None, sex="F", birth_date=pd.Timestamp("1960-03-01"), township_code="411328101",
        village_code="411328101201", village2_code=None, phone=None, address_detail=None, account=None,
        rep_feed_id="f",
    )
    rows = [
        dict(base, id_key="41132819600301002", name="王秀英", is_head=True, rep_record_key="1"),
        dict(base, id_key="41132819620405002", name="王秀英", is_head=False, rep_record_key="2"),
    ]
    return pd.DataFrame(rows)


def _profiles() -> pd.DataFrame:
    return persons.prepare_profiles(_profiles_frame())


def _record(feed: str) -> pd.DataFrame:
    return persons.prepare_records(
        pd.DataFrame(
            [
                dict(
                    feed_id=feed, record_key="e1", id_key=None, id_digits=None, id_status="missing",
                    name="王秀英", sex=None, birth_date=None, township_code="411328101",
                    village_code="411328101201", phone=None, address_detail=None, account=None,
                )
            ]
        )
    )


def test_an_account_holder_goes_to_the_head_of_the_two_namesakes():
    profiles = _profiles()
    fields = ("name", "place", "head")
    # both namesakes live in the record's village (place level 4: same village, no group given)
    m = {"name": {3: 0.95, -1: 1.0}, "place": {4: 0.8, -1: 1.0}}
    u = {"name": {3: 1e-4, -1: 1.0}, "place": {4: 1e-3, -1: 1.0}}
    levels = np.array([1] * 400 + [0] * 5 + [1] * 120 + [0] * 280 + [2] * 120 + [3] * 60, dtype=np.int32)
    is_match = np.array([True] * 405 + [False] * 400 + [True] * 180)
    m["head"], u["head"] = persons.head_probabilities(levels, is_match, 2)
    model = FSModel(m=m, u=u, prior=1e-6, fields=fields)
    slots = _slots({"dashuju_shuidian": 0, "renshe_yanglao": 1}, len(profiles))
    freq = persons.frequencies(profiles)
    li, ri = np.array([0, 0]), np.array([0, 1])

    def probabilities(feed: str) -> np.ndarray:
        _, _, bits, _ = persons.score(model, _record(feed), profiles, li, ri, freq, slots=slots)
        return persons.assignment_probability(li, bits, n_profiles=1000, share=0.9)

    head, other = probabilities("dashuju_shuidian")
    assert head > 0.9 and other < 0.05
    # a pension account (a feed where heads are no more common than anywhere) cannot tell them apart
    head, other = probabilities("renshe_yanglao")
    assert abs(head - other) < 0.1
    assert compare.MISSING == -1
