"""Load one delivery file: archive it, record it in the ledger, read, conform, apply, account.

The expensive part (reading and standardising) happens before the database transaction; the
ledger update, the change set and the quarantine rows are written in one transaction, so a
delivery is either fully applied or not at all, and a retry after a crash starts cleanly.

Ordering: a feed's deliveries are applied in extract-date order. A corrected re-delivery for a
date already loaded supersedes that delivery (which is kept, status 'superseded'); a late delivery
older than what is loaded is slotted in by undoing the newer ones and replaying them from the archive.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, text

from shouwang.landing import ledger
from shouwang.landing.archive import archive_file, file_sha256
from shouwang.landing.discover import Delivery
from shouwang.landing.readers import FileProblem, ReadResult, RejectedFile, read_delivery
from shouwang.registry import Feed
from shouwang.staging.apply import (
    ChangeCounts,
    NoUsableRows,
    apply_changes,
    insert_quarantine,
    rollback_changes,
)
from shouwang.staging.conform import Plan, analyse, conform_chunks, reject_all, with_bad_lines

log = logging.getLogger(__name__)


ROW_COUNTS = (
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_duplicate",
    "rows_new",
    "rows_changed",
    "rows_removed",
)


@dataclass
class DeliveryReport:
    """Accounting of one delivery file: rows_read = rows_loaded + rows_quarantined + rows_duplicate."""

    dept: str
    feed: str
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    status: str = "received"
    problems: list[dict] = field(default_factory=list)
    delivery_id: int | None = None
    extract_date: str | None = None
    rows_new: int = 0
    rows_changed: int = 0
    rows_removed: int = 0
    seconds: float = 0.0  # wall time of the whole delivery
    seconds_prepare: float = 0.0  # reading and standardising (Python)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_duplicate


@dataclass
class Prepared:
    """A delivery read and conformed, ready to be written; or rejected with its reasons."""

    status: str  # loaded | rejected
    problems: list[FileProblem]
    read: ReadResult | None = None
    plan: Plan | None = None
    rejected_rows: object = None  # quarantine frame when the whole file is rejected
    rows_read: int = 0
    gazetteer: object = None


def _fatal_header(feed: Feed, read: ReadResult) -> FileProblem | None:
    present = set(read.header)
    needed = [c.source for c in feed.columns if c.required or c.source in feed.key]
    missing = [c for c in needed if c not in present]
    if missing:
        return FileProblem("missing_required_column", f"required columns missing: {', '.join(missing)}", True)
    return None


def prepare(feed: Feed, path: Path, gazetteer=None) -> Prepared:
    """Read a delivery file and analyse it as a whole (no database access).

    Standardisation itself runs chunk by chunk while the delivery is written (see `_write`).
    """
    try:
        read = read_delivery(path, feed)
    except RejectedFile as exc:
        return Prepared("rejected", [exc.problem])
    problems = list(read.problems)
    fatal = next((p for p in problems if p.fatal), None) or _fatal_header(feed, read)
    if fatal is not None:
        if fatal not in problems:
            problems.append(fatal)
        rows = reject_all(read, f"file_rejected:{fatal.code}", fatal.message)
        return Prepared("rejected", problems, rejected_rows=rows, rows_read=read.rows_read)
    if read.rows_read == 0 and not feed.is_delta:
        problems.append(
            FileProblem("empty_snapshot", "a full snapshot with no rows would remove every record", True)
        )
        return Prepared("rejected", problems)
    plan = analyse(feed, read)
    return Prepared("loaded", problems, read=read, plan=plan, rows_read=read.rows_read, gazetteer=gazetteer)


def _lock_feed(conn: Connection, feed: Feed) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:f))"), {"f": f"shouwang.feed.{feed.feed_id}"})


def _write(
    conn: Connection, feed: Feed, delivery_id: int, prepared: Prepared
) -> tuple[dict, list[dict], str]:
    """Write a prepared delivery inside the current transaction; returns its counts, problems, status."""
    problems = [p.as_dict() for p in prepared.problems]
    conn.exec_driver_sql("DELETE FROM quarantine.row WHERE delivery_id = %(d)s", {"d": delivery_id})
    if prepared.status == "rejected":
        quarantined = 0
        if prepared.rejected_rows is not None:
            insert_quarantine(conn, feed, delivery_id, prepared.rejected_rows)
            quarantined = len(prepared.rejected_rows)
        counts = dict(
            rows_read=prepared.rows_read,
            rows_loaded=0,
            rows_quarantined=quarantined,
            rows_duplicate=0,
            rows_new=0,
            rows_changed=0,
            rows_removed=0,
            rows_unchanged=0,
        )
        ledger.record_outcome(conn, delivery_id, "rejected", counts, problems)
        return counts, problems, "rejected"
    read, plan = prepared.read, prepared.plan
    quarantined = [with_bad_lines(pd.DataFrame(), read, feed)] if read.bad_lines else []
    keyless = bool(quarantined) and quarantined[0]["record_key"].isna().any()
    loaded = 0

    def chunks():
        nonlocal loaded
        for chunk in conform_chunks(feed, read, plan, prepared.gazetteer):
            quarantined.append(chunk.quarantined)
            loaded += chunk.rows
            yield chunk.staged

    savepoint = conn.begin_nested()
    try:
        changes = apply_changes(
            conn,
            feed,
            delivery_id,
            chunks(),
            held_keys=lambda: (k for frame in quarantined for k in frame["record_key"]),
            allow_removals=not keyless,
        )
        savepoint.commit()
        status = "loaded"
    except NoUsableRows:
        savepoint.rollback()  # every row is quarantined with its own reason; nothing is applied
        changes, status = ChangeCounts(), "rejected"
        problems.append(
            FileProblem(
                "no_usable_rows",
                "no row of this full snapshot could be used; it would remove every record",
                True,
            ).as_dict()
        )
    n_quarantined = 0
    for frame in quarantined:
        insert_quarantine(conn, feed, delivery_id, frame)
        n_quarantined += len(frame)
    if keyless and not feed.is_delta and status == "loaded":
        problems.append(
            FileProblem(
                "removals_held", "a line without a readable key: no record is treated as removed this time"
            ).as_dict()
        )
    if changes.remove_unknown:
        problems.append(
            FileProblem(
                "remove_unknown_key", f"{changes.remove_unknown} removals of records that are not current"
            ).as_dict()
        )
    counts = dict(
        rows_read=prepared.rows_read,
        rows_loaded=loaded if status == "loaded" else 0,
        rows_quarantined=n_quarantined,
        rows_duplicate=plan.rows_duplicate,
        rows_new=changes.new,
        rows_changed=changes.changed,
        rows_removed=changes.removed,
        rows_unchanged=changes.unchanged,
    )
    ledger.record_outcome(conn, delivery_id, status, counts, problems)
    if status == "loaded" and feed.feed_id == "shuili_yinshui":
        _refresh_villages(conn, delivery_id)
    return counts, problems, status


def _refresh_villages(conn: Connection, delivery_id: int) -> None:
    """The water bureau's village ledger is the county's village list: add villages it names."""
    conn.exec_driver_sql(
        """INSERT INTO ref.village (village_code, township_code, village, core, source)
           SELECT DISTINCT ON (village_code_given) village_code_given, left(village_code_given, 9), village,
                  regexp_replace(village, '(村民委员会|居民委员会|村委会|居委会|行政村|村委|社区|村)$', ''),
                  'shuili_yinshui'
           FROM staging.shuili_yinshui
           WHERE valid_from = %(d)s AND village_code_given ~ '^[0-9]{12}$'
             AND left(village_code_given, 9) IN (SELECT township_code FROM ref.township)
           ON CONFLICT (village_code) DO NOTHING""",
        {"d": delivery_id},
    )


def load_delivery(engine: Engine, delivery: Delivery, archive_dir: Path, gazetteer=None) -> DeliveryReport:
    """Archive, record and load one delivery file; never raises for bad input (see the report)."""
    started = time.perf_counter()
    feed = delivery.feed
    report = DeliveryReport(
        dept=feed.dept,
        feed=feed.feed,
        file=delivery.path.name,
        extract_date=delivery.extract_date.isoformat(),
    )
    with engine.begin() as conn:
        seen = ledger.already_seen(conn, delivery.path)
    if seen is not None:  # left in the landing zone since it was loaded: no re-hash, no new sighting
        report.status, report.delivery_id = "identical_resend", seen.delivery_id
        report.seconds = time.perf_counter() - started
        return report
    sha = file_sha256(delivery.path)
    with engine.begin() as conn:
        entry = ledger.find(conn, feed.feed_id, sha)
        if entry is not None and entry.status != "received":
            ledger.sighting(conn, entry.delivery_id, delivery.path, "identical_resend")
            report.status, report.delivery_id = "identical_resend", entry.delivery_id
            report.seconds = time.perf_counter() - started
            return report
    archived = archive_file(delivery, sha, archive_dir)
    prepared = prepare(feed, delivery.path, gazetteer)
    report.seconds_prepare = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        _lock_feed(conn, feed)
        entry = ledger.find(conn, feed.feed_id, sha)
        if entry is not None and entry.status != "received":  # another process loaded it meanwhile
            ledger.sighting(conn, entry.delivery_id, delivery.path, "identical_resend")
            report.status, report.delivery_id = "identical_resend", entry.delivery_id
            report.seconds = time.perf_counter() - started
            return report
        delivery_id = ledger.register(conn, delivery, sha, delivery.path.stat().st_size, archived)
        later = []
        if prepared.status == "loaded":  # a rejected file must not undo what is loaded
            later = ledger.applied_from(conn, feed.feed_id, delivery.extract_date, exclude=delivery_id)
            for entry in later:  # newest first
                rollback_changes(conn, feed, entry.delivery_id)
        counts, problems, status = _write(conn, feed, delivery_id, prepared)
        superseded = [e for e in later if status == "loaded" and e.extract_date == delivery.extract_date]
        for entry in superseded:
            ledger.mark_superseded(conn, entry.delivery_id, delivery_id)
            # its quarantined rows no longer describe anything current; its counts stay in the ledger
            conn.exec_driver_sql(
                "DELETE FROM quarantine.row WHERE delivery_id = %(d)s", {"d": entry.delivery_id}
            )
            report.problems.append(
                {"code": "supersedes", "message": f"supersedes delivery {entry.delivery_id}", "fatal": False}
            )
        for entry in reversed(later):  # replay what was undone, oldest first
            if entry not in superseded:
                _write(conn, feed, entry.delivery_id, prepare(feed, Path(entry.archive_path), gazetteer))
                ledger.sighting(conn, entry.delivery_id, Path(entry.archive_path), "replayed")
        ledger.sighting(conn, delivery_id, delivery.path, "new")
    report.delivery_id = delivery_id
    report.status = status
    report.problems = problems + report.problems
    for key in ROW_COUNTS:
        setattr(report, key, counts[key])
    report.seconds = time.perf_counter() - started
    log.info(
        "%s %s: %s, read %d loaded %d quarantined %d",
        feed.feed_id,
        delivery.path.name,
        report.status,
        report.rows_read,
        report.rows_loaded,
        report.rows_quarantined,
    )
    return report
