"""Staging table layout, derived from the registry.

Each feed has one table `staging.<dept>_<feed>` holding every version of every record:
the current state is `valid_to IS NULL` (view `staging.<feed_id>_current`), history is the rest.
Column names come from the registry's canonical fields; each column type expands into the typed
columns listed in feeds.yaml's header. The fixed tables live in sql/migrations; these are created
and widened (never narrowed) by `shouwang db upgrade` from the registry, so a new feed needs no SQL.
"""

from __future__ import annotations

from shouwang.registry import Column, Feed

META_COLUMNS: list[tuple[str, str]] = [
    ("record_key", "text NOT NULL"),
    ("row_hash", "bigint NOT NULL"),
    ("valid_from", "bigint NOT NULL"),  # delivery_id that introduced this version
    ("valid_to", "bigint"),  # delivery_id that closed it (changed or removed); NULL = current
    ("change_kind", "text NOT NULL"),  # new | changed | removed (tombstone of a delta removal)
    ("line_no", "integer"),
    ("parse_issues", "jsonb"),  # {field: raw value} for optional values that could not be parsed
]

_SCALAR_TYPES = {
    "text": "text",
    "enum": "text",
    "sex": "text",
    "change_type": "text",
    "date": "date",
    "month": "date",
    "datetime": "timestamp",
    "year": "integer",
    "int": "bigint",
    "decimal": "numeric(16,2)",
    "bool": "boolean",
}


def column_expansion(col: Column) -> list[tuple[str, str]]:
    """Staging columns (name, SQL type) produced by one registry column."""
    f = col.field
    t = col.type
    if t in _SCALAR_TYPES:
        return [(f, _SCALAR_TYPES[t])]
    if t in ("id", "ids"):
        cols = [(f, "text"), (f"{f}_raw", "text"), (f"{f}_status", "text")]
        if f == "id_number":
            cols += [("id_sex", "text"), ("id_birth_date", "date")]
        if t == "ids":
            cols.append((f"{f}_all", "text"))
        return cols
    if t in ("name", "names"):
        cols = [(f, "text"), (f"{f}_raw", "text"), (f"{f}_note", "text")]
        if t == "names":
            cols.append((f"{f}_all", "text"))
        return cols
    if t == "phone":
        return [(f, "text"), (f"{f}_raw", "text")]
    if t in ("township", "village"):
        return [(f"{f}_code", "text"), (f, "text")]
    if t == "address":
        return [
            (f, "text"),
            (f"{f}_township_code", "text"),
            (f"{f}_village_code", "text"),
            (f"{f}_detail", "text"),  # group (G8) or house number (N63): standardize.places.address_detail
        ]
    raise ValueError(f"unknown column type {t!r}")


def staged_columns(feed: Feed) -> list[tuple[str, str]]:
    """All columns of the feed's staging table, meta columns first."""
    cols = list(META_COLUMNS)
    for col in feed.columns:
        cols += column_expansion(col)
    fields = {c.field for c in feed.columns}
    if "id_number" in fields and "sex" in fields:
        cols.append(("sex_conflict", "boolean"))  # given sex differs from the ID's
    if "id_number" in fields and "birth_date" in fields:
        cols.append(("birth_date_conflict", "boolean"))
    return cols


def table_name(feed: Feed) -> str:
    return f"staging.{feed.feed_id}"


def ddl_statements(feed: Feed) -> list[str]:
    """Idempotent DDL creating or widening the feed's staging table, its indexes and current view."""
    t = feed.feed_id
    cols = staged_columns(feed)
    body = ",\n    ".join(f"{name} {sqltype}" for name, sqltype in cols)
    stmts = [f"CREATE TABLE IF NOT EXISTS staging.{t} (\n    {body}\n)"]
    stmts += [
        f"ALTER TABLE staging.{t} ADD COLUMN IF NOT EXISTS {name} {sqltype.replace(' NOT NULL', '')}"
        for name, sqltype in cols
    ]
    # One index only: the current record per key (integrity, and the merge of each delivery).
    # Every extra index costs more on a large first snapshot than the load itself; later stages
    # create what they query by (rollbacks and history scans are rare and may scan).
    stmts += [
        drop_stale_key_index_sql(feed),
        current_key_index_sql(feed),
        f"CREATE OR REPLACE VIEW staging.{t}_current AS SELECT * FROM staging.{t} WHERE valid_to IS NULL",
    ]
    return stmts


def current_key_index_sql(feed: Feed) -> str:
    """The unique index of current records by key, in byte order (collation "C").

    A record key is an opaque identifier, never sorted for people, so its index compares bytes:
    building it after a large first load takes half the time of the database's collation (the 40
    indexes of a 450k county: 11.5 -> 5.1 s). A query that should use it compares with
    `COLLATE "C"` (equality means the same in either collation).
    """
    t = feed.feed_id
    sql = f'CREATE UNIQUE INDEX IF NOT EXISTS {t}_current_key ON staging.{t} (record_key COLLATE "C")'
    return sql + " WHERE valid_to IS NULL"


def drop_stale_key_index_sql(feed: Feed) -> str:
    """Drop the current-key index if an earlier version built it in another collation (it is
    then rebuilt by `current_key_index_sql`)."""
    t = feed.feed_id
    return f"""DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.oid = to_regclass('staging.{t}_current_key')
                     AND i.indcollation[0] <> '"C"'::regcollation) THEN
            DROP INDEX staging.{t}_current_key;
        END IF;
    END $$"""
