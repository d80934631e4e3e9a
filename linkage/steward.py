"""What stewards and other systems do with linkage results: review, explain, export.

No personal data goes to logs; `explain` and `review list` print to the operator's own terminal,
and show ID numbers masked.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection

from linkage.db import frame


def mask_id(value: str | None) -> str | None:
    """411328********1234: enough to tell records apart at a glance, not enough to use."""
    if not value:
        return value
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def review_items(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """Open review items, most probable first."""
    return frame(
        conn,
        "SELECT item_id, left_feed_id, left_record_key, right_feed_id, right_record_key,"
        " round(probability::numeric, 4) AS probability, reason, evidence"
        " FROM linkage.review_queue ORDER BY probability DESC, item_id LIMIT %(n)s",
        {"n": limit},
    )


def decide(conn: Connection, item_id: int, decision: str, steward: str, note: str | None = None) -> None:
    """Record a steward's match / non_match on a queue item; it holds in every later run."""
    if decision not in ("match", "non_match"):
        raise ValueError("decision must be 'match' or 'non_match'")
    row = conn.exec_driver_sql(
        "DELETE FROM linkage.review_queue WHERE item_id = %(i)s"
        " RETURNING left_feed_id, left_record_key, right_feed_id, right_record_key",
        {"i": item_id},
    ).first()
    if row is None:
        raise KeyError(f"no open review item {item_id}")
    conn.exec_driver_sql(
        """INSERT INTO linkage.steward_decision (left_feed_id, left_record_key, right_feed_id,
                                                 right_record_key,
                                                 decision, decided_by, note)
           VALUES (%(a)s, %(b)s, %(c)s, %(d)s, %(x)s, %(s)s, %(n)s)
           ON CONFLICT (left_feed_id, left_record_key, right_feed_id, right_record_key)
           DO UPDATE SET decision = EXCLUDED.decision, decided_by = EXCLUDED.decided_by,
                         decided_at = now(), note = EXCLUDED.note""",
        {"a": row[0], "b": row[1], "c": row[2], "d": row[3], "x": decision, "s": steward, "n": note},
    )


def resolve_person_id(conn: Connection, person_id: str) -> str | None:
    """The id a (possibly retired) person id lives on as."""
    return conn.exec_driver_sql("SELECT linkage.current_person_id(%(p)s)", {"p": person_id}).scalar()


def explain(conn: Connection, person_id: str) -> dict:
    """A person's records and, for each probabilistic link, the per-field weights that made it."""
    current = resolve_person_id(conn, person_id)
    if current is None:
        raise KeyError(f"unknown person id {person_id}")
    records = frame(
        conn,
        """SELECT c.dept, c.feed, c.record_key, c.method, round(c.score::numeric, 4) AS score,
                  r.id_status, r.id_digits, r.name, r.birth_date, r.village_code, c.household_id,
                  e.to_feed_id, e.to_record_key, e.weight, e.evidence
           FROM linkage.crosswalk c JOIN linkage.record r USING (feed_id, record_key)
           LEFT JOIN linkage.link_evidence e USING (feed_id, record_key)
           WHERE c.person_id = %(p)s ORDER BY c.method, c.feed_id, c.record_key""",
        {"p": current},
    )
    records["id_digits"] = records["id_digits"].map(mask_id)
    events = frame(
        conn,
        "SELECT run_id, kind, old_id, new_id, records FROM linkage.id_event"
        " WHERE entity = 'person' AND (old_id = %(p)s OR new_id = %(p)s) ORDER BY event_id",
        {"p": current},
    )
    return {"asked": person_id, "person_id": current, "records": records, "events": events}


def export_xref(conn: Connection, path: Path) -> int:
    """dept, feed, record_key, person_id, household_id for every staged record about a person."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with (
        path.open("w", newline="", encoding="utf-8") as fh,
        conn.connection.dbapi_connection.cursor(name="xref_export") as cur,
    ):
        cur.itersize = 100_000
        cur.execute(
            "SELECT dept, feed, record_key, person_id, household_id FROM linkage.crosswalk"
            " ORDER BY dept, feed, record_key"
        )
        writer = csv.writer(fh)
        writer.writerow(["dept", "feed", "record_key", "person_id", "household_id"])
        for row in cur:
            writer.writerow(row)
            n += 1
    return n
