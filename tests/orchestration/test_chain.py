"""`shouwang nightly` (the chain without Airflow), `shouwang status`, late feeds, the failure
callback and housekeeping, against real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import types

import pytest
from sqlalchemy import text

from tests.linkage.helpers import small_county


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return small_county(tmp_path_factory, "nightlycounty", 100, 41)


def test_nightly_chain_twice_then_status(county, engine, tmp_path):
    from shouwang.orchestration.chain import run_nightly
    from shouwang.orchestration.status import collect_status
    from shouwang.synth.later import write_later_delivery

    first = run_nightly(engine, county / "landing", reports_dir=tmp_path / "reports")
    assert first.status == "succeeded", first.stages
    assert list(first.stages) == ["ingest", "freshness", "feed_gate", "linkage", "master", "marts", "reports"]
    assert all(s["status"] == "succeeded" for s in first.stages.values())
    assert first.stages["ingest"]["files"] == 40 and first.stages["master"]["published"] == 1
    assert first.stages["marts"]["raised"] > 0 and list((tmp_path / "reports").glob("report_run*.html"))
    # a later night: 2 % of rows changed, delivered beside the first night's files
    later = tmp_path / "later"
    write_later_delivery(county / "landing", later, "20210701", fraction=0.02, seed=9)
    second = run_nightly(engine, later, reports_dir=tmp_path / "reports")
    assert second.status == "succeeded", second.stages
    assert second.stages["linkage"]["mode"] == "incremental" and second.stages["master"]["published"] == 2
    # the XLSX feeds sent nothing on the later night: they are a day behind, within their cadence
    assert second.stages["freshness"]["as_of"] == "2021-07-01"
    with engine.connect() as conn:
        marts_runs = conn.execute(text("SELECT count(*) FROM mart.run WHERE status = 'done'")).scalar_one()
        compared = conn.execute(
            text("SELECT count(*) FROM mart.run_change WHERE run_id = (SELECT max(run_id) FROM mart.run)")
        ).scalar_one()
    assert marts_runs == 2 and compared >= 0
    status = collect_status(engine, limit=5)
    assert [r["run_id"] for r in status.runs] == [second.run_id, first.run_id]
    assert [s["stage"] for s in status.runs[0]["stages"]][-1] == "reports"
    assert status.publication["version"] == 2 and status.marts_run["status"] == "done"


def test_late_feeds_by_cadence(engine):
    from shouwang.orchestration.freshness import feed_freshness, stale_feeds

    as_of = dt.date(2021, 7, 10)
    with engine.begin() as conn:
        for feed_id, extract in (
            ("gongan_huji", "2021-07-09"),
            ("minzheng_jiuzhu", "2021-06-01"),
            ("yibao_jiesuan", "2021-07-01"),
        ):
            dept, feed = feed_id.split("_", 1)
            conn.execute(
                text("""INSERT INTO raw.delivery (feed_id, dept, feed, file_name, extract_date, sha256,
                                                  size_bytes,
                                                  archive_path, status)
                        VALUES (:f, :d, :feed, 'x', :e, :sha, 1, '/nowhere', 'loaded')"""),
                {"f": feed_id, "d": dept, "feed": feed, "e": extract, "sha": feed_id},
            )
    fresh = {f.feed_id: f for f in feed_freshness(engine, as_of)}
    assert not fresh["gongan_huji"].stale  # daily, extracted yesterday
    assert fresh["minzheng_jiuzhu"].stale and fresh["minzheng_jiuzhu"].age_days == 39  # monthly, 39 days old
    assert fresh["yibao_jiesuan"].stale  # daily, nine days old
    stale = stale_feeds(engine, as_of)
    assert "yingji_zaiqing" not in stale  # an event feed has no due date, even when nothing came
    assert "gongan_jidongche" in stale  # monthly, never delivered
    assert "gongan_huji" in stale_feeds(engine, dt.date(2021, 7, 12))  # three days without 户籍


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_failure_callback_records_and_notifies_without_data(engine, monkeypatch):
    from shouwang.orchestration.notify import task_failed

    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SHOUWANG_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    ti = types.SimpleNamespace(
        dag_id="nightly_master", task_id="publish_master", run_id="manual__x", try_number=2
    )
    exc = RuntimeError("duplicate key value violates unique constraint, Key (id_number)=(411328199001011234)")
    task_failed({"ti": ti, "exception": exc})
    server.shutdown()
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT dag_id, task_id, run_key, try_number, error_class, error, notified"
                " FROM ops.task_failure"
            )
        ).one()
    assert row[:5] == ("nightly_master", "publish_master", "manual__x", 2, "RuntimeError")
    assert row.notified == "webhook" and "411328199001011234" not in row.error and "#" in row.error
    (payload,) = _Hook.received
    assert payload["task_id"] == "publish_master" and "411328199001011234" not in json.dumps(payload)


def test_failure_callback_never_raises(monkeypatch, engine):
    from shouwang.orchestration.notify import task_failed

    monkeypatch.setenv("SHOUWANG_ALERT_WEBHOOK", "http://127.0.0.1:9/nothing-listens")
    task_failed({"ti": None, "exception": ValueError("boom")})  # no exception escapes
    with engine.connect() as conn:
        assert conn.execute(text("SELECT notified FROM ops.task_failure")).scalar_one() is None


def test_archive_retention_keeps_each_feeds_newest_delivery(engine, tmp_path):
    from shouwang.orchestration.housekeeping import prune_archive, vacuum_analyze

    files = {}
    with engine.begin() as conn:
        for i, (feed_id, status, arrived) in enumerate(
            [
                ("gongan_huji", "superseded", "2015-01-01"),
                ("gongan_huji", "loaded", "2015-02-01"),
                ("gongan_huji", "loaded", "2021-06-30"),
                ("minzheng_jiuzhu", "loaded", "2015-03-01"),
            ]
        ):
            path = tmp_path / f"{i}.csv"
            path.write_text("x")
            dept, feed = feed_id.split("_", 1)
            files[i] = path
            conn.execute(
                text("""INSERT INTO raw.delivery (feed_id, dept, feed, file_name, extract_date, sha256,
                                                  size_bytes,
                                                  archive_path, status, arrived_at)
                        VALUES (:f, :d, :feed, 'x', :a, :sha, 1, :p, :s, :a)"""),
                {
                    "f": feed_id,
                    "d": dept,
                    "feed": feed,
                    "a": arrived,
                    "sha": str(i),
                    "p": str(path),
                    "s": status,
                },
            )
    out = prune_archive(engine, older_than_days=365, today=dt.date(2021, 7, 1))
    assert out == {"retention_days": 365, "deliveries": 2, "files_removed": 2}
    assert not files[0].exists() and not files[1].exists()
    assert files[2].exists() and files[3].exists()  # newest loaded of huji; jiuzhu's only one
    with engine.connect() as conn:
        removed = conn.execute(
            text("SELECT count(*) FROM raw.delivery WHERE archive_removed_at IS NOT NULL")
        ).scalar()
    assert removed == 2
    assert prune_archive(engine, older_than_days=365, today=dt.date(2021, 7, 1))["deliveries"] == 0
    assert vacuum_analyze(engine)["tables"] > 40


def test_a_late_feed_is_stale_and_the_night_goes_on_and_a_rerun_changes_nothing(county, engine, tmp_path):
    from shouwang.orchestration.chain import run_nightly
    from shouwang.synth.later import write_later_delivery

    first = run_nightly(engine, county / "landing", reports_dir=tmp_path / "reports")
    assert first.status == "succeeded" and "gongan_huji" not in first.stale
    # two days later everything daily arrives except 户籍
    later = tmp_path / "later"
    write_later_delivery(county / "landing", later, "20210702", fraction=0.02, seed=11)
    for f in (later / "gongan").glob("huji_*"):
        f.unlink()
    second = run_nightly(engine, later, reports_dir=tmp_path / "reports")
    assert second.status == "succeeded" and "gongan_huji" in second.stale
    assert second.stages["master"]["published"] == 2  # went ahead with the last good 户籍
    with engine.connect() as conn:
        summary = conn.execute(
            text("SELECT summary FROM ops.run WHERE run_id = :r"), {"r": second.run_id}
        ).scalar()
        before = _snapshot(conn)
    assert "gongan_huji" in summary["stale"]
    # the same night again (every file an identical re-delivery): the same master and marts
    third = run_nightly(engine, later, reports_dir=tmp_path / "reports")
    assert third.status == "succeeded"
    assert third.stages["ingest"]["rows_read"] == 0  # identical re-sends are no-ops
    assert third.stages["marts"]["raised"] == 0
    with engine.connect() as conn:
        assert _snapshot(conn) == before
        last = conn.execute(
            text("SELECT figures FROM master.publication ORDER BY version DESC LIMIT 1")
        ).scalar()
    assert all(v["opened"] == 0 and v["closed"] == 0 for v in last.values())


def _snapshot(conn) -> dict:
    """What a rerun must not change: the current master and the marts (row counts and contents)."""
    out = {}
    for name, sql in {
        "persons": "SELECT md5(string_agg(person_id || row_hash, ',' ORDER BY person_id))"
        " FROM master.person_history WHERE retired_version IS NULL",
        "households": "SELECT md5(string_agg(household_id || row_hash, ',' ORDER BY household_id))"
        " FROM master.household_history WHERE retired_version IS NULL",
        "profiles": "SELECT count(*) FROM mart.household_profile",
        "income": "SELECT count(*), sum(annual_amount) FROM mart.income_item",
        "alerts": "SELECT count(*), md5(string_agg(alert_id || cause_hash || status, ',' ORDER BY alert_id))"
        " FROM mart.alert",
    }.items():
        out[name] = tuple(conn.execute(text(sql)).one())
    return out


def test_marts_killed_mid_way_leave_no_trace_and_a_retry_completes(county, engine, tmp_path, monkeypatch):
    """A marts run that dies after writing part of its tables (here: the roster step raises) rolls
    back whole: no duplicate rows, the previous marts stay, the failure is recorded; the retry
    gives what an undisturbed run gives."""
    import shouwang.marts.refresh as refresh
    from shouwang.orchestration.chain import run_nightly

    run_nightly(engine, county / "landing", reports_dir=tmp_path / "reports")
    with engine.connect() as conn:
        before = _snapshot(conn)

    def killed(*args, **kwargs):
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(refresh, "build_roster", killed)
    with pytest.raises(ConnectionError):
        refresh.refresh_marts(engine)
    monkeypatch.undo()
    with engine.connect() as conn:
        assert _snapshot(conn) == before
        statuses = conn.execute(text("SELECT status FROM mart.run ORDER BY run_id")).scalars().all()
    assert statuses == ["done", "failed"]
    retried = refresh.refresh_marts(engine)
    assert retried.figures["lifecycle"]["raised"] == 0 and retried.figures["profiles_written"] == 0
    with engine.connect() as conn:
        assert _snapshot(conn) == before
