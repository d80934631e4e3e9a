"""The nightly master chain (``nightly_master``): staged changes -> linkage (-> golden records,
gate and publish as those stages land).

A thin file: the work is in ``shouwang.orchestration.tasks``; nothing heavy is imported here.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from shouwang.orchestration.nightly import CROSSWALK_ASSET, nightly_timetable
from shouwang.orchestration.schedules import DEFAULT_ARGS, TIMEZONE

DOC = """\
### Nightly master chain

02:00 Asia/Shanghai, after the ingestion DAGs. One run at a time.

* `link` — person and household linkage over the staged records (`linkage.run.run_linkage`):
  incremental (only new and changed records are compared; ids are stable), returns counts only and
  publishes the asset `shouwang://linkage/crosswalk`. Trigger with `{"full": true}` to re-link
  everything (same ids on unchanged data).

Linkage is one task, not (yet) mapped over township blocks. On the 450k-household benchmark the
full link takes about 12 minutes on 2 cores, half of it the probabilistic pass over ID-less
records (docs/benchmarks.md); mapping it over townships would need a final cross-township pass
for people who moved and only pays with more workers than this machine has.
"""


@dag(
    dag_id="nightly_master",
    description="Nightly: link staged records to master persons and households",
    doc_md=DOC,
    schedule=nightly_timetable(),
    start_date=pendulum.datetime(2021, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "execution_timeout": timedelta(hours=3)},
    params={"full": False},
    tags=["shouwang", "nightly", "linkage"],
)
def nightly_master():
    @task(outlets=[CROSSWALK_ASSET])
    def link(params: dict | None = None) -> dict:
        """Link staged records (counts only in XCom)."""
        from shouwang.orchestration.tasks import link_records

        return link_records(full=bool((params or {}).get("full", False)))

    link()


nightly_master()
