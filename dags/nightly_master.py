"""The nightly master chain (``nightly_master``): staged changes -> linkage -> golden records ->
quality gate -> publish.

A thin file: the work is in ``shouwang.orchestration.tasks``; nothing heavy is imported here.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from shouwang.orchestration.nightly import CROSSWALK_ASSET, MASTER_ASSET, nightly_timetable
from shouwang.orchestration.schedules import DEFAULT_ARGS, TIMEZONE

DOC = """\
### Nightly master chain

02:00 Asia/Shanghai, after the ingestion DAGs. One run at a time.

Person and household linkage over the staged records (`linkage.blocks`), incremental (only new
and changed records are compared; ids are stable). Trigger with `{"full": true}` to re-link
everything (same ids on unchanged data).

* `wait_for_feeds` waits a bounded time (`SHOUWANG_LATE_FEED_WAIT_MINUTES`, default 120) for feeds
  whose last good delivery is older than their cadence allows, then goes ahead with their last good
  data; they are named as stale in the run record (`shouwang status`);
* `validate_feeds` runs the suites of `expectations/feeds/` on every feed that received a
  delivery: a failing feed is quarantined for the night (its delivery leaves staging, the last
  good data stays); a failing critical feed (huji, jiance) fails the run here;
* `prepare_linkage` refreshes the linkage records and profiles, trains or loads the model and
  splits tonight's records without a usable ID into township blocks (`SHOUWANG_LINK_BLOCKS`,
  default 4, whole townships balanced by record count);
* `score_block` is mapped over the blocks: each scores its records against the profiles of
  the whole county (people who moved are still found by phone, name and birth date, ID
  fragments), in parallel on as many Celery workers as there are;
* `finish_linkage` is the cross-township pass: decisions with the county-wide prior, records
  placed nowhere grouped among themselves across townships, stable ids, households and the
  crosswalk, in one transaction; it publishes the asset `shouwang://linkage/crosswalk`.

Then the master: `build_golden` chooses each attribute's value by the survivorship rules
(`shouwang/master/survivorship.yaml`) into `master_candidate`; `validate_master` runs the GX
suites of `expectations/master/` (results in `ops.quality_result`, Data Docs in
`$SHOUWANG_HOME/gx`) and fails when a critical expectation fails, so the published master stays
as it was; `publish_master` applies the candidate to the history tables in one transaction and
publishes the asset `shouwang://master/household`.

XCom carries the run id, block numbers and counts only; what passes between the tasks is in
`linkage.run_block` / `linkage.block_candidate`. A block retried replaces its rows; a run
prepared and never finished makes the next one a full re-link.
"""


DAG_ID = "nightly_master"


@dag(
    dag_id=DAG_ID,
    description="Nightly: link staged records, build golden records, gate and publish the master",
    doc_md=DOC,
    schedule=nightly_timetable(),
    start_date=pendulum.datetime(2021, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "execution_timeout": timedelta(hours=3)},
    params={"full": False, "as_of": None},
    tags=["shouwang", "nightly", "linkage", "master"],
)
def nightly_master():
    @task.sensor(poke_interval=600, timeout=6 * 3600, mode="reschedule")
    def wait_for_feeds(dag_run=None):
        """Wait a bounded time for late feeds, then go ahead (stale feeds named in XCom)."""
        from airflow.sdk.bases.sensor import PokeReturnValue

        from shouwang.orchestration.tasks import wait_for_feeds

        done, result = wait_for_feeds(getattr(dag_run, "start_date", None))
        return PokeReturnValue(is_done=done, xcom_value=result)

    @task
    def validate_feeds(freshness: dict, run_id: str | None = None) -> dict:
        """Feed suites on tonight's deliveries: failing feeds quarantined; a critical one stops the night."""
        from shouwang.orchestration.tasks import recorded, validate_feeds

        return {**recorded(DAG_ID, run_id, "feed_gate", validate_feeds), "stale": freshness["stale"]}

    @task
    def prepare_linkage(checked: dict, params: dict | None = None, run_id: str | None = None) -> list[dict]:
        """Refresh records and profiles, plan township blocks: one {link_run, block} per block."""
        from shouwang.orchestration.tasks import prepare_linkage, recorded

        plan = recorded(
            DAG_ID, run_id, "prepare_linkage", prepare_linkage, full=bool((params or {}).get("full", False))
        )
        return [{"link_run": plan["run_id"], "block": b} for b in plan["blocks"]]

    @task
    def score_block(link_run: int, block: int) -> dict:
        """Score one township block's records against the county's profiles (counts in XCom)."""
        from shouwang.orchestration.tasks import score_linkage_block

        return score_linkage_block(link_run, block)

    @task(outlets=[CROSSWALK_ASSET])
    def finish_linkage(scored: list[dict], run_id: str | None = None) -> dict:
        """Cross-township pass, ids, households and crosswalk (counts in XCom)."""
        from shouwang.orchestration.tasks import finish_linkage, recorded

        # by index: iterating Airflow's lazy sequence of mapped results asks for one more than
        # there are and logs that miss as an error ("XCom not found ... offset=N")
        runs = {scored[i]["run_id"] for i in range(len(scored))}
        if len(runs) != 1:
            raise RuntimeError(f"the scored blocks belong to linkage runs {sorted(runs)}, not one")
        return recorded(DAG_ID, run_id, "finish_linkage", finish_linkage, runs.pop())

    @task
    def build_golden(linked: dict, params: dict | None = None, run_id: str | None = None) -> dict:
        """Golden records into master_candidate (as-of date and counts in XCom)."""
        from shouwang.orchestration.tasks import build_golden, recorded

        return recorded(DAG_ID, run_id, "build_golden", build_golden, (params or {}).get("as_of"))

    @task
    def validate_master(built: dict, run_id: str | None = None) -> dict:
        """The quality gate; fails when a critical expectation fails (the master stays)."""
        from shouwang.orchestration.tasks import recorded, validate_master

        return recorded(DAG_ID, run_id, "validate_master", validate_master, built["as_of"])

    @task(outlets=[MASTER_ASSET])
    def publish_master(gate: dict, freshness: dict, run_id: str | None = None) -> dict:
        """Publish the validated candidate in one transaction."""
        from shouwang.orchestration.tasks import finish_recorded_run, publish_master, recorded

        published = recorded(
            DAG_ID, run_id, "publish_master", publish_master, gate["gate_run_id"], gate["as_of"]
        )
        finish_recorded_run(
            DAG_ID, run_id, "succeeded", {"as_of": gate["as_of"], "stale": freshness["stale"]}
        )
        return published

    # "run_id" is Airflow's own context name: the linkage run travels as link_run
    freshness = wait_for_feeds()
    linked = finish_linkage(score_block.expand_kwargs(prepare_linkage(validate_feeds(freshness))))
    publish_master(validate_master(build_golden(linked)), freshness)


nightly_master()
