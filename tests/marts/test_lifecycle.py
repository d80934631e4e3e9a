"""Alert lifecycle over several runs, township feedback, the nightly comparison, reports and exports."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from sqlalchemy import text

from tests.marts.conftest import AS_OF, alerts_of, household_where, plant


def _refresh(engine):
    from shouwang.marts import refresh_marts

    return refresh_marts(engine, AS_OF)


def _adult(conn, exclude: str = ""):
    hh, members = household_where(
        conn,
        "EXISTS (SELECT 1 FROM master.membership m JOIN master.person p USING (person_id)"
        " WHERE m.household_id = h.household_id AND p.death_date IS NULL"
        " AND date_part('year', age(DATE '2021-06-30', p.birth_date)) BETWEEN 20 AND 55)"
        + (f" AND h.household_id <> '{exclude}'" if exclude else ""),
        ("medical_burden", "unsafe_house"),
    )
    adults = [
        m for m in members if m["death_date"] is None and 20 <= (AS_OF - m["birth_date"]).days // 365 <= 55
    ]
    return hh, adults[0]["person_id"]


def _bill(conn, person, month: int, oop: int = 8000) -> str:
    return plant(
        conn,
        "yibao_jiesuan",
        person,
        visit_type="住院",
        settled_at=dt.datetime(2021, month, 2, 11),
        total_cost=oop * 3,
        out_of_pocket=oop,
    )


def test_an_alert_is_raised_once_and_seen_again(marts_db):
    first = _refresh(marts_db)
    second = _refresh(marts_db)
    assert first.figures["lifecycle"]["raised"] > 0
    assert second.figures["lifecycle"]["raised"] == 0
    assert second.figures["lifecycle"]["seen"] == first.figures["lifecycle"]["raised"]
    with marts_db.connect() as conn:
        runs = conn.execute(text("SELECT DISTINCT last_seen_run FROM mart.alert")).scalars().all()
    assert runs == [second.run_id]
    assert second.figures["changes"].get("alert_new", 0) == 0
    # the profile is written incrementally: nothing changed, nothing written
    assert first.figures["profiles_written"] == first.figures["households"] > 0
    assert second.figures["profiles_written"] == 0 and second.figures["profiles_removed"] == 0


def test_feedback_moves_forward_only_and_a_resolved_cause_stays_resolved(marts_db):
    from shouwang.marts import FeedbackError, record_feedback

    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, person = _adult(conn)
        for m in (2, 3, 4):
            _bill(conn, person, m)
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "medical_burden")
    with marts_db.begin() as conn:
        assert record_feedback(conn, alert.alert_id, "pushed", "乡镇干部") == ("new", "pushed")
        assert record_feedback(conn, alert.alert_id, "verified", "乡镇干部", "入户核实属实") == (
            "pushed",
            "verified",
        )
    with pytest.raises(FeedbackError, match="cannot go back"):
        with marts_db.begin() as conn:
            record_feedback(conn, alert.alert_id, "pushed", "乡镇干部")
    with pytest.raises(FeedbackError, match="must be one of"):
        with marts_db.begin() as conn:
            record_feedback(conn, alert.alert_id, "closed", "乡镇干部")
    with pytest.raises(FeedbackError, match="no alert"):
        with marts_db.begin() as conn:
            record_feedback(conn, 10**9, "verified", "乡镇干部")
    # a new bill while staff handle it: the same alert follows the cause, marked as changed
    with marts_db.begin() as conn:
        fourth = _bill(conn, person, 5)
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (again,) = alerts_of(conn, hh, "medical_burden")
        assert again.alert_id == alert.alert_id and again.status == "verified" and again.cause_changed
        assert fourth in {e["record_key"] for e in again.evidence}
    with marts_db.begin() as conn:
        record_feedback(conn, alert.alert_id, "assisted", "乡镇干部", "医疗救助已落实")
        record_feedback(conn, alert.alert_id, "resolved", "乡镇干部", "风险消除")
    with pytest.raises(FeedbackError, match="finished"):
        with marts_db.begin() as conn:
            record_feedback(conn, alert.alert_id, "assisted", "乡镇干部")
    # unchanged cause after the resolution: nothing new
    _refresh(marts_db)
    with marts_db.connect() as conn:
        assert [a.alert_id for a in alerts_of(conn, hh, "medical_burden")] == [alert.alert_id]
        history = conn.execute(
            text(
                "SELECT event, to_status, actor FROM mart.alert_history"
                " WHERE alert_id = :a ORDER BY history_id"
            ),
            {"a": alert.alert_id},
        ).all()
    assert [h.to_status for h in history if h.event == "feedback"] == [
        "pushed",
        "verified",
        "assisted",
        "resolved",
    ]
    assert [h.event for h in history][0] == "raised" and "cause_changed" in [h.event for h in history]
    # a new bill after the resolution is a new finding
    with marts_db.begin() as conn:
        _bill(conn, person, 6)
    _refresh(marts_db)
    with marts_db.connect() as conn:
        alerts = alerts_of(conn, hh, "medical_burden")
    assert len(alerts) == 2 and alerts[1].status == "new"


def test_a_cause_gone_is_marked_and_an_untouched_alert_closes_after_three_runs(marts_db):
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, person = _adult(conn)
        key = plant(conn, "zhujian_fangwu", person, safety_grade="C", renovation_status="未改造")
    _refresh(marts_db)
    with marts_db.begin() as conn:
        (alert,) = alerts_of(conn, hh, "unsafe_house")
        conn.execute(
            text("UPDATE staging.zhujian_fangwu SET renovation_status = '已竣工' WHERE record_key = :k"),
            {"k": key},
        )
    runs = [_refresh(marts_db) for _ in range(3)]
    with marts_db.connect() as conn:
        (after,) = alerts_of(conn, hh, "unsafe_house")
        closed_in = (
            conn.execute(
                text("SELECT run_id FROM mart.run_change WHERE change = 'alert_closed' AND entity_id = :a"),
                {"a": str(alert.alert_id)},
            )
            .scalars()
            .all()
        )
    assert not after.cause_present and after.status == "closed"
    assert closed_in == [runs[-1].run_id]
    assert runs[0].figures["lifecycle"]["cause_gone"] >= 1


def test_nightly_comparison_households_entering_and_leaving_risk(marts_db):
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, person = _adult(conn)
        at_risk_before = conn.execute(
            text("SELECT coalesce(bool_or(at_risk), false) FROM mart.risk_state WHERE household_id = :h"),
            {"h": hh},
        ).scalar_one()
        key = plant(
            conn,
            "yingji_zaiqing",
            person,
            disaster_type="洪涝",
            disaster_date=AS_OF - dt.timedelta(days=3),
            house_damage="倒塌",
        )
    entered = _refresh(marts_db)
    with marts_db.begin() as conn:
        changes = conn.execute(
            text("SELECT change, entity_id FROM mart.run_change WHERE run_id = :r AND household_id = :h"),
            {"r": entered.run_id, "h": hh},
        ).all()
        assert ("alert_new", str(alerts_of(conn, hh, "disaster_house")[0].alert_id)) in changes
        assert (("entered_risk", hh) in changes) == (not at_risk_before)
        # the department corrects the record: no damage after all
        conn.execute(
            text("UPDATE staging.yingji_zaiqing SET house_damage = '无' WHERE record_key = :k"), {"k": key}
        )
        others = conn.execute(
            text("""SELECT count(*) FROM mart.alert WHERE household_id = :h AND kind = 'risk'
                    AND alert_type <> 'disaster_house' AND status NOT IN ('resolved', 'closed')
                    AND cause_present"""),
            {"h": hh},
        ).scalar_one()
    left = _refresh(marts_db)
    with marts_db.connect() as conn:
        changes = (
            conn.execute(
                text("SELECT change FROM mart.run_change WHERE run_id = :r AND household_id = :h"),
                {"r": left.run_id, "h": hh},
            )
            .scalars()
            .all()
        )
    assert ("left_risk" in changes) == (others == 0)


def test_reports_work_lists_and_export(marts_db, tmp_path):
    from openpyxl import load_workbook

    from shouwang.marts.export import COLUMNS, export_alerts
    from shouwang.marts.reports import write_reports

    report = _refresh(marts_db)
    files = write_reports(marts_db, tmp_path / "reports", report.run_id)
    page = files.html.read_text(encoding="utf-8")
    assert "<svg" in page and "Alerts by type" in page and "Income growth" in page
    open_alerts = sum(report.figures["open_alerts"].values())
    assert files.work_lists and files.summary_xlsx.exists()
    listed = 0
    id_like = re.compile(r"\d{17}[\dXx]|1[3-9]\d{9}")
    for path in files.work_lists:
        sheet = load_workbook(path, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        listed += len(rows) - 3
        assert not any(id_like.search(str(v)) for row in rows for v in row if v is not None), path.name
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert listed == open_alerts
    assert not id_like.search(page)
    with marts_db.connect() as conn:
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM mart.alert GROUP BY 1")).all())
    assert statuses == {"pushed": open_alerts} and files.pushed == open_alerts
    with marts_db.connect() as conn:
        n = export_alerts(conn, tmp_path / "alerts.csv")
    with (tmp_path / "alerts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert n == len(rows) == open_alerts
    assert list(rows[0]) == COLUMNS
    assert {"household_id", "alert_type", "severity", "created_run"} <= set(rows[0])
    assert all(r["created_run"] == str(report.run_id) for r in rows)


def test_profile_one_row_per_household_with_income_sources(marts_db):
    report = _refresh(marts_db)
    with marts_db.connect() as conn:
        households = conn.execute(text("SELECT count(*) FROM master.household")).scalar_one()
        profile = conn.execute(
            text("SELECT count(*), count(DISTINCT household_id) FROM mart.household_profile")
        ).one()
        parts = conn.execute(
            text("""SELECT f.income_total, (SELECT sum(annual_amount) FROM mart.income_item i
                                             WHERE i.household_id = f.household_id)
                    FROM mart.household_profile f WHERE f.income_known""")
        ).all()
        sources = conn.execute(text("SELECT DISTINCT feed_id FROM mart.income_item")).scalars().all()
    assert profile == (households, households) == (report.figures["households"],) * 2
    assert parts and all(abs(float(a) - float(b)) < 0.01 for a, b in parts)
    assert {"caizheng_yikatong", "renshe_jiuye"} <= set(sources)
