"""The quality gate: validate tonight's candidate master, record every outcome, decide.

`passed`: no expectation failed; `warned`: only warnings failed (publish, and report them);
`failed`: a critical expectation failed (the previous master stays); `error`: the validation
itself broke (treated as failed). Each run is a row of ops.gate_run, each outcome a row of
ops.quality_result (suite, version, expectation, severity, success, observed value), so quality
can be followed per suite and per night in SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from shouwang.config import load_settings
from shouwang.gate.suites import load_suites
from shouwang.gate.validate import Outcome, data_docs_index, run_suites

log = logging.getLogger(__name__)

MASTER_SUITES = "master"


@dataclass
class GateResult:
    gate_run_id: int
    status: str
    outcomes: list[Outcome] = field(default_factory=list)
    data_docs: Path | None = None

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def may_publish(self) -> bool:
        return self.status in ("passed", "warned")


def decide(outcomes: list[Outcome]) -> str:
    if any(not o.success and o.severity == "critical" for o in outcomes):
        return "failed"
    if any(not o.success for o in outcomes):
        return "warned"
    return "passed"


def _summary(o: Outcome) -> dict:
    return {"suite": o.suite, "expectation": o.expectation, "severity": o.severity, "observed": o.observed}


def run_gate(
    engine: Engine,
    as_of: dt.date,
    suites_dir: Path | None = None,
    gx_dir: Path | None = None,
    folder: str = MASTER_SUITES,
) -> GateResult:
    """Validate the tables of the suites in `expectations/<folder>` and record the outcome."""
    settings = load_settings()
    suites_dir = suites_dir or settings.expectations_dir
    gx_dir = gx_dir or settings.gx_dir
    with engine.begin() as conn:  # committed at once: a crash below still leaves the run visible
        gate_run_id = conn.exec_driver_sql(
            "INSERT INTO ops.gate_run (as_of_date) VALUES (%(d)s) RETURNING gate_run_id", {"d": as_of}
        ).scalar_one()
    url = engine.url.render_as_string(hide_password=False)
    try:
        outcomes = run_suites(url, load_suites(suites_dir / folder), gx_dir, f"gate_{gate_run_id}")
        status = decide(outcomes)
    except Exception as exc:
        log.exception("gate run %s: the validation itself failed", gate_run_id)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE ops.gate_run SET status = 'error', finished_at = now(), summary = %(s)s"
                " WHERE gate_run_id = %(g)s",
                {"s": json.dumps({"error": str(exc)[:1000]}), "g": gate_run_id},
            )
        return GateResult(gate_run_id, "error")
    result = GateResult(gate_run_id, status, outcomes, data_docs_index(gx_dir))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ops.quality_result (gate_run_id, suite, suite_version, expectation, severity,"
            " success, observed) VALUES (%(g)s, %(suite)s, %(v)s, %(e)s, %(sev)s, %(ok)s, %(obs)s)",
            [
                {
                    "g": gate_run_id,
                    "suite": o.suite,
                    "v": o.suite_version,
                    "e": o.expectation,
                    "sev": o.severity,
                    "ok": o.success,
                    "obs": json.dumps(o.observed, default=str),
                }
                for o in outcomes
            ],
        )
        built_at = conn.exec_driver_sql("SELECT max(built_at) FROM master_candidate.build").scalar_one()
        summary = {
            "expectations": len(outcomes),
            "failed": [_summary(o) for o in result.failures],
            "warnings": [_summary(o) for o in result.warnings],
            "candidate_built_at": built_at.isoformat() if built_at else None,
        }
        conn.exec_driver_sql(
            "UPDATE ops.gate_run SET status = %(st)s, finished_at = now(), summary = %(s)s, data_docs = %(d)s"
            " WHERE gate_run_id = %(g)s",
            {
                "st": status,
                "s": json.dumps(summary, default=str),
                "d": str(result.data_docs),
                "g": gate_run_id,
            },
        )
    for o in result.failures:
        log.error("gate %s FAILED %s / %s: %s", gate_run_id, o.suite, o.expectation, o.observed)
    for o in result.warnings:
        log.warning("gate %s warning %s / %s: %s", gate_run_id, o.suite, o.expectation, o.observed)
    log.info("gate run %s: %s (%s expectations)", gate_run_id, status, len(outcomes))
    return result
