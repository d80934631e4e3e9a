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
