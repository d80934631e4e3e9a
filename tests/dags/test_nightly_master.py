"""The nightly master DAG: its shape, and a real dag.test() run of linkage on the shared samples."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text

from tests.conftest import SAMPLES
from tests.dags.test_dag_run import _run, _xcom

pytestmark = pytest.mark.airflow


def test_nightly_master_shape(dagbag):
    from airflow.sdk import CronTriggerTimetable

    dag = dagbag.dags["nightly_master"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 2 * * *" and str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.max_active_runs == 1 and dag.catchup is False
    (link,) = dag.tasks
    assert link.task_id == "link"
    assert [o.uri for o in link.outlets] == ["shouwang://linkage/crosswalk"]


def test_nightly_master_links_the_staged_samples(airflow_db, dagbag, db_url, engine):
    from airflow.utils.state import DagRunState, TaskInstanceState

    from shouwang.ingest import ingest_landing

    ingest_landing(SAMPLES, database_url=db_url, workers=1)
    dag = copy.deepcopy(dagbag.dags["nightly_master"])
    for t in dag.tasks:
        t.retries = 0
    dr, states = _run(dag)
    assert dr.state == DagRunState.SUCCESS, states
    assert states == {"link": TaskInstanceState.SUCCESS}
    counts = _xcom(dag.dag_id, dr.run_id, "link")
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM linkage.record")).scalar_one()
        xref = conn.execute(text("SELECT count(*) FROM linkage.crosswalk")).scalar_one()
    assert records > 0 and xref == records == counts["records"]
    # XCom carries counts, never data
    assert set(counts) >= {"run_id", "mode", "records", "master_persons", "master_households"}
    assert all(not isinstance(v, str) or len(v) < 20 for v in counts.values())
    # a second night with nothing new keeps every id
    dr2, states2 = _run(dag)
    assert dr2.state == DagRunState.SUCCESS
    again = _xcom(dag.dag_id, dr2.run_id, "link")
    assert again["mode"] == "incremental" and again["person_ids"]["new"] == 0
