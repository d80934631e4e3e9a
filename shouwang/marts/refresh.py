"""One marts refresh: income parts -> household profile -> alerts -> roster -> nightly comparison.

Everything runs in one transaction against the published master: a refresh that fails leaves the
previous night's marts as they were (and a `failed` row in mart.run saying why).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from shouwang.marts.alerts import find_alerts
from shouwang.marts.compare import compare_runs
from shouwang.marts.income import build_income_items
from shouwang.marts.lifecycle import merge_findings
from shouwang.marts.profile import build_profile
from shouwang.marts.roster import build_roster
from shouwang.marts.rules import AlertRules, load_rules
from shouwang.marts.sources import unplaced_records

log = logging.getLogger(__name__)
_LOCK = "shouwang.marts"


class NoPublishedMaster(RuntimeError):
    """The marts read the published master; there is none yet."""


@dataclass
class MartsReport:
    run_id: int
    as_of: dt.date
    master_version: int
    figures: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def refresh_marts(
    engine: Engine, as_of: dt.date | None = None, rules: AlertRules | None = None
) -> MartsReport:
    """Refresh every mart from the current published master; returns the run's figures."""
    rules = rules or load_rules()
    with engine.connect() as conn:
        pub = conn.exec_driver_sql(
            "SELECT version, as_of_date FROM master.publication ORDER BY version DESC LIMIT 1"
        ).one_or_none()
    if pub is None:
        raise NoPublishedMaster("no master has been published yet: run `shouwang publish` first")
    as_of = as_of or pub.as_of_date
    seconds: dict[str, float] = {}
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": _LOCK})
            run_id = conn.execute(
                text("""INSERT INTO mart.run (as_of_date, master_version, rules_year)
                        VALUES (:d, :v, :y) RETURNING run_id"""),
                {"d": as_of, "v": pub.version, "y": as_of.year},
            ).scalar_one()
            t = rules.for_year(as_of.year)

            def step(name: str, fn, *args):
                t0 = time.perf_counter()
                out = fn(*args)
                seconds[name] = round(time.perf_counter() - t0, 2)
                log.info("marts run %s: %s %.1fs", run_id, name, seconds[name])
                return out

            income_parts = step("income", build_income_items, conn, as_of, t)
            profile = step("profile", build_profile, conn, as_of, run_id, t, rules)
            findings = step("rules", find_alerts, conn, as_of, rules)
            lifecycle = step("lifecycle", merge_findings, conn, run_id)
            roster = step("roster", build_roster, conn, run_id)
            changes = step("comparison", compare_runs, conn, run_id)
            open_alerts = dict(
                conn.exec_driver_sql(
                    """SELECT alert_type, count(*) FROM mart.alert
                       WHERE status NOT IN ('resolved', 'closed') AND cause_present GROUP BY 1 ORDER BY 1"""
                ).all()
            )
            unplaced = unplaced_records(conn, [f.feed_id for f in _person_feeds()])
            figures = {
                "households": profile["households"],
                "profiles_written": profile["profiles_written"],
                "profiles_removed": profile["profiles_removed"],
                "income_parts": income_parts,
                "findings": findings,
                "lifecycle": lifecycle,
                "open_alerts": open_alerts,
                "roster": roster,
                "changes": changes,
                "unplaced_records": unplaced,
                "rules": rules.source,
            }
            conn.execute(
                text("""UPDATE mart.run SET status = 'done', finished_at = now(),
                               figures = CAST(:f AS jsonb) WHERE run_id = :r"""),
                {"f": _json({**figures, "seconds": seconds}), "r": run_id},
            )
    except Exception as exc:
        with engine.begin() as conn:
            conn.execute(
                text("""INSERT INTO mart.run (as_of_date, master_version, rules_year, status,
                    finished_at, figures)
                        VALUES (:d, :v, :y, 'failed', now(), CAST(:f AS jsonb))"""),
                {"d": as_of, "v": pub.version, "y": as_of.year, "f": _json({"error": type(exc).__name__})},
            )
        raise
    return MartsReport(run_id, as_of, pub.version, figures, seconds)


def _person_feeds():
    from shouwang.registry import load_registry

    return [f for f in load_registry() if f.has_person]


def _json(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
