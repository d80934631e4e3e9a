"""Evidence below the village (村民组 / house number) and masked bank accounts: extracted in
PostgreSQL from the staged free-text address, compared as their own levels."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from linkage import compare
from shouwang.staging.standardize.places import address_detail


@pytest.mark.parametrize(
    ("address", "detail"),
    [
        ("河南省唐河县东兴街道南许寨村8组", "G8"),
        ("河南唐河桐河乡吴店村委会第11村民组", "G11"),
        ("源潭镇刘岗村三组", "G3"),
        ("源潭镇刘岗村十组", "G10"),
        ("源潭镇刘岗村二十三队", "G23"),
        ("源潭镇刘岗村１２组", "G12"),  # full-width digits
        ("源潭镇刘岗村三村民小组", "G3"),
        ("源潭镇刘岗村一百组", None),  # not a group number we read; no house number either
        ("河南省唐河县东兴街道友兰社区63号", "N63"),
        ("河南省唐河县东兴街道友兰社区063号", "N63"),
        ("源潭镇刘岗村", None),
        ("", None),
        (None, None),
    ],
)
def test_address_detail_is_the_group_or_house_number(engine, address, detail):
    """The standardiser (Python, at ingest) and the SQL function (back-fill) say the same."""
    with engine.connect() as conn:
        in_sql = conn.execute(text("SELECT linkage.address_detail(:a)"), {"a": address}).scalar_one()
    assert in_sql == detail
    assert address_detail(address) == detail


def test_upgrade_back_fills_the_detail_of_rows_staged_before_it(engine):
    from shouwang.db.migrate import upgrade

    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO staging.dashuju_shuidian (record_key, row_hash, valid_from, change_kind, address)"
            " VALUES ('k1', 1, 1, 'new', '河南唐河桐河乡吴店村委会第11村民组'), ('k2', 2, 1, 'new', NULL)"
        )
        conn.exec_driver_sql("DROP VIEW staging.dashuju_shuidian_current")
        conn.exec_driver_sql("ALTER TABLE staging.dashuju_shuidian DROP COLUMN address_detail")
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT record_key, address_detail FROM staging.dashuju_shuidian_current ORDER BY 1"
        ).all()
    assert [tuple(r) for r in rows] == [("k1", "G11"), ("k2", None)]


def test_same_village_and_group_is_a_level_above_same_village():
    v = np.array(["411328101201", "411328101201", "411328101201", "411328101201"], dtype=object)
    t = np.array(["411328101", "411328101", "411328101", "411328101"], dtype=object)
    da = np.array(["G8", "G8", None, "G8"], dtype=object)
    db = np.array(["G8", "G9", "G8", None], dtype=object)
    assert compare.place(v, v, t, t, da, db).tolist() == [4, 3, 3, 3]
    # a group says nothing across villages
    other = np.array(["411328101202"] * 4, dtype=object)
    assert compare.place(v, other, t, t, da, db).tolist() == [1, 1, 1, 1]
    # without details the levels are the village levels
    assert compare.place(v, v, t, t).tolist() == [3, 3, 3, 3]


def test_masked_account_compares_exactly():
    a = np.array(["6228********2529", "6228********2529", None], dtype=object)
    b = np.array(["6228********2529", "6228********2530", "6228********2529"], dtype=object)
    assert compare.exact(a, b).tolist() == [1, 0, -1]
