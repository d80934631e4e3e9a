"""Age evidence from what a feed says without a birth date (`subject_age` in the registry): a
pension being paid means 60 or older, so of two namesakes of one village, one born in 1950 and
one in 1985, an ID-less pension record goes to the elder. How much an age window is worth
depends on how many persons were born in it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from linkage import persons
from linkage.fs import FSModel
from linkage.records import select_sql
from shouwang.registry import load_registry
from tests.linkage.helpers import yanglao_delivery


def _profiles() -> pd.DataFrame:
    base = dict(
        name2=None, sex="F", township_code="411328101", village_code="411328101201", village2_code=None,
        phone=None, address_detail=None, account=None, rep_feed_id="f", is_head=None,
    )
    rows = [
        dict(base, id_key="41132819500301002", name="王秀英", birth_date=pd.Timestamp("1950-03-01"),
             rep_record_key="1"),
        dict(base, id_key="41132819850405002", name="王秀英", birth_date=pd.Timestamp("1985-04-05"),
             rep_record_key="2"),
    ]
    # the rest of the county: birth years spread over 1930-2020, so 60+ is about a third of it
    years = np.arange(1930, 2021)
    rows += [
        dict(base, id_key=f"4113281{y}0101{i:03d}", name=f"张{i}{y}", birth_date=pd.Timestamp(f"{y}-01-01"),
             rep_record_key=f"x{y}{i}")
        for y in years
        for i in range(3)
    ]
    return persons.prepare_profiles(pd.DataFrame(rows))


def _record(born_after, born_before) -> pd.DataFrame:
    return persons.prepare_records(
        pd.DataFrame(
            [
                dict(
                    feed_id="renshe_yanglao", record_key="y1", id_key=None, id_digits=None,
                    id_status="missing", name="王秀英", sex=None, birth_date=None, township_code="411328101",
                    village_code="411328101201", phone=None, address_detail=None, account=None,
                    born_after=born_after, born_before=born_before,
                )
            ]
        )
    )


def _model() -> FSModel:
    fields = ("name", "place", "age")
    # of the training matches, 30 % came with a window, nearly all inside it
    m = {"name": {3: 0.95, -1: 1.0}, "place": {4: 0.8, -1: 1.0}, "age": {1: 0.2985, 0: 0.0015, -1: 0.7}}
    u = {"name": {3: 1e-4, -1: 1.0}, "place": {4: 1e-3, -1: 1.0}, "age": {1: 0.2, 0: 0.1, -1: 0.7}}
    return FSModel(m=m, u=u, prior=1e-6, fields=fields)


def _probabilities(record: pd.DataFrame) -> np.ndarray:
    profiles = _profiles()
    li, ri = np.array([0, 0]), np.array([0, 1])
    _, weights, bits, _ = persons.score(_model(), record, profiles, li, ri, persons.frequencies(profiles))
    return persons.assignment_probability(li, bits, n_profiles=len(profiles), share=0.9), weights


def test_a_pension_record_goes_to_the_elder_of_two_namesakes():
    (elder, younger), weights = _probabilities(_record(None, pd.Timestamp("1961-06-30")))
    assert elder > 0.95 and younger < 0.05
    # inside a window that holds a third of the county is worth more than inside one that holds most
    inside_60 = weights["age"].iloc[0]
    (_, _), w16 = _probabilities(_record(None, pd.Timestamp("2005-06-30")))
    assert inside_60 > w16["age"].iloc[0] > 0


def test_a_contribution_record_cannot_tell_two_adults_apart():
    (elder, younger), _ = _probabilities(_record(None, pd.Timestamp("2005-06-30")))  # 16 or older
    assert abs(elder - younger) < 0.05


def test_no_window_no_evidence():
    (elder, younger), weights = _probabilities(_record(None, None))
    assert abs(elder - younger) < 1e-9 and (weights["age"] == 0).all()


def test_windows_come_from_the_registry_and_the_delivery_extract_date(engine):
    registry = load_registry()
    yanglao, zizhu = registry.get("renshe_yanglao"), registry.get("jiaoyu_zizhu")
    with engine.begin() as conn:
        delivery = yanglao_delivery(conn)
        conn.exec_driver_sql(
            "INSERT INTO staging.renshe_yanglao (record_key, row_hash, valid_from, change_kind,"
            " pension_status) VALUES ('a', 1, %(d)s, 'new', '待遇领取'), ('b', 2, %(d)s, 'new', '参保缴费'),"
            " ('c', 3, %(d)s, 'new', '终止')",
            {"d": delivery},
        )
        conn.exec_driver_sql(
            "INSERT INTO staging.jiaoyu_zizhu (record_key, row_hash, valid_from, change_kind, aid_programme)"
            " VALUES ('z', 1, %(d)s, 'new', '营养改善计划')",
            {"d": delivery},
        )
        got = {}
        for feed in (yanglao, zizhu):
            sql = f"SELECT record_key, born_after, born_before FROM ({select_sql(feed)}) s"
            got.update({k: (a, b) for k, a, b in conn.exec_driver_sql(sql).all()})
    assert got == {
        "a": (None, dt.date(1961, 6, 30)),  # 60 or older on 2021-06-30
        "b": (None, dt.date(2005, 6, 30)),  # 16 or older
        "c": (None, None),  # a closed account says nothing of age
        "z": (dt.date(2002, 7, 1), dt.date(2016, 6, 30)),  # 5 to 18
    }
