"""Alert quality against a generated county's planted events (truth/events.csv).

Scored per alert type at household level: a planted event counts for the master household its
record was placed in (crosswalk -> published membership), so the score is that of the rules on top
of the linkage the county actually got. Predicted: the type's open alerts. Types the generator
does not plant (low_income, duplicate_benefit) are listed as such, not scored.
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
    """Planted events as (alert_type, dept, feed, record_key); deaths only of working age within
    the window (the rule's definition; the generator plants every death)."""
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
    return ev[["alert_type", "dept", "feed", "record_key"]]


def score_alerts(conn: Connection, truth_dir: Path, as_of: dt.date, rules) -> pd.DataFrame:
    """Per alert type: planted, alerted, true positives, precision, recall."""
    t = rules.for_year(as_of.year)
    ev = truth_events(truth_dir, as_of, tuple(t["working_age"]), int(t["window_days"]))
    placed = pd.DataFrame(
        conn.exec_driver_sql(
            """SELECT x.dept, x.feed, x.record_key, m.household_id
               FROM linkage.crosswalk x JOIN master.membership m USING (person_id)"""
        ).all(),
        columns=["dept", "feed", "record_key", "household_id"],
    )
    truth = ev.merge(placed, on=["dept", "feed", "record_key"], how="left")
    unplaced = truth["household_id"].isna().groupby(truth["alert_type"]).sum()
    truth = truth.dropna(subset=["household_id"])[["alert_type", "household_id"]].drop_duplicates()
    alerts = pd.DataFrame(
        conn.exec_driver_sql(
            "SELECT DISTINCT alert_type, household_id FROM mart.alert"
            " WHERE status <> 'closed' AND cause_present"
        ).all(),
        columns=["alert_type", "household_id"],
    )
    rows = []
    for name in sorted(set(EVENT_TO_ALERT.values()) | set(rules.rules)):
        r = rules.rules.get(name)
        tr = set(truth.loc[truth["alert_type"] == name, "household_id"])
        pr = set(alerts.loc[alerts["alert_type"] == name, "household_id"])
        tp = len(tr & pr)
        planted = name in EVENT_TO_ALERT.values()
        rows.append(
            {
                "alert_type": name,
                "kind": r.kind if r else "",
                "planted": len(tr) if planted else None,
                "alerted": len(pr),
                "true_positives": tp if planted else None,
                "precision": round(tp / len(pr), 4) if planted and pr else None,
                "recall": round(tp / len(tr), 4) if planted and tr else None,
                "events_unplaced": int(unplaced.get(name, 0)) if planted else None,
            }
        )
    return pd.DataFrame(rows)
