"""Golden records -> gate -> publish: the master part of a night, as one call (CLI) or three
steps (the DAG's tasks), with the same functions."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from shouwang.gate.gate import GateResult, run_gate
from shouwang.master.golden import build_candidate
from shouwang.master.publish import publish

log = logging.getLogger(__name__)


class GateFailed(RuntimeError):
    """A critical expectation failed: the candidate was not published (the master is unchanged)."""

    def __init__(self, gate: GateResult):
        self.gate = gate
        failed = "; ".join(f"{o.suite}: {o.expectation} {o.observed}" for o in gate.failures) or gate.status
        super().__init__(f"gate run {gate.gate_run_id} {gate.status}, the master was not published: {failed}")


@dataclass
class NightReport:
    as_of: dt.date
    candidate: dict
    gate: GateResult
    published: dict | None = None
    seconds: dict = field(default_factory=dict)


def default_as_of(engine: Engine) -> dt.date:
    """The business date of the night: the newest extract date among loaded deliveries (today
    when nothing was loaded yet)."""
    with engine.connect() as conn:
        d = conn.exec_driver_sql(
            "SELECT max(extract_date) FROM raw.delivery WHERE status IN ('loaded', 'superseded')"
        ).scalar_one()
    return d or dt.date.today()


def build(engine: Engine, as_of: dt.date) -> dict:
    with engine.begin() as conn:
        return build_candidate(conn, as_of)


def publish_validated(engine: Engine, gate_run_id: int, as_of: dt.date) -> dict:
    """Publish the candidate gate run `gate_run_id` validated; refuse when that run did not pass or
    the candidate was rebuilt since (a retried task must not publish what nobody validated)."""
    with engine.begin() as conn:
        status, validated_build = conn.exec_driver_sql(
            "SELECT status, summary->>'candidate_built_at' FROM ops.gate_run WHERE gate_run_id = %(g)s",
            {"g": gate_run_id},
        ).one()
        if status not in ("passed", "warned"):
            raise RuntimeError(f"gate run {gate_run_id} {status}: the candidate may not be published")
        current_build = conn.exec_driver_sql("SELECT max(built_at) FROM master_candidate.build").scalar_one()
        if current_build is None or validated_build != current_build.isoformat():
            raise RuntimeError(f"the candidate changed since gate run {gate_run_id}: validate it again")
        published = publish(conn, gate_run_id, as_of)
        conn.exec_driver_sql(
            "UPDATE ops.gate_run SET published_version = %(v)s WHERE gate_run_id = %(g)s",
            {"v": published["version"], "g": gate_run_id},
        )
    return published


def publish_night(engine: Engine, as_of: dt.date | None = None) -> NightReport:
    """Build the golden records, validate them, publish when no critical expectation fails.

    Raises GateFailed (after recording the gate run) when the candidate may not be published.
    """
    as_of = as_of or default_as_of(engine)
    t0 = time.perf_counter()
    candidate = build(engine, as_of)
    t1 = time.perf_counter()
    gate = run_gate(engine, as_of)
    t2 = time.perf_counter()
    report = NightReport(
        as_of, candidate, gate, seconds={"golden": round(t1 - t0, 1), "gate": round(t2 - t1, 1)}
    )
    if not gate.may_publish:
        raise GateFailed(gate)
    report.published = publish_validated(engine, gate.gate_run_id, as_of)
    report.seconds["publish"] = round(time.perf_counter() - t2, 1)
    return report
