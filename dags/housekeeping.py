"""Housekeeping (``housekeeping``): archive retention and VACUUM / ANALYZE of the large tables.

A thin file: the work is in ``shouwang.orchestration.housekeeping``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task

from shouwang.orchestration.schedules import DEFAULT_ARGS, TIMEZONE

DOC = """\
### Housekeeping

Sundays 04:00 Asia/Shanghai, after the night's chain.

* `prune_archive` removes archived delivery files older than `SHOUWANG_ARCHIVE_RETENTION_DAYS`
  (default 1,830) except each feed's newest loaded delivery; the ledger keeps the row
  (`raw.delivery.archive_removed_at`).
* `vacuum_analyze` runs `VACUUM (ANALYZE)` on the staging, linkage, master and mart tables that
  change every night, so the planner's statistics follow the data.
"""


@dag(
    dag_id="housekeeping",
    description="Archive retention and VACUUM / ANALYZE of the large tables",
    doc_md=DOC,
    schedule=CronTriggerTimetable("0 4 * * 0", timezone=TIMEZONE),
    start_date=pendulum.datetime(2021, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["shouwang", "housekeeping"],
)
def housekeeping():
    @task
    def prune_archive() -> dict:
        """Remove archived files past retention (counts in XCom)."""
        from shouwang.db import get_engine
        from shouwang.orchestration.housekeeping import prune_archive

        return prune_archive(get_engine())

    @task
    def vacuum_analyze() -> dict:
        """VACUUM (ANALYZE) the large tables (count in XCom)."""
        from shouwang.db import get_engine
        from shouwang.orchestration.housekeeping import vacuum_analyze

        return vacuum_analyze(get_engine())

    prune_archive() >> vacuum_analyze()


housekeeping()
