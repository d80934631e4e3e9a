from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shouwang.staging.standardize import Gazetteer, default_gazetteer

YUANTAN = "411328101"
DONGXING = "411328003"
TONGHE = "411328202"
DONGWANGJI = "411328205"
LIUGANG_YUANTAN = "411328101203"  # 刘岗村 exists in 源潭镇 and in 张店镇
LIUGANG_ZHANGDIAN = "411328102232"
NANXUZHAI = "411328003218"  # unique in the county


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return default_gazetteer()


def s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_default_gazetteer_is_cached_and_complete(g):
    assert default_gazetteer() is g
    assert len(g.townships_df) == 23
    assert len(g.villages_df) == 718


@pytest.mark.parametrize(
    "raw",
    [
        "源潭镇",
        "源潭",
        "唐河县源潭镇",
        "河南省唐河县源潭镇",
        "河南唐河源潭镇",
        "南阳市唐河县源潭镇",
        " 源潭镇 ",
        "源潭镇人民政府",
    ],
)
def test_township_variants(g, raw):
    assert g.townships(s(raw)).iloc[0] == YUANTAN


@pytest.mark.parametrize(
    "raw", ["东兴街道", "东兴", "东兴街道办事处", "东兴办事处", "东兴街办", "唐河县东兴街道"]
)
def test_street_variants(g, raw):
    assert g.townships(s(raw)).iloc[0] == DONGXING


@pytest.mark.parametrize(
    ("raw", "code"), [("城郊乡", "411328201"), ("城郊", "411328201"), ("东王集", DONGWANGJI)]
)
def test_township_short_forms(g, raw, code):
    assert g.townships(s(raw)).iloc[0] == code


@pytest.mark.parametrize("raw", ["张店村", "洛阳市", "", None])
def test_unknown_township_is_none(g, raw):
    assert g.townships(s(raw)).iloc[0] is None


def test_township_cell_with_village_appended(g):
    assert g.townships(s("源潭镇刘岗村")).iloc[0] == YUANTAN


@pytest.mark.parametrize(
    "raw", ["刘岗村", "刘岗", "刘岗村委会", "刘岗村民委员会", "刘岗行政村", "刘岗村委", " 刘岗村 "]
)
def test_village_variants_inside_township(g, raw):
    assert g.villages(s(YUANTAN), s(raw)).iloc[0] == LIUGANG_YUANTAN
    assert g.villages(s("411328102"), s(raw)).iloc[0] == LIUGANG_ZHANGDIAN


def test_village_without_township_resolved_when_unique(g):
    assert g.villages(s(None), s("南许寨村委会")).iloc[0] == NANXUZHAI


def test_village_without_township_ambiguous_is_none(g):
    assert g.villages(s(None), s("刘岗村")).iloc[0] is None


def test_village_not_in_given_township_is_none(g):
    assert g.villages(s(TONGHE), s("南许寨村")).iloc[0] is None


@pytest.mark.parametrize("raw", ["同心苑安置点", "刘岗头村", "", None])
def test_unknown_village_is_none(g, raw):
    assert g.villages(s(YUANTAN), s(raw)).iloc[0] is None


def test_village_cell_with_township_and_group(g):
    assert g.villages(s(None), s("源潭镇刘岗村3组")).iloc[0] == LIUGANG_YUANTAN
    assert g.villages(s(YUANTAN), s("刘岗村3组")).iloc[0] == LIUGANG_YUANTAN
    assert g.villages(s("411328102"), s("源潭镇刘岗村")).iloc[0] is None  # contradicts the township


def test_villages_keeps_index_and_aligns_by_position(g):
    out = g.villages(
        pd.Series([YUANTAN, None], index=[0, 1]), pd.Series(["刘岗", "南许寨"], index=["a", "b"])
    )
    assert out.index.tolist() == ["a", "b"]
    assert out.tolist() == [LIUGANG_YUANTAN, NANXUZHAI]


@pytest.mark.parametrize(
    ("raw", "township", "village"),
    [
        ("河南省唐河县源潭镇刘岗村3组", YUANTAN, LIUGANG_YUANTAN),
        ("唐河县东兴街道南许寨村委会8队", DONGXING, NANXUZHAI),
        ("河南唐河桐河乡吴店村委会第11村民组", TONGHE, "411328202242"),
        ("南阳市唐河县上屯镇南周岗村委会第14村民组", "411328110", "411328110224"),
        ("东兴西张坡三组", DONGXING, "411328003210"),  # township core without suffix
        ("东王集廖店4队", DONGWANGJI, "411328205225"),
        ("东王集村5组", TONGHE, "411328202220"),  # 东王集 here is a village, not the township
        ("南阳市唐河县源潭镇李楼二组", YUANTAN, "411328101208"),
        ("唐河县东兴友兰居委会", DONGXING, None),  # community not in the reference list
        ("唐河县东兴街道东方明珠24号楼2单元902室", DONGXING, None),
        ("唐河县张店村3组", None, None),  # 张店村 exists in two townships
        ("洛阳市", None, None),
        ("北京市大兴区", None, None),
        ("南阳市卧龙区", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_addresses(g, raw, township, village):
    out = g.parse_addresses(s(raw))
    assert list(out.columns) == ["township_code", "village_code", "detail"]
    assert (out.iloc[0]["township_code"], out.iloc[0]["village_code"]) == (township, village)


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("南阳市唐河县上屯镇南周岗村委会第14村民组", "G14"),
        ("东兴西张坡三组", "G3"),
        ("东王集廖店4队", "G4"),
        ("唐河县东兴街道东方明珠24号楼2单元902室", "N24"),
        ("唐河县东兴友兰居委会", None),
        (None, None),
    ],
)
def test_parse_addresses_keeps_the_group_or_house_number(g, raw, detail):
    assert g.parse_addresses(s(raw)).iloc[0]["detail"] == detail


def test_with_villages_adds_communities_from_ledger(g):
    ledger = pd.DataFrame({"village_code": ["411328003301"], "village": ["友兰社区"]})
    g2 = g.with_villages(ledger)
    assert g2 is not g and len(g2.villages_df) == len(g.villages_df) + 1
    assert g2.villages(s(DONGXING), s("友兰社区")).iloc[0] == "411328003301"
    assert g2.villages(s(DONGXING), s("友兰居委会")).iloc[0] == "411328003301"
    assert g2.parse_addresses(s("唐河县东兴友兰居委会")).iloc[0]["village_code"] == "411328003301"
    # no township written: the community is unique in the county
    assert g2.parse_addresses(s("唐河县友兰社区63号")).iloc[0].tolist() == [DONGXING, "411328003301", "N63"]
    assert g.villages(s(DONGXING), s("友兰社区")).iloc[0] is None  # the original is unchanged


def test_with_villages_ledger_replaces_reference_rows(g, sample):
    water = sample("shuili", "yinshui").rename(columns={"村代码": "village_code", "村": "village"})
    g2 = g.with_villages(water[["village_code", "village"]])
    assert len(g2.villages_df) == len(water)
    assert g2.villages(s(YUANTAN), s("刘岗")).iloc[0] == LIUGANG_YUANTAN


def test_with_villages_skips_or_rejects_bad_codes(g):
    ledger = pd.DataFrame(
        {"village_code": ["12345", "999999999001", "411328101999.0"], "village": ["甲村", "乙村", "丙村"]}
    )
    g2 = g.with_villages(ledger)
    assert g2.villages(s(YUANTAN), s("丙村")).iloc[0] == "411328101999"
    assert len(g2.villages_df) == len(g.villages_df) + 1
    with pytest.raises(ValueError):
        g.with_villages(ledger, strict=True)


def test_sample_place_columns(g, sample):
    jiance = sample("xiangcun", "jiance")
    townships = g.townships(jiance["乡镇"])
    villages = g.villages(townships, jiance["村"])
    assert townships.notna().all() and villages.notna().all()
    assert (villages.str[:9] == townships).all()


def test_100k_addresses(g):
    v = g.villages_df.merge(g.townships_df, on="township_code")
    rng = np.random.default_rng(1)
    pick = v.iloc[rng.integers(0, len(v), 100_000)]
    forms = rng.integers(0, 3, 100_000)
    raw = [
        f"河南省唐河县{t}{name}{k + 1}组"
        if k == 0
        else f"唐河县{t}{core}村委会"
        if k == 1
        else f"{tcore}{core}{k}队"
        for t, tcore, name, core, k in zip(
            pick["township"], pick["core_y"], pick["village"], pick["core_x"], forms, strict=True
        )
    ]
    out = g.parse_addresses(pd.Series(raw, dtype=object))
    assert out["township_code"].tolist() == pick["township_code"].tolist()
    assert out["village_code"].tolist() == pick["village_code"].tolist()


def test_county_total_maps_to_the_county_code():
    from shouwang.staging.standardize import default_gazetteer

    got = default_gazetteer().townships(pd.Series(["全县", "唐河县", "源潭镇"], dtype=object))
    assert got.tolist() == ["411328", "411328", "411328101"]
