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

from sqlalchemy import Connection, Engine

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


def _record_outcomes(
    conn: Connection, gate_run_id: int, outcomes: list[Outcome], feed_of: dict | None = None
) -> None:
    """One ops.quality_result row per expectation outcome."""
    if not outcomes:
        return
    conn.exec_driver_sql(
        "INSERT INTO ops.quality_result (gate_run_id, suite, suite_version, feed_id, expectation,"
        " severity, success, observed)"
        " VALUES (%(g)s, %(suite)s, %(v)s, %(f)s, %(e)s, %(sev)s, %(ok)s, %(obs)s)",
        [
            {
                "g": gate_run_id,
                "suite": o.suite,
                "v": o.suite_version,
                "f": (feed_of or {}).get(o.suite),
                "e": o.expectation,
                "sev": o.severity,
                "ok": o.success,
                "obs": json.dumps(o.observed, default=str),
            }
            for o in outcomes
        ],
    )


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
        suites = load_suites(suites_dir / folder)
        outcomes = run_suites(url, suites, gx_dir, f"gate_{gate_run_id}", {"as_of_date": as_of.isoformat()})
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
        _record_outcomes(conn, gate_run_id, outcomes)
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


FEED_SUITES = "feeds"


class FeedGateFailed(RuntimeError):
    """A critical feed (huji, jiance) failed its suite: the night stops, the master stays."""

    def __init__(self, result: FeedGateResult):
        self.result = result
        super().__init__(
            f"feed gate run {result.gate.gate_run_id}: critical feeds {sorted(result.failed_critical)} failed"
            " their suites; nothing after them runs tonight"
        )


@dataclass
class FeedGateResult:
    gate: GateResult
    checked: dict[str, str] = field(default_factory=dict)  # feed_id -> passed | warned | quarantined | failed
    quarantined_deliveries: list[int] = field(default_factory=list)

    @property
    def failed_critical(self) -> list[str]:
        return [f for f, outcome in self.checked.items() if outcome == "failed"]


def _pending(engine: Engine) -> dict[str, list[int]]:
    """Loaded deliveries not checked yet, per feed, in the order they were applied."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT d.feed_id, d.delivery_id FROM raw.delivery d"
            " LEFT JOIN ops.delivery_check c USING (delivery_id)"
            " WHERE d.status = 'loaded' AND c.delivery_id IS NULL ORDER BY d.applied_seq, d.delivery_id"
        ).all()
    out: dict[str, list[int]] = {}
    for feed_id, delivery_id in rows:
        out.setdefault(feed_id, []).append(delivery_id)
    return out


def _quarantine(
    conn: Connection, feed_id: str, deliveries: list[int], gate_run_id: int, failures: list[Outcome]
) -> None:
    """Take a feed's deliveries of tonight out of staging (newest first) and say why in the ledger."""
    from shouwang.registry import load_registry
    from shouwang.staging.apply import rollback_changes

    feed = load_registry().get(feed_id)
    problem = {
        "code": "feed_gate_failed",
        "gate_run_id": gate_run_id,
        "expectations": [{"expectation": o.expectation, "observed": o.observed} for o in failures],
    }
    for delivery_id in reversed(deliveries):
        rollback_changes(conn, feed, delivery_id)
        conn.exec_driver_sql(
            "UPDATE raw.delivery SET status = 'quarantined', problems = problems || %(p)s::jsonb"
            " WHERE delivery_id = %(d)s",
            {"p": json.dumps([problem], default=str), "d": delivery_id},
        )
    conn.exec_driver_sql(f"ANALYZE staging.{feed_id}")


def small_sample(outcome: Outcome, alpha: float = 0.01) -> bool:
    """A share check (`mostly`) that failed on so few rows that a healthy feed could have produced
    it: the chance of seeing at most the observed good rows, were the true share exactly `mostly`,
    is at least `alpha` (one-sided binomial). Such a failure warns instead of quarantining: 4 valid
    IDs in 24 petitions is not evidence of a broken file, 400 in 2,400 is."""
    if outcome.mostly is None or outcome.success:
        return False
    n = int(outcome.observed.get("element_count") or 0) - int(outcome.observed.get("missing_count") or 0)
    bad = int(outcome.observed.get("unexpected_count") or 0)
    if n <= 0:
        return False
    good = n - bad
    return _binom_cdf(good, n, float(outcome.mostly)) >= alpha


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (n up to millions stays exact enough)."""
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    from math import exp, lgamma, log

    lp, lq = log(p), log(1.0 - p)
    total = 0.0
    for i in range(k + 1):
        total += exp(lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * lp + (n - i) * lq)
        if total >= 1.0:
            return 1.0
    return total


def run_feed_gate(
    engine: Engine, suites_dir: Path | None = None, gx_dir: Path | None = None
) -> FeedGateResult:
    """Validate every feed that received a delivery since it was last checked.

    A non-critical feed that fails a critical expectation is quarantined for the night (its new
    deliveries rolled back out of staging, the last good data stays); a critical feed that fails
    raises FeedGateFailed after everything is recorded. Every checked delivery gets a row in
    ops.delivery_check, so it is checked once.
    """
    settings = load_settings()
    suites_dir = suites_dir or settings.expectations_dir
    gx_dir = gx_dir or settings.gx_dir
    pending = _pending(engine)
    today = dt.date.today()
    with engine.begin() as conn:
        gate_run_id = conn.exec_driver_sql(
            "INSERT INTO ops.gate_run (as_of_date, scope) VALUES (%(d)s, 'feeds') RETURNING gate_run_id",
            {"d": today},
        ).scalar_one()
    suites = [
        s for s in load_suites(suites_dir / FEED_SUITES) if s.document["meta"].get("feed_id") in pending
    ]
    url = engine.url.render_as_string(hide_password=False)
    outcomes = run_suites(url, suites, gx_dir, f"feeds_{gate_run_id}") if suites else []
    feed_of = {s.name: s.document["meta"]["feed_id"] for s in suites}
    critical_feed = {s.name: bool(s.document["meta"].get("critical_feed")) for s in suites}
    result = FeedGateResult(GateResult(gate_run_id, "running", outcomes, data_docs_index(gx_dir)))
    with engine.begin() as conn:
        for suite in suites:
            feed_id = feed_of[suite.name]
            mine = [o for o in outcomes if o.suite == suite.name]
            failures = [o for o in mine if not o.success and o.severity == "critical" and not small_sample(o)]
            if failures and critical_feed[suite.name]:
                outcome = "failed"
            elif failures:
                outcome = "quarantined"
                _quarantine(conn, feed_id, pending[feed_id], gate_run_id, failures)
                result.quarantined_deliveries += pending[feed_id]
            else:
                outcome = "warned" if any(not o.success for o in mine) else "passed"
            result.checked[feed_id] = outcome
            if outcome != "failed":  # a failed critical feed is checked again until it is corrected
                conn.exec_driver_sql(
                    "INSERT INTO ops.delivery_check (delivery_id, gate_run_id, outcome)"
                    " SELECT unnest(%(ds)s::bigint[]), %(g)s, %(o)s",
                    {"ds": pending[feed_id], "g": gate_run_id, "o": outcome},
                )
        _record_outcomes(conn, gate_run_id, outcomes, feed_of)
        checked = set(result.checked.values())
        status = "warned" if checked & {"warned", "quarantined"} else "passed"
        status = "failed" if "failed" in checked else status
        result.gate.status = status
        conn.exec_driver_sql(
            "UPDATE ops.gate_run SET status = %(st)s, finished_at = now(), summary = %(s)s, data_docs = %(d)s"
            " WHERE gate_run_id = %(g)s",
            {
                "st": status,
                "s": json.dumps(
                    {"feeds": result.checked, "quarantined_deliveries": result.quarantined_deliveries}
                ),
                "d": str(result.gate.data_docs) if suites else None,
                "g": gate_run_id,
            },
        )
    for feed_id, outcome in result.checked.items():
        if outcome in ("quarantined", "failed"):
            log.error("feed gate %s: %s %s", gate_run_id, feed_id, outcome)
    if result.failed_critical:
        raise FeedGateFailed(result)
    return result
