"""What the nightly master chain is made of, for the DAG and for tests: schedule and assets.

02:00 Asia/Shanghai, an hour after the ingestion DAGs (01:00): by then the night's deliveries
are staged. Later stages (golden records, quality gate, publish) join this chain as their issues
land; the crosswalk asset is what they are scheduled on.
"""

from __future__ import annotations

from airflow.sdk import Asset

from shouwang.orchestration.schedules import TIMEZONE

NIGHTLY_CRON = "0 2 * * *"
CROSSWALK_ASSET = Asset(uri="shouwang://linkage/crosswalk", name="linkage_crosswalk")


def nightly_timetable():
    from airflow.sdk import CronTriggerTimetable

    return CronTriggerTimetable(NIGHTLY_CRON, timezone=TIMEZONE)
