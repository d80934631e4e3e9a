"""The nightly comparison: what changed since the previous marts run, stored per run.

Alerts raised and closed tonight, households entering or leaving risk (an open risk alert whose
cause is present), and master changes between the two published versions the runs read: new
persons, deaths, moves between households, and merges / splits of master ids. Rows carry ids only.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from shouwang.marts.sources import analyze


def _current_at(alias: str) -> str:
    """The history row of `alias` that was current in published version :v."""
    return (
        f"{alias}.published_version <= :v"
        f" AND ({alias}.retired_version IS NULL OR {alias}.retired_version > :v)"
    )


def compare_runs(conn: Connection, run_id: int) -> dict[str, int]:
    """Write mart.run_change for run_id; returns counts per change."""
    prev = conn.execute(
        text("""SELECT run_id, master_version, started_at FROM mart.run
                WHERE run_id < :r AND status = 'done' ORDER BY run_id DESC LIMIT 1"""),
        {"r": run_id},
    ).one_or_none()
    cur_v = conn.execute(
        text("SELECT master_version FROM mart.run WHERE run_id = :r"), {"r": run_id}
    ).scalar_one()
    p = {"r": run_id}
    ins = "INSERT INTO mart.run_change (run_id, change, entity_id, household_id, detail) "
    conn.execute(
        text(
            ins
            + """SELECT :r, 'alert_new', alert_id::text, household_id, alert_type
                      FROM mart.alert WHERE created_run = :r"""
        ),
        p,
    )
    conn.execute(
        text(
            ins
            + """SELECT :r, 'alert_closed', alert_id::text, household_id, alert_type
                      FROM mart.alert WHERE status = 'closed' AND closed_run = :r"""
        ),
        p,
    )
    # risk state: entered / left
    conn.exec_driver_sql(
        """CREATE TEMP TABLE tmp_at_risk ON COMMIT DROP AS
           SELECT DISTINCT household_id FROM mart.alert
           WHERE kind = 'risk' AND status NOT IN ('resolved', 'closed') AND cause_present"""
    )
    analyze(conn, "tmp_at_risk")
    conn.execute(
        text(
            ins
            + """SELECT :r, 'entered_risk', t.household_id, t.household_id, NULL FROM tmp_at_risk t
                      LEFT JOIN mart.risk_state s USING (household_id)
                      WHERE s.household_id IS NULL OR NOT s.at_risk"""
        ),
        p,
    )
    conn.execute(
        text(
            ins
            + """SELECT :r, 'left_risk', s.household_id, s.household_id, NULL FROM mart.risk_state s
                      WHERE s.at_risk AND NOT EXISTS (SELECT 1 FROM tmp_at_risk t WHERE t.household_id
                          = s.household_id)"""
        ),
        p,
    )
    conn.execute(
        text("""
        INSERT INTO mart.risk_state (household_id, at_risk, since_run)
        SELECT household_id, true, :r FROM tmp_at_risk
        ON CONFLICT (household_id) DO UPDATE SET at_risk = true,
            since_run = CASE WHEN mart.risk_state.at_risk THEN mart.risk_state.since_run ELSE :r END"""),
        p,
    )
    conn.execute(
        text("""UPDATE mart.risk_state s SET at_risk = false, since_run = :r
                WHERE s.at_risk AND NOT EXISTS (SELECT 1 FROM tmp_at_risk t WHERE t.household_id =
                    s.household_id)"""),
        p,
    )
    # master changes between the versions the two runs read (none on the first run: it is the baseline)
    if (
        prev is not None
        and prev.master_version is not None
        and cur_v is not None
        and cur_v != prev.master_version
    ):
        q = {"r": run_id, "v": prev.master_version, "cur": cur_v}
        conn.execute(
            text(
                ins
                + f"""
            SELECT :r, 'person_new', n.person_id, m.household_id, NULL
            FROM master.person n LEFT JOIN master.membership m USING (person_id)
            WHERE n.published_version > :v
              AND NOT EXISTS (SELECT 1 FROM master.person_history o WHERE o.person_id = n.person_id AND
                  {_current_at("o")})"""
            ),
            q,
        )
        conn.execute(
            text(
                ins
                + f"""
            SELECT :r, 'person_died', n.person_id, m.household_id, n.death_date::text
            FROM master.person n JOIN master.person_history o
                 ON o.person_id = n.person_id AND {_current_at("o")}
            LEFT JOIN master.membership m ON m.person_id = n.person_id
            WHERE n.published_version > :v AND n.death_date IS NOT NULL AND o.death_date IS NULL"""
            ),
            q,
        )
        conn.execute(
            text(
                ins
                + f"""
            SELECT :r, 'person_moved', n.person_id, n.household_id, 'from ' || o.household_id
            FROM master.membership n JOIN master.membership_history o
                 ON o.person_id = n.person_id AND {_current_at("o")}
            WHERE n.published_version > :v AND o.household_id <> n.household_id"""
            ),
            q,
        )
        conn.execute(
            text(
                ins
                + """
            SELECT :r, e.entity || '_' || CASE e.kind WHEN 'merge' THEN 'merged' ELSE 'split' END,
                   coalesce(e.old_id, e.new_id), NULL, coalesce(e.old_id, '') || ' -> ' ||
                       coalesce(e.new_id, '')
            FROM linkage.id_event e
            WHERE e.kind IN ('merge', 'split') AND e.at > :since"""
            ),
            {"r": run_id, "since": prev.started_at},
        )
    rows = conn.execute(
        text("SELECT change, count(*) FROM mart.run_change WHERE run_id = :r GROUP BY change"), p
    ).all()
    return {c: int(n) for c, n in rows}
