"""Alert exports for other systems and the CLI (ids, types and figures; no personal data)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Connection, text

COLUMNS = [
    "household_id",
    "alert_type",
    "severity",
    "created_run",
    "alert_id",
    "kind",
    "status",
    "township_code",
    "village_code",
    "detail",
    "evidence_records",
    "last_seen_run",
    "cause_present",
    "cause_changed",
]


def export_alerts(conn: Connection, path: Path, include_finished: bool = False) -> int:
    """Write alerts as CSV (open ones, or all with include_finished); returns the row count.

    The evidence is counted, not listed: some departments' record keys embed ID numbers.
    """
    where = "TRUE" if include_finished else "status NOT IN ('resolved', 'closed')"
    rows = conn.execute(
        text(f"""SELECT household_id, alert_type, severity, created_run, alert_id, kind, status,
            township_code,
                        village_code, detail, jsonb_array_length(evidence), last_seen_run, cause_present,
                        cause_changed
                 FROM mart.alert WHERE {where} ORDER BY alert_id""")
    ).all()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(rows)
    return len(rows)


def open_alerts(conn: Connection, township: str | None = None, limit: int = 50) -> list:
    """Open alerts, most severe and oldest first."""
    return conn.execute(
        text("""SELECT alert_id, household_id, township_code, alert_type, severity, status, detail
                FROM mart.alert
                WHERE status NOT IN ('resolved', 'closed') AND (CAST(:t AS text) IS NULL OR
                    township_code = :t)
                ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, alert_id
                LIMIT :n"""),
        {"t": township, "n": limit},
    ).all()
