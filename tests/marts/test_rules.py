"""Each early-warning rule and verification signal on crafted records planted on real households
of a published county: the record raises its alert (with itself as evidence); a near miss does not."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.marts.conftest import AS_OF, alerts_of, evidence_keys, household_where, plant

ADULT = "date_part('year', age(DATE '2021-06-30', p.birth_date)) BETWEEN 25 AND 50"
CHILD = "date_part('year', age(DATE '2021-06-30', p.birth_date)) BETWEEN 8 AND 14"
REGISTERED = "h.household_type IN ('脱贫户', '监测户')"
NOT_ASSISTED = (
    "h.household_type IS NULL AND h.monitoring_category IS NULL AND NOT EXISTS ("
    " SELECT 1 FROM master.membership m2 JOIN master.person p2 USING (person_id)"
    " WHERE m2.household_id = h.household_id AND p2.assistance_type IS NOT NULL)"
)


def _refresh(engine):
    from shouwang.marts import refresh_marts

    return refresh_marts(engine, AS_OF)


def _member_household(conn, member_sql: str, household_sql: str, alert_type: str):
    """A household matching household_sql with a living member matching member_sql; (hh, person)."""
    hh, _ = household_where(
        conn,
        f"""({household_sql}) AND EXISTS (
                SELECT 1 FROM master.membership m JOIN master.person p USING (person_id)
                WHERE m.household_id = h.household_id AND p.death_date IS NULL AND {member_sql})""",
        (alert_type,),
    )
    person = conn.execute(
        text(f"""SELECT p.person_id FROM master.membership m JOIN master.person p USING (person_id)
                 WHERE m.household_id = :h AND p.death_date IS NULL AND {member_sql}
                 ORDER BY p.person_id LIMIT 1"""),
        {"h": hh},
    ).scalar_one()
    return hh, person


D = dt.timedelta
# rule, feed, member, household scope, fields raising the alert, fields of a near miss
CASES = [
    (
        "disaster_house",
        "yingji_zaiqing",
        ADULT,
        "true",
        {"disaster_type": "洪涝", "disaster_date": AS_OF - D(30), "house_damage": "倒塌"},
        {"disaster_type": "洪涝", "disaster_date": AS_OF - D(30), "house_damage": "一般损坏"},
    ),
    (
        "disaster_house",
        "yingji_zaiqing",
        ADULT,
        "true",
        {"disaster_type": "风雹", "disaster_date": AS_OF - D(100), "house_damage": "严重损坏"},
        {"disaster_type": "风雹", "disaster_date": AS_OF - D(800), "house_damage": "严重损坏"},
    ),  # too long ago
    (
        "severe_disability",
        "canlian_canjiren",
        ADULT,
        "true",
        {"disability_category": "肢体", "disability_grade": "一级", "issued_on": AS_OF - D(20)},
        {"disability_category": "肢体", "disability_grade": "三级", "issued_on": AS_OF - D(20)},
    ),
    (
        "severe_disability",
        "canlian_canjiren",
        ADULT,
        "true",
        {"disability_category": "视力", "disability_grade": "二级", "issued_on": AS_OF - D(150)},
        {"disability_category": "视力", "disability_grade": "二级", "issued_on": AS_OF - D(800)},
    ),  # not new
    (
        "child_dropout",
        "jiaoyu_xueji",
        CHILD,
        "true",
        {"school_stage": "初中", "enrolment_status": "辍学"},
        {"school_stage": "初中", "enrolment_status": "在读"},
    ),
    (
        "unsafe_house",
        "zhujian_fangwu",
        ADULT,
        "true",
        {"safety_grade": "D", "renovation_status": "未改造", "assessed_on": AS_OF - D(60)},
        {"safety_grade": "D", "renovation_status": "已竣工", "assessed_on": AS_OF - D(60)},
    ),
    (
        "water_problem",
        "shuili_yinshui_hu",
        ADULT,
        "true",
        {"problem_type": "水质不达标", "resolution_status": "未解决", "found_on": AS_OF - D(10)},
        {"problem_type": "水质不达标", "resolution_status": "已解决", "found_on": AS_OF - D(10)},
    ),
    (
        "uninsured",
        "yibao_canbao",
        ADULT,
        REGISTERED,
        {"insurance_year": 2021, "insurance_status": "未参保"},
        {"insurance_year": 2021, "insurance_status": "正常参保"},
    ),
    (
        "uninsured",
        "yibao_canbao",
        ADULT,
        NOT_ASSISTED,  # 应保尽保 is watched for registered households
        {"insurance_year": 2021, "insurance_status": "未参保"},
        None,
    ),
    (
        "loan_overdue",
        "xiangcun_xiaoe",
        ADULT,
        "true",
        {"loan_status": "逾期", "loan_amount": 50000, "due_on": AS_OF - D(10)},
        {"loan_status": "正常", "loan_amount": 50000, "due_on": AS_OF + D(100)},
    ),
    (
        "loan_overdue",
        "xiangcun_xiaoe",
        ADULT,
        "true",  # still 正常 in the bank's books, 90 days past due
        {"loan_status": "正常", "loan_amount": 30000, "due_on": AS_OF - D(90)},
        {"loan_status": "已结清", "loan_amount": 30000, "due_on": AS_OF - D(90)},
    ),
    (
        "hardship_petition",
        "xinfang_xinfang",
        ADULT,
        "true",
        {"petition_category": "医疗救助", "registered_on": AS_OF - D(5), "handling_status": "受理"},
        {"petition_category": "土地", "registered_on": AS_OF - D(5), "handling_status": "受理"},
    ),
    (
        "vehicle_owner",
        "gongan_jidongche",
        ADULT,
        REGISTERED,
        {"vin": "LSVTEST0000000001", "vehicle_type": "小型轿车", "vehicle_status": "正常"},
        {"vin": "LSVTEST0000000002", "vehicle_type": "三轮汽车", "vehicle_status": "正常"},
    ),
    (
        "vehicle_owner",
        "gongan_jidongche",
        ADULT,
        NOT_ASSISTED,
        {"vin": "LSVTEST0000000003", "vehicle_type": "小型轿车", "vehicle_status": "正常"},
        None,
    ),
    (
        "urban_flat",
        "ziran_budongchan",
        ADULT,
        REGISTERED,
        {"usage": "城镇住宅", "acquisition": "购买", "area_m2": 96},
        {"usage": "城镇住宅", "acquisition": "继承", "area_m2": 96},
    ),
    (
        "business_owner",
        "shichang_zhuti",
        ADULT,
        REGISTERED,
        {"business_type": "个体工商户", "registered_capital_wan": 80, "registration_status": "存续"},
        {"business_type": "个体工商户", "registered_capital_wan": 10, "registration_status": "存续"},
    ),
    (
        "public_employee",
        "zuzhi_gongzhi",
        ADULT,
        REGISTERED,
        {"staff_category": "公务员", "unit": "县直单位"},
        None,
    ),
    (
        "high_income",
        "shuiwu_geshui",
        ADULT,
        REGISTERED,
        {"tax_year": 2020, "wage_income": 90000, "business_income": 0},
        {"tax_year": 2020, "wage_income": 30000, "business_income": 0},
    ),
    (
        "high_income",
        "shuiwu_geshui",
        ADULT,
        REGISTERED,
        {"tax_year": 2020, "wage_income": 0, "business_income": 150000},
        {"tax_year": 2018, "wage_income": 0, "business_income": 150000},
    ),  # an old tax year
]


@pytest.mark.parametrize(
    "rule,feed,member,scope,hit,miss", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_raises_on_its_record_and_not_on_a_near_miss(marts_db, rule, feed, member, scope, hit, miss):
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, person = _member_household(conn, member, scope, rule)
        key = plant(conn, feed, person, **hit)
        hh2, person2 = (None, None)
        if miss is not None:
            hh2, person2 = _member_household(conn, member, f"({scope}) AND h.household_id <> '{hh}'", rule)
            miss_key = plant(conn, feed, person2, **miss)
    _refresh(marts_db)
    with marts_db.connect() as conn:
        raised = alerts_of(conn, hh, rule)
        missed = alerts_of(conn, hh2, rule) if hh2 else []
    if scope == NOT_ASSISTED:
        assert raised == [], f"{rule} is watched for assisted households only"
        return
    assert len(raised) == 1 and key in evidence_keys(raised[0]), raised
    assert raised[0].status == "new" and raised[0].cause_present
    assert not any(miss_key in evidence_keys(a) for a in missed), missed


def test_medical_bill_split_across_settlements_adds_up(marts_db):
    """Three settlements of 8,000 out of pocket (24,000 in 12 months) raise medical_burden; two
    (16,000) do not; a settlement its department cancels (注销 closes its current version) no longer
    counts."""
    _refresh(marts_db)
    bill = {"visit_type": "住院", "total_cost": 30000, "out_of_pocket": 8000}
    with marts_db.begin() as conn:
        no_bills = (
            "NOT EXISTS (SELECT 1 FROM mart.household_profile f"
            " WHERE f.household_id = h.household_id AND f.medical_oop_12m > 0)"
        )
        hh, person = _member_household(conn, ADULT, no_bills, "medical_burden")
        keys = [
            plant(conn, "yibao_jiesuan", person, settled_at=dt.datetime(2021, m, 3, 10), **bill)
            for m in (2, 4, 6)
        ]
        hh2, person2 = _member_household(
            conn, ADULT, f"{no_bills} AND h.household_id <> '{hh}'", "medical_burden"
        )
        for m in (3, 5):
            plant(conn, "yibao_jiesuan", person2, settled_at=dt.datetime(2021, m, 3, 10), **bill)
        old = plant(
            conn, "yibao_jiesuan", person2, settled_at=dt.datetime(2019, 5, 3, 10), **bill
        )  # outside 12 months
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "medical_burden")
        assert set(keys) <= evidence_keys(alert)
        assert "24000" in alert.detail
        assert alerts_of(conn, hh2, "medical_burden") == []
        assert old  # the old settlement exists and was not counted
    # the department cancels one of the three: the remaining 16,000 no longer raise it
    with marts_db.begin() as conn:
        conn.execute(
            text("UPDATE staging.yibao_jiesuan SET valid_to = valid_from WHERE record_key = :k"),
            {"k": keys[0]},
        )
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "medical_burden")
        assert not alert.cause_present


def test_medical_costs_above_half_the_assessed_income(marts_db):
    _refresh(marts_db)
    with marts_db.connect() as conn:
        hh, per_capita, members = conn.execute(
            text("""SELECT household_id, income_assessed_per_capita, members FROM mart.household_profile
                    WHERE income_basis = 'surveyed' AND members > 0
                      AND income_assessed_per_capita * members * 0.6 < 20000
                      AND medical_oop_12m = 0 ORDER BY household_id LIMIT 1""")
        ).one()
        person = conn.execute(
            text(
                "SELECT person_id FROM master.membership WHERE household_id = :h ORDER BY person_id LIMIT 1"
            ),
            {"h": hh},
        ).scalar_one()
    oop = round(float(per_capita) * members * 0.6)
    with marts_db.begin() as conn:
        key = plant(
            conn,
            "yibao_jiesuan",
            person,
            visit_type="门诊慢特病",
            settled_at=dt.datetime(2021, 5, 1, 9),
            total_cost=oop * 2,
            out_of_pocket=oop,
        )
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "medical_share")
        assert key in evidence_keys(alert)
        assert alerts_of(conn, hh, "medical_burden") == []


def test_low_income_from_the_survey_and_not_when_income_cannot_be_assessed(marts_db):
    """A registered household whose surveyed income is below the line raises low_income; when its
    only income source (the survey figure) goes missing, its income is unknown, not zero: the
    alert's cause is gone and no new one is raised."""
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh = conn.execute(
            text("""SELECT f.household_id FROM mart.household_profile f
                    WHERE f.income_basis = 'surveyed' AND f.members > 0
                    ORDER BY f.household_id LIMIT 1""")
        ).scalar_one()
        # the household's other income records are withdrawn by their departments: the survey
        # figure is its only income source
        for feed_id, key in conn.execute(
            text("SELECT feed_id, record_key FROM mart.income_item WHERE household_id = :h"), {"h": hh}
        ).all():
            conn.execute(
                text(f"UPDATE staging.{feed_id} SET valid_to = valid_from WHERE record_key = :k"),
                {"k": key},
            )
        jiance = (
            conn.execute(
                text("""SELECT x.record_key FROM linkage.crosswalk x
                        JOIN master.membership m USING (person_id)
                    WHERE x.feed_id = 'xiangcun_jiance' AND m.household_id = :h"""),
                {"h": hh},
            )
            .scalars()
            .all()
        )
    with marts_db.begin() as conn:
        conn.execute(
            text(
                "UPDATE staging.xiangcun_jiance SET income_per_capita_last_year = 4100"
                " WHERE record_key = ANY(:k)"
            ),
            {"k": jiance},
        )
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "low_income")
        assert set(jiance) & evidence_keys(alert) and "4100" in alert.detail
    with marts_db.begin() as conn:
        conn.execute(
            text(
                "UPDATE staging.xiangcun_jiance SET income_per_capita_last_year = NULL"
                " WHERE record_key = ANY(:k)"
            ),
            {"k": jiance},
        )
    _refresh(marts_db)
    with marts_db.connect() as conn:
        alerts = alerts_of(conn, hh, "low_income")
        assert len(alerts) == 1 and not alerts[0].cause_present
        basis, known = conn.execute(
            text("SELECT income_basis, income_known FROM mart.household_profile WHERE household_id = :h"),
            {"h": hh},
        ).one()
        assert basis is None and known is False


def test_income_drop_when_a_taxed_earner_is_out_of_work(marts_db):
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, person = _member_household(conn, ADULT, "true", "income_drop")
        tax = plant(conn, "shuiwu_geshui", person, tax_year=2020, wage_income=52000, business_income=0)
        job = plant(
            conn, "renshe_jiuye", person, employment_status="未就业", monthly_income=0, months_worked=0
        )
        hh2, person2 = _member_household(conn, ADULT, f"h.household_id <> '{hh}'", "income_drop")
        plant(conn, "shuiwu_geshui", person2, tax_year=2020, wage_income=52000, business_income=0)
        plant(
            conn, "renshe_jiuye", person2, employment_status="省外务工", monthly_income=4000, months_worked=9
        )
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "income_drop")
        assert {tax, job} <= evidence_keys(alert)
        assert alerts_of(conn, hh2, "income_drop") == []  # a different measure of pay is not a drop


def test_duplicate_benefit_paid_twice_in_a_month(marts_db):
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, person = _member_household(conn, ADULT, "true", "duplicate_benefit")
        pay = {"subsidy_item": "残疾人两项补贴", "amount": 160}
        k1 = plant(conn, "caizheng_yikatong", person, paid_on=dt.date(2021, 6, 15), **pay)
        k2 = plant(conn, "caizheng_yikatong", person, paid_on=dt.date(2021, 6, 18), **pay)
        hh2, person2 = _member_household(conn, ADULT, f"h.household_id <> '{hh}'", "duplicate_benefit")
        plant(conn, "caizheng_yikatong", person2, paid_on=dt.date(2021, 5, 15), **pay)
        plant(conn, "caizheng_yikatong", person2, paid_on=dt.date(2021, 6, 15), **pay)
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (alert,) = alerts_of(conn, hh, "duplicate_benefit")
        assert {k1, k2} == evidence_keys(alert)
        assert alerts_of(conn, hh2, "duplicate_benefit") == []


def test_death_in_one_feed_while_benefits_continue_in_another(marts_db):
    """卫健 records a working-age member's death; the master is published again with it; the card
    still pays 低保金 after the death and the person is still on the assistance roster: a
    working-age death alert and two verification signals. The farmland subsidy, paid to the land
    contract's household, is not a payment after death; an elderly member's death is not a
    working-age death."""
    from shouwang.master.night import publish_night

    _refresh(marts_db)
    died = AS_OF - D(40)
    with marts_db.begin() as conn:
        hh, person = _member_household(
            conn,
            "date_part('year', age(DATE '2021-06-30', p.birth_date)) BETWEEN 30 AND 50",
            "true",
            "working_age_death",
        )
        cert = plant(conn, "weijian_siwang", person, death_date=died, cause_of_death="意外")
        paid = plant(
            conn, "caizheng_yikatong", person, subsidy_item="低保金", amount=420, paid_on=AS_OF - D(10)
        )
        land = plant(
            conn,
            "caizheng_yikatong",
            person,
            subsidy_item="耕地地力保护补贴",
            amount=600,
            paid_on=AS_OF - D(5),
        )
        roster = plant(conn, "minzheng_jiuzhu", person, assistance_type="农村低保", monthly_amount=420)
        hh_old, old = _member_household(
            conn,
            "date_part('year', age(DATE '2021-06-30', p.birth_date)) >= 75",
            f"h.household_id <> '{hh}'",
            "working_age_death",
        )
        plant(conn, "weijian_siwang", old, death_date=died, cause_of_death="疾病")
    publish_night(marts_db, AS_OF)
    _refresh(marts_db)
    with marts_db.connect() as conn:
        (death,) = alerts_of(conn, hh, "working_age_death")
        assert cert in evidence_keys(death)
        (after,) = alerts_of(conn, hh, "paid_after_death")
        assert paid in evidence_keys(after) and land not in evidence_keys(after)
        assert cert in evidence_keys(after)  # the death record is part of the evidence
        (on_roster,) = alerts_of(conn, hh, "deceased_on_roster")
        assert roster in evidence_keys(on_roster)
        assert alerts_of(conn, hh_old, "working_age_death") == []


def test_a_school_age_child_on_no_roll_is_flagged_not_alerted(marts_db):
    """应学尽学: a child of compulsory-school age whom no school lists (户籍 against 学籍) flags the
    household with the record the child's age comes from; it is not a dropout alert."""
    _refresh(marts_db)
    with marts_db.begin() as conn:
        hh, child = _member_household(conn, CHILD, "true", "child_dropout")
        conn.execute(
            text("""UPDATE staging.jiaoyu_xueji s SET valid_to = s.valid_from FROM linkage.crosswalk x
                    WHERE x.feed_id = 'jiaoyu_xueji' AND x.record_key = s.record_key AND x.person_id = :p"""),
            {"p": child},
        )
        source = conn.execute(
            text("SELECT lineage->'birth_date'->>1 FROM master.person WHERE person_id = :p"), {"p": child}
        ).scalar_one()
    _refresh(marts_db)
    with marts_db.connect() as conn:
        flag, evidence = conn.execute(
            text("SELECT flag_not_in_school, evidence FROM mart.household_profile WHERE household_id = :h"),
            {"h": hh},
        ).one()
        assert flag and source in {key for _, key in evidence["not_in_school"]}
        assert alerts_of(conn, hh, "child_dropout") == []
