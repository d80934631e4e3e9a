"""Stable master ids: tonight's clusters inherit yesterday's ids by overlap, in SQL.

Input: a temp table of members with tonight's cluster label, and yesterday's member -> id map.
- Each old id's "home" is the label holding most of its members (ties: smallest label).
- A label that is home to old ids keeps the one with most members (ties: smallest id); the other
  old ids homed there are merged into it (retired, pointer to the survivor).
- A label that is home to no old id gets a new id; where it took members of an old id that lives
  on elsewhere, that is a split (logged old -> new).
- Old ids with no member left are retired without a pointer.
So an id keeps its meaning across runs, and re-running on unchanged data changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Entity:
    name: str  # person | household
    registry: str  # linkage.person / linkage.household
    id_col: str  # person_id / household_id
    sequence: str
    prefix: str


PERSON = Entity("person", "linkage.person", "person_id", "linkage.person_seq", "P")
HOUSEHOLD = Entity("household", "linkage.household", "household_id", "linkage.household_seq", "H")


def assign(
    conn: Connection, entity: Entity, labels: str, previous: str, member_cols: str, run_id: int
) -> dict:
    """Create temp table `<entity>_ids(label, id)` for every label in `labels`.

    `labels` has columns (<member_cols>, label); `previous` has (<member_cols>, <id_col>).
    Returns counts of new / kept / merged / split / retired ids.
    """
    e, idc = entity, entity.id_col
    q = conn.exec_driver_sql
    q(f"DROP TABLE IF EXISTS pg_temp.{e.name}_overlap, pg_temp.{e.name}_home, pg_temp.{e.name}_ids")
    q(f"""CREATE TEMP TABLE {e.name}_overlap AS
          SELECT l.label, p.{idc} AS old_id, count(*) AS n
          FROM {labels} l JOIN {previous} p USING ({member_cols})
          JOIN {e.registry} r ON r.{idc} = p.{idc} AND r.retired_run IS NULL
          GROUP BY l.label, p.{idc}""")
    q(f"""CREATE TEMP TABLE {e.name}_home AS
          SELECT DISTINCT ON (old_id) old_id, label, n FROM {e.name}_overlap
          ORDER BY old_id, n DESC, label""")
    q(f"""CREATE TEMP TABLE {e.name}_ids AS
          SELECT DISTINCT ON (label) label, old_id AS id FROM {e.name}_home
          ORDER BY label, n DESC, old_id""")
    kept = q(f"SELECT count(*) FROM {e.name}_ids").scalar_one()
    new = q(f"""INSERT INTO {e.name}_ids (label, id)
                SELECT label, '{e.prefix}' || lpad(nextval('{e.sequence}')::text, 10, '0')
                FROM (SELECT DISTINCT label FROM {labels}
                      WHERE label NOT IN (SELECT label FROM {e.name}_ids) ORDER BY label) s""").rowcount
    q(f"CREATE UNIQUE INDEX ON {e.name}_ids (label)")
    q(
        f"INSERT INTO {e.registry} ({idc}, created_run) SELECT id, %(r)s FROM {e.name}_ids"
        f" ON CONFLICT ({idc}) DO NOTHING",
        {"r": run_id},
    )
    q(
        f"""INSERT INTO linkage.id_event (run_id, entity, kind, old_id, new_id, records)
          SELECT %(r)s, '{e.name}', 'new', NULL, i.id, NULL FROM {e.name}_ids i
          JOIN {e.registry} r ON r.{idc} = i.id AND r.created_run = %(r)s""",
        {"r": run_id},
    )
    merged = q(
        f"""WITH m AS (
                     SELECT h.old_id, i.id AS survivor, h.n FROM {e.name}_home h
                     JOIN {e.name}_ids i ON i.label = h.label WHERE i.id <> h.old_id),
                   ev AS (INSERT INTO linkage.id_event (run_id, entity, kind, old_id, new_id, records)
                          SELECT %(r)s, '{e.name}', 'merge', old_id, survivor, n FROM m)
                   UPDATE {e.registry} r SET retired_run = %(r)s, surviving_id = m.survivor
                   FROM m WHERE r.{idc} = m.old_id""",
        {"r": run_id},
    ).rowcount
    split = q(
        f"""INSERT INTO linkage.id_event (run_id, entity, kind, old_id, new_id, records)
                  SELECT %(r)s, '{e.name}', 'split', o.old_id, i.id, o.n
                  FROM {e.name}_overlap o JOIN {e.name}_ids i ON i.label = o.label
                  JOIN {e.name}_home h ON h.old_id = o.old_id AND h.label <> o.label
                  WHERE i.id <> o.old_id
                    AND NOT EXISTS (SELECT 1 FROM {e.name}_home h2 WHERE h2.old_id = i.id)""",
        {"r": run_id},
    ).rowcount
    retired = q(
        f"""WITH gone AS (
                      UPDATE {e.registry} r SET retired_run = %(r)s
                      WHERE r.retired_run IS NULL AND r.created_run <> %(r)s
                        AND r.{idc} IN (SELECT {idc} FROM {previous})
                        AND NOT EXISTS (SELECT 1 FROM {e.name}_ids i WHERE i.id = r.{idc})
                      RETURNING r.{idc})
                    INSERT INTO linkage.id_event (run_id, entity, kind, old_id)
                    SELECT %(r)s, '{e.name}', 'retire', {idc} FROM gone""",
        {"r": run_id},
    ).rowcount
    return {"new": new, "kept": kept, "merged": merged, "split": split, "retired": retired}
