"""The monitoring marts (``monitoring_marts``): run whenever a master is published.

A thin file: the work is in ``shouwang.marts`` (via ``shouwang.orchestration.tasks``).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from shouwang.orchestration.nightly import MASTER_ASSET
from shouwang.orchestration.schedules import DEFAULT_ARGS, TIMEZONE

DOC = """\
### Monitoring marts

Scheduled on the published-master asset `shouwang://master/household`: each publish of
`nightly_master` triggers one run. One run at a time.

* `refresh_marts` reads the published master and the departments' current records: income parts
  (`mart.income_item`), the household profile (`mart.household_profile`), the early-warning
  rules and verification signals of `shouwang/marts/alert_rules.yaml` into `mart.alert` (one
  alert per cause, kept over nights, lifecycle in `mart.alert_history`), the roster
  (`mart.roster`), township / village indicators (`mart.area_indicator`) and the comparison with
  the previous run (`mart.run_change`). One transaction: a failed run leaves yesterday's marts.
* `write_reports` writes the HTML run report, the township / village summary and one XLSX work
  list per township to `$SHOUWANG_HOME/reports`; alerts going out for the first time become
  `pushed`.
"""


DAG_ID = "monitoring_marts"


@dag(
    dag_id=DAG_ID,
    description="Profiles, alerts, roster, comparison and township reports on each published master",
    doc_md=DOC,
    schedule=[MASTER_ASSET],
    start_date=pendulum.datetime(2021, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["shouwang", "nightly", "marts", "alerts"],
)
def monitoring_marts():
    @task
    def refresh_marts(run_id: str | None = None) -> dict:
        """Profile, alerts, roster and comparison from the published master (counts in XCom)."""
        from shouwang.orchestration.tasks import recorded, refresh_marts

        return recorded(DAG_ID, run_id, "marts", refresh_marts)

    @task
    def write_reports(refreshed: dict, run_id: str | None = None) -> dict:
        """HTML report, township work lists and summary of the run (file counts in XCom)."""
        from shouwang.orchestration.tasks import finish_recorded_run, recorded, write_marts_reports

        written = recorded(DAG_ID, run_id, "reports", write_marts_reports, refreshed["marts_run"])
        finish_recorded_run(DAG_ID, run_id, "succeeded", {"as_of": refreshed["as_of"]})
        return written

    write_reports(refresh_marts())


monitoring_marts()
