"""No personal data in logs: the scanner finds what it must (and not timestamps or hashes), and a
whole `shouwang demo` run, as a newcomer starts it, leaves none in its output or its log files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shouwang.orchestration.log_scan import KnownValues, log_files, scan_logs
from shouwang.staging.standardize.ids import check_digit

FIRST17 = "41132819880214301"
ID18 = FIRST17 + check_digit(FIRST17)
WRONG_CHECK = FIRST17 + ("0" if check_digit(FIRST17) != "0" else "1")


def _kinds(tmp_path: Path, line: str, known: KnownValues | None = None) -> list[str]:
    log = tmp_path / "one.log"
    log.write_text(line + "\n", encoding="utf-8")
    return [f.kind for f in scan_logs([log], known).findings]


@pytest.mark.parametrize(
    ("line", "kinds"),
    [
        (f"loading person {ID18} failed", ["id_number"]),
        (f"key ({ID18.lower()[:-1] + ID18[-1].lower()}) exists", ["id_number"]),
        (f"checksum bad: {WRONG_CHECK}", []),
        ("old number 411328880214301 in file", ["id_number_15"]),
        ("phone 13812345678 unreachable", ["mobile"]),
        ("2026-11-29T19:30:10.290951Z [warning] run_id=manual__2026-11-29T19:29:54.346856+00:00", []),
        ("subject_hash 9f2c1e0d7b4a41328819880214301a5c token sw_13812345678x", []),
        ("rows 1,512,345 loaded in 12.3s; delivery 20210630123", []),
    ],
)
def test_patterns_find_ids_and_phones_not_timestamps_or_hashes(tmp_path, line, kinds):
    assert _kinds(tmp_path, line) == kinds


def test_known_values_catch_bare_names_and_mangled_numbers(tmp_path):
    known = KnownValues(numbers=frozenset({"4113281988021"}), names=frozenset({"王秀英", "李强"}))
    assert _kinds(tmp_path, "quarantined: 王秀英(已故) duplicate", known) == ["known_name"]
    assert _kinds(tmp_path, "value 4113281988021 malformed", known) == ["known_number"]
    finding = scan_logs([tmp_path / "one.log"], known).findings[0]
    assert finding.line == 1 and "4113" not in str(finding)  # a finding names the place, not the value
    assert _kinds(tmp_path, "feed 公安户籍 loaded 唐河县", known) == []


@pytest.mark.airflow
def test_a_whole_demo_run_logs_no_id_number_phone_or_name(fresh_database, tmp_path):
    """`shouwang demo` (generate, ingest, link, gate, publish, marts through Airflow), then its
    terminal output and every log file it wrote are scanned against the warehouse's own people."""
    from shouwang.db import get_engine

    url = fresh_database()
    home = tmp_path / "home"
    env = {
        **os.environ,
        "SHOUWANG_DATABASE_URL": url,
        "SHOUWANG_HOME": str(home),
    }
    shouwang = str(Path(sys.executable).parent / "shouwang")
    run = subprocess.run(
        [shouwang, "demo", "--households", "300", "--seed", "11"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    output = tmp_path / "demo_output.log"
    output.write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "0 with personal data" in run.stdout

    known = KnownValues.from_warehouse(get_engine(url))
    assert len(known.names) > 500 and len(known.numbers) > 500
    files = [output, *log_files(home)]
    assert any(p.name == "chain.log" for p in files)
    result = scan_logs(files, known)
    assert result.lines > 50
    assert result.clean, [(Path(f.path).name, f.line, f.kind) for f in result.findings[:20]]

    # the scan would have seen them: one real name and one real number planted in a copy are found
    name, number = sorted(known.names)[0], sorted(n for n in known.numbers if len(n) == 18)[0]
    planted = tmp_path / "planted.log"
    planted.write_text(f"x {name} y\nz {number}\n", encoding="utf-8")
    assert {f.kind for f in scan_logs([planted], known).findings} >= {"known_name", "known_number"}
