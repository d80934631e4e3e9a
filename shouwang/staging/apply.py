"""Apply a conformed delivery to its staging table as a change set, and undo one (for replays).

Full snapshots are compared with the current state by record key and row hash (new / changed /
removed); delta deliveries apply their 变更类型 (upsert or remove). Changed and removed records keep
their old versions (valid_to set), so staging holds current state and history; staging.change_log
lists what each later delivery changed against the state before it. A feed's first load is all new
and is not repeated in the log: its rows are those with valid_from = that delivery.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from shouwang.registry import Feed
from shouwang.staging.schema import current_key_index_sql, staged_columns

_VERSION_COLUMNS = ("valid_from", "valid_to", "change_kind")


@dataclass(frozen=True)
class ChangeCounts:
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    remove_unknown: int = 0  # delta removals of keys that were not current (no-op, reported)


def _arrow_column(values, sql_type: str | None):
    """One column as an Arrow array typed for PostgreSQL's CSV input."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):  # delivered text passed through unchanged
        return values
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, np.ndarray) and values.dtype == object:
        if sql_type == "jsonb":  # mostly empty: serialise only the values that are there
            present = np.flatnonzero(np.not_equal(values, None))
            if not len(present):
                return pa.nulls(len(values), pa.string())
            text = np.full(len(values), None, dtype=object)
            text[present] = [
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for v in values[present]
            ]
            values = text
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    else:
        arr = pa.array(values, from_pandas=True)
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.date32()) if sql_type == "date" else arr.cast(pa.timestamp("s"), safe=False)
    return arr


COPY_CHUNK_ROWS = 100_000  # rows serialised at a time: bounds the memory of a COPY


class _ChunkStream(io.RawIOBase):
    """A file-like object over an iterator of byte chunks, for the driver's COPY FROM STDIN."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # psycopg2 sends whatever read() returns as one CopyData message, so a whole chunk at a
        # time avoids re-slicing megabytes of buffer for every `size` bytes.
        return next(self._chunks, b"")


def _csv_chunks(columns: dict[str, object], types: dict[str, str]) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    n = len(next(iter(columns.values()))) if columns else 0
    options = pcsv.WriteOptions(include_header=False)
    for start in range(0, n, COPY_CHUNK_ROWS):
        part = {
            k: _arrow_column(v[start : start + COPY_CHUNK_ROWS], types.get(k)) for k, v in columns.items()
        }
        buf = io.BytesIO()
        pcsv.write_csv(pa.table(part), buf, write_options=options)
        yield buf.getvalue()


def copy_columns(conn: Connection, table: str, columns: dict[str, object], types: dict[str, str]) -> None:
    """COPY aligned columns into `table`: Arrow's CSV writer, chunk by chunk, into the driver's COPY."""
    cols = ", ".join(columns)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        cur.copy_expert(
            f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '')",
            _ChunkStream(_csv_chunks(columns, types)),
            size=1 << 20,
        )


class NoUsableRows(Exception):
    """A full snapshot in which no row could be used: applying it would remove every record."""


def apply_changes(
    conn: Connection,
    feed: Feed,
    delivery_id: int,
    chunks: Iterable[dict],
    held_keys: Callable[[], Iterable[str]] = tuple,
    allow_removals: bool = True,
) -> ChangeCounts:
    """Apply one delivery's usable rows, given chunk by chunk (inside the delivery's transaction).

    `held_keys` (called once the chunks are consumed) are the keys of rows this delivery has but
    quarantined: in a full snapshot they are neither changed nor removed, since a row that failed
    its checks says nothing about whether the record still exists. `allow_removals` False (a line
    whose key could not be read) keeps every record a full snapshot does not mention.
    """
    t = feed.feed_id
    types = {c: sqltype.split()[0] for c, sqltype in staged_columns(feed)}
    data_cols = [c for c in types if c not in _VERSION_COLUMNS]
    params = {"d": delivery_id, "f": t}
    if _is_first_load(conn, t):
        return _first_load(conn, feed, delivery_id, chunks, data_cols, types)
    conn.exec_driver_sql("DROP TABLE IF EXISTS pg_temp.tmp_load")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE tmp_load ON COMMIT DROP AS"
        f" SELECT {', '.join(data_cols)} FROM staging.{t} WITH NO DATA"
    )
    conn.exec_driver_sql("ALTER TABLE tmp_load ADD COLUMN action text")
    n_staged = removes = 0
    for staged in chunks:
        n_staged += len(staged["record_key"])
        removes += int((staged["action"] == "remove").sum())
        copy_columns(conn, "tmp_load", {c: staged[c] for c in [*data_cols, "action"]}, types)
    if n_staged == 0 and not feed.is_delta:
        raise NoUsableRows(f"no usable row in a full snapshot of {t}")
    if not feed.is_delta:
        held = sorted({k for k in held_keys() if k is not None})
        if held:
            conn.exec_driver_sql(
                "INSERT INTO tmp_load (record_key, row_hash, action) SELECT k, 0, 'hold' FROM unnest(%(k)s) k"
                " WHERE NOT EXISTS (SELECT 1 FROM tmp_load t WHERE t.record_key = k)",
                {"k": held},
            )
    conn.exec_driver_sql("ANALYZE tmp_load")
    if feed.is_delta:
        classify = f"""
            INSERT INTO staging.change_log (delivery_id, feed_id, record_key, change_kind)
            SELECT %(d)s, %(f)s, n.record_key,
                   CASE WHEN n.action = 'remove' THEN 'removed'
                        WHEN c.record_key IS NULL THEN 'new' ELSE 'changed' END
            FROM tmp_load n LEFT JOIN staging.{t} c
                 ON c.record_key = n.record_key COLLATE "C" AND c.valid_to IS NULL
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
            WHERE (c.record_key IS NULL AND n.action <> 'hold') OR (n.record_key IS NULL AND %(rm)s)
               OR (n.action <> 'hold' AND c.row_hash <> n.row_hash)"""
    conn.exec_driver_sql(classify, {**params, "rm": allow_removals})
    conn.exec_driver_sql(
        f"""UPDATE staging.{t} s SET valid_to = %(d)s
            FROM staging.change_log l
            WHERE l.delivery_id = %(d)s AND l.change_kind IN ('changed', 'removed')
              AND s.record_key = l.record_key COLLATE "C" AND s.valid_to IS NULL""",
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
    remove_unknown = removes - counts.get("removed", 0) if feed.is_delta else 0
    touched = counts.get("new", 0) + counts.get("changed", 0)
    touched += counts.get("removed", 0) if feed.is_delta else 0
    return ChangeCounts(
        new=counts.get("new", 0),
        changed=counts.get("changed", 0),
        removed=counts.get("removed", 0),
        unchanged=n_staged - touched - remove_unknown,
        remove_unknown=remove_unknown,
    )


def _rows_where(values, mask: np.ndarray):
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.filter(pa.array(mask))
    return values[mask]


def _is_first_load(conn: Connection, table: str) -> bool:
    return conn.exec_driver_sql(f"SELECT NOT EXISTS (SELECT 1 FROM staging.{table} LIMIT 1)").scalar_one()


def _first_load(
    conn: Connection, feed: Feed, delivery_id: int, chunks: Iterable[dict], cols: list[str], types: dict
) -> ChangeCounts:
    """The feed's first delivery: everything is new, so COPY straight into staging (no diff needed).

    A removal in a first delta has nothing to remove: it is counted as `remove_unknown`.
    """
    import pyarrow as pa

    t = feed.feed_id
    # Building the key index once after the COPY is several times cheaper than maintaining it
    # row by row; the DROP is part of this transaction, so a failure restores it.
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS staging.{t}_current_key")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    n_new = n_removes = 0
    for staged in chunks:
        keep = staged["action"] != "remove"
        n = int(keep.sum())
        n_new += n
        n_removes += len(keep) - n
        columns = {c: _rows_where(staged[c], keep) if n < len(keep) else staged[c] for c in cols}
        columns["valid_from"] = np.full(n, delivery_id, dtype=np.int64)
        columns["change_kind"] = pa.repeat("new", n)
        copy_columns(conn, f"staging.{t}", columns, types)
    if n_new == 0 and not feed.is_delta:
        raise NoUsableRows(f"no usable row in the first snapshot of {t}")
    conn.exec_driver_sql(current_key_index_sql(feed))
    # No change_log rows: on a first load every row is new and staging itself says so
    # (valid_from = this delivery, change_kind 'new'); copying 1.5 M keys of a large feed into the
    # log again cost 10 % of its load.
    conn.exec_driver_sql(f"ANALYZE staging.{t}")
    return ChangeCounts(new=n_new, remove_unknown=n_removes)


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
    n = len(rows)
    columns = {
        "delivery_id": np.full(n, delivery_id, dtype=np.int64),
        "feed_id": np.full(n, feed.feed_id, dtype=object),
        "line_no": rows["line_no"].astype("Int64").array,
        "record_key": rows["record_key"].to_numpy(dtype=object),
        "reason_code": rows["reason_code"].to_numpy(dtype=object),
        "message": rows["message"].to_numpy(dtype=object),
        "raw": rows["raw"].to_numpy(dtype=object),
    }
    copy_columns(conn, "quarantine.row", columns, {"raw": "jsonb"})
