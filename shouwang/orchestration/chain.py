"""The nightly chain for scripted use (`shouwang nightly LANDING_DIR`): the same functions the DAGs
run, in the same order, each stage recorded in ops.run / ops.run_stage.

ingest -> freshness (late feeds are stale: their last good data is used) -> feed gate -> linkage
-> golden records, master gate, publish -> marts -> reports.

A failing critical feed stops the night before linkage; a master that fails its gate is not
published and the marts run on the last good master (the run is marked failed, the marts still
refresh so townships keep their work lists).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from shouwang.orchestration.runs import finish_run, open_run, stage


@dataclass
class NightlyResult:
    run_id: int
    status: str
    stages: dict[str, dict] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)


def run_nightly(
    engine: Engine,
    landing: Path,
    *,
    full: bool = False,
    as_of: dt.date | None = None,
    workers: int | None = None,
    reports_dir: Path | None = None,
) -> NightlyResult:
    """Run the whole chain once; returns the run's id, status and per-stage counts."""
    from linkage.run import run_linkage
    from shouwang.config import load_settings
    from shouwang.gate.gate import FeedGateFailed, run_feed_gate
    from shouwang.ingest import ingest_landing
    from shouwang.marts import refresh_marts
    from shouwang.marts.reports import write_reports
    from shouwang.master.night import GateFailed, default_as_of, publish_night
    from shouwang.orchestration.freshness import stale_feeds

    key = "cli:" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    run_id = open_run(engine, "nightly", key)
    result = NightlyResult(run_id, "running")

    with stage(engine, run_id, "ingest") as s:
        reports = ingest_landing(
            landing, database_url=engine.url.render_as_string(hide_password=False), workers=workers
        )
        s.figures = {
            "files": len(reports),
            "rows_read": sum(r.rows_read for r in reports),
            "rows_loaded": sum(r.rows_loaded for r in reports),
            "rows_quarantined": sum(r.rows_quarantined for r in reports),
            "rejected": sum(r.status == "rejected" for r in reports),
        }
    night = as_of or default_as_of(engine)
    with stage(engine, run_id, "freshness") as s:
        result.stale = stale_feeds(engine, night)
        s.figures = {"as_of": night.isoformat(), "stale": result.stale}
    try:
        with stage(engine, run_id, "feed_gate") as s:
            gate = run_feed_gate(engine)
            s.figures = {
                "checked": len(gate.checked),
                "quarantined": sorted(f for f, o in gate.checked.items() if o == "quarantined"),
            }
    except FeedGateFailed:
        finish_run(engine, run_id, "failed", {"stopped_at": "feed_gate", "stale": result.stale})
        result.status = "failed"
        return _collect(engine, result)
    with stage(engine, run_id, "linkage") as s:
        report = run_linkage(engine, full=full)
        f = report.figures
        s.figures = {"mode": report.mode, "records": f["records"], "persons": f["master_persons"]}
    master_ok = True
    with stage(engine, run_id, "master") as s:
        try:
            night_report = publish_night(engine, night)
            s.figures = {"as_of": night.isoformat(), "published": night_report.published.get("version")}
        except GateFailed as exc:
            master_ok = False
            s.status = "failed"
            s.figures = {"as_of": night.isoformat(), "gate_run_id": exc.gate.gate_run_id, "published": None}
    with stage(engine, run_id, "marts") as s:
        marts = refresh_marts(engine)
        s.figures = {
            "marts_run": marts.run_id,
            "households": marts.figures["households"],
            "open_alerts": sum(marts.figures["open_alerts"].values()),
            "raised": marts.figures["lifecycle"]["raised"],
        }
    with stage(engine, run_id, "reports") as s:
        files = write_reports(engine, reports_dir or load_settings().home / "reports", marts.run_id)
        s.figures = {"html": files.html.name, "work_lists": len(files.work_lists), "pushed": files.pushed}
    result.status = "succeeded" if master_ok else "failed"
    finish_run(engine, run_id, result.status, {"stale": result.stale, "as_of": night.isoformat()})
    return _collect(engine, result)


def _collect(engine: Engine, result: NightlyResult) -> NightlyResult:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT stage, status, seconds, figures FROM ops.run_stage"
            " WHERE run_id = %(r)s ORDER BY started_at",
            {"r": result.run_id},
        ).all()
    result.stages = {r.stage: {"status": r.status, "seconds": r.seconds, **(r.figures or {})} for r in rows}
    return result
