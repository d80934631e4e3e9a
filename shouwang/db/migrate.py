"""Versioned, idempotent migrations: `sql/migrations/V<NNN>__<name>.sql` applied in order.

Applied files are recorded with their checksum in ops.schema_migration; changing an applied file is an
error (write a new migration instead). After the SQL files, the reference divisions are seeded and
the per-feed staging tables are created or widened from the registry.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from shouwang.config import load_settings
from shouwang.registry import Feed, Registry, load_registry
from shouwang.staging.schema import ddl_statements

log = logging.getLogger(__name__)
_FILE = re.compile(r"^V(\d{3,})__([a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_300_001  # advisory lock: one migrator at a time


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(sql_dir: Path) -> list[Migration]:
    found = []
    for p in sorted(sql_dir.glob("*.sql")):
        m = _FILE.match(p.name)
        if not m:
            raise MigrationError(f"migration file name not of the form V001__name.sql: {p.name}")
        found.append(Migration(int(m.group(1)), m.group(2), p))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migrations share a version number")
    return sorted(found, key=lambda m: m.version)


def upgrade(engine: Engine, sql_dir: Path | None = None, registry: Registry | None = None) -> list[str]:
    """Apply pending migrations, seed reference data, sync staging tables. Returns applied names."""
    sql_dir = sql_dir or load_settings().sql_dir
    registry = registry or load_registry()
    applied_now: list[str] = []
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS ops"))
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS ops.schema_migration ("
                " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
        )
        done = {
            row.version: row.checksum
            for row in conn.execute(text("SELECT version, checksum FROM ops.schema_migration"))
        }
        for mig in discover(sql_dir):
            if mig.version in done:
                if done[mig.version] != mig.checksum:
                    raise MigrationError(
                        f"V{mig.version:03d}__{mig.name} was changed after it was applied;"
                        " add a new migration instead"
                    )
                continue
            conn.exec_driver_sql(mig.path.read_text(encoding="utf-8"))
            conn.execute(
                text("INSERT INTO ops.schema_migration (version, name, checksum) VALUES (:v, :n, :c)"),
                {"v": mig.version, "n": mig.name, "c": mig.checksum},
            )
            applied_now.append(f"V{mig.version:03d}__{mig.name}")
        _seed_reference(conn)
        for feed in registry:
            existing = _staging_columns(conn, feed.feed_id)
            for stmt in ddl_statements(feed):
                conn.exec_driver_sql(stmt)
            if existing:
                _backfill_derived_columns(conn, feed, existing)
    if applied_now:
        log.info("applied migrations: %s", ", ".join(applied_now))
    return applied_now


def _staging_columns(conn: Connection, feed_id: str) -> set[str]:
    return set(
        conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'staging' AND table_name = :t"
            ),
            {"t": feed_id},
        ).scalars()
    )


def _backfill_derived_columns(conn: Connection, feed: Feed, existing: set[str]) -> None:
    """A column derived from delivered text, added to a table that already holds rows, is filled
    from that text in SQL (rows staged later get it from the standardiser)."""
    for col in feed.columns:
        if col.type == "address" and f"{col.field}_detail" not in existing:
            conn.exec_driver_sql(
                f"UPDATE staging.{feed.feed_id} SET {col.field}_detail = linkage.address_detail({col.field})"
                f" WHERE {col.field} IS NOT NULL"
            )


def _reference_rows(name: str) -> list[dict[str, str]]:
    with resources.files("shouwang.reference").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _seed_reference(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO ref.township (township_code, township, core)"
            " VALUES (:township_code, :township, :core)"
            " ON CONFLICT (township_code) DO UPDATE SET township = EXCLUDED.township, core = EXCLUDED.core"
        ),
        _reference_rows("townships.csv"),
    )
    conn.execute(
        text(
            "INSERT INTO ref.village (village_code, township_code, village, core)"
            " VALUES (:village_code, :township_code, :village, :core) ON CONFLICT (village_code) DO NOTHING"
        ),
        _reference_rows("villages.csv"),
    )
