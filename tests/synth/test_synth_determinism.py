"""Same seed -> same bytes; a different seed -> a different county; optional delivery faults."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from shouwang.synth import delivery_path, generate_county
from shouwang.synth.registry import registry_by_id

FEEDS = ["gongan/huji", "dashuju/renkou", "xiangcun/jiance", "ziran/budongchan", "caizheng/yikatong"]


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_county(400, 5, tmp_path / "a", feeds=FEEDS)
    b = generate_county(400, 5, tmp_path / "b", feeds=FEEDS)
    assert a.rows == b.rows and set(a.rows) == set(FEEDS)
    da, db = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert da == db and len(da) == len(FEEDS)
    assert _digest(tmp_path / "a_truth") == _digest(tmp_path / "b_truth")
    generate_county(400, 6, tmp_path / "c", feeds=FEEDS[:1])
    assert _digest(tmp_path / "c")["gongan/huji_20210630.csv"] != da["gongan/huji_20210630.csv"]


def test_other_extract_date(tmp_path: Path) -> None:
    from datetime import date

    s = generate_county(200, 5, tmp_path / "d", extract_date=date(2021, 9, 30), feeds=["gongan/huji"])
    assert (tmp_path / "d" / "gongan" / "huji_20210930.csv").exists()
    assert s.rows["gongan/huji"] == s.persons


def test_file_faults(tmp_path: Path) -> None:
    reg = registry_by_id()
    faults = {
        "truncated_last_line": ["gongan/huji"],
        "missing": ["yibao/canbao"],
        "extra_column": ["renshe/yanglao"],
        "missing_column": ["dashuju/renkou"],
    }
    s = generate_county(
        200,
        5,
        tmp_path / "f",
        faults=faults,
        feeds=["gongan/huji", "yibao/canbao", "renshe/yanglao", "dashuju/renkou"],
    )
    huji = delivery_path(s.out_dir, reg["gongan/huji"], s.extract_date).read_bytes()
    assert not huji.endswith(b"\n")
    assert not delivery_path(s.out_dir, reg["yibao/canbao"], s.extract_date).exists()
    header = delivery_path(s.out_dir, reg["renshe/yanglao"], s.extract_date).read_bytes().decode("gb18030")
    assert header.splitlines()[0].endswith(",备注")
    with pytest.raises(ValueError):
        generate_county(10, 5, tmp_path / "g", faults={"no_such_fault": ["gongan/huji"]})
