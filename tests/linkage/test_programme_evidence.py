"""Programme evidence: a record's own row often names a programme its subject is in (a pension
paid for a 低保对象, a one-card payment of 低保金 or 护林员补助). Which feed is that programme's
roster is learned from the data; with two people of the same name in one village, the one on the
roster is the likelier subject."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage import persons
from linkage.fs import FSModel
from linkage.records import select_sql
from shouwang.registry import load_registry
from tests.linkage.helpers import yanglao_delivery

ROSTER, OTHER, OWN = "minzheng_jiuzhu", "renshe_yanglao", "caizheng_yikatong"


def test_programme_level_encodes_tag_and_membership_and_is_missing_otherwise():
    counts = np.array([[1, 0], [0, 0], [0, 3]], dtype=np.uint8)  # profiles x (jiuzhu, yanglao)
    slots = persons.FeedSlots({}, counts, {}, {f"{OWN}:低保金": (0, 0), f"{OWN}:养老金": (1, 1)})
    items = ["低保金", "低保金", "养老金", "养老金", "耕地地力保护补贴"]
    tags = np.array([f"{OWN}:{item}" for item in items] + [None])
    pos = np.array([0, 1, 1, 2, 0, 0])
    assert slots.programme_level(tags, pos).tolist() == [1, 0, 2, 3, -1, -1]
    assert persons.FeedSlots({}, counts).programme_level(tags, pos).tolist() == [-1] * 6


def test_programme_tags_name_feed_and_value():
    tags = persons.programme_tags(pd.Series([OWN, OWN, "x_y"]), pd.Series(["低保金", None, "无"]))
    assert tags.tolist() == [f"{OWN}:低保金", None, "x_y:无"]


def _membership(rng, n: int, shares: list[float]) -> np.ndarray:
    return np.column_stack([rng.random(n) < s for s in shares])


def test_the_roster_of_each_programme_is_learned_from_the_data():
    rng = np.random.default_rng(11)
    feeds = [ROSTER, OTHER, OWN]
    # random persons: 5 % on the assistance roster, 30 % with a pension, all of them with a card
    random_member = _membership(rng, 20_000, [0.05, 0.3, 1.0])
    tags = np.array(
        [f"{OWN}:低保金"] * 400 + [f"{OWN}:无"] * 600 + [f"{OWN}:稀有"] * 10 + [None] * 100, dtype=object
    )
    own_member = np.vstack(
        [
            _membership(rng, 400, [0.95, 0.3, 1.0]),  # 低保金: nearly all on the roster
            _membership(rng, 600, [0.05, 0.3, 1.0]),  # 无: like anyone
            _membership(rng, 10, [1.0, 1.0, 1.0]),  # too few records to learn from
            _membership(rng, 100, [1.0, 1.0, 1.0]),  # no programme named
        ]
    )
    chosen = persons.choose_programmes(tags, np.full(len(tags), OWN), own_member, random_member, feeds)
    assert [(c.tag, c.roster) for c in chosen] == [(f"{OWN}:低保金", ROSTER)]  # never the own feed
    (c,) = chosen
    assert c.records == 400 and 0.85 < c.m <= persons.HEAD_SHARE_BOUNDS[1] and 0.04 < c.u < 0.06
    m, u = persons.programme_probabilities(chosen)
    assert np.log2(m[1] / u[1]) > 3.5 and np.log2(m[0] / u[0]) < -3  # on the roster / not on it
    assert m[-1] == u[-1] == 1.0


def _profiles() -> pd.DataFrame:
    base = dict(
        name2=None, sex="F", birth_date=pd.Timestamp("1960-03-01"), township_code="411328101",
        village_code="411328101201", village2_code=None, phone=None, address_detail=None, account=None,
        rep_feed_id="f", is_head=None,
    )
    rows = [
        dict(base, id_key="41132819600301002", name="王秀英", rep_record_key="1"),
        dict(base, id_key="41132819620405002", name="王秀英", rep_record_key="2"),
    ]
    return persons.prepare_profiles(pd.DataFrame(rows))


def _record(item: str | None) -> pd.DataFrame:
    return persons.prepare_records(
        pd.DataFrame(
            [
                dict(
                    feed_id=OWN, record_key="p1", id_key=None, id_digits=None, id_status="missing",
                    name="王秀英", sex=None, birth_date=None, township_code="411328101",
                    village_code="411328101201", phone=None, address_detail=None, account=None,
                    programme=item,
                )
            ]
        )
    )


def _probabilities(item: str | None) -> tuple[np.ndarray, pd.DataFrame]:
    profiles = _profiles()
    chosen = [persons.ProgrammeRoster(f"{OWN}:低保金", ROSTER, 400, 0.93, 0.05)]
    fields = ("name", "place", "programme")
    m = {"name": {3: 0.95, -1: 1.0}, "place": {4: 0.8, -1: 1.0}}
    u = {"name": {3: 1e-4, -1: 1.0}, "place": {4: 1e-3, -1: 1.0}}
    m["programme"], u["programme"] = persons.programme_probabilities(chosen)
    model = FSModel(m=m, u=u, prior=1e-6, fields=fields)
    # the first namesake is on 民政's roster, the second is not
    slots = persons.FeedSlots({}, np.array([[1], [0]], dtype=np.uint8), {}, {f"{OWN}:低保金": (0, 0)})
    li, ri = np.array([0, 0]), np.array([0, 1])
    _, weights, bits, _ = persons.score(
        model, _record(item), profiles, li, ri, persons.frequencies(profiles), slots=slots
    )
    return persons.assignment_probability(li, bits, n_profiles=1000, share=0.9), weights


def test_an_assistance_payment_goes_to_the_namesake_on_the_roster():
    (on_roster, other), weights = _probabilities("低保金")
    assert on_roster > 0.95 and other < 0.05
    assert weights["programme"].iloc[0] > 3 and weights["programme"].iloc[1] < -3


def test_a_programme_without_a_learned_roster_says_nothing():
    for item in ("耕地地力保护补贴", None):
        (first, second), weights = _probabilities(item)
        assert abs(first - second) < 1e-9 and (weights["programme"] == 0).all()


def test_the_programme_column_comes_from_the_registry(engine):
    registry = load_registry()
    declared = {f.feed_id: f.subject_programme for f in registry.feeds if f.subject_programme}
    assert declared["caizheng_yikatong"] == "subsidy_item"
    assert declared["renshe_yanglao"] == "paid_for_category"
    yanglao = registry.get("renshe_yanglao")
    with engine.begin() as conn:
        delivery = yanglao_delivery(conn)
        conn.exec_driver_sql(
            "INSERT INTO staging.renshe_yanglao (record_key, row_hash, valid_from, change_kind,"
            " paid_for_category) VALUES ('a', 1, %(d)s, 'new', '低保对象'), ('b', 2, %(d)s, 'new', NULL)",
            {"d": delivery},
        )
        got = dict(conn.exec_driver_sql(f"SELECT record_key, programme FROM ({select_sql(yanglao)}) s").all())
        # a feed without a programme field gives NULL
        huji = registry.get("gongan_huji")
        assert "NULL::text AS programme" in select_sql(huji)
    assert got == {"a": "低保对象", "b": None}
