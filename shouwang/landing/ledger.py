"""The delivery ledger (raw.delivery): what arrived, when, its hash, and what became of it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from shouwang.landing.discover import Delivery


@dataclass(frozen=True)
class LedgerEntry:
    delivery_id: int
    status: str
    extract_date: object
    archive_path: str


def find(conn: Connection, feed_id: str, sha256: str) -> LedgerEntry | None:
    row = conn.execute(
        text(
            "SELECT delivery_id, status, extract_date, archive_path FROM raw.delivery"
            " WHERE feed_id = :f AND sha256 = :h"
        ),
        {"f": feed_id, "h": sha256},
    ).first()
    return LedgerEntry(*row) if row else None


def already_seen(conn: Connection, path: Path) -> LedgerEntry | None:
    """The finished delivery this very file was already read as (same path and size, not modified
    since it was last seen): lets a run skip re-hashing files left in the landing zone."""
    stat = path.stat()
    # ctime too: a corrected file copied with its old mtime kept (cp -p, rsync -t) still changes it
    changed_at = max(stat.st_mtime, stat.st_ctime)
    row = conn.execute(
        text(
            "SELECT d.delivery_id, d.status, d.extract_date, d.archive_path"
            " FROM raw.delivery_sighting s JOIN raw.delivery d USING (delivery_id)"
            " WHERE s.file_path = :p AND d.size_bytes = :size AND d.status <> 'received'"
            "   AND s.seen_at >= to_timestamp(:mtime)"
            " ORDER BY s.seen_at DESC LIMIT 1"
        ),
        {"p": str(path), "size": stat.st_size, "mtime": changed_at},
    ).first()
    return LedgerEntry(*row) if row else None


def register(conn: Connection, delivery: Delivery, sha256: str, size: int, archive_path: Path) -> int:
    """Record a newly arrived file (status 'received') and return its delivery id."""
    feed = delivery.feed
    return conn.execute(
        text(
            "INSERT INTO raw.delivery (feed_id, dept, feed, file_name, extract_date, sha256, size_bytes,"
            " archive_path) VALUES (:fid, :dept, :feed, :name, :date, :sha, :size, :arch)"
            " ON CONFLICT (feed_id, sha256) DO UPDATE SET file_name = EXCLUDED.file_name"
            " RETURNING delivery_id"
        ),
        {
            "fid": feed.feed_id,
            "dept": feed.dept,
            "feed": feed.feed,
            "name": delivery.path.name,
            "date": delivery.extract_date,
            "sha": sha256,
            "size": size,
            "arch": str(archive_path),
        },
    ).scalar_one()


def sighting(conn: Connection, delivery_id: int, path: Path, outcome: str) -> None:
    conn.execute(
        text("INSERT INTO raw.delivery_sighting (delivery_id, file_path, outcome) VALUES (:d, :p, :o)"),
        {"d": delivery_id, "p": str(path), "o": outcome},
    )


def applied_from(conn: Connection, feed_id: str, extract_date, exclude: int) -> list[LedgerEntry]:
    """Loaded deliveries of the feed at or after `extract_date`, newest applied first."""
    rows = conn.execute(
        text(
            "SELECT delivery_id, status, extract_date, archive_path FROM raw.delivery"
            " WHERE feed_id = :f AND status = 'loaded' AND extract_date >= :d AND delivery_id <> :x"
            " ORDER BY applied_seq DESC"
        ),
        {"f": feed_id, "d": extract_date, "x": exclude},
    ).all()
    return [LedgerEntry(*r) for r in rows]


def record_outcome(
    conn: Connection, delivery_id: int, status: str, counts: dict, problems: list[dict]
) -> None:
    """Store the accounting and problems of a finished delivery."""
    conn.execute(
        text(
            "UPDATE raw.delivery SET status = :status, problems = CAST(:problems AS jsonb),"
            " rows_read = :rows_read, rows_loaded = :rows_loaded, rows_quarantined = :rows_quarantined,"
            " rows_duplicate = :rows_duplicate, rows_new = :rows_new, rows_changed = :rows_changed,"
            " rows_removed = :rows_removed, rows_unchanged = :rows_unchanged, loaded_at = now(),"
            " superseded_by = NULL,"
            " applied_seq = CASE WHEN :status = 'loaded' THEN nextval('raw.delivery_applied_seq') END"
            " WHERE delivery_id = :d"
        ),
        {"d": delivery_id, "status": status, "problems": json.dumps(problems, ensure_ascii=False), **counts},
    )


def mark_superseded(conn: Connection, old_id: int, new_id: int) -> None:
    conn.execute(
        text("UPDATE raw.delivery SET status = 'superseded', superseded_by = :n WHERE delivery_id = :o"),
        {"o": old_id, "n": new_id},
    )
