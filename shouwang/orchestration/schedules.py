"""When each department's ingestion DAG runs, derived from the registry's cadences.

Why these schedules:

* Every run loads whatever is in the landing zone and is idempotent: a file already in the ledger
  is an identical re-send and changes nothing, and a feed with nothing new is skipped. Running more
  often than a feed delivers therefore costs a directory listing, while running less often than it
  delivers makes the county wait. So a department runs at the cadence of its *most frequent* feed
  (the shortest period), not the cadence most of its feeds have: 公安局 delivers 户籍 daily and
  机动车 monthly, so it runs daily.
* ``event`` and ``irregular`` feeds (disaster reports, audit findings) can arrive on any day, so they
  are polled daily.
* ``termly`` (school terms) maps to monthly: term dates move every year and subsidy lists arrive
  at some point within the term, so a monthly poll catches them within a month without a calendar.
* All runs fire at 01:00 China Standard Time (Asia/Shanghai, UTC+8, no daylight saving), after the
  departments' overnight exports and before the working day. The registry does not say on which
  day of the month or quarter a department delivers, so periodic runs fire on the first day of
  the period; a delivery landing later waits for the next run (or a manual trigger).
* The timetable is a ``CronTriggerTimetable`` with an explicit time zone: a run is a point in time
  ("load what has landed"), not a data interval, and the cron is read in Shanghai time whatever the
  Airflow server's default time zone is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk import CronTriggerTimetable

    from shouwang.registry import Feed

TIMEZONE = "Asia/Shanghai"


def _on_failure(context) -> None:
    """Every failed task: recorded in ops.task_failure, notified where configured (notify.py)."""
    from shouwang.orchestration.notify import task_failed

    task_failed(context)


# Every task of every Shouwang DAG: retries with exponential backoff for transient failures.
DEFAULT_ARGS = {
    "owner": "shouwang",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    # A multiplier in Airflow 3.3 (True would mean 1.0, a constant delay): 2, 4, 8 minutes, capped.
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    # A hung connection must not hold a worker slot forever; the largest feed loads in minutes.
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": _on_failure,
}

# The cadences Airflow runs on, shortest period first.
RUN_CADENCES: tuple[str, ...] = ("daily", "weekly", "monthly", "quarterly", "yearly")

# Registry cadences without a run cadence of their own.
_MAPPED = {"event": "daily", "irregular": "daily", "termly": "monthly"}

CRON: dict[str, str] = {
    "daily": "0 1 * * *",  # every day 01:00
    "weekly": "0 1 * * 1",  # Mondays 01:00
    "monthly": "0 1 1 * *",  # 1st of the month 01:00
    "quarterly": "0 1 1 1,4,7,10 *",  # 1 Jan, 1 Apr, 1 Jul, 1 Oct 01:00
    "yearly": "0 1 1 1 *",  # 1 January 01:00
}


def run_cadence(cadence: str) -> str:
    """The cadence Airflow polls a registry cadence at (event/irregular -> daily, termly -> monthly)."""
    mapped = _MAPPED.get(cadence, cadence)
    if mapped not in CRON:
        raise ValueError(f"unknown cadence {cadence!r}")
    return mapped


def department_cadence(feeds: Iterable[Feed]) -> str:
    """A department's run cadence: that of its most frequent feed (the shortest period)."""
    cadences = {run_cadence(f.cadence) for f in feeds}
    if not cadences:
        raise ValueError("a department without feeds has no schedule")
    return min(cadences, key=RUN_CADENCES.index)


def cron_for(cadence: str) -> str:
    """The cron expression (read in Asia/Shanghai) for a registry cadence."""
    return CRON[run_cadence(cadence)]


def timetable_for(cadence: str) -> CronTriggerTimetable:
    """An Airflow timetable firing at the cadence's cron time in Asia/Shanghai."""
    from airflow.sdk import CronTriggerTimetable

    return CronTriggerTimetable(cron_for(cadence), timezone=TIMEZONE)


def department_schedule(feeds: Iterable[Feed]) -> CronTriggerTimetable:
    """The timetable of a department's ingestion DAG."""
    return timetable_for(department_cadence(feeds))
