"""A real run of `ingest_gongan` through Airflow (dag.test()) against the test PostgreSQL warehouse."""

from __future__ import annotations

import copy
import shutil

import pytest
from sqlalchemy import text

from tests.conftest import SAMPLES

pytestmark = pytest.mark.airflow


@pytest.fixture
def landing(tmp_path, monkeypatch):
    target = tmp_path / "landing"
    for dept in ("gongan", "minzheng"):  # minzheng is there to show the DAG loads only its department
        shutil.copytree(SAMPLES / dept, target / dept)
    monkeypatch.setenv("SHOUWANG_LANDING_DIR", str(target))
    return target


@pytest.fixture
def gongan_dag(dagbag):
    """`ingest_gongan` without retries: dag.test() would otherwise wait out the real retry delays
    (2 + 4 + 8 minutes) before reporting a failure. A copy, so the shared dagbag keeps its retries."""
    dag = copy.deepcopy(dagbag.dags["ingest_gongan"])
    for t in dag.tasks:
        t.retries = 0
    return dag


def _run(dag):
    """dag.test() and the final state of each task instance, read back from the metadata DB."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dr = dag.test()
    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dr.run_id)
        ).all()
        return dr, {ti.task_id: ti.state for ti in tis}


def _asset_events(uri_prefix: str) -> int:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        query = (
            select(func.count())
            .select_from(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri.startswith(uri_prefix))
        )
        return session.scalar(query)


def _xcom(dag_id: str, run_id: str, task_id: str):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(
            select(XComModel.value).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.task_id == task_id,
                XComModel.key == "return_value",
            )
        )


def _warehouse(engine) -> dict:
    def count(table: str) -> int:
        return conn.execute(text(f"SELECT count(*) FROM staging.{table}")).scalar_one()

    with engine.connect() as conn:
        return {
            "ledger": conn.execute(
                text("SELECT dept, feed, file_name, status, rows_loaded FROM raw.delivery ORDER BY 1, 2, 3")
            ).all(),
            "huji": count("gongan_huji"),
            "huji_current": count("gongan_huji_current"),
            "jidongche": count("gongan_jidongche"),
        }


def test_ingest_gongan_loads_then_skips(airflow_db, gongan_dag, landing, db_url, engine):
    from airflow.utils.state import DagRunState, TaskInstanceState

    dag = gongan_dag
    events_before = _asset_events("shouwang://staging/gongan_")  # the metadata DB is shared by the session

    dr, states = _run(dag)
    assert dr.state == DagRunState.SUCCESS
    assert states == {"load_huji": TaskInstanceState.SUCCESS, "load_jidongche": TaskInstanceState.SUCCESS}
    first = _warehouse(engine)
    assert {(d, f, name, status) for d, f, name, status, _ in first["ledger"]} == {
        ("gongan", "huji", "huji_20210630.csv", "loaded"),
        ("gongan", "jidongche", "jidongche_20210630.csv", "loaded"),
    }
    assert first["huji_current"] > 0 and first["jidongche"] > 0
    counts = _xcom(dag.dag_id, dr.run_id, "load_huji")
    huji_loaded = next(n for _, f, _, _, n in first["ledger"] if f == "huji")
    assert counts["loaded"] == huji_loaded and counts["new"] > 0  # the task's XCom: counts only
    assert _asset_events("shouwang://staging/gongan_") == events_before + 2

    dr2, states2 = _run(dag)  # nothing new in the landing zone
    assert dr2.run_id != dr.run_id
    assert dr2.state == DagRunState.SUCCESS
    assert states2 == {"load_huji": TaskInstanceState.SKIPPED, "load_jidongche": TaskInstanceState.SKIPPED}
    assert _warehouse(engine) == first  # idempotent: same ledger, same staging
    assert _asset_events("shouwang://staging/gongan_") == events_before + 2  # skipped: no asset event


def test_infrastructure_failure_fails_only_that_feed(airflow_db, gongan_dag, landing, db_url, engine):
    from airflow.utils.state import DagRunState, TaskInstanceState

    with engine.begin() as conn:  # huji's staging table has gone: a deployment fault, not the file's
        conn.execute(text("ALTER TABLE staging.gongan_huji RENAME TO gongan_huji_elsewhere"))
    dr, states = _run(gongan_dag)
    assert dr.state == DagRunState.FAILED
    # failed (in production: up_for_retry three times first); the other feed is independent
    assert states == {"load_huji": TaskInstanceState.FAILED, "load_jidongche": TaskInstanceState.SUCCESS}
    assert _xcom(gongan_dag.dag_id, dr.run_id, "load_huji") is None
