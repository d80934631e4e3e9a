"""Alert lifecycle: tonight's findings become alerts; township feedback moves them along.

new -> pushed (on a township work list) -> verified (入户核实) -> assisted -> resolved (风险消除).

- A finding whose alert is open (not resolved / closed) raises nothing new: the alert is seen again;
  if its evidence changed while staff handle it, the alert keeps its status and is marked
  `cause_changed`.
- A finding whose last alert was resolved or closed with the same cause (same evidence) raises
  nothing: staff have dealt with exactly this. A changed cause raises a new alert.
- An open alert whose cause is not seen tonight is marked `cause_present = false` (a feed may be
  late or quarantined for one night); an alert nobody has picked up yet (status new) is closed
  after `close_after_absent_runs` runs without its cause.
Every change is written to mart.alert_history.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

STATUSES = ("new", "pushed", "verified", "assisted", "resolved")
CLOSE_AFTER_ABSENT_RUNS = 3


class FeedbackError(ValueError):
    """A status change the lifecycle does not allow (the message says why)."""


def merge_findings(
    conn: Connection, run_id: int, close_after_absent_runs: int = CLOSE_AFTER_ABSENT_RUNS
) -> dict:
    """Apply tmp_finding to mart.alert; returns counts of what happened."""
    p = {"run": run_id}
    # seen again, same cause
    seen = conn.execute(
        text("""
        UPDATE mart.alert a SET last_seen_run = :run, cause_present = true, updated_at = now()
        FROM tmp_finding f
        WHERE a.status NOT IN ('resolved', 'closed') AND a.household_id = f.household_id
          AND a.alert_type = f.alert_type AND a.cause_key = f.cause_key AND a.cause_hash = f.cause_hash
        RETURNING a.alert_id"""),
        p,
    ).rowcount
    # seen again, the cause changed: the alert follows it
    changed = conn.execute(
        text("""
        WITH upd AS (
            UPDATE mart.alert a SET last_seen_run = :run, cause_present = true, cause_hash = f.cause_hash,
                   evidence = f.evidence, detail = f.detail, severity = f.severity, person_id = f.person_id,
                   cause_changed = (a.status <> 'new'), updated_at = now()
            FROM tmp_finding f
            WHERE a.status NOT IN ('resolved', 'closed') AND a.household_id = f.household_id
              AND a.alert_type = f.alert_type AND a.cause_key = f.cause_key AND a.cause_hash <> f.cause_hash
            RETURNING a.alert_id, a.status)
        INSERT INTO mart.alert_history (alert_id, from_status, to_status, event, actor, run_id)
        SELECT alert_id, status, status, 'cause_changed', 'pipeline', :run FROM upd"""),
        p,
    ).rowcount
    # open alerts whose cause is gone tonight
    gone = conn.execute(
        text("""
        WITH upd AS (
            UPDATE mart.alert a SET cause_present = false, updated_at = now()
            WHERE a.status NOT IN ('resolved', 'closed') AND a.cause_present AND NOT EXISTS (
                SELECT 1 FROM tmp_finding f WHERE f.household_id = a.household_id
                  AND f.alert_type = a.alert_type AND f.cause_key = a.cause_key)
            RETURNING a.alert_id, a.status)
        INSERT INTO mart.alert_history (alert_id, from_status, to_status, event, actor, run_id)
        SELECT alert_id, status, status, 'cause_gone', 'pipeline', :run FROM upd"""),
        p,
    ).rowcount
    closed = conn.execute(
        text("""
        WITH upd AS (
            UPDATE mart.alert a SET status = 'closed', closed_run = :run, updated_at = now()
            WHERE a.status = 'new' AND NOT a.cause_present AND :run - a.last_seen_run >= :absent
            RETURNING a.alert_id)
        INSERT INTO mart.alert_history (alert_id, from_status, to_status, event, actor, run_id)
        SELECT alert_id, 'new', 'closed', 'auto_closed', 'pipeline', :run FROM upd"""),
        {**p, "absent": close_after_absent_runs},
    ).rowcount
    # new findings: no open alert for the cause, and not the same cause staff already dealt with
    raised = conn.execute(
        text("""
        WITH new_alerts AS (
            INSERT INTO mart.alert (household_id, alert_type, kind, severity, cause_key, cause_hash,
                person_id,
                                    township_code, village_code, detail, evidence, created_run, last_seen_run)
            SELECT f.household_id, f.alert_type, f.kind, f.severity, f.cause_key, f.cause_hash, f.person_id,
                   h.township_code, h.village_code, f.detail, f.evidence, :run, :run
            FROM tmp_finding f JOIN mart.household_profile h USING (household_id)
            WHERE NOT EXISTS (
                SELECT 1 FROM mart.alert a WHERE a.household_id = f.household_id AND a.alert_type =
                    f.alert_type
                  AND a.cause_key = f.cause_key
                  AND (a.status NOT IN ('resolved', 'closed') OR a.cause_hash = f.cause_hash))
            RETURNING alert_id)
        INSERT INTO mart.alert_history (alert_id, from_status, to_status, event, actor, run_id)
        SELECT alert_id, NULL, 'new', 'raised', 'pipeline', :run FROM new_alerts"""),
        p,
    ).rowcount
    return {
        "raised": raised,
        "seen": seen,
        "cause_changed": changed,
        "cause_gone": gone,
        "auto_closed": closed,
    }


def record_feedback(
    conn: Connection, alert_id: int, status: str, actor: str, note: str | None = None
) -> tuple[str, str]:
    """Move an alert forward (new -> pushed -> verified -> assisted -> resolved); returns
    (from, to). Backward moves and changes to finished alerts are refused."""
    if status not in STATUSES[1:]:
        raise FeedbackError(f"status must be one of {', '.join(STATUSES[1:])}, not {status!r}")
    if not actor or not actor.strip():
        raise FeedbackError("feedback needs who gives it")
    row = conn.execute(
        text("SELECT status FROM mart.alert WHERE alert_id = :a FOR UPDATE"), {"a": alert_id}
    ).one_or_none()
    if row is None:
        raise FeedbackError(f"no alert {alert_id}")
    current = row.status
    if current in ("resolved", "closed"):
        raise FeedbackError(f"alert {alert_id} is {current}: a finished alert does not change")
    if STATUSES.index(status) <= STATUSES.index(current):
        raise FeedbackError(f"alert {alert_id} is {current}: it cannot go back to {status}")
    conn.execute(
        text("""UPDATE mart.alert SET status = :s, updated_at = now(),
                       closed_run = CASE WHEN :s = 'resolved' THEN last_seen_run END
                WHERE alert_id = :a"""),
        {"s": status, "a": alert_id},
    )
    conn.execute(
        text("""INSERT INTO mart.alert_history (alert_id, from_status, to_status, event, note, actor)
                VALUES (:a, :f, :s, 'feedback', :note, :actor)"""),
        {"a": alert_id, "f": current, "s": status, "note": note, "actor": actor.strip()},
    )
    return current, status


def mark_pushed(conn: Connection, alert_ids: list[int], actor: str = "report") -> int:
    """New alerts that went out on a township work list are `pushed`."""
    if not alert_ids:
        return 0
    return conn.execute(
        text("""
        WITH upd AS (
            UPDATE mart.alert SET status = 'pushed', updated_at = now()
            WHERE alert_id = ANY(:ids) AND status = 'new' RETURNING alert_id)
        INSERT INTO mart.alert_history (alert_id, from_status, to_status, event, actor)
        SELECT alert_id, 'new', 'pushed', 'work_list', :actor FROM upd"""),
        {"ids": list(alert_ids), "actor": actor},
    ).rowcount
