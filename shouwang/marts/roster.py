"""The monitored roster with tonight's candidates, and the township / village indicator summaries
for the quarterly review (季度会商)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from shouwang.marts.sources import analyze

#: indicator -> (households it applies to, households flagged), both SQL over mart.household_profile f
#: and the household's open alerts (tmp_open_alerts)
INDICATORS: dict[str, tuple[str, str]] = {
    "households": ("true", "true"),
    "registered": ("true", "f.household_type IN ('脱贫户', '监测户')"),
    "monitored": ("true", "f.household_type = '监测户' OR f.monitoring_category IS NOT NULL"),
    "at_risk": ("true", "a.risk > 0"),
    "signals_open": ("true", "a.signal > 0"),
    "not_in_school": ("f.school_age > 0", "f.flag_not_in_school"),
    "uninsured": ("f.members > 0", "f.flag_uninsured"),
    "unsafe_house": ("true", "f.flag_unsafe_house"),
    "water_household": ("true", "f.flag_water_household"),
    "water_village": ("true", "f.flag_water_village"),
    "income_known": ("f.members > 0", "f.income_known"),
    "below_monitoring_line": ("f.income_known AND f.members > 0", "a.low_income > 0"),
    "medical_burden": ("true", "a.medical > 0"),
}


def build_roster(conn: Connection, run_id: int) -> dict[str, int]:
    """Rebuild mart.roster and this run's mart.area_indicator; returns roster counts."""
    conn.exec_driver_sql(
        """CREATE TEMP TABLE tmp_open_alerts ON COMMIT DROP AS
           SELECT household_id,
                  count(*) FILTER (WHERE kind = 'risk') AS risk,
                  count(*) FILTER (WHERE kind = 'signal') AS signal,
                  count(*) FILTER (WHERE alert_type = 'low_income') AS low_income,
                  count(*) FILTER (WHERE alert_type = 'medical_burden') AS medical,
                  string_agg(DISTINCT alert_type, ',' ORDER BY alert_type) AS types
           FROM mart.alert WHERE status NOT IN ('resolved', 'closed') AND cause_present
           GROUP BY household_id"""
    )
    analyze(conn, "tmp_open_alerts")
    conn.exec_driver_sql("TRUNCATE mart.roster")
    conn.execute(
        text("""
        INSERT INTO mart.roster
        SELECT f.household_id,
               CASE WHEN f.household_type = '监测户' OR f.monitoring_category IS NOT NULL
                    THEN 'monitored' ELSE 'candidate' END,
               f.township_code, f.village_code, f.monitoring_category, f.risk_types, f.identified_on,
               f.risk_eliminated, coalesce(a.risk, 0), coalesce(a.signal, 0), a.types, :r
        FROM mart.household_profile f LEFT JOIN tmp_open_alerts a USING (household_id)
        WHERE f.household_type = '监测户' OR f.monitoring_category IS NOT NULL OR a.risk > 0"""),
        {"r": run_id},
    )
    parts = []
    for name, (applies, flagged) in INDICATORS.items():
        parts.append(
            f"SELECT '{name}' AS indicator, f.township_code, f.village_code,"
            f" count(*) FILTER (WHERE {applies}) AS households,"
            f" count(*) FILTER (WHERE ({applies}) AND ({flagged})) AS flagged"
            " FROM mart.household_profile f LEFT JOIN tmp_open_alerts a USING (household_id)"
            " GROUP BY f.township_code, f.village_code"
        )
    conn.execute(
        text(f"""
        WITH v AS ({" UNION ALL ".join(parts)})
        INSERT INTO mart.area_indicator (run_id, township_code, village_code, indicator, households, flagged)
        SELECT :r, coalesce(township_code, '?'), coalesce(village_code, '?'), indicator,
            sum(households), sum(flagged)
        FROM v GROUP BY township_code, village_code, indicator
        UNION ALL
        SELECT :r, coalesce(township_code, '?'), '', indicator, sum(households), sum(flagged)
        FROM v GROUP BY township_code, indicator"""),
        {"r": run_id},
    )
    rows = conn.exec_driver_sql("SELECT roster_status, count(*) FROM mart.roster GROUP BY 1").all()
    return {s: int(n) for s, n in rows}
