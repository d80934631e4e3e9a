"""Housekeeping: archive retention and VACUUM / ANALYZE of the large tables.

Archive retention (`SHOUWANG_ARCHIVE_RETENTION_DAYS`, default 1,830: five years, the transition
period and then some): archived files of deliveries older than that are removed, except each feed's
newest loaded delivery (a feed's last good state can always be replayed). The ledger row stays,
with `archive_removed_at` set. A late delivery older than the retention can no longer be slotted in
by replay; the loader then says so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

#: the large tables that change every night (staging tables are added from the registry)
LARGE_TABLES = (
    "raw.delivery",
    "quarantine.row",
    "staging.change_log",
    "linkage.record",
    "linkage.profile",
    "linkage.crosswalk",
    "linkage.link_evidence",
    "linkage.membership",
    "master.person_history",
    "master.household_history",
    "master.membership_history",
    "mart.household_profile",
    "mart.income_item",
    "mart.income_history",
    "mart.alert",
    "mart.alert_history",
)


def retention_days() -> int:
    return int(os.environ.get("SHOUWANG_ARCHIVE_RETENTION_DAYS", "1830"))


def prune_archive(engine: Engine, older_than_days: int | None = None, today: dt.date | None = None) -> dict:
    """Remove archived files past retention (never a feed's newest loaded delivery); counts only."""
    days = retention_days() if older_than_days is None else older_than_days
    cutoff = (today or dt.date.today()) - dt.timedelta(days=days)
    with engine.begin() as conn:
        rows = conn.execute(
            text("""
            SELECT d.delivery_id, d.archive_path FROM raw.delivery d
            WHERE d.archive_removed_at IS NULL AND d.arrived_at::date < :cutoff
              AND d.delivery_id <> coalesce((SELECT max(n.delivery_id) FROM raw.delivery n
                                             WHERE n.feed_id = d.feed_id AND n.status = 'loaded'), -1)
            FOR UPDATE"""),
            {"cutoff": cutoff},
        ).all()
        still_used = {
            p
            for (p,) in conn.execute(
                text("""SELECT archive_path FROM raw.delivery
                        WHERE archive_removed_at IS NULL AND NOT (delivery_id = ANY(:ids))"""),
                {"ids": [r.delivery_id for r in rows]},
            )
        }
        removed = 0
        for r in rows:
            path = Path(r.archive_path)
            if (
                r.archive_path not in still_used and path.exists()
            ):  # the same bytes may serve another delivery
                path.chmod(0o644)
                path.unlink()
                removed += 1
        conn.execute(
            text("UPDATE raw.delivery SET archive_removed_at = now() WHERE delivery_id = ANY(:ids)"),
            {"ids": [r.delivery_id for r in rows]},
        )
    log.info("archive retention (%s days): %s deliveries past it, %s files removed", days, len(rows), removed)
    return {"retention_days": days, "deliveries": len(rows), "files_removed": removed}


def vacuum_analyze(engine: Engine) -> dict:
    """VACUUM (ANALYZE) the large tables and every feed's staging table (outside a transaction)."""
    from shouwang.registry import load_registry

    tables = list(LARGE_TABLES) + [f"staging.{f.feed_id}" for f in load_registry()]
    done = 0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar()
            if exists:
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
                done += 1
    log.info("vacuum/analyze: %s tables", done)
    return {"tables": done}
