"""What the nightly master chain is made of, for the DAG and for tests: schedule and assets.

02:00 Asia/Shanghai, an hour after the ingestion DAGs (01:00): by then the night's deliveries
are staged. Linkage, then golden records, the quality gate and the publish; the published-master
asset is what the marts are scheduled on.
"""

from __future__ import annotations

from airflow.sdk import Asset

from shouwang.orchestration.schedules import TIMEZONE

NIGHTLY_CRON = "0 2 * * *"
CROSSWALK_ASSET = Asset(uri="shouwang://linkage/crosswalk", name="linkage_crosswalk")
# The published master household table (and its persons and memberships): marts run on it.
MASTER_ASSET = Asset(uri="shouwang://master/household", name="master_household")


def nightly_timetable():
    from airflow.sdk import CronTriggerTimetable

    return CronTriggerTimetable(NIGHTLY_CRON, timezone=TIMEZONE)
