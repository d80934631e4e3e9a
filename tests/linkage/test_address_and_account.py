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


def test_same_village_and_group_is_a_level_above_same_village_and_another_group_below():
    v = np.array(["411328101201"] * 6, dtype=object)
    t = np.array(["411328101"] * 6, dtype=object)
    da = np.array(["G8", "G8", None, "G8", "N12", "G8"], dtype=object)
    db = np.array(["G8", "G9", "G8", None, "N13", "N8"], dtype=object)
    # same group; another group; unknown on one side (twice); another house number; a group
    # against a house number says nothing either way
    assert compare.place(v, v, t, t, da, db).tolist() == [5, 3, 4, 4, 3, 4]
    # a group says nothing across villages
    other = np.array(["411328101202"] * 6, dtype=object)
    assert compare.place(v, other, t, t, da, db).tolist() == [1] * 6
    # without details the levels are the village levels
    assert compare.place(v, v, t, t).tolist() == [4] * 6


def test_masked_account_compares_exactly():
    a = np.array(["6228********2529", "6228********2529", None], dtype=object)
    b = np.array(["6228********2529", "6228********2530", "6228********2529"], dtype=object)
    assert compare.exact(a, b).tolist() == [1, 0, -1]


@pytest.mark.parametrize(
    ("address", "township", "core"),
    [
        ("唐河县滨河滨河居委会", "411328001", "滨河"),  # township core then a community of the same name
        ("南阳市唐河县滨河街道滨河花园社区", "411328001", "滨河花园"),
        ("河南唐河滨河滨河花园居委会", "411328001", "滨河花园"),
        ("河南唐河滨河新华居委会", "411328001", "新华"),
        ("河南省唐河县东兴街道友兰社区188号", "411328003", "友兰"),
        ("河南省唐河县滨河街道幸福家园安置点", "411328001", "幸福家园"),
        ("河南省唐河县滨河街道", "411328001", None),  # no place below the township
        ("河南省唐河县东兴街道友兰社区", "411328001", None),  # not this township's address
        (None, "411328001", None),
    ],
)
def test_unlisted_place_core_from_an_address(engine, address, township, core):
    with engine.connect() as conn:
        got = conn.execute(
            text("SELECT linkage.address_place_core(:a, :t)"), {"a": address, "t": township}
        ).scalar_one()
    assert got == core


def test_places_the_gazetteer_lacks_get_one_key_across_feeds(engine):
    """友兰社区 in the hukou register and 友兰居委会 in an electricity address are one place for
    linkage (township code ~ name core); a listed village keeps its code."""
    from linkage.records import select_sql
    from shouwang.registry import load_registry

    registry = load_registry()
    huji, shuidian = registry.get("gongan_huji"), registry.get("dashuju_shuidian")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO staging.gongan_huji (record_key, row_hash, valid_from, change_kind, township_code,"
            " village, village_code) VALUES ('h1', 1, 1, 'new', '411328003', '友兰社区', NULL),"
            " ('h2', 2, 1, 'new', '411328003', '南许寨村', '411328003218'),"
            " ('h3', 3, 1, 'new', NULL, '友兰社区', NULL)"
        )
        conn.exec_driver_sql(
            "INSERT INTO staging.dashuju_shuidian (record_key, row_hash, valid_from, change_kind, address,"
            " address_township_code) VALUES ('s1', 1, 1, 'new', '唐河县东兴友兰居委会', '411328003')"
        )
        got = {}
        for feed in (huji, shuidian):
            sql = f"SELECT record_key, village_code FROM ({select_sql(feed)}) s"
            got.update(conn.exec_driver_sql(sql).all())
    assert got == {"h1": "411328003~友兰", "h2": "411328003218", "h3": None, "s1": "411328003~友兰"}
    # a village key starts with its township code, like a village code
    assert compare.fill_township(np.array([None], dtype=object), np.array([got["s1"]], dtype=object))[0] == (
        "411328003"
    )
