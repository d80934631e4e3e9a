"""Alert quality scoring: by true household and as linkage placed the event records.

Crafted tables, so each case shows which failure each view counts: a settlement linkage left apart
from its household, a household no alert found, an alert on a household with no event.
"""

from __future__ import annotations

import pandas as pd

from shouwang.marts.evaluate import representatives, score_frames
from shouwang.marts.rules import load_rules


def _records(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(feed, record_key, household_id) rows of the yibao department."""
    return pd.DataFrame(
        [("yibao", feed, key, hh) for feed, key, hh in rows],
        columns=["dept", "feed", "record_key", "household_id"],
    )


# True households T1, T2, T3. Linkage: T1's records are in M1, except the ID-less settlement s2,
# left apart as its own master household M9; T2 is M2; T3 is M3.
TRUTH = _records(
    [
        ("canbao", "c1", "T1"), ("canbao", "c2", "T1"), ("jiesuan", "s1", "T1"), ("jiesuan", "s2", "T1"),
        ("canbao", "c3", "T2"), ("jiesuan", "s3", "T2"),
        ("canbao", "c4", "T3"), ("canbao", "c5", "T3"),
    ]
)  # fmt: skip
PLACED = _records(
    [
        ("canbao", "c1", "M1"), ("canbao", "c2", "M1"), ("jiesuan", "s1", "M1"), ("jiesuan", "s2", "M9"),
        ("canbao", "c3", "M2"), ("jiesuan", "s3", "M2"),
        ("canbao", "c4", "M3"), ("canbao", "c5", "M3"),
    ]
)  # fmt: skip
# large medical bills planted on T1 (two settlements) and T2 (one)
EVENTS = pd.DataFrame(
    [
        ("medical_burden", "T1", "yibao", "jiesuan", "s1"),
        ("medical_burden", "T1", "yibao", "jiesuan", "s2"),
        ("medical_burden", "T2", "yibao", "jiesuan", "s3"),
    ],
    columns=["alert_type", "household_id", "dept", "feed", "record_key"],
)


def _score(alerted: list[str]) -> pd.Series:
    alerts = pd.DataFrame({"alert_type": "medical_burden", "household_id": alerted})
    table = score_frames(EVENTS, PLACED, TRUTH, alerts, load_rules().rules)
    return table.set_index("alert_type").loc["medical_burden"]


def test_a_settlement_left_apart_is_a_miss_as_placed_but_not_for_its_household():
    row = _score(["M1", "M2"])
    assert (row["planted"], row["found"], row["recall"], row["precision"]) == (2, 2, 1.0, 1.0)
    # as placed, M9 (the lone settlement) is a household with an event and no alert
    assert (row["planted_as_placed"], row["recall_as_placed"]) == (3, round(2 / 3, 4))


def test_a_household_without_its_alert_is_missed_both_ways():
    row = _score(["M1"])
    assert (row["found"], row["recall"]) == (1, 0.5)
    assert row["recall_as_placed"] == round(1 / 3, 4)


def test_an_alert_on_a_household_with_no_event_costs_precision():
    row = _score(["M1", "M2", "M3"])
    assert (row["alerted"], row["true_positives"], row["precision"]) == (3, 2, round(2 / 3, 4))


def test_an_alert_only_on_the_lone_fragment_does_not_find_the_household():
    row = _score(["M9", "M2"])
    # M9's records all come from T1, so the alert is about a real event (precision), but T1's
    # staff look at M1, which has none (recall)
    assert (row["true_positives"], row["precision"]) == (2, 1.0)
    assert (row["found"], row["recall"]) == (1, 0.5)


def test_types_the_generator_does_not_plant_are_listed_unscored():
    alerts = pd.DataFrame({"alert_type": ["low_income"], "household_id": ["M3"]})
    table = score_frames(EVENTS, PLACED, TRUTH, alerts, load_rules().rules).set_index("alert_type")
    assert table.loc["low_income", "alerted"] == 1
    assert pd.isna(table.loc["low_income", "planted"]) and pd.isna(table.loc["low_income", "recall"])


def test_representatives_break_ties_by_the_smaller_id_whatever_the_row_order():
    truth = _records([("canbao", "a", "T1"), ("canbao", "b", "T1")])
    placed = _records([("canbao", "a", "M2"), ("canbao", "b", "M1")])
    for order in (slice(None), slice(None, None, -1)):
        to_master, to_true = representatives(truth.iloc[order], placed.iloc[order])
        assert to_master["T1"] == "M1"
        assert to_true.to_dict() == {"M1": "T1", "M2": "T1"}
