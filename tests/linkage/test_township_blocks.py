"""Linkage mapped over township blocks (linkage.blocks): the same decisions and ids as one
run_linkage, whatever the number of blocks and the order they are scored in; a run prepared
and never finished makes the next run a full one."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from linkage import blocks
from linkage.run import run_linkage
from shouwang.ingest import ingest_landing
from tests.linkage.helpers import small_county

HOUSEHOLDS = 500


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return small_county(tmp_path_factory, "blockcounty", HOUSEHOLDS, 11)


def _xref(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(
            text("SELECT feed_id, record_key, person_id, household_id, method, score FROM linkage.crosswalk"),
            conn,
        ).sort_values(["feed_id", "record_key"], ignore_index=True)


def _blocked(engine, full: bool, n_blocks: int, order=reversed) -> tuple[dict, list[dict], object]:
    plan = blocks.prepare_run(engine, full=full, n_blocks=n_blocks)
    scored = [blocks.score_block(engine, plan["run_id"], b) for b in order(plan["blocks"])]
    return plan, scored, blocks.finish_run(engine, plan["run_id"])


def test_plan_keeps_townships_whole_and_balances_blocks():
    records = pd.DataFrame(
        {
            "township_code": ["A"] * 50 + ["B"] * 30 + ["C"] * 25 + ["D"] * 5 + [None] * 4,
            "village_code": [None] * 114,
        }
    )
    plan = blocks.plan_blocks(records, 3)
    assert sorted(t for b in plan for t in b) == ["", "A", "B", "C", "D"]  # every township, once
    assert plan == blocks.plan_blocks(records.sample(frac=1, random_state=1), 3)  # reproducible
    loads = sorted(sum({"A": 50, "B": 30, "C": 25, "D": 5, "": 4}[t] for t in b) for b in plan)
    assert loads == [30, 34, 50]
    assert blocks.plan_blocks(records, 10) == [["A"], ["B"], ["C"], ["D"], [""]]  # never empty blocks


def test_blocks_give_the_same_result_as_one_run(db_url, engine, county):
    ingest_landing(county / "landing", database_url=db_url, workers=1)
    one = run_linkage(engine, full=True)
    before = _xref(engine)
    plan, scored, report = _blocked(engine, full=True, n_blocks=3)
    assert plan["mode"] == "full" and len(plan["blocks"]) == 3
    # every ID-less record was scored in exactly one block
    unresolved = one.figures["persons"]["unresolved_records"]
    assert sum(s["records"] for s in scored) == plan["unresolved"] == unresolved
    assert all(s["records"] > 0 for s in scored)
    after = _xref(engine)
    pd.testing.assert_frame_equal(before, after)  # same persons, households, methods and scores
    for k in ("placed_probabilistic", "review_items", "unplaced", "unplaced_groups", "candidate_pairs"):
        assert report.figures["persons"][k] == one.figures["persons"][k], k
    assert report.figures["persons"]["blocks"] == 3
    assert report.figures["person_ids"]["new"] == 0 and report.figures["households"]["new"] == 0
    with engine.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM linkage.run WHERE run_id = :r"), {"r": plan["run_id"]}
        ).scalar_one()
        left = conn.execute(text("SELECT count(*) FROM linkage.block_candidate")).scalar_one()
    assert status == "succeeded" and left == 0


def test_incremental_night_through_blocks_then_a_full_relink_agrees(db_url, engine, county, tmp_path):
    from shouwang.synth.later import write_later_delivery

    ingest_landing(county / "landing", database_url=db_url, workers=1)
    _blocked(engine, full=True, n_blocks=2, order=list)
    later = tmp_path / "later"
    write_later_delivery(county / "landing", later, "20210731", fraction=0.05, seed=5)
    ingest_landing(later, database_url=db_url, workers=1)
    plan, scored, report = _blocked(engine, full=False, n_blocks=2)
    assert plan["mode"] == "incremental" and report.figures["records_changed"] > 0
    inc = _xref(engine)
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM linkage.record")).scalar_one()
    assert len(inc) == records
    run_linkage(engine, full=True)
    full = _xref(engine)
    both = inc.merge(full, on=["feed_id", "record_key"], suffixes=("_inc", "_full"))
    assert len(both) == len(inc)
    assert (both["person_id_inc"] == both["person_id_full"]).mean() >= 0.999
    assert (both["household_id_inc"] == both["household_id_full"]).mean() >= 0.999


def test_a_prepared_run_never_finished_makes_the_next_run_full(db_url, engine, county, tmp_path):
    from shouwang.synth.later import write_later_delivery

    ingest_landing(county / "landing", database_url=db_url, workers=1)
    run_linkage(engine, full=True)
    write_later_delivery(county / "landing", tmp_path / "later", "20210731", fraction=0.05, seed=6)
    ingest_landing(tmp_path / "later", database_url=db_url, workers=1)
    plan = blocks.prepare_run(engine, n_blocks=2)
    assert plan["mode"] == "incremental" and plan["blocks"] == [0, 1]
    blocks.score_block(engine, plan["run_id"], 0)
    with pytest.raises(RuntimeError, match="not scored yet"):
        blocks.finish_run(engine, plan["run_id"])
    later = run_linkage(engine)  # e.g. someone ran `shouwang link` meanwhile
    assert later.mode == "full"
    with engine.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM linkage.run WHERE run_id = :r"), {"r": plan["run_id"]}
        ).scalar_one()
        leftovers = conn.execute(
            text("SELECT count(*) FROM linkage.block_candidate WHERE run_id = :r"), {"r": plan["run_id"]}
        ).scalar_one()
    assert status == "abandoned" and leftovers == 0  # block 0's rows went with the run
    with pytest.raises(RuntimeError, match="abandoned"):
        blocks.score_block(engine, plan["run_id"], 1)
    with pytest.raises(RuntimeError, match="abandoned"):
        blocks.finish_run(engine, plan["run_id"])


def test_a_retried_block_replaces_its_rows(db_url, engine, county):
    ingest_landing(county / "landing", database_url=db_url, workers=1)
    plan = blocks.prepare_run(engine, full=True, n_blocks=2)
    first = blocks.score_block(engine, plan["run_id"], 1)
    again = blocks.score_block(engine, plan["run_id"], 1)  # an Airflow retry after a lost worker
    assert first == again
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM linkage.block_candidate WHERE run_id = :r AND block = 1"),
            {"r": plan["run_id"]},
        ).scalar_one()
    assert rows == first["with_candidates"]
    blocks.score_block(engine, plan["run_id"], 0)
    report = blocks.finish_run(engine, plan["run_id"])
    assert report.figures["records"] == len(_xref(engine))
