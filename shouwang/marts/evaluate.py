"""Alert quality against a generated county's planted events (truth/events.csv).

Scored per alert type at household level, two ways, because linkage and rules fail differently:

- **by household** (`planted`, `found`, `alerted`, `true_positives`, `precision`, `recall`): a planted event
  belongs to its true household, which is represented in the master by the master household holding
  most of its records; an alert on that household finds it. An alerted master household is right
  when the true household most of its records come from has the event planted.
- **as placed** (`planted_as_placed`, `precision_as_placed`, `recall_as_placed`): each planted
  event record counts for the master household linkage placed it in (crosswalk -> published
  membership). A record linkage left apart from its person (an ID-less settlement, say) is then
  a household of its own with an event and, usually, no alert: the rules on top of the linkage
  the county actually got, linkage misses included.

Predicted: the type's open alerts. Types the generator does not plant (low_income,
duplicate_benefit) are listed as such, not scored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection

#: planted event type -> alert type
EVENT_TO_ALERT: dict[str, str] = {
    "large_medical": "medical_burden",
    "disaster_house": "disaster_house",
    "death": "working_age_death",
    "severe_disability": "severe_disability",
    "dropout": "child_dropout",
    "unsafe_house": "unsafe_house",
    "water_problem": "water_problem",
    "uninsured": "uninsured",
    "loan_overdue": "loan_overdue",
    "income_collapse": "income_drop",
    "hardship_petition": "hardship_petition",
    "vehicle_owner": "vehicle_owner",
    "urban_flat": "urban_flat",
    "business_owner": "business_owner",
    "public_employee": "public_employee",
    "high_income": "high_income",
    "paid_after_death": "paid_after_death",
    "deceased_on_roster": "deceased_on_roster",
}


def truth_events(
    truth_dir: Path, as_of: dt.date, working_age: tuple[int, int], window_days: int
) -> pd.DataFrame:
    """Planted events as (alert_type, true household_id, dept, feed, record_key); deaths only of
    working age within the window (the rule's definition; the generator plants every death)."""
    ev = pd.read_csv(truth_dir / "events.csv", dtype=str)
    ev = ev[ev["event_type"].isin(EVENT_TO_ALERT)].copy()
    persons = pd.read_csv(truth_dir / "persons.csv", dtype=str, usecols=["person_id", "birth_date"])
    deaths = ev["event_type"] == "death"
    if deaths.any():
        d = ev[deaths].merge(persons, on="person_id", how="left")
        died = pd.to_datetime(d["event_date"])
        born = pd.to_datetime(d["birth_date"])
        age = (
            died.dt.year
            - born.dt.year
            - ((died.dt.month * 100 + died.dt.day) < (born.dt.month * 100 + born.dt.day))
        )
        start = pd.Timestamp(as_of - dt.timedelta(days=window_days))
        keep = (
            (age >= working_age[0]) & (age <= working_age[1]) & (died > start) & (died <= pd.Timestamp(as_of))
        )
        ev = pd.concat([ev[~deaths], ev[deaths][keep.to_numpy()]], ignore_index=True)
    ev["alert_type"] = ev["event_type"].map(EVENT_TO_ALERT)
    return ev[["alert_type", "household_id", "dept", "feed", "record_key"]]


def score_alerts(conn: Connection, truth_dir: Path, as_of: dt.date, rules) -> pd.DataFrame:
    """Per alert type: planted, alerted, true positives, precision, recall (by household and as
    placed; see the module docstring)."""
    t = rules.for_year(as_of.year)
    events = truth_events(truth_dir, as_of, tuple(t["working_age"]), int(t["window_days"]))
    placed = pd.DataFrame(
        conn.exec_driver_sql(
            """SELECT x.dept, x.feed, x.record_key, m.household_id
               FROM linkage.crosswalk x JOIN master.membership m USING (person_id)"""
        ).all(),
        columns=["dept", "feed", "record_key", "household_id"],
    )
    records = pd.read_csv(
        truth_dir / "records.csv", dtype=str, usecols=["dept", "feed", "record_key", "household_id"]
    )
    alerts = pd.DataFrame(
        conn.exec_driver_sql(
            "SELECT DISTINCT alert_type, household_id FROM mart.alert"
            " WHERE status <> 'closed' AND cause_present"
        ).all(),
        columns=["alert_type", "household_id"],
    )
    return score_frames(events, placed, records, alerts, rules.rules)


def representatives(records: pd.DataFrame, placed: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(true household -> the master household holding most of its records, master household ->
    the true household most of its records come from). Ties go to the smaller id, so the score
    does not depend on row order."""
    keys = ["dept", "feed", "record_key"]
    both = records.merge(placed, on=keys, suffixes=("_true", "_master"))
    pairs = both.groupby(["household_id_true", "household_id_master"]).size().rename("n").reset_index()

    def top(by: str, other: str) -> pd.Series:
        best = pairs.sort_values(["n", other], ascending=[False, True], kind="stable").drop_duplicates(by)
        return best.set_index(by)[other]

    return top("household_id_true", "household_id_master"), top("household_id_master", "household_id_true")


def score_frames(
    events: pd.DataFrame,
    placed: pd.DataFrame,
    records: pd.DataFrame,
    alerts: pd.DataFrame,
    rules: dict,
) -> pd.DataFrame:
    """The scores from plain tables (see score_alerts for their columns): events (alert_type,
    household_id = true household, dept, feed, record_key); placed and records (dept, feed,
    record_key, household_id: master and true); alerts (alert_type, master household_id)."""
    keys = ["dept", "feed", "record_key"]
    rep_master, rep_true = representatives(records, placed)
    as_placed = events.drop(columns="household_id").merge(placed, on=keys, how="left")
    unplaced = as_placed["household_id"].isna().groupby(as_placed["alert_type"]).sum()
    as_placed = as_placed.dropna(subset=["household_id"])
    rows = []
    for name in sorted(set(EVENT_TO_ALERT.values()) | set(rules)):
        r = rules.get(name)
        planted = name in EVENT_TO_ALERT.values()
        alerted = set(alerts.loc[alerts["alert_type"] == name, "household_id"])
        row = {"alert_type": name, "kind": r.kind if r else "", "alerted": len(alerted)}
        if planted:
            true_hh = set(events.loc[events["alert_type"] == name, "household_id"])
            found = {h for h in true_hh if rep_master.get(h) in alerted}
            right = {m for m in alerted if rep_true.get(m) in true_hh}
            placed_hh = set(as_placed.loc[as_placed["alert_type"] == name, "household_id"])
            tp_placed = len(placed_hh & alerted)
            row |= {
                "planted": len(true_hh),
                "found": len(found),
                "true_positives": len(right),
                "precision": _ratio(len(right), len(alerted)),
                "recall": _ratio(len(found), len(true_hh)),
                "planted_as_placed": len(placed_hh),
                "precision_as_placed": _ratio(tp_placed, len(alerted)),
                "recall_as_placed": _ratio(tp_placed, len(placed_hh)),
                "events_unplaced": int(unplaced.get(name, 0)),
            }
        rows.append(row)
    columns = [
        "alert_type", "kind", "planted", "found", "alerted", "true_positives", "precision", "recall",
        "planted_as_placed", "precision_as_placed", "recall_as_placed", "events_unplaced",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None
