"""Publish the validated candidate as the next master version, in one transaction.

The history tables are SCD type 2: a row whose values changed (or that is gone) is closed
(`valid_to` = tonight's as-of date, `retired_version` = this publication) and the new values are
inserted as the current row. The current master (`master.person` / `household` / `membership`)
is the set of rows not retired, so a reader in another transaction sees the whole previous version
until the commit and the whole new one after it: never a mix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import Connection

from shouwang.master.golden import candidate_columns

log = logging.getLogger(__name__)

TABLES = (("person", "person_id"), ("household", "household_id"), ("membership", "person_id"))
_LOCK = "shouwang.master.publish"


class PublishError(RuntimeError):
    """The candidate cannot be published (an earlier date than the current master, or no build)."""


def current_version(conn: Connection) -> int | None:
    return conn.exec_driver_sql("SELECT max(version) FROM master.publication").scalar_one()


def publish(conn: Connection, gate_run_id: int, as_of: dt.date) -> dict:
    """Apply master_candidate to the history tables; returns the version and rows opened/closed.

    Runs inside the caller's transaction: nothing is visible to readers before its commit.
    """
    q = conn.exec_driver_sql
    q("SELECT pg_advisory_xact_lock(hashtext(%(k)s))", {"k": _LOCK})
    built = q("SELECT as_of_date FROM master_candidate.build").scalar_one_or_none()
    if built != as_of:
        raise PublishError(f"the candidate was built for {built}, not {as_of}: build it again")
    last = q("SELECT max(as_of_date) FROM master.publication").scalar_one()
    if last is not None and as_of < last:
        raise PublishError(f"the master is already published as of {last}; {as_of} is earlier")
    version = q(
        "INSERT INTO master.publication (gate_run_id, as_of_date) VALUES (%(g)s, %(d)s) RETURNING version",
        {"g": gate_run_id, "d": as_of},
    ).scalar_one()
    figures = {}
    for table, key in TABLES:
        columns = list(candidate_columns(conn, table))
        closed = q(
            f"""UPDATE master.{table}_history h SET valid_to = %(d)s, retired_version = %(v)s
                WHERE h.retired_version IS NULL AND NOT EXISTS (
                    SELECT 1 FROM master_candidate.{table} c
                    WHERE c.{key} = h.{key} AND c.row_hash = h.row_hash)""",
            {"d": as_of, "v": version},
        ).rowcount
        opened = q(
            f"""INSERT INTO master.{table}_history ({", ".join(columns)}, valid_from, published_version)
                SELECT {", ".join(f"c.{c}" for c in columns)}, %(d)s, %(v)s
                FROM master_candidate.{table} c
                WHERE NOT EXISTS (SELECT 1 FROM master.{table}_history h
                                  WHERE h.{key} = c.{key} AND h.retired_version IS NULL)""",
            {"d": as_of, "v": version},
        ).rowcount
        # lineage is not part of a version's identity: an unchanged value keeps the source that set it
        figures[table] = {"opened": opened, "closed": closed}
    # the keyed ID hashes that serve lookups by ID number follow the current persons
    keys = q("SELECT audit.sync_person_key(%(v)s)", {"v": version}).scalar_one()
    q(
        "UPDATE master.publication SET figures = %(f)s WHERE version = %(v)s",
        {"f": json.dumps(figures), "v": version},
    )
    if any(f["opened"] or f["closed"] for f in figures.values()):
        # readers (the marts, other systems) plan their joins on these statistics; a first publish of
        # 1.5 M persons left to autovacuum is estimated at a few thousand rows for a while
        for table in ("person", "household", "membership"):
            q(f"ANALYZE master.{table}_history")
        q("ANALYZE master.person_key")
    log.info("master version %s published as of %s: %s; %s ID keys written", version, as_of, figures, keys)
    return {"version": version, "as_of": as_of.isoformat(), **figures}
