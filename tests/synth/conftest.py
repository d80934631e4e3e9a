"""Shared fixtures for the synthetic-county tests: one small county per test session."""

from __future__ import annotations

import pytest

from shouwang.synth import GenerationSummary, generate_county

HOUSEHOLDS = 2000
SEED = 11


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    out = tmp_path_factory.mktemp("synth") / "landing"
    return generate_county(HOUSEHOLDS, SEED, out)
