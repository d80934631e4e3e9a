"""Apply a conformed delivery to its staging table as a change set, and undo one (for replays).

Full snapshots are compared with the current state by record key and row hash (new / changed /
removed); delta deliveries apply their 变更类型 (upsert or remove). Changed and removed records keep
their old versions (valid_to set), so staging holds current state and history; staging.change_log
lists what each delivery changed, for incremental downstream work.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from shouwang.registry import Feed
from shouwang.staging.schema import staged_columns

_VERSION_COLUMNS = ("valid_from", "valid_to", "change_kind")


@dataclass(frozen=True)
class ChangeCounts:
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    remove_unknown: int = 0  # delta removals of keys that were not current (no-op, reported)


def _copy_frame(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY a DataFrame into `table` (columns by name) through the driver's fast path."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False)
    buf.seek(0)
    cols = ", ".join(frame.columns)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '')", buf)


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integers and booleans written as PostgreSQL reads them."""
    out = frame.copy()
    if "parse_issues" in out.columns:
        out["parse_issues"] = out["parse_issues"].map(
            lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else None
        )
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) == "boolean":
            out[col] = s.map({True: "t", False: "f"}).astype(object)
    # datetime64 columns need nothing: to_csv writes ISO dates (timestamps where a time is present).
    return out


def apply_changes(conn: Connection, feed: Feed, delivery_id: int, staged: pd.DataFrame) -> ChangeCounts:
    """Apply one delivery's usable rows (must run inside the delivery's transaction)."""
    t = feed.feed_id
    data_cols = [c for c, _ in staged_columns(feed) if c not in _VERSION_COLUMNS and c in staged.columns]
    params = {"d": delivery_id, "f": t}
    if _is_first_load(conn, t):
        return _first_load(conn, feed, delivery_id, staged, data_cols)
    conn.exec_driver_sql("DROP TABLE IF EXISTS pg_temp.tmp_load")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE tmp_load ON COMMIT DROP AS"
        f" SELECT {', '.join(data_cols)} FROM staging.{t} WITH NO DATA"
    )
    conn.exec_driver_sql("ALTER TABLE tmp_load ADD COLUMN action text")
    if len(staged):
        _copy_frame(conn, "tmp_load", _prepare(staged[data_cols + ["action"]]))
    conn.exec_driver_sql("ANALYZE tmp_load")
    if feed.is_delta:
        classify = f"""
            INSERT INTO staging.change_log (delivery_id, feed_id, record_key, change_kind)
            SELECT %(d)s, %(f)s, n.record_key,
                   CASE WHEN n.action = 'remove' THEN 'removed'
                        WHEN c.record_key IS NULL THEN 'new' ELSE 'changed' END
            FROM tmp_load n LEFT JOIN staging.{t} c ON c.record_key = n.record_key AND c.valid_to IS NULL
            WHERE (n.action = 'remove' AND c.record_key IS NOT NULL)
               OR (n.action = 'upsert' AND (c.record_key IS NULL OR c.row_hash <> n.row_hash))"""
    else:
        classify = f"""
            INSERT INTO staging.change_log (delivery_id, feed_id, record_key, change_kind)
            SELECT %(d)s, %(f)s, COALESCE(n.record_key, c.record_key),
                   CASE WHEN c.record_key IS NULL THEN 'new'
                        WHEN n.record_key IS NULL THEN 'removed' ELSE 'changed' END
            FROM tmp_load n
            FULL JOIN (SELECT record_key, row_hash FROM staging.{t} WHERE valid_to IS NULL) c
                   ON c.record_key = n.record_key
            WHERE c.record_key IS NULL OR n.record_key IS NULL OR c.row_hash <> n.row_hash"""
    conn.exec_driver_sql(classify, params)
    conn.exec_driver_sql(
        f"""UPDATE staging.{t} s SET valid_to = %(d)s
            FROM staging.change_log l
            WHERE l.delivery_id = %(d)s AND l.change_kind IN ('changed', 'removed')
              AND s.record_key = l.record_key AND s.valid_to IS NULL""",
        params,
    )
    cols = ", ".join(data_cols)
    ncols = ", ".join(f"n.{c}" for c in data_cols)
    # New and changed rows become current versions; a delta removal keeps its row as a closed
    # tombstone (valid_from = valid_to = this delivery) so that e.g. a 注销 record's content survives.
    conn.exec_driver_sql(
        f"""INSERT INTO staging.{t} ({cols}, valid_from, valid_to, change_kind)
            SELECT {ncols}, %(d)s,
                   CASE WHEN l.change_kind = 'removed' THEN %(d)s END, l.change_kind
            FROM tmp_load n
            JOIN staging.change_log l ON l.delivery_id = %(d)s AND l.record_key = n.record_key""",
        params,
    )
    counts = dict(
        conn.exec_driver_sql(
            "SELECT change_kind, count(*) FROM staging.change_log WHERE delivery_id = %(d)s GROUP BY 1",
            params,
        ).all()
    )
    remove_unknown = 0
    if feed.is_delta and len(staged):
        removes = int((staged["action"] == "remove").sum())
        remove_unknown = removes - counts.get("removed", 0)
    touched = counts.get("new", 0) + counts.get("changed", 0)
    touched += counts.get("removed", 0) if feed.is_delta else 0
    return ChangeCounts(
        new=counts.get("new", 0),
        changed=counts.get("changed", 0),
        removed=counts.get("removed", 0),
        unchanged=len(staged) - touched - remove_unknown,
        remove_unknown=remove_unknown,
    )


def _is_first_load(conn: Connection, table: str) -> bool:
    return conn.exec_driver_sql(f"SELECT NOT EXISTS (SELECT 1 FROM staging.{table} LIMIT 1)").scalar_one()


def _first_load(conn: Connection, feed: Feed, delivery_id: int, staged: pd.DataFrame, cols: list[str]):
    """The feed's first delivery: everything is new, so COPY straight into staging (no diff needed).

    A removal in a first delta has nothing to remove: it is counted as `remove_unknown`.
    """
    t = feed.feed_id
    rows = staged[staged["action"] != "remove"] if feed.is_delta else staged
    frame = _prepare(rows[cols]).assign(valid_from=delivery_id, change_kind="new")
    if len(frame):
        _copy_frame(conn, f"staging.{t}", frame)
    conn.exec_driver_sql(
        f"""INSERT INTO staging.change_log (delivery_id, feed_id, record_key, change_kind)
            SELECT %(d)s, %(f)s, record_key, 'new' FROM staging.{t} WHERE valid_from = %(d)s""",
        {"d": delivery_id, "f": t},
    )
    conn.exec_driver_sql(f"ANALYZE staging.{t}")
    return ChangeCounts(new=len(rows), remove_unknown=len(staged) - len(rows))


def rollback_changes(conn: Connection, feed: Feed, delivery_id: int) -> None:
    """Undo what `delivery_id` did to staging (used before a correction or an out-of-order replay)."""
    t = feed.feed_id
    params = {"d": delivery_id}
    conn.exec_driver_sql(f"DELETE FROM staging.{t} WHERE valid_from = %(d)s", params)
    conn.exec_driver_sql(f"UPDATE staging.{t} SET valid_to = NULL WHERE valid_to = %(d)s", params)
    conn.exec_driver_sql("DELETE FROM staging.change_log WHERE delivery_id = %(d)s", params)


def insert_quarantine(conn: Connection, feed: Feed, delivery_id: int, rows: pd.DataFrame) -> None:
    """Store quarantined rows with their reason and the raw row as delivered."""
    if rows.empty:
        return
    frame = pd.DataFrame(
        {
            "delivery_id": delivery_id,
            "feed_id": feed.feed_id,
            "line_no": rows["line_no"].astype("Int64"),
            "record_key": rows["record_key"],
            "reason_code": rows["reason_code"],
            "message": rows["message"],
            "raw": [json.dumps(r, ensure_ascii=False) for r in rows["raw"]],
        }
    )
    _copy_frame(conn, "quarantine.row", frame)
