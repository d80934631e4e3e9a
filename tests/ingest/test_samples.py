"""The county's shared samples (one delivery of each of the 40 feeds) ingest with every row accounted for."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import text

from shouwang.cli import main
from shouwang.ingest import ingest_landing
from shouwang.registry import load_registry
from tests.conftest import SAMPLES


@pytest.fixture
def landing(tmp_path):
    target = tmp_path / "landing"
    shutil.copytree(SAMPLES, target)
    return target


def _physical_rows(path) -> int:
    """Data rows as a person counts them in the file (header and title excluded)."""
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        return sum(1 for r in grid[2:] if any(v not in (None, "") for v in r))
    lines = [ln for ln in path.read_bytes().splitlines() if ln.strip()]
    return len(lines) - (0 if path.suffix == ".jsonl" else 1)


def test_every_sample_row_is_accounted_for(landing, db_url, engine):
    reports = ingest_landing(landing, database_url=db_url, workers=1)
    assert len(reports) == 40
    assert {(r.dept, r.feed) for r in reports} == {(f.dept, f.feed) for f in load_registry()}
    for r in reports:
        assert r.status == "loaded", (r.file, r.problems)
        assert r.balanced, r
        assert r.rows_read == _physical_rows(landing / r.dept / r.file), r.file
    with engine.connect() as conn:
        staged = conn.execute(text("SELECT sum(rows_loaded), sum(rows_quarantined) FROM raw.delivery")).one()
        quarantined = conn.execute(text("SELECT count(*) FROM quarantine.row")).scalar_one()
        huji = conn.execute(text("SELECT count(*) FROM staging.gongan_huji_current")).scalar_one()
    assert staged[1] == quarantined
    huji_report = next(r for r in reports if r.feed == "huji")
    assert huji == huji_report.rows_loaded


def test_sample_faults_are_reported(landing, db_url):
    reports = {r.feed: r for r in ingest_landing(landing, database_url=db_url, workers=1)}
    # the payments file ends in a truncated line
    yikatong = reports["yikatong"]
    assert yikatong.rows_quarantined >= 1
    # the pension file carries a column the contract does not list
    assert "unexpected_column" in {p["code"] for p in reports["yanglao"].problems}


def test_cli_ingest_writes_the_json_report(landing, db_url, tmp_path, capsys):
    report = tmp_path / "report.json"
    assert main(["ingest", str(landing), "--report", str(report), "--workers", "2"]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert len(data) == 40
    keys = {
        "dept",
        "feed",
        "file",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "rows_duplicate",
        "status",
        "problems",
    }
    for obj in data:
        assert keys <= set(obj)
        assert obj["rows_read"] == obj["rows_loaded"] + obj["rows_quarantined"] + obj["rows_duplicate"]
    out = capsys.readouterr().out
    assert "huji" in out and "total" in out
