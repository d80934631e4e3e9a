"""Resident ID numbers: check digits, uniqueness and what they encode."""

from __future__ import annotations

from datetime import date

import numpy as np

from shouwang.synth.idcard import check_char, is_valid_id18, make_ids, to_id15


def test_check_digit_of_known_ids() -> None:
    # IDs from the delivered samples
    for good in ("411328197310090972", "41292719400902200X", "41132819870915627X"):
        assert is_valid_id18(good)
        assert check_char(good[:17]) == good[17]
    assert not is_valid_id18("411328197310090971")  # typo in the check character
    assert not is_valid_id18("41132819731009097")  # too short
    assert not is_valid_id18("41292719400902200x")  # lowercase x is not the canonical form


def test_make_ids_unique_valid_and_encoding_birth_and_sex() -> None:
    rng = np.random.default_rng(3)
    n = 2400
    birth = np.datetime64("1980-01-01") + rng.integers(0, 3, size=n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    area = np.where(rng.random(n) < 0.5, 411328, 412927)
    ids = make_ids(area, birth, male, rng)
    assert len(set(ids)) == n  # 3 dates x 2 areas x 1000 codes: collisions redrawn
    assert all(is_valid_id18(s) for s in ids)
    assert all(s[6:14] in {"19800101", "19800102", "19800103"} for s in ids)
    assert all((int(s[16]) % 2 == 1) == m for s, m in zip(ids, male, strict=True))


def test_old_fifteen_digit_form() -> None:
    assert to_id15("411328199107178126") == "411328910717812"
    assert date(1991, 7, 17).strftime("%y%m%d") in to_id15("411328199107178126")
