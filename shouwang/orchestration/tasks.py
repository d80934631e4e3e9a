"""The callables Airflow tasks run. Heavy imports (pandas, SQLAlchemy) happen inside the functions.

A task result goes to XCom, which lives in Airflow's metadata database, is shown in the UI and is
kept for as long as the run: results here are counts only, never rows, names or ID numbers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from airflow.sdk.exceptions import AirflowSkipException

if TYPE_CHECKING:
    from shouwang.staging.load import DeliveryReport

log = logging.getLogger(__name__)

LANDING_ENV = "SHOUWANG_LANDING_DIR"

# Report status -> what it means for the task.
#   loaded            applied to staging (its rows may still be partly quarantined)
#   rejected          bad input: the whole file is quarantined or refused; accounted, never retried
#   identical_resend  a file already in the ledger: nothing to do
#   failed            infrastructure failure (database down...): the task fails so that Airflow retries
FAILED = "failed"


class FeedLoadFailed(RuntimeError):
    """A delivery could not be loaded for a reason that is not the file's fault; retrying may help."""


def resolve_landing_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The landing zone: the argument, else $SHOUWANG_LANDING_DIR, else <SHOUWANG_HOME>/landing."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    value = os.environ.get(LANDING_ENV)
    if value:
        return Path(value).expanduser().resolve()
    from shouwang.config import load_settings

    return load_settings().home / "landing"


def summarise(feed_id: str, reports: Iterable[DeliveryReport]) -> dict:
    """The counts of a feed's load (JSON-serialisable, no data)."""
    reports = list(reports)
    statuses = [r.status for r in reports]
    return {
        "feed_id": feed_id,
        "files": len(reports),
        "loaded_files": statuses.count("loaded"),
        "rejected_files": statuses.count("rejected"),
        "resent_files": statuses.count("identical_resend"),
        "failed_files": statuses.count(FAILED),
        "read": sum(r.rows_read for r in reports),
        "loaded": sum(r.rows_loaded for r in reports),
        "quarantined": sum(r.rows_quarantined for r in reports),
        "duplicate": sum(r.rows_duplicate for r in reports),
        "new": sum(r.rows_new for r in reports),
        "changed": sum(r.rows_changed for r in reports),
        "removed": sum(r.rows_removed for r in reports),
    }


def _problem_codes(report: DeliveryReport) -> str:
    return ", ".join(sorted({str(p.get("code")) for p in report.problems})) or "-"


def _first_line(report: DeliveryReport) -> str:
    """The failure's first line: SQLAlchemy puts statement parameters (personal data) on later lines."""
    for p in report.problems:
        if p.get("fatal") and p.get("message"):
            return str(p["message"]).splitlines()[0][:200]
    return "no message"


def load_feed(feed_id: str, landing_dir: str | None = None, *, skip_if_unchanged: bool = True) -> dict:
    """Load every delivery of one feed found in the landing zone and return the counts.

    Raises
      KeyError                 the feed is not in the registry
      FileNotFoundError        the landing zone does not exist (a deployment error, not "no data")
      FeedLoadFailed           a delivery failed for an infrastructure reason (Airflow retries)
      AirflowSkipException     nothing changed in staging (no new, changed or removed rows), so the
                               task is skipped and no asset event tells downstream DAGs to run;
                               not raised when ``skip_if_unchanged`` is False (used on retries: an
                               earlier try may have applied changes before it failed)
    Rejected files (bad input) do not fail the task: they are in the ledger, the quarantine and the
    counts ("rejected_files"), and re-sending the same file changes nothing.
    """
    from shouwang.registry import load_registry

    load_registry().get(feed_id)  # unknown feed -> KeyError, before touching anything
    landing = resolve_landing_dir(landing_dir)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing zone {landing} does not exist (set {LANDING_ENV})")

    from shouwang.ingest import ingest_landing

    reports = ingest_landing(landing, workers=1, feed_ids=[feed_id])
    counts = summarise(feed_id, reports)
    for r in reports:
        log.info(
            "%s %s: %s read=%d loaded=%d quarantined=%d duplicate=%d new=%d changed=%d removed=%d"
            " problems=%s",
            feed_id,
            r.file,
            r.status,
            r.rows_read,
            r.rows_loaded,
            r.rows_quarantined,
            r.rows_duplicate,
            r.rows_new,
            r.rows_changed,
            r.rows_removed,
            _problem_codes(r),
        )
        if r.status == "rejected":
            log.warning(
                "%s %s rejected (bad input, see raw.delivery): %s", feed_id, r.file, _problem_codes(r)
            )
    failed = [r for r in reports if r.status == FAILED]
    if failed:
        details = "; ".join(f"{r.file}: {_first_line(r)}" for r in failed)
        raise FeedLoadFailed(
            f"{feed_id}: {len(failed)} of {len(reports)} deliveries failed to load: {details}"
        )
    log.info("%s counts: %s", feed_id, counts)
    if skip_if_unchanged and not (counts["new"] or counts["changed"] or counts["removed"]):
        raise AirflowSkipException(
            f"{feed_id}: no change in staging ({counts['files']} files, {counts['rejected_files']} rejected,"
            f" {counts['resent_files']} already loaded)"
        )
    return counts


def _link_counts(report) -> dict:
    f = report.figures
    return {
        "run_id": report.run_id,
        "mode": report.mode,
        "records": f["records"],
        "master_persons": f["master_persons"],
        "master_households": f["master_households"],
        "review_items": f["persons"]["review_items"],
        "crosswalk": f["crosswalk"],
        "person_ids": {k: v for k, v in f["person_ids"].items()},
        "seconds": f["seconds"],
    }


def link_records(full: bool = False) -> dict:
    """Run person and household linkage over the staged records in one task; returns counts only.

    Incremental by default (only new and changed records are compared; everything else keeps its
    ids); ``full`` re-links everything and gives the same ids on unchanged data. Safe to retry: a
    failed run rolls back in one transaction and the next try starts from the same state.
    """
    from linkage.run import run_linkage
    from shouwang.db import get_engine

    counts = _link_counts(run_linkage(get_engine(), full=full))
    log.info("linkage run %s (%s): %s", counts["run_id"], counts["mode"], counts)
    return counts


def prepare_linkage(full: bool = False, n_blocks: int | None = None) -> dict:
    """Linkage step 1 of 3 (linkage.blocks): refresh records, plan township blocks. Ids and counts
    only: {"run_id", "mode", "blocks", "records", "unresolved"}. A retry after a failure starts
    from the same state (one transaction); a retry after a success abandons that run and
    prepares a full one."""
    from linkage.blocks import prepare_run
    from shouwang.config import load_settings
    from shouwang.db import get_engine

    plan = prepare_run(get_engine(), full=full, n_blocks=n_blocks or load_settings().link_blocks)
    log.info("linkage run %s (%s): %s township blocks", plan["run_id"], plan["mode"], len(plan["blocks"]))
    return plan


def score_linkage_block(run_id: int, block: int) -> dict:
    """Linkage step 2 of 3, one township block (a mapped task): counts only; a retry replaces the
    block's rows."""
    from linkage.blocks import score_block
    from shouwang.db import get_engine

    counts = score_block(get_engine(), run_id, block)
    log.info("linkage run %s block %s: %s", run_id, block, counts)
    return counts


def finish_linkage(run_id: int) -> dict:
    """Linkage step 3 of 3: decisions over all blocks, ids, households, crosswalk (one transaction)."""
    from linkage.blocks import finish_run
    from shouwang.db import get_engine

    counts = _link_counts(finish_run(get_engine(), run_id))
    log.info("linkage run %s (%s): %s", counts["run_id"], counts["mode"], counts)
    return counts


def build_golden(as_of: str | None = None) -> dict:
    """Master step 1 of 3: golden records into master_candidate (the published master is not
    touched). Returns the night's as-of date and counts."""
    import datetime as dt

    from shouwang.db import get_engine
    from shouwang.master.night import build, default_as_of

    engine = get_engine()
    day = dt.date.fromisoformat(as_of) if as_of else default_as_of(engine)
    counts = build(engine, day)
    log.info("golden records as of %s: %s", day, counts)
    return {"as_of": day.isoformat(), **{k: v for k, v in counts.items() if k != "seconds"}}


def validate_master(as_of: str) -> dict:
    """Master step 2 of 3: the gate. Fails the task (after recording the run and its failing
    expectations in ops.gate_run / ops.quality_result) when a critical expectation fails."""
    import datetime as dt

    from shouwang.db import get_engine
    from shouwang.gate.gate import run_gate
    from shouwang.master.night import GateFailed

    gate = run_gate(get_engine(), dt.date.fromisoformat(as_of))
    if not gate.may_publish:
        raise GateFailed(gate)
    return {
        "gate_run_id": gate.gate_run_id,
        "status": gate.status,
        "expectations": len(gate.outcomes),
        "warnings": len(gate.warnings),
        "as_of": as_of,
    }


def publish_master(gate_run_id: int, as_of: str) -> dict:
    """Master step 3 of 3: publish what the gate run validated, in one transaction."""
    import datetime as dt

    from shouwang.db import get_engine
    from shouwang.master.night import publish_validated

    published = publish_validated(get_engine(), gate_run_id, dt.date.fromisoformat(as_of))
    log.info("master version %s published as of %s", published["version"], as_of)
    return published


def validate_feeds() -> dict:
    """Before linkage: validate the feeds that received deliveries. Failing non-critical feeds are
    quarantined for the night (the last good data stays in staging); a failing critical feed
    fails the task, so nothing downstream runs. Counts only."""
    from shouwang.db import get_engine
    from shouwang.gate.gate import run_feed_gate

    result = run_feed_gate(get_engine())
    outcomes = list(result.checked.values())
    return {
        "gate_run_id": result.gate.gate_run_id,
        "feeds_checked": len(outcomes),
        "quarantined": sorted(f for f, o in result.checked.items() if o == "quarantined"),
        "warned": outcomes.count("warned"),
    }


def refresh_marts() -> dict:
    """Marts step 1 of 2: profile, alerts, roster and the nightly comparison (counts only)."""
    from shouwang.db import get_engine
    from shouwang.marts import refresh_marts as refresh

    report = refresh(get_engine())
    f = report.figures
    log.info("marts run %s as of %s: %s households", report.run_id, report.as_of, f["households"])
    return {
        "marts_run": report.run_id,
        "as_of": report.as_of.isoformat(),
        "households": f["households"],
        "open_alerts": sum(f["open_alerts"].values()),
        "raised": f["lifecycle"]["raised"],
    }


def write_marts_reports(marts_run: int) -> dict:
    """Marts step 2 of 2: the run's HTML report, township work lists and summary (file counts)."""
    from shouwang.config import load_settings
    from shouwang.db import get_engine
    from shouwang.marts.reports import write_reports

    files = write_reports(get_engine(), load_settings().home / "reports", marts_run)
    log.info("marts run %s: report and %s work lists written", marts_run, len(files.work_lists))
    return {"marts_run": marts_run, "work_lists": len(files.work_lists), "pushed": files.pushed}


def recorded(kind: str, run_key: str | None, stage_name: str, fn, *args, **kwargs):
    """Run a task callable as one stage of the run `run_key` (the Airflow dag run id) in ops.run /
    ops.run_stage, so `shouwang status` shows Airflow's nights like the CLI's. Scalar counts only."""
    if not run_key:
        return fn(*args, **kwargs)
    from shouwang.db import get_engine
    from shouwang.orchestration.runs import open_run, stage

    engine = get_engine()
    run = open_run(engine, kind, run_key)
    with stage(engine, run, stage_name) as s:
        out = fn(*args, **kwargs)
        if isinstance(out, dict):
            s.figures = {k: v for k, v in out.items() if isinstance(v, int | float | str | bool | list)}
    return out


def finish_recorded_run(
    kind: str, run_key: str | None, status: str = "succeeded", summary: dict | None = None
) -> None:
    """Close the ops.run of an Airflow dag run (its last task calls this)."""
    if not run_key:
        return
    from shouwang.db import get_engine
    from shouwang.orchestration.runs import finish_run, open_run

    engine = get_engine()
    finish_run(engine, open_run(engine, kind, run_key), status, summary)


def wait_for_feeds(started_at, wait_minutes: int | None = None) -> tuple[bool, dict]:
    """Before the night: are feeds late? Done when none is, or when the wait is over (the night
    then goes ahead with the last good data of the late feeds, named in the result as stale)."""
    import datetime as dt

    from shouwang.db import get_engine
    from shouwang.master.night import default_as_of
    from shouwang.orchestration.freshness import stale_feeds
    from shouwang.orchestration.freshness import wait_minutes as configured_wait

    engine = get_engine()
    as_of = default_as_of(engine)
    stale = stale_feeds(engine, as_of)
    wait = configured_wait() if wait_minutes is None else wait_minutes
    now = dt.datetime.now(dt.UTC)
    started = started_at or now
    over = now >= started + dt.timedelta(minutes=wait)
    if stale and not over:
        log.info("%s feeds late; waiting until %s", len(stale), started + dt.timedelta(minutes=wait))
    return (not stale or over), {"as_of": as_of.isoformat(), "stale": stale}
