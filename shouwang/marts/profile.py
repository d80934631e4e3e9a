"""The household profile mart: one row per current master household, with the evidence of each flag.

Everything is computed in PostgreSQL from the published master, tonight's income parts
(mart.income_item) and the departments' current records, so the 450k-household county refreshes in
well under the three minutes the county allows (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

from shouwang.marts.sources import analyze, feed_rows, has_feed

GRADE_RANK = (
    "CASE p.disability_grade WHEN '一级' THEN 1 WHEN '二级' THEN 2 WHEN '三级' THEN 3 WHEN '四级' THEN 4 END"
)
SCHOOL_AGE = (6, 15)  # compulsory education (义务教育), by age at the as-of date


def _evidence_table(conn: Connection, name: str, sql: str | None, params: dict) -> None:
    """tmp_<name>(household_id, person_id, feed_id, record_key): records behind one flag."""
    if sql is None:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE tmp_{name} (household_id text, person_id text, feed_id text, record_key text)"
            " ON COMMIT DROP"
        )
        return
    conn.execute(text(f"CREATE TEMP TABLE tmp_{name} ON COMMIT DROP AS {sql}"), params)
    analyze(conn, f"tmp_{name}")


def _records(conn: Connection, feed_id: str, where: str) -> str | None:
    """The placed records of a feed matching `where` (None when the county lacks the feed)."""
    if not has_feed(conn, feed_id):
        return None
    rows = feed_rows(feed_id, "1 AS one", where)
    return f"SELECT household_id, person_id, feed_id, record_key FROM ({rows}) r"


def build_profile(
    conn: Connection, as_of: dt.date, run_id: int, thresholds: dict[str, Any], rules: Any
) -> dict[str, int]:
    """Refresh mart.household_profile; returns households, profiles written and removed."""
    window_start = as_of - dt.timedelta(days=int(thresholds["window_days"]))
    params = {"as_of": as_of, "window_start": window_start, "run_id": run_id}
    rule = rules.rules

    def opt(name: str, key: str, default: list[str]) -> list[str]:
        r = rule.get(name)
        return list(r.option(key, default)) if r else default

    # ---- evidence per flag --------------------------------------------------------------------
    params["dropout"] = opt("child_dropout", "statuses", ["辍学"])
    _evidence_table(
        conn, "school", _records(conn, "jiaoyu_xueji", "s.enrolment_status = ANY(:dropout)"), params
    )
    # ... and children of compulsory-school age on no school's roll (户籍 against 学籍, the 控辍保学
    # comparison): the evidence is the record the child's age comes from
    enrolled = (
        "SELECT 1 FROM staging.jiaoyu_xueji_current s JOIN linkage.crosswalk x"
        " ON x.feed_id = 'jiaoyu_xueji' AND x.record_key = s.record_key"
        " WHERE x.person_id = p.person_id AND s.change_kind <> 'removed'"
        if has_feed(conn, "jiaoyu_xueji")
        else "SELECT 1 WHERE false"
    )
    conn.execute(
        text(f"""
        INSERT INTO tmp_school (household_id, person_id, feed_id, record_key)
        SELECT m.household_id, p.person_id, p.lineage->'birth_date'->>0, p.lineage->'birth_date'->>1
        FROM master.person p JOIN master.membership m USING (person_id)
        WHERE p.death_date IS NULL AND coalesce(p.person_status, '正常') = '正常'
          AND date_part('year', age(:as_of, p.birth_date)) BETWEEN :enrol_low AND :enrol_high
          AND p.lineage ? 'birth_date' AND NOT EXISTS ({enrolled})"""),
        {**params, "enrol_low": SCHOOL_AGE[0] + 1, "enrol_high": SCHOOL_AGE[1]},
    )
    params["uninsured"] = opt("uninsured", "statuses", ["未参保"])
    _evidence_table(
        conn,
        "insurance",
        _records(
            conn,
            "yibao_canbao",
            "s.insurance_status = ANY(:uninsured)"
            " AND s.insurance_year >= (SELECT max(insurance_year) FROM staging.yibao_canbao_current)",
        ),
        params,
    )
    params["house_grades"] = opt("unsafe_house", "grades", ["C", "D"])
    params["house_open"] = opt("unsafe_house", "open_statuses", ["未改造"])
    _evidence_table(
        conn,
        "house",
        _records(
            conn,
            "zhujian_fangwu",
            "s.safety_grade = ANY(:house_grades) AND s.renovation_status = ANY(:house_open)",
        ),
        params,
    )
    params["water_open"] = opt("water_problem", "open_statuses", ["未解决"])
    _evidence_table(
        conn, "water", _records(conn, "shuili_yinshui_hu", "s.resolution_status = ANY(:water_open)"), params
    )
    # villages whose supply is below standard (quality failed, or fewer than 90 % supplied)
    if has_feed(conn, "shuili_yinshui"):
        conn.exec_driver_sql(
            """CREATE TEMP TABLE tmp_water_village ON COMMIT DROP AS
               SELECT DISTINCT village_code, record_key FROM staging.shuili_yinshui_current
               WHERE change_kind <> 'removed' AND village_code IS NOT NULL
                 AND (quality_ok = false OR supply_rate_pct < 90)"""
        )
    else:
        conn.exec_driver_sql(
            "CREATE TEMP TABLE tmp_water_village (village_code text, record_key text) ON COMMIT DROP"
        )
    _evidence_table(conn, "chronic", _records(conn, "weijian_manbing", "TRUE"), params)
    medical_types = opt("medical_burden", "visit_types", ["住院", "门诊慢特病", "门诊"])
    params["visit_types"] = medical_types
    if has_feed(conn, "yibao_jiesuan"):
        conn.execute(
            text(
                "CREATE TEMP TABLE tmp_medical ON COMMIT DROP AS "
                + feed_rows(
                    "yibao_jiesuan",
                    "s.out_of_pocket",
                    "s.settled_at::date > :window_start AND s.settled_at::date <= :as_of"
                    " AND s.visit_type = ANY(:visit_types) AND s.out_of_pocket > 0",
                )
            ),
            params,
        )
    else:
        conn.exec_driver_sql(
            "CREATE TEMP TABLE tmp_medical (household_id text, person_id text, feed_id text, record_key text,"
            " out_of_pocket numeric) ON COMMIT DROP"
        )
    if has_feed(conn, "shuiwu_geshui"):
        conn.execute(
            text(
                "CREATE TEMP TABLE tmp_taxed ON COMMIT DROP AS "
                + feed_rows(
                    "shuiwu_geshui",
                    "coalesce(s.wage_income, 0) + coalesce(s.business_income, 0) AS amount,"
                    " coalesce(s.wage_income, 0) AS wages",
                    "s.tax_year = :tax_year",
                )
            ),
            {**params, "tax_year": as_of.year - 1},
        )
    else:
        conn.exec_driver_sql(
            "CREATE TEMP TABLE tmp_taxed (household_id text, person_id text, feed_id text, record_key text,"
            " amount numeric, wages numeric) ON COMMIT DROP"
        )
    # people whose work income some source shows (employed, unemployed, taxed, on a post, staff)
    employment = [
        _records(conn, f, "TRUE")
        for f in (
            "renshe_jiuye",
            "renshe_gongyigang",
            "linye_hulinyuan",
            "jiaotong_hulu",
            "zuzhi_gongzhi",
        )
    ]
    if has_feed(conn, "shuiwu_geshui"):
        employment.append("SELECT household_id, person_id, feed_id, record_key FROM tmp_taxed")
    employment = [e for e in employment if e]
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tmp_employment ON COMMIT DROP AS SELECT DISTINCT person_id FROM ("
        + (" UNION ALL ".join(employment) if employment else "SELECT NULL::text AS person_id WHERE false")
        + ") e"
    )
    # people registered (乡村振兴 roster) or assisted (民政 roster, the master's assistance type, or paid it)
    rosters = [
        r for r in (_records(conn, "xiangcun_jiance", "TRUE"), _records(conn, "minzheng_jiuzhu", "TRUE")) if r
    ]
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tmp_assisted_person ON COMMIT DROP AS SELECT DISTINCT person_id FROM ("
        + " UNION ALL ".join(
            [
                *(f"SELECT person_id FROM ({r}) q" for r in rosters),
                "SELECT person_id FROM master.person WHERE assistance_type IS NOT NULL",
                # paid 低保 / 特困 / 临时救助 through the card: assisted, whatever the rosters say
                "SELECT person_id FROM mart.income_item WHERE component = 'assistance'",
            ]
        )
        + ") a"
    )
    conn.exec_driver_sql("CREATE UNIQUE INDEX ON tmp_assisted_person (person_id)")
    conn.exec_driver_sql("CREATE UNIQUE INDEX ON tmp_employment (person_id)")
    analyze(conn, "tmp_assisted_person", "tmp_employment", "tmp_medical", "tmp_taxed", "tmp_water_village")
    if has_feed(conn, "xiangcun_jiance"):
        conn.exec_driver_sql(
            "CREATE TEMP TABLE tmp_surveyed ON COMMIT DROP AS "
            + feed_rows(
                "xiangcun_jiance",
                "s.income_per_capita_last_year AS amount",
                "s.income_per_capita_last_year > 0",
            )
        )
    else:
        conn.exec_driver_sql(
            "CREATE TEMP TABLE tmp_surveyed (household_id text, person_id text, feed_id text,"
            " record_key text,"
            " amount numeric) ON COMMIT DROP"
        )

    analyze(conn, "tmp_surveyed", "tmp_school")
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tmp_profile (LIKE mart.household_profile INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    conn.execute(
        text(f"""
        WITH members AS (
            SELECT m.household_id, m.person_id,
                   (p.death_date IS NULL AND coalesce(p.person_status, '') <> '死亡') AS alive,
                   date_part('year', age(:as_of, p.birth_date))::int AS age,
                   {GRADE_RANK} AS grade, p.disability_grade, p.assistance_type,
                   EXISTS (SELECT 1 FROM tmp_employment e WHERE e.person_id = m.person_id) AS employed
            FROM master.membership m JOIN master.person p USING (person_id)
        ),
        m AS (
            SELECT household_id,
                   count(*) FILTER (WHERE alive) AS members,
                   count(*) FILTER (WHERE NOT alive) AS deceased,
                   count(*) FILTER (WHERE alive AND age < 16) AS children,
                   count(*) FILTER (WHERE alive AND age BETWEEN {SCHOOL_AGE[0]} AND {SCHOOL_AGE[1]}) AS
                       school_age,
                   count(*) FILTER (WHERE alive AND age BETWEEN 16 AND 59) AS working_age,
                   count(*) FILTER (WHERE alive AND age >= 60) AS elders,
                   count(*) FILTER (WHERE alive AND age BETWEEN 16 AND 59 AND coalesce(grade, 9) > 2)
                       AS labour,
                   min(grade) FILTER (WHERE alive) AS max_grade,
                   count(*) FILTER (WHERE alive AND grade <= 2) AS severe,
                   string_agg(DISTINCT assistance_type, '、') FILTER (WHERE alive) AS assistance_types,
                   bool_and(employed) FILTER (WHERE alive AND age BETWEEN 16 AND 59 AND coalesce(grade,
                       9) > 2)
                       AS labour_income_known
            FROM members GROUP BY household_id
        ),
        inc AS (
            SELECT household_id, sum(annual_amount) AS total,
                   jsonb_object_agg(component, amount) AS parts
            FROM (SELECT household_id, component, sum(annual_amount) AS annual_amount,
                         round(sum(annual_amount), 2) AS amount
                  FROM mart.income_item GROUP BY household_id, component) c
            GROUP BY household_id
        ),
        taxed AS (SELECT household_id, sum(amount) AS amount FROM tmp_taxed GROUP BY household_id),
        surveyed AS (SELECT household_id, max(amount) AS amount FROM tmp_surveyed GROUP BY household_id),
        med AS (SELECT household_id, sum(out_of_pocket) AS oop FROM tmp_medical GROUP BY household_id),
        chronic AS (SELECT household_id, count(DISTINCT person_id) AS n FROM tmp_chronic GROUP BY
            household_id),
        ev AS (
            SELECT household_id, jsonb_object_agg(flag, recs) AS evidence FROM (
                SELECT household_id, flag, jsonb_agg(jsonb_build_array(feed_id, record_key) ORDER BY
                    feed_id, record_key) AS recs
                FROM (
                    SELECT household_id, 'not_in_school' AS flag, feed_id, record_key FROM tmp_school
                    UNION ALL SELECT household_id, 'uninsured', feed_id, record_key FROM tmp_insurance
                    UNION ALL SELECT household_id, 'unsafe_house', feed_id, record_key FROM tmp_house
                    UNION ALL SELECT household_id, 'water_household', feed_id, record_key FROM tmp_water
                ) f GROUP BY household_id, flag
            ) g GROUP BY household_id
        )
        INSERT INTO tmp_profile (
            household_id, township_code, village_code, members, deceased_members, children, school_age,
            working_age, elders, labour_force, household_type, monitoring_category, risk_types,
            risk_eliminated, identified_on, assisted, assistance_types, max_disability_grade, severe_disabled,
            chronic_ill, income_known, income_total, income_per_capita, income_surveyed_per_capita,
            labour_income_known, income_basis, income_assessed_per_capita, income_parts,
                income_last_year_taxed, medical_oop_12m, flag_not_in_school, flag_uninsured,
            flag_unsafe_house, flag_water_household, flag_water_village, evidence, run_id)
        SELECT h.household_id, h.township_code, h.village_code, coalesce(m.members, 0),
            coalesce(m.deceased, 0),
               coalesce(m.children, 0), coalesce(m.school_age, 0), coalesce(m.working_age, 0),
               coalesce(m.elders, 0), coalesce(m.labour, 0), h.household_type, h.monitoring_category,
               h.risk_types, h.risk_eliminated, h.identified_on,
               coalesce(h.household_type IN ('脱贫户', '监测户') OR h.monitoring_category IS NOT NULL
                        OR m.assistance_types IS NOT NULL, false),
               m.assistance_types,
               CASE m.max_grade WHEN 1 THEN '一级' WHEN 2 THEN '二级'
                                WHEN 3 THEN '三级' WHEN 4 THEN '四级' END,
               coalesce(m.severe, 0), coalesce(c.n, 0),
               inc.total IS NOT NULL, inc.total,
               CASE WHEN m.members > 0 THEN round(inc.total / m.members, 2) END,
               sv.amount, coalesce(m.labour_income_known, true),
               CASE WHEN sv.amount IS NOT NULL THEN 'surveyed'
                    WHEN inc.total IS NOT NULL AND m.members > 0 AND coalesce(m.labour_income_known, true)
                    THEN 'estimate' END,
               CASE WHEN sv.amount IS NOT NULL THEN sv.amount
                    WHEN inc.total IS NOT NULL AND m.members > 0 AND coalesce(m.labour_income_known, true)
                    THEN round(inc.total / m.members, 2) END,
               coalesce(inc.parts, '{{}}'::jsonb), taxed.amount, coalesce(med.oop, 0),
               EXISTS (SELECT 1 FROM tmp_school t WHERE t.household_id = h.household_id),
               EXISTS (SELECT 1 FROM tmp_insurance t WHERE t.household_id = h.household_id),
               EXISTS (SELECT 1 FROM tmp_house t WHERE t.household_id = h.household_id),
               EXISTS (SELECT 1 FROM tmp_water t WHERE t.household_id = h.household_id),
               EXISTS (SELECT 1 FROM tmp_water_village w WHERE w.village_code = h.village_code),
               coalesce(ev.evidence, '{{}}'::jsonb), :run_id
        FROM master.household h
        LEFT JOIN m USING (household_id)
        LEFT JOIN inc USING (household_id)
        LEFT JOIN taxed USING (household_id)
        LEFT JOIN surveyed sv USING (household_id)
        LEFT JOIN med USING (household_id)
        LEFT JOIN chronic c USING (household_id)
        LEFT JOIN ev USING (household_id)"""),
        params,
    )
    analyze(conn, "tmp_profile")
    changed = _merge_profile(conn)
    analyze(conn, "mart.household_profile")
    conn.execute(
        text("""
        INSERT INTO mart.income_history (household_id, month, income_total, members, run_id)
        SELECT household_id, date_trunc('month', CAST(:as_of AS date))::date, income_total, members, :run_id
        FROM mart.household_profile
        ON CONFLICT (household_id, month) DO UPDATE
            SET income_total = EXCLUDED.income_total, members = EXCLUDED.members, run_id =
                EXCLUDED.run_id"""),
        params,
    )
    households = int(conn.exec_driver_sql("SELECT count(*) FROM mart.household_profile").scalar_one())
    return {"households": households, **changed}


def _merge_profile(conn: Connection) -> dict[str, int]:
    """Apply tonight's profiles: only rows that changed are written (their run_id says when), rows of
    households no longer in the master are removed. Computed in full, since many figures move with
    the as-of date alone (12-month windows, ages); written incrementally, so unchanged households
    keep their row and the run that last changed it."""
    cols = [
        c
        for (c,) in conn.exec_driver_sql(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = 'mart' AND table_name = 'household_profile' ORDER BY ordinal_position"""
        ).all()
    ]
    data = [c for c in cols if c not in ("household_id", "run_id")]
    removed = conn.exec_driver_sql(
        """DELETE FROM mart.household_profile p
           WHERE NOT EXISTS (SELECT 1 FROM tmp_profile t WHERE t.household_id = p.household_id)"""
    ).rowcount
    written = conn.exec_driver_sql(
        f"""INSERT INTO mart.household_profile ({", ".join(cols)})
            SELECT {", ".join(cols)} FROM tmp_profile
            ON CONFLICT (household_id) DO UPDATE SET
                {", ".join(f"{c} = EXCLUDED.{c}" for c in data)}, run_id = EXCLUDED.run_id
            WHERE ({", ".join(f"mart.household_profile.{c}" for c in data)})
                  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in data)})"""
    ).rowcount
    return {"profiles_written": int(written), "profiles_removed": int(removed)}
