"""Golden records: tonight's master persons, households and memberships, built in full in
`master_candidate` beside the published master (which this never touches).

Each attribute's value is chosen by the survivorship rules (`survivorship.yaml`): source
authority, then recency (the delivery's extract date), then a non-empty value; steward pins win.
Where the value came from (feed, record key, extract date, rule) is kept beside it as lineage.
Everything runs in PostgreSQL; Python only writes the statements.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from sqlalchemy import Connection

from shouwang.master.rules import AttributeRule, Source, load_rules
from shouwang.registry import Registry, load_registry

log = logging.getLogger(__name__)

HEAD_RELATIONS = ("户主", "本人")
_KEY = {"person": "person_id", "household": "household_id"}
_ID_VALID = ("valid", "converted_15")


def _value_cond(alias: str, source: Source, feed_id: str) -> str:
    cond = f"{alias}.{source.column} IS NOT NULL AND {alias}.{source.column}::text <> ''"
    if source.status_column:
        cond += f" AND {alias}.{source.status_column} IN {_ID_VALID}"
    if feed_id in source.conflict_feeds:  # the record's own valid ID says otherwise
        cond += (
            f" AND NOT ({alias}.{source.column}_conflict IS TRUE AND {alias}.id_number_status IN {_ID_VALID})"
        )
    return cond


def _insert_sql(rule: AttributeRule, rank: int, rows_sql: str, only_missing: bool = True) -> str:
    """Keep, per entity without a value yet, the newest of `rows_sql` (entity_id, value, feed_id,
    record_key, extract_date). `only_missing=False`: rows_sql has only such entities already."""
    missing = (
        f"""WHERE NOT EXISTS (SELECT 1 FROM tmp_golden g WHERE g.entity = '{rule.entity}'
                          AND g.attribute = '{rule.attribute}' AND g.entity_id = u.entity_id)"""
        if only_missing
        else ""
    )
    return f"""
        INSERT INTO tmp_golden (entity, entity_id, attribute, value, feed_id, record_key, source_date, rule)
        SELECT DISTINCT ON (u.entity_id) '{rule.entity}', u.entity_id, '{rule.attribute}', u.value,
               u.feed_id, u.record_key, u.extract_date, 'source rank {rank}'
        FROM ({rows_sql}) u
        {missing}
        ORDER BY u.entity_id, u.extract_date DESC, u.feed_id, u.record_key"""


def _source_tables(conn: Connection, rules: tuple[AttributeRule, ...]) -> None:
    """One temp table per feed named on its own in a rule: its current rows with their master ids,
    extract date and the columns the rules read (joined once, read by every attribute)."""
    columns: dict[str, set[str]] = {}
    for rule in rules:
        for source in rule.sources:
            if len(source.feeds) == 1:
                cols = columns.setdefault(source.feeds[0], set())
                cols.add(source.column)
                if source.status_column:
                    cols.add(source.status_column)
                if source.conflict_feeds:
                    cols |= {f"{source.column}_conflict", "id_number_status"}
    for feed_id, cols in columns.items():
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.tmp_src_{feed_id}")
        conn.exec_driver_sql(
            f"""CREATE TEMP TABLE tmp_src_{feed_id} AS
                SELECT c.person_id, c.household_id, s.record_key, d.extract_date,
                       {", ".join(f"s.{c}" for c in sorted(cols))}
                FROM staging.{feed_id}_current s
                JOIN linkage.crosswalk c ON c.feed_id = '{feed_id}' AND c.record_key = s.record_key
                JOIN raw.delivery d ON d.delivery_id = s.valid_from"""
        )


def _fill(conn: Connection, rule: AttributeRule, rank: int, source: Source) -> None:
    """Values of one rank of sources for the entities of `rule` that have none yet."""
    key = _KEY[rule.entity]
    q = conn.exec_driver_sql
    if len(source.feeds) == 1:
        feed_id = source.feeds[0]
        q(
            _insert_sql(
                rule,
                rank,
                f"SELECT x.{key} AS entity_id, x.{source.column}::text AS value, '{feed_id}' AS feed_id,"
                f" x.record_key, x.extract_date FROM tmp_src_{feed_id} x"
                f" WHERE x.{key} IS NOT NULL AND {_value_cond('x', source, feed_id)}",
            )
        )
        return
    # every feed with the column: only the (few) entities still without a value are looked up
    q("DROP TABLE IF EXISTS pg_temp.tmp_need")
    n = q(
        f"""CREATE TEMP TABLE tmp_need AS
            SELECT c.{key} AS entity_id, c.feed_id, c.record_key FROM linkage.crosswalk c
            WHERE c.{key} IS NOT NULL AND c.feed_id = ANY(%(feeds)s) AND NOT EXISTS (
                SELECT 1 FROM tmp_golden g WHERE g.entity = '{rule.entity}'
                AND g.attribute = '{rule.attribute}' AND g.entity_id = c.{key})""",
        {"feeds": list(source.feeds)},
    ).rowcount
    if not n:
        return
    q("ANALYZE tmp_need")
    parts = [
        f"SELECT k.entity_id, s.{source.column}::text AS value, '{feed_id}' AS feed_id, s.record_key,"
        f" d.extract_date FROM tmp_need k"
        f' JOIN staging.{feed_id}_current s ON s.record_key = k.record_key COLLATE "C"'
        f" JOIN raw.delivery d ON d.delivery_id = s.valid_from"
        f" WHERE k.feed_id = '{feed_id}' AND {_value_cond('s', source, feed_id)}"
        for feed_id in source.feeds
    ]
    q(_insert_sql(rule, rank, " UNION ALL ".join(parts), only_missing=False))


def candidate_columns(conn: Connection, table: str) -> dict[str, str]:
    """Column -> SQL type of a master_candidate table, in table order."""
    rows = conn.exec_driver_sql(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'master_candidate' AND table_name = %(t)s ORDER BY ordinal_position",
        {"t": table},
    ).all()
    return dict(rows)


def _pivot_sql(entity: str, attributes: dict[str, str], entities_sql: str) -> str:
    """One row per entity from the long value table, values cast to their column types, the
    lineage of each value beside it ({attribute: [feed, record key, extract date, rule]}).

    Grouped on tmp_golden alone (in the order of its (entity, entity_id) index) and only then
    joined to the entity list: grouping the join itself took 2.5 times as long (124 s at 450k)."""
    key = _KEY[entity]
    values = ", ".join(
        f"(max(g.value) FILTER (WHERE g.attribute = '{a}'))::{t} AS {a}" for a, t in attributes.items()
    )
    lineage = (
        "jsonb_object_agg(g.attribute, jsonb_build_array(g.feed_id, g.record_key, g.source_date, g.rule))"
    )
    picked = ", ".join(f"v.{a}" for a in attributes)
    return f"""
        SELECT e.{key}, {picked}, COALESCE(v.lineage, '{{}}'::jsonb) AS lineage
        FROM ({entities_sql}) e
        LEFT JOIN (SELECT g.entity_id, {values}, {lineage} AS lineage
                   FROM tmp_golden g WHERE g.entity = '{entity}' GROUP BY g.entity_id) v
               ON v.entity_id = e.{key}"""


def build_candidate(
    conn: Connection,
    as_of: dt.date,
    registry: Registry | None = None,
    rules: tuple[AttributeRule, ...] | None = None,
) -> dict:
    """Rebuild master_candidate from the current linkage and staging; returns counts.

    Persons are the current master person ids of the crosswalk, households those with members,
    memberships one per person (linkage.membership). A household's head is the member the sources
    name as head (户主 / 本人); a household where none is named gets its eldest member, flagged
    `head_inferred`; `heads` counts the named ones, so the gate sees conflicts.
    """
    registry = registry or load_registry()
    rules = rules if rules is not None else load_rules(registry=registry)
    t0 = time.perf_counter()
    q = conn.exec_driver_sql
    q("SET LOCAL work_mem = '256MB'")
    for table in ("person", "household", "membership", "feed_link_rate", "build"):
        q(f"TRUNCATE master_candidate.{table}")
    q("DROP TABLE IF EXISTS pg_temp.tmp_golden")
    q(
        "CREATE TEMP TABLE tmp_golden (entity text, entity_id text, attribute text, value text,"
        " feed_id text, record_key text, source_date date, rule text,"
        " PRIMARY KEY (entity, attribute, entity_id))"
    )
    columns = {e: candidate_columns(conn, e) for e in ("person", "household")}
    for rule in rules:
        if rule.attribute not in columns[rule.entity] or rule.attribute in (_KEY[rule.entity], "lineage"):
            raise ValueError(f"survivorship rule {rule.entity}.{rule.attribute}: no such master column")
    _source_tables(conn, rules)
    for rule in rules:
        for rank, source in enumerate(rule.sources, start=1):
            _fill(conn, rule, rank, source)
            q("ANALYZE tmp_golden")  # keeps the anti-joins of the next ranks hash joins
    # steward pins win over every source, for as long as they stand
    q(
        """INSERT INTO tmp_golden (entity, entity_id, attribute, value, feed_id, record_key,
                                   source_date, rule)
           SELECT entity, entity_id, attribute, value, 'steward', override_id::text, pinned_at::date,
                  'override by ' || pinned_by
           FROM master.golden_override WHERE removed_at IS NULL
           ON CONFLICT (entity, attribute, entity_id) DO UPDATE SET
               value = EXCLUDED.value, feed_id = EXCLUDED.feed_id, record_key = EXCLUDED.record_key,
               source_date = EXCLUDED.source_date, rule = EXCLUDED.rule"""
    )
    q("CREATE INDEX ON tmp_golden (entity, entity_id)")  # the pivots group in this order
    q("ANALYZE tmp_golden")
    t1 = time.perf_counter()

    person_attrs = {
        a: t for a, t in columns["person"].items() if a not in ("person_id", "lineage", "row_hash")
    }
    persons_sql = (
        "SELECT DISTINCT c.person_id FROM linkage.crosswalk c"
        " JOIN linkage.person p ON p.person_id = c.person_id AND p.retired_run IS NULL"
    )
    cols = ", ".join(person_attrs)
    q(
        f"""INSERT INTO master_candidate.person (person_id, {cols}, lineage, row_hash)
            SELECT person_id, {cols}, lineage, md5(ROW({cols})::text)
            FROM ({_pivot_sql("person", person_attrs, persons_sql)}) x"""
    )
    relations = ", ".join(f"'{r}'" for r in HEAD_RELATIONS)
    q("DROP TABLE IF EXISTS pg_temp.tmp_members")
    q(
        f"""CREATE TEMP TABLE tmp_members AS
            SELECT m.person_id, m.household_id, m.relation_to_head, m.source, p.birth_date,
                   COALESCE(m.relation_to_head IN ({relations}), false) AS named_head
            FROM linkage.membership m JOIN master_candidate.person p USING (person_id)"""
    )
    q("ANALYZE tmp_members")
    derived = ("household_id", "head_person_id", "head_inferred", "heads", "members", "lineage", "row_hash")
    household_attrs = {a: t for a, t in columns["household"].items() if a not in derived}
    households_sql = "SELECT DISTINCT household_id FROM tmp_members"
    hcols = ", ".join(household_attrs)
    q(
        f"""INSERT INTO master_candidate.household (household_id, head_person_id, head_inferred, heads,
                                                    members, {hcols}, lineage, row_hash)
            WITH stats AS (
                SELECT household_id, count(*) AS members, count(*) FILTER (WHERE named_head) AS heads
                FROM tmp_members GROUP BY household_id),
            head AS (  -- a named head (the lowest id if the sources name several), else the eldest
                SELECT DISTINCT ON (household_id) household_id, person_id, NOT named_head AS inferred
                FROM tmp_members
                ORDER BY household_id, named_head DESC, birth_date NULLS LAST, person_id)
            SELECT x.household_id, h.person_id, h.inferred, s.heads, s.members, {hcols}, x.lineage,
                   md5(ROW(h.person_id, s.heads, s.members, {hcols})::text)
            FROM ({_pivot_sql("household", household_attrs, households_sql)}) x
            JOIN stats s USING (household_id) JOIN head h USING (household_id)"""
    )
    # the household's head is the one head among its members (exactly one per household)
    q(
        """INSERT INTO master_candidate.membership (person_id, household_id, relation_to_head, is_head,
                                                    source, row_hash)
           SELECT m.person_id, m.household_id, m.relation_to_head, m.person_id = h.head_person_id, m.source,
                  md5(ROW(m.household_id, m.relation_to_head, m.person_id = h.head_person_id, m.source)::text)
           FROM tmp_members m JOIN master_candidate.household h USING (household_id)"""
    )
    _feed_link_rates(conn, registry)
    q(
        "INSERT INTO master_candidate.build (as_of_date, linkage_run)"
        " SELECT %(d)s, max(run_id) FROM linkage.run WHERE status = 'succeeded'",
        {"d": as_of},
    )
    for table in ("person", "household", "membership", "feed_link_rate"):
        q(f"ANALYZE master_candidate.{table}")
    counts = {
        t: q(f"SELECT count(*) FROM master_candidate.{t}").scalar_one()
        for t in ("person", "household", "membership")
    }
    counts["pinned_values"] = q("SELECT count(*) FROM tmp_golden WHERE feed_id = 'steward'").scalar_one()
    counts["seconds"] = {"values": round(t1 - t0, 1), "tables": round(time.perf_counter() - t1, 1)}
    log.info("golden records built: %s persons, %s households", counts["person"], counts["household"])
    return counts


def _feed_link_rates(conn: Connection, registry: Registry) -> None:
    conn.exec_driver_sql(
        """INSERT INTO master_candidate.feed_link_rate (feed_id, records, by_id_share, placed_share,
                                                       id_valid_min, critical)
           SELECT c.feed_id, count(*), avg((c.method = 'deterministic')::int),
                  avg((c.method <> 'singleton')::int), f.id_valid_min, COALESCE(f.critical, false)
           FROM linkage.crosswalk c
           LEFT JOIN (SELECT * FROM jsonb_to_recordset(%(feeds)s::jsonb)
                      AS r(feed_id text, id_valid_min double precision, critical boolean)) f USING (feed_id)
           GROUP BY c.feed_id, f.id_valid_min, f.critical""",
        {
            "feeds": json.dumps(
                [
                    {"feed_id": f.feed_id, "id_valid_min": f.id_valid_min, "critical": f.critical}
                    for f in registry.feeds
                ]
            )
        },
    )
