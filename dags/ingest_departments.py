"""Ingestion DAGs: one per department (``ingest_<dept>``), generated from the feed registry.

Kept cheap to parse (the dag-processor re-reads this file every few minutes): only airflow.sdk,
pendulum and the registry (PyYAML) are imported here; the loading code and its pandas/SQLAlchemy
imports are imported inside the task when it runs.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from shouwang.orchestration.assets import feed_asset
from shouwang.orchestration.schedules import (
    DEFAULT_ARGS,
    TIMEZONE,
    department_cadence,
    department_schedule,
    run_cadence,
)
from shouwang.registry import Feed, load_registry

START_DATE = pendulum.datetime(2021, 1, 1, tz=TIMEZONE)

DAG_DOC = """\
### Ingest {dept_name} ({dept})

Loads the department's deliveries from the landing zone (`$SHOUWANG_LANDING_DIR/{dept}/`, default
`$SHOUWANG_HOME/landing/{dept}/`) into the warehouse: each file is archived, recorded in the ledger
(`raw.delivery`), read, standardised and applied to its feed's staging tables; rows that fail their
contract go to `quarantine.row`.

Runs **{cadence}** at 01:00 Asia/Shanghai, the cadence of the department's most frequent feed
(event and irregular feeds are polled daily, termly feeds monthly). Every run is idempotent: a file
already loaded is an identical re-send and changes nothing.

One task per feed. A task

* **succeeds** when staging changed, returns the counts (files, rows loaded, quarantined,
  duplicate, new, changed, removed, rejected files; never data) and emits an asset event on
  `shouwang://staging/<feed_id>`, which is what downstream DAGs are scheduled on;
* is **skipped** when nothing changed (no file, only re-sends, or only rejected files): no asset
  event, nothing downstream runs;
* **fails and retries** (3 times, 2 to 30 minutes apart) when a delivery could not be loaded for an
  infrastructure reason. A retry never skips, so changes applied before the failure are announced.

A rejected file (bad input) does not fail the task: it is recorded in `raw.delivery` with its
problems and counted in the task's result; the department is asked to re-send it.

| task | feed | cadence | mode | asset |
|---|---|---|---|---|
{rows}
"""


def _load(feed_id: str) -> dict:
    """Load one feed's deliveries from the landing zone into staging; returns counts only."""
    from shouwang.orchestration.tasks import load_feed

    ti = get_current_context()["ti"]
    return load_feed(feed_id, skip_if_unchanged=ti.try_number <= 1)


def build_department_dag(dept: str, feeds: list[Feed]):
    """The ingestion DAG of one department."""
    rows = "\n".join(
        f"| `load_{f.feed}` | {f.title} (`{f.feed_id}`) | {f.cadence} | {f.mode} "
        f"| `{feed_asset(f.feed_id).uri}` |"
        for f in feeds
    )

    @dag(
        dag_id=f"ingest_{dept}",
        description=f"Load {feeds[0].dept_name} deliveries from the landing zone into staging",
        doc_md=DAG_DOC.format(dept=dept, dept_name=feeds[0].dept_name, cadence=department_cadence(feeds),
                              rows=rows),
        schedule=department_schedule(feeds),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["shouwang", "ingest", dept],
    )
    def ingest():
        for f in feeds:
            load = task(
                _load,
                task_id=f"load_{f.feed}",
                outlets=[feed_asset(f.feed_id)],
                doc_md=(
                    f"Load `{f.feed_id}` ({f.title}, {f.format}, {f.mode}, delivered {f.cadence}; polled "
                    f"{run_cadence(f.cadence)}) from `<landing>/{f.dept}/{f.feed}_<YYYYMMDD>.{f.extension}`."
                ),
            )
            load(f.feed_id)

    return ingest()


def _departments() -> dict[str, list[Feed]]:
    by_dept: dict[str, list[Feed]] = {}
    for f in load_registry():
        by_dept.setdefault(f.dept, []).append(f)
    return by_dept


for _dept, _feeds in _departments().items():
    globals()[f"ingest_{_dept}"] = build_department_dag(_dept, _feeds)
