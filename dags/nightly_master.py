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


@dag(
    dag_id="nightly_master",
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
    @task
    def validate_feeds() -> dict:
        """Feed suites on tonight's deliveries: failing feeds quarantined; a critical one stops the night."""
        from shouwang.orchestration.tasks import validate_feeds

        return validate_feeds()

    @task
    def prepare_linkage(checked: dict, params: dict | None = None) -> list[dict]:
        """Refresh records and profiles, plan township blocks: one {link_run, block} per block."""
        from shouwang.orchestration.tasks import prepare_linkage

        plan = prepare_linkage(full=bool((params or {}).get("full", False)))
        return [{"link_run": plan["run_id"], "block": b} for b in plan["blocks"]]

    @task
    def score_block(link_run: int, block: int) -> dict:
        """Score one township block's records against the county's profiles (counts in XCom)."""
        from shouwang.orchestration.tasks import score_linkage_block

        return score_linkage_block(link_run, block)

    @task(outlets=[CROSSWALK_ASSET])
    def finish_linkage(scored: list[dict]) -> dict:
        """Cross-township pass, ids, households and crosswalk (counts in XCom)."""
        from shouwang.orchestration.tasks import finish_linkage

        runs = {s["run_id"] for s in scored}
        if len(runs) != 1:
            raise RuntimeError(f"the scored blocks belong to linkage runs {sorted(runs)}, not one")
        return finish_linkage(runs.pop())

    @task
    def build_golden(linked: dict, params: dict | None = None) -> dict:
        """Golden records into master_candidate (as-of date and counts in XCom)."""
        from shouwang.orchestration.tasks import build_golden

        return build_golden((params or {}).get("as_of"))

    @task
    def validate_master(built: dict) -> dict:
        """The quality gate; fails when a critical expectation fails (the master stays)."""
        from shouwang.orchestration.tasks import validate_master

        return validate_master(built["as_of"])

    @task(outlets=[MASTER_ASSET])
    def publish_master(gate: dict) -> dict:
        """Publish the validated candidate in one transaction."""
        from shouwang.orchestration.tasks import publish_master

        return publish_master(gate["gate_run_id"], gate["as_of"])

    # "run_id" is Airflow's own context name: the linkage run travels as link_run
    linked = finish_linkage(score_block.expand_kwargs(prepare_linkage(validate_feeds())))
    publish_master(validate_master(build_golden(linked)))


nightly_master()
