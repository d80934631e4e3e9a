"""Linkage mapped over township blocks: the same run as `run.run_linkage`, in three steps that can
run as separate tasks (the nightly_master DAG maps `score_block` over the blocks, so the costly
scoring spreads over Celery workers).

1. `prepare_run`: refresh records and profiles, train or load the model, split tonight's
   records without a usable ID into blocks of whole townships (balanced by record count), commit.
2. `score_block` (once per block, in any order, in parallel, safe to retry): score the block's
   records against the profiles of the *whole* county, so a person who moved to another township
   is still found by the rules that do not depend on place (phone, name and birth date, ID
   fragments); keep each record's best candidate in linkage.block_candidate.
3. `finish_run`: the cross-township pass and the rest. The share of records with a profile is
   estimated county-wide, each record is decided, the records placed nowhere are grouped among
   themselves across all townships (the same ID-less person seen in two townships), then stable
   ids, households and the crosswalk, in one transaction.

The decisions are the same as `run_linkage`'s, whatever the number of blocks (tests check it).
Between 1 and 3 the crosswalk is yesterday's; if 3 never happens, the next run is a full one.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from linkage import persons
from linkage.compare import fill_township
from linkage.db import copy_frame, frame
from linkage.run import (
    LinkReport,
    Night,
    changed_keys_table,
    feed_slots,
    finish_night,
    lock_and_tune,
    model_from_stored,
    prepare_night,
    stored_figures,
)
from shouwang.registry import Registry, load_registry

NO_TOWNSHIP = ""  # records whose township is unknown form a block key of their own


def township_of(records: pd.DataFrame) -> np.ndarray:
    """Each record's township code (filled from its village), NO_TOWNSHIP when unknown."""
    t = fill_township(records["township_code"].to_numpy(), records["village_code"].to_numpy())
    return pd.Series(t, dtype=object).fillna(NO_TOWNSHIP).to_numpy(dtype=object)


def plan_blocks(records: pd.DataFrame, n_blocks: int) -> list[list[str]]:
    """Whole townships into at most `n_blocks` blocks of similar record counts (largest first,
    each into the lightest block so far; ties by code, so the plan is reproducible)."""
    counts = pd.Series(township_of(records)).value_counts()
    towns = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    n = max(1, min(n_blocks, len(towns)))
    blocks: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    for town, count in towns:
        i = min(range(n), key=lambda b: (load[b], b))
        blocks[i].append(town)
        load[i] += int(count)
    return [sorted(b) for b in blocks]


def prepare_run(
    engine: Engine,
    full: bool = False,
    n_blocks: int = 4,
    registry: Registry | None = None,
    settings: persons.PersonSettings | None = None,
) -> dict:
    """Step 1. Returns ids and counts only: {"run_id", "mode", "blocks": [0, 1, ...], "records"}."""
    registry = registry or load_registry()
    settings = settings or persons.PersonSettings()
    with engine.begin() as conn:
        lock_and_tune(conn)
        night = prepare_night(conn, full, registry, settings)
        plan = plan_blocks(night.unresolved, n_blocks)
        q = conn.exec_driver_sql
        for i, towns in enumerate(plan):
            q(
                "INSERT INTO linkage.run_block (run_id, block, townships) VALUES (%(r)s, %(b)s, %(t)s)",
                {"r": night.run_id, "b": i, "t": towns},
            )
        if night.scoped:
            for kind, table in (("changed", "tmp_changed"), ("removed", "tmp_removed")):
                q(
                    f"INSERT INTO linkage.run_change (run_id, kind, feed_id, record_key, old_id_key)"
                    f" SELECT %(r)s, %(k)s, feed_id, record_key, old_id_key FROM {table}",
                    {"r": night.run_id, "k": kind},
                )
        q(
            "UPDATE linkage.run SET status = 'prepared', figures = %(f)s WHERE run_id = %(r)s",
            {"f": json.dumps(stored_figures(night), default=str), "r": night.run_id},
        )
    return {
        "run_id": night.run_id,
        "mode": night.mode,
        "blocks": list(range(len(plan))),
        "records": night.figures["records"],
        "unresolved": len(night.unresolved),
    }


def _resume(conn: Connection, run_id: int) -> Night:
    """The prepared run as `prepare_night` left it (its temp tables re-created from run_change)."""
    q = conn.exec_driver_sql
    row = q("SELECT mode, status, figures FROM linkage.run WHERE run_id = %(r)s", {"r": run_id}).first()
    if row is None or row.status != "prepared":
        raise RuntimeError(
            f"linkage run {run_id} is {row.status if row else 'missing'}, not prepared: it was finished,"
            " or abandoned because a later run started; prepare a new one"
        )
    stored = row.figures
    if row.mode == "incremental":
        q("DROP TABLE IF EXISTS pg_temp.tmp_changed, pg_temp.tmp_removed")
        for kind, table in (("changed", "tmp_changed"), ("removed", "tmp_removed")):
            q(
                f"CREATE TEMP TABLE {table} AS SELECT feed_id, record_key, old_id_key"
                f" FROM linkage.run_change WHERE run_id = %(r)s AND kind = %(k)s",
                {"r": run_id, "k": kind},
            )
            q(f"CREATE INDEX ON {table} (feed_id, record_key)")
            q(f"ANALYZE {table}")
        changed_keys_table(conn)
    figures = {
        k: v
        for k, v in stored.items()
        if k
        not in (
            "seconds", "model", "model_version", "slot_feeds", "head_feeds", "programme_rosters",
            "feed_watermarks",
        )
    }
    return Night(
        run_id=run_id,
        mode=row.mode,
        figures=figures,
        timings=dict(stored.get("seconds") or {}),
        model=model_from_stored(stored["model"]),
        slot_feeds=stored["slot_feeds"],
        heads=stored["head_feeds"],
        programmes=[(str(t), str(r)) for t, r in stored.get("programme_rosters") or []],
        watermarks=stored["feed_watermarks"],
        profiles=persons.prepare_profiles(persons.load_profiles(conn)),
        unresolved=persons.load_unresolved(conn, only_changed=row.mode == "incremental"),
    )


def score_block(
    engine: Engine, run_id: int, block: int, settings: persons.PersonSettings | None = None
) -> dict:
    """Step 2 for one block: returns counts only. A retry replaces the block's earlier rows."""
    settings = settings or persons.PersonSettings()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        night = _resume(conn, run_id)
        towns = conn.exec_driver_sql(
            "SELECT townships FROM linkage.run_block WHERE run_id = %(r)s AND block = %(b)s FOR UPDATE",
            {"r": run_id, "b": block},
        ).scalar_one()
        mine = np.isin(township_of(night.unresolved), np.array(towns, dtype=object))
        records = night.unresolved[mine].reset_index(drop=True)
        candidates, scored = persons.score_candidates(
            records, night.profiles, night.model, settings, feed_slots(conn, night)
        )
        li = candidates["l"].to_numpy(dtype=np.int64)
        rows = pd.DataFrame(
            {
                "run_id": run_id,
                "block": block,
                "feed_id": records["feed_id"].to_numpy()[li],
                "record_key": records["record_key"].to_numpy()[li],
                "profile_id_key": night.profiles["id_key"].to_numpy()[candidates["p"].to_numpy(np.int64)],
                "weight": candidates["weight"].to_numpy(dtype=float),
                "second": candidates["second"].to_numpy(dtype=float),
                "lse": candidates["lse"].to_numpy(dtype=float),
                "candidates": candidates["candidates"].to_numpy(dtype=np.int64),
                "evidence": [persons.evidence_text(e) for e in candidates["evidence"]],
            }
        )
        q = conn.exec_driver_sql
        where = {"r": run_id, "b": block}
        q("DELETE FROM linkage.block_candidate WHERE run_id = %(r)s AND block = %(b)s", where)
        if len(rows):
            copy_frame(conn, "linkage.block_candidate", rows)
        q(
            "UPDATE linkage.run_block SET records = %(n)s, figures = %(f)s, scored_at = now()"
            " WHERE run_id = %(r)s AND block = %(b)s",
            {"n": len(records), "f": json.dumps(scored), "r": run_id, "b": block},
        )
    return {
        "run_id": run_id,
        "block": block,
        "records": len(records),
        "with_candidates": len(rows),
        "candidate_pairs": scored["candidate_pairs"],
    }


def finish_run(
    engine: Engine,
    run_id: int,
    registry: Registry | None = None,
    settings: persons.PersonSettings | None = None,
) -> LinkReport:
    """Step 3: decide with every block's candidates, then ids, households and the crosswalk."""
    registry = registry or load_registry()
    settings = settings or persons.PersonSettings()
    with engine.begin() as conn:
        lock_and_tune(conn)
        night = _resume(conn, run_id)
        t = time.perf_counter()
        blocks = frame(
            conn,
            "SELECT block, records, figures FROM linkage.run_block WHERE run_id = %(r)s ORDER BY block",
            {"r": run_id},
        )
        missing = blocks.loc[blocks["figures"].isna(), "block"].tolist()
        if missing:
            raise RuntimeError(f"linkage run {run_id}: blocks {missing} are not scored yet")
        if int(blocks["records"].sum()) != len(night.unresolved):
            raise RuntimeError(
                f"linkage run {run_id}: the blocks scored {int(blocks['records'].sum())} records,"
                f" the run has {len(night.unresolved)}"
            )
        c = frame(
            conn,
            "SELECT feed_id, record_key, profile_id_key, weight, second, lse, candidates,"
            " evidence::text AS evidence"
            " FROM linkage.block_candidate WHERE run_id = %(r)s",
            {"r": run_id},
        )
        u = night.unresolved
        l_pos = pd.MultiIndex.from_arrays([u["feed_id"], u["record_key"]]).get_indexer(
            pd.MultiIndex.from_arrays([c["feed_id"], c["record_key"]])
        )
        p_pos = pd.Index(night.profiles["id_key"]).get_indexer(c["profile_id_key"])
        if (l_pos < 0).any() or (p_pos < 0).any():
            raise RuntimeError(f"linkage run {run_id}: block candidates do not match the prepared run")
        candidates = pd.DataFrame(
            {
                "l": l_pos,
                "p": p_pos,
                "weight": c["weight"].to_numpy(dtype=float),
                "second": c["second"].to_numpy(dtype=float),
                "lse": c["lse"].to_numpy(dtype=float),
                "candidates": c["candidates"].to_numpy(dtype=np.int64),
                "evidence": c["evidence"].to_numpy(),
            }
        )
        night.timings["scoring"] = round(
            sum(f["seconds"]["blocking"] + f["seconds"]["scoring"] for f in blocks["figures"]), 1
        )
        night.lap("load_blocks", t)
        report = finish_night(conn, night, candidates, list(blocks["figures"]), registry, settings)
        conn.exec_driver_sql("DELETE FROM linkage.block_candidate WHERE run_id = %(r)s", {"r": run_id})
        conn.exec_driver_sql("DELETE FROM linkage.run_change WHERE run_id = %(r)s", {"r": run_id})
    return report
