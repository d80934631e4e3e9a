"""One linkage run: records -> persons -> households -> stable ids -> crosswalk.

`run_linkage(engine)` links incrementally when a previous run exists (only new and changed
staged records are compared; everything else keeps its person), `full=True` re-links everything
and, on unchanged data, gives the same ids. Nothing here imports Airflow; the DAG and the CLI call
this function.
"""

from __future__ import annotations

import json
import logging
import resource
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from linkage import persons, stable_ids
from linkage.db import copy_frame, frame
from linkage.fs import FSModel
from linkage.records import feed_watermarks, linked_feeds, rebuild_records, refresh_records
from shouwang.registry import Registry, load_registry

log = logging.getLogger(__name__)


@dataclass
class LinkReport:
    run_id: int
    mode: str
    figures: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def _load_model(conn: Connection) -> FSModel | None:
    row = _stored("model", conn)
    return model_from_stored(row) if row else None


def _stored(key: str, conn: Connection):
    """A part of the model kept in the last succeeded run's figures (None when that run lacks it)."""
    return conn.exec_driver_sql(
        "SELECT figures->%(k)s FROM linkage.run WHERE status = 'succeeded' AND figures ? 'model'"
        " ORDER BY run_id DESC LIMIT 1",
        {"k": key},
    ).scalar()


def _decisions(conn: Connection) -> pd.DataFrame:
    return frame(conn, "SELECT * FROM linkage.steward_decision")


@dataclass
class Night:
    """What one run carries from preparation to its finish: the run, its model and its inputs."""

    run_id: int
    mode: str
    figures: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    model: FSModel | None = None
    slot_feeds: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    programmes: list[tuple[str, str]] = field(default_factory=list)  # (feed:value, roster feed)
    watermarks: dict = field(default_factory=dict)
    profiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    unresolved: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def scoped(self) -> bool:
        return self.mode == "incremental"

    def lap(self, name: str, t0: float) -> float:
        """Record a stage's seconds and the process's peak memory so far (MB, resident)."""
        self.timings[name] = round(time.perf_counter() - t0, 1)
        peak = self.figures.setdefault("peak_rss_mb", {})
        peak[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KB on Linux
        return time.perf_counter()


def lock_and_tune(conn: Connection) -> None:
    """One linkage run at a time; large grouping and hash joins get memory, not temp files."""
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('shouwang.linkage'))")
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")


def run_linkage(
    engine: Engine,
    full: bool = False,
    registry: Registry | None = None,
    settings: persons.PersonSettings | None = None,
) -> LinkReport:
    """Link all staged records to master persons and households, in one transaction; returns
    figures of the run. (`linkage.blocks` runs the same steps as separate Airflow tasks.)"""
    registry = registry or load_registry()
    settings = settings or persons.PersonSettings()
    with engine.begin() as conn:
        lock_and_tune(conn)
        night = prepare_night(conn, full, registry, settings)
        t = time.perf_counter()
        candidates, scored = persons.score_candidates(
            night.unresolved, night.profiles, night.model, settings, feed_slots(conn, night)
        )
        night.timings["scoring"] = round(time.perf_counter() - t, 1)
        return finish_night(conn, night, candidates, [scored], registry, settings)


def prepare_night(
    conn: Connection, full: bool, registry: Registry, settings: persons.PersonSettings
) -> Night:
    """Start a run: refresh linkage.record and the profiles, train or load the model, and load
    the records to place (without a usable ID: all of them, or tonight's changed ones)."""
    q = conn.exec_driver_sql
    previous = q(
        "SELECT (figures->>'model_version')::int FROM linkage.run WHERE status = 'succeeded'"
        " ORDER BY run_id DESC LIMIT 1"
    ).first()
    # A run prepared by the township-block tasks but never finished has already refreshed
    # linkage.record: its changes would go unseen by an incremental run, so this one is full.
    abandoned = q(
        "UPDATE linkage.run SET status = 'abandoned', finished_at = now() WHERE status = 'prepared'"
        " RETURNING run_id"
    ).all()
    if abandoned:
        log.warning("linkage runs %s were prepared but never finished: re-linking in full", abandoned)
        for table in ("linkage.block_candidate", "linkage.run_change"):  # their work is void
            q(f"DELETE FROM {table} WHERE run_id = ANY(%(r)s)", {"r": [r[0] for r in abandoned]})
    # no run yet, or the last one used another comparison model (e.g. before an upgrade
    # added a field): everything is compared again
    incremental = previous and previous[0] == persons.MODEL_VERSION and not full and not abandoned
    mode = "incremental" if incremental else "full"
    run_id = q("INSERT INTO linkage.run (mode) VALUES (%(m)s) RETURNING run_id", {"m": mode}).scalar_one()
    night = Night(run_id, mode)
    figures = night.figures
    t = time.perf_counter()
    night.watermarks = feed_watermarks(conn)  # before reading staging: what arrives later is next run's
    if mode == "full":
        figures["records"] = rebuild_records(conn, registry)
    else:
        up, gone, in_full = refresh_records(conn, registry, _stored("feed_watermarks", conn))
        figures.update(records_changed=up, records_removed=gone, feeds_compared_in_full=in_full)
        figures["records"] = q("SELECT count(*) FROM linkage.record").scalar_one()
        changed_keys_table(conn)
    t = night.lap("records", t)
    figures["profiles"] = persons.rebuild_profiles(conn, "changed_keys" if night.scoped else None)
    night.profiles = persons.prepare_profiles(persons.load_profiles(conn))
    t = night.lap("profiles", t)
    model = None if mode == "full" else _load_model(conn)
    slot_feeds = None if model is None else _stored("slot_feeds", conn)
    heads = None if model is None else _stored("head_feeds", conn)
    programmes = None if model is None else _stored("programme_rosters", conn)
    if model is None or slot_feeds is None or heads is None or programmes is None:
        slot_feeds = persons.one_record_feeds(conn)
        heads = sorted(f.feed_id for f in linked_feeds(registry))
        model, training = persons.train(conn, night.profiles, settings, slot_feeds, heads)
        programmes = training["programme_rosters"]
        figures["training"] = {k: v for k, v in training.items() if k not in ("model", "programme_rosters")}
    night.model, night.slot_feeds, night.heads = model, slot_feeds, heads
    night.programmes = [(str(tag), str(roster)) for tag, roster in programmes]
    t = night.lap("training", t)
    night.unresolved = persons.load_unresolved(conn, only_changed=night.scoped)
    return night


def feed_slots(conn: Connection, night: Night):
    """The per-feed slot loader `score_candidates` calls with tonight's candidate profiles."""

    def slots(candidate_keys: np.ndarray) -> persons.FeedSlots:
        return persons.load_feed_slots(
            conn,
            night.profiles,
            night.slot_feeds,
            sorted(night.unresolved["feed_id"].unique()),
            candidate_keys if night.scoped else None,
            night.heads,
            night.programmes,
        )

    return slots


def finish_night(
    conn: Connection,
    night: Night,
    candidates: pd.DataFrame,
    scored: list[dict],
    registry: Registry,
    settings: persons.PersonSettings,
) -> LinkReport:
    """Decide, cluster, assign stable ids, resolve households and write the crosswalk."""
    figures, unresolved, profiles, scoped, run_id = (
        night.figures, night.unresolved, night.profiles, night.scoped, night.run_id
    )
    t = time.perf_counter()
    result = persons.decide(unresolved, profiles, candidates, night.model, settings, _decisions(conn))
    figures["persons"] = persons.merge_scoring_figures(result.figures, scored)
    t = night.lap("decisions", t)
    labels = _record_labels(unresolved, profiles, result)
    if scoped:
        figures["scope_records"] = _scope(
            conn, profiles["id_key"].to_numpy()[result.placed["p"].to_numpy(dtype=np.int64)]
        )
    _write_labels(conn, labels.drop(columns=["weak"]), scoped)
    t = night.lap("labels", t)
    figures["person_ids"] = stable_ids.assign(
        conn,
        stable_ids.PERSON,
        "tmp_label",
        "scope_prev" if scoped else "linkage.crosswalk",
        "feed_id, record_key",
        run_id,
    )
    _person_xref(conn)
    figures["weak_link_persons"] = _flag_weak(conn, labels)
    t = night.lap("person_ids", t)
    figures["households"] = _resolve_households(conn, run_id, scoped)
    t = night.lap("households", t)
    _write_crosswalk(conn, registry, run_id, scoped)
    _write_review_and_evidence(conn, unresolved, profiles, result, run_id)
    t = night.lap("crosswalk", t)
    q = conn.exec_driver_sql
    figures["crosswalk"] = dict(q("SELECT method, count(*) FROM linkage.crosswalk GROUP BY 1").all())
    figures["master_persons"] = q(
        "SELECT count(*) FROM linkage.person WHERE retired_run IS NULL"
    ).scalar_one()
    figures["master_households"] = q(
        "SELECT count(*) FROM linkage.household WHERE retired_run IS NULL"
    ).scalar_one()
    figures["seconds"] = night.timings
    q(
        "UPDATE linkage.run SET status = 'succeeded', finished_at = now(), figures = %(f)s,"
        " watermark = (SELECT max(delivery_id) FROM raw.delivery) WHERE run_id = %(r)s",
        {"f": json.dumps(stored_figures(night), default=str), "r": run_id},
    )
    log.info("linkage run %s (%s): %s records", run_id, night.mode, figures.get("records"))
    return LinkReport(run_id=run_id, mode=night.mode, figures=figures, seconds=night.timings)


def stored_figures(night: Night) -> dict:
    """The run's figures plus what the next incremental run reuses (model, feeds, watermarks)."""
    return {
        **night.figures,
        "seconds": night.timings,
        "model": night.model.as_dict(),
        "model_version": persons.MODEL_VERSION,
        "slot_feeds": night.slot_feeds,
        "head_feeds": night.heads,
        "programme_rosters": night.programmes,
        "feed_watermarks": night.watermarks,
    }


def model_from_stored(row: dict) -> FSModel:
    fields = row["fields"]
    m = {f: {int(k): v["m"] for k, v in lv.items()} for f, lv in fields.items()}
    u = {
        f: {int(k): (v["u"] if v["u"] is not None else 1.0) for k, v in lv.items()}
        for f, lv in fields.items()
    }
    return FSModel(m=m, u=u, prior=row["prior"], fields=tuple(fields))


def changed_keys_table(conn: Connection) -> None:
    """changed_keys: the ID keys an incremental night's changes touch (before and after)."""
    q = conn.exec_driver_sql
    q("DROP TABLE IF EXISTS pg_temp.changed_keys")
    q("""CREATE TEMP TABLE changed_keys AS
         SELECT old_id_key AS id_key FROM tmp_changed WHERE old_id_key IS NOT NULL
         UNION SELECT r.id_key FROM tmp_changed t JOIN linkage.record r USING (feed_id, record_key)
               WHERE r.id_key IS NOT NULL
         UNION SELECT old_id_key FROM tmp_removed WHERE old_id_key IS NOT NULL""")
    q("CREATE INDEX ON changed_keys (id_key)")
    q("ANALYZE changed_keys")


def _scope(conn: Connection, placed_keys: np.ndarray) -> int:
    """What an incremental night may change: the persons its changed and removed records belong
    to, the persons of every ID key it touches (including the profiles tonight's ID-less records
    were placed with), and all of those persons' records. Everything else keeps its ids."""
    q = conn.exec_driver_sql
    q(
        "DROP TABLE IF EXISTS pg_temp.scope_keys, pg_temp.scope_persons, pg_temp.scope_prev,"
        " pg_temp.scope_records, pg_temp.scope_rep"
    )
    q("CREATE TEMP TABLE scope_keys AS SELECT id_key FROM changed_keys")
    if len(placed_keys):
        copy_frame(conn, "scope_keys", pd.DataFrame({"id_key": pd.unique(placed_keys)}))
    q("CREATE INDEX ON scope_keys (id_key)")
    q("ANALYZE scope_keys")
    q("ANALYZE tmp_removed")
    # Yesterday every record of an ID key belonged to that key's person, so one record per key
    # (the profile's representative) finds it, when that record is not new or changed tonight;
    # other keys look through all their records.
    q("""CREATE TEMP TABLE scope_rep AS
         SELECT k.id_key, c.person_id FROM scope_keys k JOIN linkage.profile p USING (id_key)
         JOIN linkage.crosswalk c ON c.feed_id = p.rep_feed_id AND c.record_key = p.rep_record_key
         WHERE NOT EXISTS (SELECT 1 FROM tmp_changed t
                           WHERE t.feed_id = p.rep_feed_id AND t.record_key = p.rep_record_key)""")
    q("CREATE INDEX ON scope_rep (id_key)")
    q("ANALYZE scope_rep")
    q("""CREATE TEMP TABLE scope_persons AS
         SELECT c.person_id FROM linkage.crosswalk c JOIN tmp_changed t USING (feed_id, record_key)
         UNION SELECT c.person_id FROM linkage.crosswalk c JOIN tmp_removed t USING (feed_id, record_key)
         UNION SELECT person_id FROM scope_rep
         UNION SELECT c.person_id FROM scope_keys k JOIN linkage.record r ON r.id_key = k.id_key
               JOIN linkage.crosswalk c ON c.feed_id = r.feed_id AND c.record_key = r.record_key
               WHERE NOT EXISTS (SELECT 1 FROM scope_rep s WHERE s.id_key = k.id_key)""")
    q("CREATE INDEX ON scope_persons (person_id)")
    q("ANALYZE scope_persons")
    q("""CREATE TEMP TABLE scope_prev AS
         SELECT c.feed_id, c.record_key, c.person_id FROM linkage.crosswalk c
         WHERE c.person_id IN (SELECT person_id FROM scope_persons)""")
    q("""CREATE TEMP TABLE scope_records AS
         SELECT feed_id, record_key FROM scope_prev
         UNION SELECT feed_id, record_key FROM tmp_changed
         UNION SELECT r.feed_id, r.record_key FROM linkage.record r JOIN scope_keys k USING (id_key)""")
    # records gone from linkage.record tonight are exactly tmp_removed
    q("""DELETE FROM scope_records s USING tmp_removed t
         WHERE t.feed_id = s.feed_id AND t.record_key = s.record_key""")
    q("CREATE INDEX ON scope_records (feed_id, record_key)")
    q("ANALYZE scope_records")
    q("ANALYZE scope_prev")
    return q("SELECT count(*) FROM scope_records").scalar_one()


def _record_labels(
    unresolved: pd.DataFrame, profiles: pd.DataFrame, result: persons.PersonResult
) -> pd.DataFrame:
    """Tonight's cluster label of each record without a usable ID (keyed records: label in SQL)."""
    n = len(unresolved)
    label = np.empty(n, dtype=object)
    score = np.full(n, np.nan)
    method = np.full(n, "singleton", dtype=object)
    weak = np.zeros(n, dtype=bool)
    keys = unresolved["feed_id"].astype(str) + ":" + unresolved["record_key"].astype(str)
    label[:] = "U" + keys.to_numpy(dtype=object)
    uu = result.uu_groups
    if len(uu):
        group_first = uu.assign(k=keys.to_numpy()[uu["l"].to_numpy()]).groupby("group")["k"].transform("min")
        sizes = uu.groupby("group")["l"].transform("size").to_numpy()
        li = uu["l"].to_numpy()
        multi = sizes > 1
        label[li[multi]] = "U" + group_first.to_numpy(dtype=object)[multi]
        weak[li[multi]] = uu["weak"].to_numpy(dtype=bool)[multi]
        score[li[multi]] = uu["probability"].to_numpy()[multi]
        method[li[multi]] = "probabilistic"
    placed = result.placed
    if len(placed):
        li = placed["l"].to_numpy()
        label[li] = "K" + profiles["id_key"].to_numpy(dtype=object)[placed["p"].to_numpy()]
        score[li] = placed["probability"].to_numpy()
        method[li] = placed["method"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "feed_id": unresolved["feed_id"].to_numpy(),
            "record_key": unresolved["record_key"].to_numpy(),
            "label": label,
            "score": score,
            "method": method,
            "weak": weak,
        }
    )


def _write_labels(conn: Connection, unresolved_labels: pd.DataFrame, scoped: bool) -> None:
    """tmp_label(feed_id, record_key, label, score, method): every record of linkage.record, or on
    an incremental night every record in scope_records."""
    q = conn.exec_driver_sql
    in_scope = "JOIN scope_records s USING (feed_id, record_key)" if scoped else ""
    q("DROP TABLE IF EXISTS pg_temp.tmp_label, pg_temp.person_key")
    q(
        "CREATE TEMP TABLE tmp_label (feed_id text, record_key text, label text, score double precision,"
        " method text)"
    )
    copy_frame(conn, "tmp_label", unresolved_labels)
    q(f"""INSERT INTO tmp_label SELECT r.feed_id, r.record_key, 'K' || r.id_key, 1.0, 'deterministic'
          FROM linkage.record r {in_scope} WHERE r.id_key IS NOT NULL""")
    # the label each of yesterday's persons carries tonight (its ID key), for the two rules below
    previous = "scope_prev" if scoped else "linkage.crosswalk"
    q(f"""CREATE TEMP TABLE person_key ON COMMIT DROP AS
          SELECT c.person_id, 'K' || min(r.id_key) AS label
          FROM {previous} c JOIN linkage.record r USING (feed_id, record_key)
          WHERE r.id_key IS NOT NULL GROUP BY c.person_id""")
    q("CREATE INDEX ON person_key (person_id)")
    if scoped:
        # records without a usable ID that did not change keep their person
        q("""INSERT INTO tmp_label
             SELECT r.feed_id, r.record_key, COALESCE(k.label, 'P' || c.person_id), c.score, c.method
             FROM linkage.record r
             JOIN scope_records s USING (feed_id, record_key)
             JOIN linkage.crosswalk c USING (feed_id, record_key)
             LEFT JOIN person_key k ON k.person_id = c.person_id
             WHERE r.id_key IS NULL
               AND NOT EXISTS (SELECT 1 FROM tmp_changed t
                               WHERE t.feed_id = r.feed_id AND t.record_key = r.record_key)""")
    # History: a department's record key is stable across its deliveries. A record that matched
    # no profile tonight (its ID was blanked, say) but belonged to a person before, and still
    # carries one of that person's names, stays with that person.
    q("CREATE INDEX ON tmp_label (feed_id, record_key)")
    q("ANALYZE tmp_label")
    q("""UPDATE tmp_label t SET label = k.label, method = 'history', score = NULL
         FROM linkage.crosswalk c, person_key k, linkage.profile p, linkage.record r
         WHERE t.method = 'singleton'
           AND c.feed_id = t.feed_id AND c.record_key = t.record_key
           AND k.person_id = c.person_id
           AND p.id_key = substr(k.label, 2)
           AND r.feed_id = t.feed_id AND r.record_key = t.record_key
           AND r.name IN (p.name, p.name2)""")


def _flag_weak(conn: Connection, labels: pd.DataFrame) -> int:
    """Flag persons made only of ID-less records held together by a chain of single links."""
    q = conn.exec_driver_sql
    q("DROP TABLE IF EXISTS pg_temp.tmp_weak")
    q("CREATE TEMP TABLE tmp_weak (label text)")
    weak = labels.loc[labels["weak"], ["label"]].drop_duplicates()
    if len(weak):
        copy_frame(conn, "tmp_weak", weak)
    q("UPDATE linkage.person SET flags = array_remove(flags, 'weak_link') WHERE 'weak_link' = ANY(flags)")
    return q("""UPDATE linkage.person p SET flags = array_append(p.flags, 'weak_link')
                FROM person_ids i JOIN tmp_weak w ON w.label = i.label
                WHERE p.person_id = i.id""").rowcount


def _person_xref(conn: Connection) -> None:
    """tmp_xref: every record with tonight's person id, score and method."""
    q = conn.exec_driver_sql
    q("DROP TABLE IF EXISTS pg_temp.tmp_xref")
    q("""CREATE TEMP TABLE tmp_xref AS
         SELECT l.feed_id, l.record_key, i.id AS person_id, l.score, l.method
         FROM tmp_label l JOIN person_ids i ON i.label = l.label""")
    q("CREATE INDEX ON tmp_xref (person_id)")
    q("ANALYZE tmp_xref")


_CROSSWALK_INDEXES = (
    "ALTER TABLE linkage.crosswalk ADD CONSTRAINT crosswalk_pkey PRIMARY KEY (feed_id, record_key)",
    "CREATE INDEX crosswalk_person ON linkage.crosswalk (person_id)",
    "CREATE INDEX crosswalk_household ON linkage.crosswalk (household_id)",
)


def _write_crosswalk(conn: Connection, registry: Registry, run_id: int, scoped: bool = False) -> None:
    """Full run: replace the crosswalk in one statement, indexes built once afterwards. Incremental:
    replace the rows in scope only. Either way inside the run's transaction, so readers see the
    old crosswalk until the run commits."""
    feeds = pd.DataFrame(
        [(f.feed_id, f.dept, f.feed) for f in registry.feeds], columns=["feed_id", "dept", "feed"]
    )
    q = conn.exec_driver_sql
    q("DROP TABLE IF EXISTS pg_temp.tmp_feeds")
    q("CREATE TEMP TABLE tmp_feeds (feed_id text PRIMARY KEY, dept text, feed text)")
    copy_frame(conn, "tmp_feeds", feeds)
    rows = """SELECT x.feed_id, x.record_key, f.dept, f.feed, x.person_id, m.household_id, x.score, x.method
              FROM tmp_xref x JOIN tmp_feeds f ON f.feed_id = x.feed_id
              LEFT JOIN linkage.membership m ON m.person_id = x.person_id"""
    columns = "feed_id, record_key, dept, feed, person_id, household_id, score, method, run_id"
    if scoped:
        # Most records in scope keep their person, household, score and method: only rows that
        # differ are rewritten (each rewrite costs three index entries in a 9 M-row table), so
        # run_id is the run that last changed a row.
        q("DROP TABLE IF EXISTS pg_temp.tmp_cw")
        q(f"""CREATE TEMP TABLE tmp_cw AS
              SELECT n.*, (c.person_id IS NOT DISTINCT FROM n.person_id
                           AND c.method IS NOT DISTINCT FROM n.method
                           AND c.household_id IS NOT DISTINCT FROM n.household_id
                           AND c.score IS NOT DISTINCT FROM n.score) AS same
              FROM ({rows}) n
              LEFT JOIN linkage.crosswalk c ON c.feed_id = n.feed_id AND c.record_key = n.record_key""")
        q("CREATE INDEX ON tmp_cw (feed_id, record_key) WHERE NOT same")
        q("ANALYZE tmp_cw")
        # every record in scope is in tmp_cw; the scope's other records are tonight's removals
        q("""DELETE FROM linkage.crosswalk c USING tmp_cw n
             WHERE NOT n.same AND c.feed_id = n.feed_id AND c.record_key = n.record_key""")
        q("""DELETE FROM linkage.crosswalk c USING tmp_removed t
             WHERE c.feed_id = t.feed_id AND c.record_key = t.record_key""")
        q(
            f"""INSERT INTO linkage.crosswalk ({columns})
                SELECT feed_id, record_key, dept, feed, person_id, household_id, score, method, %(r)s
                FROM tmp_cw WHERE NOT same""",
            {"r": run_id},
        )
        # members of touched households outside the scope may have a new household id (a split)
        q("""UPDATE linkage.crosswalk c SET household_id = m.household_id
             FROM linkage.membership m
             WHERE m.person_id = c.person_id AND c.person_id IN (SELECT person_id FROM hh_persons)
               AND c.household_id IS DISTINCT FROM m.household_id""")
        return
    q("TRUNCATE linkage.crosswalk")
    q("ALTER TABLE linkage.crosswalk DROP CONSTRAINT IF EXISTS crosswalk_pkey")
    q("DROP INDEX IF EXISTS linkage.crosswalk_person")
    q("DROP INDEX IF EXISTS linkage.crosswalk_household")
    q(f"INSERT INTO linkage.crosswalk ({columns}) SELECT r.*, %(r)s FROM ({rows}) r", {"r": run_id})
    for stmt in _CROSSWALK_INDEXES:
        q(stmt)
    q("ANALYZE linkage.crosswalk")


def _write_review_and_evidence(
    conn: Connection,
    unresolved: pd.DataFrame,
    profiles: pd.DataFrame,
    result: persons.PersonResult,
    run_id: int,
) -> None:
    q = conn.exec_driver_sql
    fk, rk = unresolved["feed_id"].to_numpy(), unresolved["record_key"].to_numpy()
    pf, pk = profiles["rep_feed_id"].to_numpy(), profiles["rep_record_key"].to_numpy()
    ev = result.placed[result.placed["method"] == "probabilistic"]
    if len(ev):
        frame = pd.DataFrame(
            {
                "feed_id": fk[ev["l"]],
                "record_key": rk[ev["l"]],
                "to_feed_id": pf[ev["p"]],
                "to_record_key": pk[ev["p"]],
                "probability": ev["probability"].to_numpy(),
                "weight": ev["weight"].to_numpy(),
                "evidence": [persons.evidence_text(e) for e in ev["evidence"]],
                "run_id": run_id,
            }
        )
        q(
            "DELETE FROM linkage.link_evidence l USING tmp_label t"
            " WHERE l.feed_id = t.feed_id AND l.record_key = t.record_key"
        )
        copy_frame(conn, "linkage.link_evidence", frame)
    q(
        "DELETE FROM linkage.link_evidence l WHERE NOT EXISTS (SELECT 1 FROM linkage.crosswalk c"
        " WHERE c.feed_id = l.feed_id AND c.record_key = l.record_key AND c.method = 'probabilistic')"
    )
    rv = result.review
    q("DROP TABLE IF EXISTS pg_temp.tmp_review")
    q("CREATE TEMP TABLE tmp_review (LIKE linkage.review_queue INCLUDING DEFAULTS)")
    if len(rv):
        frame = pd.DataFrame(
            {
                "left_feed_id": fk[rv["l"]],
                "left_record_key": rk[rv["l"]],
                "right_feed_id": pf[rv["p"]],
                "right_record_key": pk[rv["p"]],
                "probability": rv["probability"].to_numpy(),
                "weight": rv["weight"].to_numpy(),
                "evidence": [persons.evidence_text(e) for e in rv["evidence"]],
                "reason": rv["reason"].to_numpy(),
                "run_id": run_id,
            }
        )
        copy_frame(conn, "tmp_review", frame)
    # the queue holds tonight's open questions; decided pairs never come back
    q("""DELETE FROM linkage.review_queue q WHERE NOT EXISTS (
           SELECT 1 FROM tmp_review t WHERE (t.left_feed_id, t.left_record_key, t.right_feed_id,
           t.right_record_key) = (q.left_feed_id, q.left_record_key, q.right_feed_id, q.right_record_key))
         AND (q.left_feed_id, q.left_record_key) IN (SELECT feed_id, record_key FROM tmp_label)""")
    q("""INSERT INTO linkage.review_queue (left_feed_id, left_record_key, right_feed_id, right_record_key,
                                          probability, weight, evidence, reason, run_id)
         SELECT left_feed_id, left_record_key, right_feed_id, right_record_key, probability, weight,
                evidence, reason, run_id FROM tmp_review t
         WHERE NOT EXISTS (SELECT 1 FROM linkage.steward_decision d
                           WHERE (d.left_feed_id, d.left_record_key, d.right_feed_id, d.right_record_key)
                               = (t.left_feed_id, t.left_record_key, t.right_feed_id, t.right_record_key))
         ON CONFLICT (left_feed_id, left_record_key, right_feed_id, right_record_key) DO UPDATE
         SET probability = EXCLUDED.probability, weight = EXCLUDED.weight, evidence = EXCLUDED.evidence,
             reason = EXCLUDED.reason, run_id = EXCLUDED.run_id""")


HOUSEHOLD_SQL = """
DROP TABLE IF EXISTS pg_temp.person_household;
CREATE TEMP TABLE person_household AS
WITH hukou AS (      -- the hukou household (户号) of each person, from 公安 huji
    SELECT DISTINCT ON (c.person_id) c.person_id, 'hukou:' || r.hukou_no AS label, r.relation_to_head
    FROM tmp_xref c JOIN linkage.record r USING (feed_id, record_key)
    WHERE r.feed_id = 'gongan_huji' AND r.hukou_no IS NOT NULL
    ORDER BY c.person_id, r.record_key DESC),
refs AS (            -- other household keys: poverty 户编号, assistance certificate, land contract...
    SELECT DISTINCT c.person_id, r.household_ref, r.relation_to_head
    FROM tmp_xref c JOIN linkage.record r USING (feed_id, record_key)
    WHERE r.household_ref IS NOT NULL),
ref_home AS (        -- the hukou household most members of a reference group belong to
    SELECT DISTINCT ON (f.household_ref) f.household_ref, h.label
    FROM refs f JOIN hukou h USING (person_id)
    GROUP BY f.household_ref, h.label
    ORDER BY f.household_ref, count(*) DESC, h.label),
persons AS (SELECT DISTINCT person_id FROM tmp_xref),
by_ref AS (
    SELECT DISTINCT ON (f.person_id) f.person_id,
           COALESCE(rh.label, f.household_ref) AS label, f.relation_to_head,
           CASE WHEN rh.label IS NULL THEN split_part(f.household_ref, ':', 1) ELSE 'hukou_via_'
                || split_part(f.household_ref, ':', 1) END AS source
    FROM refs f LEFT JOIN ref_home rh USING (household_ref)
    ORDER BY f.person_id, (rh.label IS NULL), f.household_ref)
SELECT p.person_id,
       COALESCE(h.label, b.label, 'self:' || p.person_id) AS label,
       COALESCE(h.relation_to_head, b.relation_to_head) AS relation_to_head,
       CASE WHEN h.label IS NOT NULL THEN 'hukou'
            WHEN b.label IS NOT NULL THEN b.source ELSE 'self' END AS source
FROM persons p LEFT JOIN hukou h USING (person_id) LEFT JOIN by_ref b USING (person_id);
CREATE INDEX ON person_household (person_id);
ANALYZE person_household
"""


def _resolve_households(conn: Connection, run_id: int, scoped: bool = False) -> dict:
    """Master households from hukou numbers, then the feeds' own household keys, then the person.

    Incremental: only the persons placed tonight and everyone sharing a household with them or
    with the persons they came from are re-resolved; other households keep their ids untouched.
    """
    q = conn.exec_driver_sql
    source, previous = "tmp_xref", "linkage.membership"
    if scoped:
        q("DROP TABLE IF EXISTS pg_temp.hh_persons, pg_temp.hh_xref, pg_temp.hh_prev")
        q("""CREATE TEMP TABLE hh_persons AS
             SELECT person_id FROM tmp_xref
             UNION SELECT m2.person_id FROM linkage.membership m
                   JOIN linkage.membership m2 ON m2.household_id = m.household_id
                   WHERE m.person_id IN (SELECT person_id FROM tmp_xref
                                         UNION SELECT person_id FROM scope_persons)""")
        q("CREATE INDEX ON hh_persons (person_id)")
        q("ANALYZE hh_persons")
        q("""CREATE TEMP TABLE hh_xref AS
             SELECT feed_id, record_key, person_id FROM tmp_xref
             UNION ALL
             SELECT c.feed_id, c.record_key, c.person_id FROM linkage.crosswalk c
             WHERE c.person_id IN (SELECT person_id FROM hh_persons)
               AND NOT EXISTS (SELECT 1 FROM scope_records s
                               WHERE s.feed_id = c.feed_id AND s.record_key = c.record_key)""")
        q("""CREATE TEMP TABLE hh_prev AS SELECT * FROM linkage.membership
             WHERE person_id IN (SELECT person_id FROM hh_persons
                                 UNION SELECT person_id FROM scope_persons)""")
        q("ANALYZE hh_xref")
        q("ANALYZE hh_prev")
        source, previous = "hh_xref", "hh_prev"
    for stmt in HOUSEHOLD_SQL.replace("tmp_xref", source).split(";"):
        if stmt.strip():
            q(stmt)
    figures = stable_ids.assign(conn, stable_ids.HOUSEHOLD, "person_household", previous, "person_id", run_id)
    rows = """SELECT p.person_id, i.id AS household_id, p.relation_to_head, p.source
              FROM person_household p JOIN household_ids i ON i.label = p.label"""
    columns = "person_id, household_id, relation_to_head, source, run_id"
    if scoped:
        # as for the crosswalk: only memberships that differ are rewritten
        q("DROP TABLE IF EXISTS pg_temp.tmp_mem")
        q(f"""CREATE TEMP TABLE tmp_mem AS
              SELECT n.*, (m.household_id IS NOT DISTINCT FROM n.household_id
                           AND m.relation_to_head IS NOT DISTINCT FROM n.relation_to_head
                           AND m.source IS NOT DISTINCT FROM n.source) AS same
              FROM ({rows}) n LEFT JOIN linkage.membership m ON m.person_id = n.person_id""")
        q("CREATE INDEX ON tmp_mem (person_id)")
        q("ANALYZE tmp_mem")
        q("""DELETE FROM linkage.membership m
             WHERE m.person_id IN (SELECT person_id FROM hh_prev)
               AND NOT EXISTS (SELECT 1 FROM tmp_mem n WHERE n.person_id = m.person_id AND n.same)""")
        q("DELETE FROM linkage.membership m USING tmp_mem n WHERE n.person_id = m.person_id AND NOT n.same")
        q(
            f"""INSERT INTO linkage.membership ({columns})
                SELECT person_id, household_id, relation_to_head, source, %(r)s
                FROM tmp_mem WHERE NOT same""",
            {"r": run_id},
        )
    else:
        q("TRUNCATE linkage.membership")
        q(f"INSERT INTO linkage.membership ({columns}) SELECT r.*, %(r)s FROM ({rows}) r", {"r": run_id})
    figures["by_source"] = dict(
        q(
            f"SELECT source, count(*) FROM linkage.membership"
            f"{' WHERE run_id = %(r)s' if scoped else ''} GROUP BY 1",
            {"r": run_id},
        ).all()
    )
    return figures
