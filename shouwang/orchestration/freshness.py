"""Which feeds are late: the last good delivery is older than the feed's cadence allows.

The night waits a bounded time for late feeds (`SHOUWANG_LATE_FEED_WAIT_MINUTES`, default 120), then
goes ahead with the last good data of those feeds; they are named as stale in the run report.
Event and irregular feeds (disasters, audit findings) have no due date and are never late.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from sqlalchemy import Engine

#: days a cadence allows between two deliveries (the registry's cadences; None: no due date)
PERIOD_DAYS: dict[str, int | None] = {
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "termly": 183,
    "quarterly": 92,
    "yearly": 366,
    "event": None,
    "irregular": None,
}
GRACE_DAYS = 1  # a daily feed extracted yesterday is on time tonight


@dataclass(frozen=True)
class Freshness:
    feed_id: str
    cadence: str
    last_extract: dt.date | None
    age_days: int | None
    stale: bool


def wait_minutes() -> int:
    return int(os.environ.get("SHOUWANG_LATE_FEED_WAIT_MINUTES", "120"))


def feed_freshness(engine: Engine, as_of: dt.date) -> list[Freshness]:
    """Every registry feed with its last good (loaded) delivery and whether it is late on as_of."""
    from shouwang.registry import load_registry

    with engine.connect() as conn:
        last = dict(
            conn.exec_driver_sql(
                """SELECT feed_id, max(extract_date) FROM raw.delivery
                   WHERE status IN ('loaded', 'superseded') AND extract_date <= %(d)s GROUP BY feed_id""",
                {"d": as_of},
            ).all()
        )
    out = []
    for feed in load_registry():
        period = PERIOD_DAYS.get(feed.cadence)
        seen = last.get(feed.feed_id)
        age = (as_of - seen).days if seen else None
        stale = period is not None and (seen is None or age > period + GRACE_DAYS - 1)
        out.append(Freshness(feed.feed_id, feed.cadence, seen, age, stale))
    return out


def stale_feeds(engine: Engine, as_of: dt.date) -> list[str]:
    return sorted(f.feed_id for f in feed_freshness(engine, as_of) if f.stale)
