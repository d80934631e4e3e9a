"""Linkage input: one row per current staged record that names a person, in one shape for all feeds.

The SQL is generated from the feed registry, so a 41st feed with `id_number`/`name` fields takes
part in linkage without code. Values come from staging already standardised (issue 2); this only
chooses, per feed, which staged column plays which identity role.
"""

from __future__ import annotations

from sqlalchemy import Connection

from shouwang.registry import Feed, Registry
from shouwang.registry.model import AgeRange

PERSON_SUBJECTS = ("person", "household")

# The feed's own household key, where it has one: (field, kind written into household_ref).
HOUSEHOLD_REF_FIELDS = (
    ("poverty_hh_no", "poverty"),
    ("assistance_cert_no", "assistance"),
    ("land_contract_no", "land"),
    ("relocation_no", "relocation"),
)


def id_key_sql(col: str, status_col: str) -> str:
    """The deterministic key of a valid/converted ID: its first 17 characters (the 18th is implied).

    The old area code 412927 (Nanyang Prefecture, before 1994) is kept as it is: a person's ID
    does not change when the county is renumbered, and 412927... and 411328... with the same other
    digits are two different people. (An old/new area swap is a near miss for the ID comparison.)
    """
    return f"CASE WHEN {status_col} IN ('valid', 'converted_15') THEN left({col}, 17) END"


_NORMALISED_RAW = (
    "upper(regexp_replace(translate(id_number_raw, '０１２３４５６７８９ｘＸ', '0123456789xX'),"
    " '[[:space:]''‘’`]', '', 'g'))"
)


def id_digits_sql() -> str:
    """What an ID still tells when it is not valid, for the near-miss comparison.

    - 18 characters (valid, or a typo that broke the check digit): the normalised value;
    - malformed 18 digits (a typo that made the birth date impossible, e.g. month 18): the same;
    - an Excel-mangled number that kept 12+ significant digits (4.12927195901065E+17): those
      leading digits, a prefix (area code, birth date...) compared as such.
    """
    return (
        "CASE WHEN length(id_number) = 18 THEN id_number"
        f" WHEN id_number_status = 'malformed' AND {_NORMALISED_RAW} ~ '^[0-9]{{17}}[0-9X]$'"
        f" THEN {_NORMALISED_RAW}"
        " WHEN id_number_status = 'excel_mangled'"
        " AND id_number_raw ~* '^[[:space:]]*[0-9][.][0-9]{11,}E[+]?17[[:space:]]*$'"
        " THEN regexp_replace(split_part(upper(id_number_raw), 'E', 1), '[^0-9]', '', 'g')"
        " END"
    )


_AS_OF = "_delivery.as_of_date"


def _bounds(r: AgeRange) -> tuple[str, str]:
    """(earliest, latest) birth date of a subject with this age at the delivery's extract date."""
    earliest = (
        "NULL::date"
        if r.max_age is None
        else f"({_AS_OF} - interval '{int(r.max_age) + 1} years' + interval '1 day')::date"
    )
    latest = "NULL::date" if r.min_age is None else f"({_AS_OF} - interval '{int(r.min_age)} years')::date"
    return earliest, latest


def age_bounds_sql(feed: Feed) -> tuple[str, str, str]:
    """(born_after, born_before, join): the birth-date window the feed's `subject_age` gives a
    row, and the join that brings the row's extract date (its delivery's)."""
    age = feed.subject_age
    if age is None:
        return "NULL::date", "NULL::date", ""
    join = (
        " LEFT JOIN LATERAL (SELECT extract_date AS as_of_date FROM raw.delivery"
        " WHERE delivery_id = valid_from) AS _delivery ON TRUE"
    )
    if age.field is None:
        return (*_bounds(age.ranges[0]), join)
    after, before = [], []
    for r in age.ranges:
        value = str(r.value).replace("'", "''")
        a, b = _bounds(r)
        after.append(f"WHEN '{value}' THEN {a}")
        before.append(f"WHEN '{value}' THEN {b}")
    return (
        f"CASE {age.field} {' '.join(after)} END",
        f"CASE {age.field} {' '.join(before)} END",
        join,
    )


def linked_feeds(registry: Registry) -> list[Feed]:
    """Feeds whose rows are about a person (or a household through the person named)."""
    return [
        f
        for f in registry.feeds
        if f.subject in PERSON_SUBJECTS and {"id_number", "name"} & {c.field for c in f.columns}
    ]


def select_sql(feed: Feed, where: str = "TRUE") -> str:
    """SELECT producing linkage.record's columns from the feed's current staging rows."""
    fields = {c.field: c for c in feed.columns}

    def has(field: str) -> bool:
        return field in fields

    def place(kind: str) -> str:
        parts = []
        if has(kind):
            parts.append(f"{kind}_code")
        if has("address"):
            parts.append(f"address_{kind}_code")
        return f"COALESCE({', '.join(parts)})" if parts else "NULL::text"

    def village() -> str:
        """The village code, else the key of a place the gazetteer lacks (V011): township || '~' || core."""
        code, town = place("village"), place("township")
        cores = []
        if has("village"):
            cores.append("linkage.place_core(village)")
        if has("address"):
            cores.append(f"linkage.address_place_core(address, {town})")
        if not cores:
            return code
        core = f"COALESCE({', '.join(cores)})"
        return f"CASE WHEN {code} IS NOT NULL THEN {code} ELSE {town} || '~' || {core} END"

    id_col = "id_number" if has("id_number") else None
    born_after, born_before, age_join = age_bounds_sql(feed)
    household_ref = "NULL::text"
    for field, kind in HOUSEHOLD_REF_FIELDS:
        if has(field):
            household_ref = f"'{kind}:' || {field}"
            break
    cols = {
        "feed_id": f"'{feed.feed_id}'",
        "record_key": "record_key",
        "row_hash": "row_hash",
        "id_key": id_key_sql("id_number", "id_number_status") if id_col else "NULL::text",
        "id_digits": id_digits_sql() if id_col else "NULL::text",
        "id_status": "id_number_status" if id_col else "NULL::text",
        "name": "name" if has("name") else "NULL::text",
        "sex": "sex" if has("sex") else "NULL::text",
        "birth_date": "birth_date" if has("birth_date") else "NULL::date",
        "township_code": place("township"),
        "village_code": village(),
        "phone": "phone" if has("phone") else "NULL::text",
        "hukou_no": "hukou_no" if has("hukou_no") else "NULL::text",
        "relation_to_head": "relation_to_head" if has("relation_to_head") else "NULL::text",
        "household_ref": household_ref,
        "head_id_key": (
            id_key_sql("head_id_number", "head_id_number_status") if has("head_id_number") else "NULL::text"
        ),
        "address_detail": "address_detail" if has("address") else "NULL::text",
        "account": (
            "NULLIF(upper(regexp_replace(bank_account_masked, '[[:space:]]', '', 'g')), '')"
            if has("bank_account_masked")
            else "NULL::text"
        ),
        "born_after": born_after,
        "born_before": born_before,
        "programme": f"{feed.subject_programme}::text" if feed.subject_programme else "NULL::text",
    }
    select = ",\n       ".join(f"{expr} AS {name}" for name, expr in cols.items())
    return f"SELECT {select}\nFROM staging.{feed.feed_id}_current{age_join}\nWHERE {where}"


RECORD_COLUMNS = (
    "feed_id",
    "record_key",
    "row_hash",
    "id_key",
    "id_digits",
    "id_status",
    "name",
    "sex",
    "birth_date",
    "township_code",
    "village_code",
    "phone",
    "hukou_no",
    "relation_to_head",
    "household_ref",
    "head_id_key",
    "address_detail",
    "account",
    "born_after",
    "born_before",
    "programme",
)


def rebuild_records(conn: Connection, registry: Registry) -> int:
    """Replace linkage.record with the current staged records of every linked feed; returns rows."""
    conn.exec_driver_sql("TRUNCATE linkage.record")
    total = 0
    cols = ", ".join(RECORD_COLUMNS)
    for feed in linked_feeds(registry):
        res = conn.exec_driver_sql(f"INSERT INTO linkage.record ({cols})\n{select_sql(feed)}")
        total += res.rowcount
    conn.exec_driver_sql("ANALYZE linkage.record")
    return total


def feed_watermarks(conn: Connection) -> dict[str, int]:
    """Per feed, the newest delivery registered so far. A feed's deliveries are applied one at a
    time (ingest locks the feed before it takes a delivery id), so a later run finds everything
    this run did not see among rows stamped with a higher delivery id."""
    return {
        feed_id: int(d)
        for feed_id, d in conn.exec_driver_sql(
            "SELECT feed_id, max(delivery_id) FROM raw.delivery GROUP BY feed_id"
        ).all()
    }


def _replayed_since(conn: Connection, feed_id: str, watermark: int) -> bool:
    """A delivery since the watermark that is not newer than what was applied before it (late, or
    a correction) rolled staging back and replayed later deliveries under their old ids: that
    feed is compared in full, whatever the replay left stamped below the watermark."""
    return bool(
        conn.exec_driver_sql(
            """SELECT EXISTS (
                   SELECT 1 FROM raw.delivery n
                   WHERE n.feed_id = %(f)s AND n.delivery_id > %(w)s
                     AND n.extract_date <= (SELECT max(o.extract_date) FROM raw.delivery o
                                            WHERE o.feed_id = %(f)s AND o.delivery_id <= %(w)s
                                              AND o.status IN ('loaded', 'superseded')))""",
            {"f": feed_id, "w": watermark},
        ).scalar_one()
    )


def refresh_records(
    conn: Connection, registry: Registry, since: dict[str, int] | None = None
) -> tuple[int, int, list[str]]:
    """Bring linkage.record up to the current staging state, touching only what changed.

    `since`: the feed watermarks of the previous run. A feed whose deliveries since then all came
    in order is read from its rows stamped after the watermark only (new versions, closed
    versions); any other feed is compared in full by row hash.

    Returns (upserted, deleted, feeds compared in full). Leaves two temp tables for the
    incremental run: tmp_changed (new or changed records, with the ID key they had before) and
    tmp_removed (records no longer current, with their last ID key).
    """
    q = conn.exec_driver_sql
    q("DROP TABLE IF EXISTS pg_temp.tmp_changed, pg_temp.tmp_removed, pg_temp.tmp_diff")
    q(
        "CREATE TEMP TABLE tmp_changed (feed_id text, record_key text, old_id_key text,"
        " PRIMARY KEY (feed_id, record_key))"
    )
    q("CREATE TEMP TABLE tmp_removed (feed_id text, record_key text, old_id_key text)")
    cols = ", ".join(RECORD_COLUMNS)
    upserted = deleted = 0
    compared_in_full = []
    for feed in linked_feeds(registry):
        t = feed.feed_id
        wm = (since or {}).get(t)
        if wm is not None and _replayed_since(conn, t, wm):
            wm = None
        if wm is None:
            compared_in_full.append(t)
        q("DROP TABLE IF EXISTS pg_temp.tmp_diff")
        q(
            f"""CREATE TEMP TABLE tmp_diff AS
                WITH cur AS ({select_sql(feed, "TRUE" if wm is None else f"valid_from > {int(wm)}")})
                SELECT cur.*, r.id_key AS old_id_key FROM cur
                LEFT JOIN linkage.record r ON r.feed_id = cur.feed_id AND r.record_key = cur.record_key
                WHERE r.record_key IS NULL OR r.row_hash <> cur.row_hash"""
        )
        q("INSERT INTO tmp_changed SELECT feed_id, record_key, old_id_key FROM tmp_diff")
        upserted += q(
            f"""INSERT INTO linkage.record ({cols}) SELECT {cols} FROM tmp_diff
                ON CONFLICT (feed_id, record_key) DO UPDATE SET
                {", ".join(f"{c} = EXCLUDED.{c}" for c in RECORD_COLUMNS[2:])}"""
        ).rowcount
        closed = (
            ""
            if wm is None
            else f" AND r.record_key IN (SELECT record_key FROM staging.{t} WHERE valid_to > {int(wm)})"
        )
        deleted += q(
            f"""WITH gone AS (
                    DELETE FROM linkage.record r WHERE r.feed_id = '{t}'{closed}
                    AND NOT EXISTS (SELECT 1 FROM staging.{t}_current c
                                    WHERE c.record_key = r.record_key COLLATE "C")
                    RETURNING r.feed_id, r.record_key, r.id_key)
                INSERT INTO tmp_removed SELECT * FROM gone"""
        ).rowcount
    q("ANALYZE tmp_changed")
    return upserted, deleted, compared_in_full
