"""The readers hand delivered text over in Arrow, and the standardisers then answer in Arrow where
they can (no Python object per row). Whatever the input, the answers must be the same: every
column of every sample delivery goes through each standardiser both ways."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from shouwang.staging.standardize import (
    default_gazetteer,
    standardize_ids,
    standardize_names,
    standardize_phones,
)

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
DELIVERIES = sorted((f.parent.name, f.name.rsplit("_", 1)[0]) for f in SAMPLES.glob("*/*_*.*"))


def _arrow(values: pd.Series) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values.tolist(), type=pa.string())))


def _plain(result) -> list[dict]:
    """Every returned column as Python values, missing as None."""
    parts = result if isinstance(result, tuple) else (result,)
    frames = [p if isinstance(p, pd.DataFrame) else pd.DataFrame({"value": p}) for p in parts]
    return [{c: [None if pd.isna(v) else v for v in f[c].tolist()] for c in f.columns} for f in frames]


@pytest.mark.parametrize(("dept", "feed"), DELIVERIES, ids=[f"{d}/{f}" for d, f in DELIVERIES])
def test_every_standardiser_answers_the_same_for_arrow_text(sample, dept, feed):
    frame = sample(dept, feed)
    gaz = default_gazetteer()
    towns = gaz.townships(frame[frame.columns[0]].reset_index(drop=True))
    for name in frame.columns:
        column = frame[name].astype(object).reset_index(drop=True)
        for standardise in (
            standardize_ids,
            standardize_names,
            standardize_phones,
            gaz.parse_addresses,
            gaz.townships,
        ):
            assert _plain(standardise(_arrow(column))) == _plain(standardise(column)), (name, standardise)
        # villages take township codes: as objects, or as the Arrow text the townships give
        expected = gaz.villages(towns, column)
        got = gaz.villages(_arrow(towns.astype(object).where(towns.notna(), None)), _arrow(column))
        assert _plain(got) == _plain(expected), name
