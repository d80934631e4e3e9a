"""The feed gate on the shared samples: feeds with new deliveries are validated once; a broken
delivery of an ordinary feed is taken out of staging for the night (the last good data stays);
a broken delivery of a critical feed stops the night and, if linkage and publish ran anyway,
the master gate refuses it too, leaving the published master byte-identical."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import text

from shouwang.gate.gate import FeedGateFailed, run_feed_gate
from shouwang.ingest import ingest_landing
from tests.conftest import SAMPLES


@pytest.fixture
def landing(tmp_path):
    out = tmp_path / "landing"
    shutil.copytree(SAMPLES, out)
    return out


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_samples_pass_and_each_delivery_is_checked_once(db_url, engine, landing):
    ingest_landing(landing, database_url=db_url, workers=1)
    first = run_feed_gate(engine)
    assert len(first.checked) == 40 and not first.quarantined_deliveries
    assert set(first.checked.values()) <= {"passed", "warned"}
    assert _count(engine, "SELECT count(*) FROM ops.delivery_check") == _count(
        engine, "SELECT count(*) FROM raw.delivery WHERE status = 'loaded'"
    )
    assert _count(engine, "SELECT count(DISTINCT feed_id) FROM ops.quality_result") == 40
    again = run_feed_gate(engine)
    assert again.checked == {}


def test_a_truncated_delivery_of_an_ordinary_feed_is_quarantined_for_the_night(
    db_url, engine, landing, tmp_path
):
    ingest_landing(landing, database_url=db_url, workers=1)
    run_feed_gate(engine)
    before = _count(engine, "SELECT count(*) FROM staging.yibao_canbao_current")
    later = tmp_path / "later"
    (later / "yibao").mkdir(parents=True)
    lines = (landing / "yibao" / "canbao_20210630.csv").read_text(encoding="utf-8-sig").splitlines()
    (later / "yibao" / "canbao_20210731.csv").write_text(
        "\n".join(lines[: len(lines) // 4]) + "\n", encoding="utf-8-sig"
    )  # a quarter of the insured: the export stopped half-way
    ingest_landing(later, database_url=db_url, workers=1)
    assert _count(engine, "SELECT count(*) FROM staging.yibao_canbao_current") < before / 2
    result = run_feed_gate(engine)
    assert result.checked == {"yibao_canbao": "quarantined"}
    assert _count(engine, "SELECT count(*) FROM staging.yibao_canbao_current") == before
    with engine.connect() as conn:
        status, problems = conn.execute(
            text("SELECT status, problems FROM raw.delivery WHERE file_name = 'canbao_20210731.csv'")
        ).one()
    assert status == "quarantined"
    assert problems[-1]["code"] == "feed_gate_failed" and "previous delivery" in str(problems[-1])


def _mangled_huji(landing, tmp_path):
    later = tmp_path / "later_huji"
    (later / "gongan").mkdir(parents=True)
    lines = (landing / "gongan" / "huji_20210630.csv").read_text(encoding="gb18030").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[1] = "4.11328E+17"  # the IDs went through Excel as numbers
        cells[-1] = "变更"
        out.append(",".join(cells))
    (later / "gongan" / "huji_20210731.csv").write_text("\n".join(out) + "\n", encoding="gb18030")
    return later


def test_a_huji_delivery_of_excel_mangled_ids_stops_the_night(db_url, engine, landing, tmp_path):
    from linkage.run import run_linkage
    from shouwang.master.night import GateFailed, publish_night
    from tests.master.test_publish import _digest

    ingest_landing(landing, database_url=db_url, workers=1)
    run_feed_gate(engine)
    run_linkage(engine, full=True)
    publish_night(engine, dt.date(2021, 6, 30))
    before = _digest(engine)
    ingest_landing(_mangled_huji(landing, tmp_path), database_url=db_url, workers=1)
    with pytest.raises(FeedGateFailed) as failed:
        run_feed_gate(engine)
    assert failed.value.result.checked["gongan_huji"] == "failed"
    # checked again next time (until a corrected delivery supersedes it), not waved through
    with pytest.raises(FeedGateFailed):
        run_feed_gate(engine)
    # and should someone link and publish anyway, the master gate refuses it
    run_linkage(engine)
    with pytest.raises(GateFailed) as refused:
        publish_night(engine, dt.date(2021, 7, 31))
    assert any("critical feeds" in o.expectation for o in refused.value.gate.failures)
    assert _digest(engine) == before
