"""Shared helpers of the linkage tests."""

from __future__ import annotations

from pathlib import Path

from shouwang.synth import generate_county


def small_county(tmp_path_factory, name: str, households: int, seed: int, names: str = "realistic") -> Path:
    """A generated county (landing/ and truth/ under one folder), for a module-scoped fixture
    (`names`: the generator's name profile; "stress" for many namesakes)."""
    base = tmp_path_factory.mktemp(name)
    generate_county(households, seed, base / "landing", truth_dir=base / "truth", names=names)
    return base


def yanglao_delivery(conn) -> int:
    """A registered delivery of 人社 yanglao extracted on 2021-06-30 (for rows staged by hand)."""
    return conn.exec_driver_sql(
        "INSERT INTO raw.delivery (feed_id, dept, feed, file_name, extract_date, sha256, size_bytes,"
        " archive_path) VALUES ('renshe_yanglao', 'renshe', 'yanglao', 'yanglao_20210630.csv',"
        " '2021-06-30', 'x', 1, 'a') RETURNING delivery_id"
    ).scalar_one()
