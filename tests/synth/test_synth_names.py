"""Name profiles of the generator: realistic (calibrated on national name statistics) and stress
(far more namesakes). Namesakes must exist in both; the stress profile must have many more."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from shouwang.synth.gazetteer import load_gazetteer
from shouwang.synth.names import GIVEN, draw_given
from shouwang.synth.population import build_world
from shouwang.synth.render import stable_rng


def _names(profile: str) -> pd.Series:
    world = build_world(20_000, stable_rng(7, "world"), load_gazetteer(), date(2021, 6, 30), profile)
    return pd.Series(world.p_name)


def test_realistic_names_are_diverse_but_namesakes_remain():
    realistic, stress = _names("realistic"), _names("stress")
    r_counts, s_counts = realistic.value_counts(), stress.value_counts()
    # the most common full name: a few hundredths of a percent of the county (stress: ~0.3 %)
    assert r_counts.iloc[0] / len(realistic) < 0.002 < s_counts.iloc[0] / len(stress)
    assert r_counts.size > 2 * s_counts.size
    # namesakes stay common: in a county of 67k persons, a good part share their name (1.5 M: 94 %)
    shared = realistic.map(r_counts) >= 2
    assert shared.mean() > 0.35


def test_composed_given_names_use_the_cohort_characters():
    rng = np.random.default_rng(1)
    years = np.full(5000, 1950)
    given = draw_given(rng, years, np.ones(5000, dtype=bool), "realistic")
    pool = GIVEN[("c2", "M")][0]
    characters = set("".join(pool))
    assert all(set(g) <= characters for g in given)
    assert (pd.Series(given).str.len() <= 2).all()
    fashion = pd.Series(given).isin(set(pool)).mean()
    assert 0.1 < fashion < 0.6  # fashion names plus composed ones that happen to be in the pool


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="name profile"):
        draw_given(np.random.default_rng(1), np.array([1980]), np.array([True]), "famous")


def test_no_disability_is_certified_after_the_extract_date():
    """Babies' certificates were once dated a year after birth, past the extract date: planted
    "new severe disability" events that no delivery could show."""
    world = build_world(20_000, stable_rng(7, "world"), load_gazetteer(), date(2021, 6, 30))
    dates = world.p_dis_date[~np.isnat(world.p_dis_date)]
    assert len(dates) and (dates <= np.datetime64("2021-06-30")).all()
