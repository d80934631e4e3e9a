"""Linkage end to end on a generated county in real PostgreSQL: quality against the truth,
stable ids across runs, steward decisions, merges and splits with pointers."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from linkage import steward
from linkage.evaluate import score_against_truth
from linkage.run import run_linkage
from shouwang.ingest import ingest_landing
from tests.linkage.helpers import small_county

HOUSEHOLDS = 600


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    # the namesake-heavy profile: its grey-zone pairs give the steward tests a review queue
    return small_county(tmp_path_factory, "linkcounty", HOUSEHOLDS, 5, names="stress")


@pytest.fixture
def linked(db_url, engine, county):
    ingest_landing(county / "landing", database_url=db_url, workers=1)
    report = run_linkage(engine, full=True)
    return engine, report


def _xref(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(text("SELECT * FROM linkage.crosswalk"), conn)


def test_every_linked_record_is_in_the_crosswalk_and_quality_is_high(linked, county):
    engine, report = linked
    xref = _xref(engine)
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM linkage.record")).scalar_one()
    assert len(xref) == records == report.figures["records"]
    assert xref["person_id"].notna().all() and xref["household_id"].notna().all()
    scores = score_against_truth(xref, county / "truth")
    assert scores["person"]["precision"] >= 0.998, scores
    assert scores["person"]["f1"] >= 0.95, scores
    assert scores["household"]["f1"] >= 0.95, scores
    # two different valid ID keys never share a person
    with engine.connect() as conn:
        shared = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT c.person_id FROM linkage.crosswalk c JOIN linkage.record r"
                " USING (feed_id, record_key) WHERE r.id_key IS NOT NULL GROUP BY c.person_id"
                " HAVING count(DISTINCT r.id_key) > 1) s"
            )
        ).scalar_one()
    assert shared == 0


def test_ids_are_stable_across_runs(linked):
    engine, _ = linked
    before = _xref(engine)[["feed_id", "record_key", "person_id", "household_id"]]
    again = run_linkage(engine)  # incremental, nothing changed
    assert again.mode == "incremental" and again.figures["person_ids"]["new"] == 0
    full = run_linkage(engine, full=True)  # full re-link of unchanged data
    assert full.figures["person_ids"]["new"] == 0 and full.figures["households"]["new"] == 0
    after = _xref(engine)[["feed_id", "record_key", "person_id", "household_id"]]
    merged = before.merge(after, on=["feed_id", "record_key"], suffixes=("_1", "_2"))
    assert len(merged) == len(before)
    assert (merged["person_id_1"] == merged["person_id_2"]).all()
    assert (merged["household_id_1"] == merged["household_id_2"]).all()


def test_steward_decisions_hold_in_later_runs(linked):
    engine, _ = linked
    with engine.begin() as conn:
        items = steward.review_items(conn, 2)
    assert len(items) == 2, "the county must give the review queue at least two grey-zone pairs"
    yes, no = items.iloc[0], items.iloc[1]
    with engine.begin() as conn:
        steward.decide(conn, int(yes.item_id), "match", "tester")
        steward.decide(conn, int(no.item_id), "non_match", "tester")
    run_linkage(engine, full=True)
    xref = _xref(engine).set_index(["feed_id", "record_key"])

    def person(feed, key):
        return xref.loc[(feed, key), "person_id"]

    assert person(yes.left_feed_id, yes.left_record_key) == person(yes.right_feed_id, yes.right_record_key)
    assert person(no.left_feed_id, no.left_record_key) != person(no.right_feed_id, no.right_record_key)
    with engine.connect() as conn:
        queued = conn.execute(
            text(
                "SELECT count(*) FROM linkage.review_queue WHERE item_id IN (:a, :b)"
                " OR (left_feed_id, left_record_key) IN ((:f1, :k1), (:f2, :k2))"
            ),
            {
                "a": int(yes.item_id),
                "b": int(no.item_id),
                "f1": yes.left_feed_id,
                "k1": yes.left_record_key,
                "f2": no.left_feed_id,
                "k2": no.left_record_key,
            },
        ).scalar_one()
    assert queued == 0


def test_merge_and_split_leave_pointers(engine):
    """Stable-id assignment on crafted clusters: yesterday A={r1,r2}, B={r3}; tonight all three are
    one cluster (merge: B retired, pointing at A), then r1 leaves (split: the larger part keeps A,
    r1 gets a new id, logged)."""
    from linkage import stable_ids

    def night(run_id, labels):
        with engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE lab (feed_id text, record_key text, label text)"))
            for key, label in labels.items():
                conn.execute(text("INSERT INTO lab VALUES ('f', :k, :l)"), {"k": key, "l": label})
            figures = stable_ids.assign(
                conn, stable_ids.PERSON, "lab", "linkage.crosswalk", "feed_id, record_key", run_id
            )
            conn.execute(text("DELETE FROM linkage.crosswalk"))
            conn.execute(
                text(
                    "INSERT INTO linkage.crosswalk"
                    " (feed_id, record_key, dept, feed, person_id, method, run_id)"
                    " SELECT l.feed_id, l.record_key, 'd', 'f', i.id, 'deterministic', :r"
                    " FROM lab l JOIN person_ids i ON i.label = l.label"
                ),
                {"r": run_id},
            )
            ids = dict(conn.execute(text("SELECT record_key, person_id FROM linkage.crosswalk")).all())
            conn.execute(text("DROP TABLE lab"))
        return figures, ids

    _, first = night(1, {"r1": "a", "r2": "a", "r3": "b"})
    a, b = first["r1"], first["r3"]
    assert a != b
    figures, second = night(2, {"r1": "x", "r2": "x", "r3": "x"})
    assert figures["merged"] == 1 and set(second.values()) == {a}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT linkage.current_person_id(:b)"), {"b": b}).scalar_one() == a
    figures, third = night(3, {"r1": "x", "r2": "y", "r3": "y"})
    assert figures["split"] == 1 and third["r2"] == third["r3"] == a and third["r1"] != a
    with engine.connect() as conn:
        kinds = [
            k for (k,) in conn.execute(text("SELECT kind FROM linkage.id_event WHERE old_id = :a"), {"a": a})
        ]
    assert "split" in kinds


def test_export_and_explain(linked, tmp_path):
    engine, _ = linked
    out = tmp_path / "xref.csv"
    with engine.connect() as conn:
        n = steward.export_xref(conn, out)
        frame = pd.read_csv(out, dtype=str)
        assert list(frame.columns) == ["dept", "feed", "record_key", "person_id", "household_id"]
        assert len(frame) == n == conn.execute(text("SELECT count(*) FROM linkage.crosswalk")).scalar_one()
        pid = conn.execute(
            text("SELECT person_id FROM linkage.crosswalk WHERE method = 'probabilistic' LIMIT 1")
        ).scalar_one()
        explained = steward.explain(conn, pid)
    prob = explained["records"][explained["records"]["method"] == "probabilistic"]
    assert len(prob) >= 1 and isinstance(prob.iloc[0]["evidence"], dict)
    assert "name" in prob.iloc[0]["evidence"]
    # ID numbers are shown masked
    shown = explained["records"]["id_digits"].dropna()
    assert all("*" in v for v in shown)


def test_incremental_night_matches_a_full_relink(linked, county, db_url, tmp_path):
    """A later delivery with changed rows (some IDs blanked): the incremental run touches only
    its scope, and a full re-link right after gives every record the same person and household."""
    from shouwang.synth.later import write_later_delivery

    engine, _ = linked
    later = tmp_path / "later"
    changed = write_later_delivery(county / "landing", later, "20210731", fraction=0.05, seed=3)
    assert sum(changed.values()) > 0
    ingest_landing(later, database_url=db_url, workers=1)
    inc = run_linkage(engine)
    assert inc.mode == "incremental"
    assert 0 < inc.figures["records_changed"] and inc.figures["scope_records"] < inc.figures["records"]
    after_inc = _xref(engine)[["feed_id", "record_key", "person_id", "household_id"]]
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM linkage.record")).scalar_one()
    assert len(after_inc) == records
    full = run_linkage(engine, full=True)
    after_full = _xref(engine)[["feed_id", "record_key", "person_id", "household_id"]]
    both = after_inc.merge(after_full, on=["feed_id", "record_key"], suffixes=("_inc", "_full"))
    assert len(both) == len(after_inc)
    same_person = (both["person_id_inc"] == both["person_id_full"]).mean()
    same_household = (both["household_id_inc"] == both["household_id_full"]).mean()
    assert same_person >= 0.999 and same_household >= 0.999, (same_person, same_household)
    assert full.figures["person_ids"]["new"] <= 0.001 * len(both)


def test_a_correction_after_a_later_night_is_seen_by_the_next_run(linked, county, db_url, tmp_path):
    """Nights read each feed from the rows stamped after the last run's watermark; a corrected
    re-delivery of an earlier date (which rolls staging back and replays later deliveries under
    their old ids) makes that feed compared in full. Either way linkage.record ends equal to a
    rebuild from staging."""
    import shutil

    from linkage.records import linked_feeds, select_sql
    from shouwang.registry import load_registry
    from shouwang.synth.later import write_later_delivery

    engine, _ = linked
    later = tmp_path / "later"
    write_later_delivery(county / "landing", later, "20210731", fraction=0.05, seed=4)
    ingest_landing(later, database_url=db_url, workers=1)
    night = run_linkage(engine)
    assert night.mode == "incremental" and night.figures["feeds_compared_in_full"] == []

    # the electricity feed of 2021-07-31 again, corrected: some names changed, some rows gone
    src = later / "dashuju" / "shuidian_20210731.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    body = [ln.replace(",", ",改", 1) if i % 7 == 0 else ln for i, ln in enumerate(lines[1:])]
    body = [ln for i, ln in enumerate(body) if i % 11 != 5]
    fix = tmp_path / "fix" / "dashuju"
    fix.mkdir(parents=True)
    (fix / src.name).write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8-sig")
    ingest_landing(fix.parent, database_url=db_url, workers=1)
    shutil.rmtree(fix.parent)
    again = run_linkage(engine)
    assert again.figures["feeds_compared_in_full"] == ["dashuju_shuidian"]
    assert again.figures["records_changed"] > 0 and again.figures["records_removed"] > 0

    registry = load_registry()
    rebuilt = " UNION ALL ".join(
        f"SELECT feed_id, record_key, row_hash, name FROM ({select_sql(f)}) s" for f in linked_feeds(registry)
    )
    with engine.connect() as conn:
        differ = conn.exec_driver_sql(
            f"SELECT count(*) FROM (({rebuilt}) EXCEPT SELECT feed_id, record_key, row_hash, name"
            f" FROM linkage.record) d"
        ).scalar_one()
        extra = conn.exec_driver_sql(
            f"SELECT count(*) FROM (SELECT feed_id, record_key, row_hash, name FROM linkage.record"
            f" EXCEPT ({rebuilt})) d"
        ).scalar_one()
    assert differ == 0 and extra == 0
