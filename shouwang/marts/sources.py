"""Where the marts read from: the departments' current staged records, placed in the published
master through the linkage crosswalk.

One helper so every rule reads a feed the same way: current rows only (no delta tombstones), the
record's master person from `linkage.crosswalk`, the household from the published
`master.membership` (not the linkage run's), so a night whose master failed the gate is read
against the last good master. Records whose person is not in the published master are left out
of the marts and counted (`unplaced`), never guessed.
"""

from __future__ import annotations

from sqlalchemy import Connection


def feed_rows(feed_id: str, columns: str, where: str = "TRUE", with_person: bool = False) -> str:
    """SQL selecting household_id, person_id, feed_id, record_key and `columns` (the feed's row is
    `s`, the crosswalk `x`; with_person adds the master person as `p`) of a feed's current records
    placed in the published master."""
    person = "JOIN master.person p ON p.person_id = x.person_id" if with_person else ""
    return f"""
        SELECT m.household_id, x.person_id, '{feed_id}'::text AS feed_id, s.record_key, {columns}
        FROM staging.{feed_id}_current s
        JOIN linkage.crosswalk x ON x.feed_id = '{feed_id}' AND x.record_key = s.record_key
        JOIN master.membership m ON m.person_id = x.person_id {person}
        WHERE s.change_kind <> 'removed' AND ({where})"""


def analyze(conn: Connection, *tables: str) -> None:
    """Fresh planner statistics for tables just filled in this transaction: temporary tables are
    never analysed by autovacuum, and a table truncated and refilled looks empty to the planner,
    which then picks nested loops that are quadratic at 1.5 M persons."""
    for table in tables:
        conn.exec_driver_sql(f"ANALYZE {table}")


def has_feed(conn: Connection, feed_id: str) -> bool:
    """A feed's staging table exists (a county may not deliver every feed)."""
    return bool(
        conn.exec_driver_sql(
            "SELECT to_regclass(%(t)s) IS NOT NULL", {"t": f"staging.{feed_id}_current"}
        ).scalar()
    )


def unplaced_records(conn: Connection, feed_ids: list[str]) -> dict[str, int]:
    """Per feed: current person records the marts could not place in the published master."""
    out: dict[str, int] = {}
    for f in feed_ids:
        if not has_feed(conn, f):
            continue
        n = conn.exec_driver_sql(
            f"""SELECT count(*) FROM staging.{f}_current s
                LEFT JOIN linkage.crosswalk x ON x.feed_id = '{f}' AND x.record_key = s.record_key
                LEFT JOIN master.membership m ON m.person_id = x.person_id
                WHERE s.change_kind <> 'removed' AND m.person_id IS NULL"""
        ).scalar_one()
        if n:
            out[f] = int(n)
    return out
