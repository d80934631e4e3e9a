"""What `shouwang status` shows: the last runs with their stage timings and results, the last
publish and marts run, recent task failures and the feeds that are late. Counts and ids only."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine


@dataclass
class Status:
    runs: list[dict] = field(default_factory=list)
    publication: dict | None = None
    marts_run: dict | None = None
    failures: list[dict] = field(default_factory=list)
    stale: list[dict] = field(default_factory=list)


def collect_status(engine: Engine, limit: int = 5) -> Status:
    from shouwang.master.night import default_as_of
    from shouwang.orchestration.freshness import feed_freshness

    out = Status()
    with engine.connect() as conn:
        runs = (
            conn.exec_driver_sql(
                """SELECT run_id, kind, run_key, status, started_at, finished_at, summary
               FROM ops.run ORDER BY run_id DESC LIMIT %(n)s""",
                {"n": limit},
            )
            .mappings()
            .all()
        )
        for r in runs:
            stages = (
                conn.exec_driver_sql(
                    """SELECT stage, attempt, status, seconds, figures FROM ops.run_stage
                   WHERE run_id = %(r)s ORDER BY started_at""",
                    {"r": r["run_id"]},
                )
                .mappings()
                .all()
            )
            out.runs.append({**dict(r), "stages": [dict(s) for s in stages]})
        pub = (
            conn.exec_driver_sql(
                "SELECT version, as_of_date, published_at FROM master.publication"
                " ORDER BY version DESC LIMIT 1"
            )
            .mappings()
            .one_or_none()
        )
        out.publication = dict(pub) if pub else None
        marts = (
            conn.exec_driver_sql(
                """SELECT run_id, as_of_date, master_version, status, finished_at,
                          figures->'open_alerts' AS open_alerts
               FROM mart.run ORDER BY run_id DESC LIMIT 1"""
            )
            .mappings()
            .one_or_none()
        )
        out.marts_run = dict(marts) if marts else None
        out.failures = [
            dict(f)
            for f in conn.exec_driver_sql(
                """SELECT dag_id, task_id, run_key, try_number, error, notified, at
                   FROM ops.task_failure ORDER BY at DESC LIMIT %(n)s""",
                {"n": limit},
            ).mappings()
        ]
    out.stale = [
        {"feed_id": f.feed_id, "cadence": f.cadence, "last_extract": f.last_extract, "age_days": f.age_days}
        for f in feed_freshness(engine, default_as_of(engine))
        if f.stale
    ]
    return out
