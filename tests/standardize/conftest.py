"""Shared helpers for the standardisation tests: sample deliveries as raw string columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def _read(path: Path) -> pd.DataFrame:
    """A delivery as readers hand it over: every cell a str, blanks as None."""
    if path.suffix == ".xlsx":
        df = pd.read_excel(path, header=1, dtype=str, engine="calamine")
    elif path.suffix == ".jsonl":
        df = pd.read_json(path, lines=True, dtype=str)
    else:
        try:
            df = pd.read_csv(path, dtype=str, encoding="gb18030", keep_default_na=False)
        except UnicodeDecodeError:
            df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    return df.astype(object).where(df.notna(), None)


@pytest.fixture(scope="session")
def sample():
    """sample("gongan", "huji") -> DataFrame of the fixture delivery (object columns)."""
    cache: dict[tuple[str, str], pd.DataFrame] = {}

    def load(dept: str, feed: str) -> pd.DataFrame:
        if (dept, feed) not in cache:
            matches = sorted((SAMPLES / dept).glob(f"{feed}_*"))
            if not matches:
                pytest.skip(f"no sample delivery for {dept}/{feed}")
            cache[(dept, feed)] = _read(matches[0])
        return cache[(dept, feed)]

    return load
