from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shouwang.staging.standardize import name_pinyin, split_first, standardize_names


def clean(value: object) -> tuple[object, object]:
    r = standardize_names(pd.Series([value], dtype=object)).iloc[0]
    return r["name"], r["name_note"]


def test_plain_name_unchanged():
    assert clean("张玉兰") == ("张玉兰", None)


def test_output_columns_and_index():
    out = standardize_names(pd.Series(["张伟", None], index=["a", "b"], dtype=object))
    assert list(out.columns) == ["name", "name_note"]
    assert out.index.tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "raw", ["刘书梅  ", "  刘书梅", "刘书梅\u3000", "刘 书梅", "刘\u3000书梅", "刘\t书 梅"]
)
def test_spaces_trimmed_and_removed_inside(raw):
    assert clean(raw) == ("刘书梅", None)


@pytest.mark.parametrize(
    ("raw", "expected"), [("張玉蘭", "张玉兰"), ("劉桂蘭", "刘桂兰"), ("陳國強", "陈国强")]
)
def test_traditional_to_simplified(raw, expected):
    assert clean(raw) == (expected, None)


def test_traditional_conversion_does_not_apply_phrases_to_names():
    # OpenCC's phrase table would turn the surname 沈 in 沈默 into 沉默
    assert clean("沈默") == ("沈默", None)


def test_full_width_ascii_to_half_width():
    assert clean("ＡＢＣ") == ("ABC", None)


@pytest.mark.parametrize(
    "raw",
    [
        "李秀英(已故)",
        "李秀英（已故）",
        "李秀英【已故】",
        "李秀英[已故]",
        "李秀英〔已故〕",
        "李秀英(已故",
        "李秀英 (已故)",
    ],
)
def test_bracketed_status_moves_to_note(raw):
    assert clean(raw) == ("李秀英", "已故")


def test_bracketed_note_is_taken_whatever_it_says():
    assert clean("杜保平（务工）") == ("杜保平", "务工")


@pytest.mark.parametrize(
    ("raw", "note"),
    [("李秀英已故", "已故"), ("李秀英死亡", "死亡"), ("李秀英迁出", "迁出"), ("李秀英-已故", "已故")],
)
def test_bare_trailing_status_word_moves_to_note(raw, note):
    assert clean(raw) == ("李秀英", note)


def test_status_word_not_stripped_from_a_too_short_name():
    assert clean("王务工") == ("王务工", None)


def test_note_only():
    assert clean("(已故)") == (None, "已故")


@pytest.mark.parametrize("dot", ["·", "•", "・", "．", "‧", "﹒", "･", ".", " · "])
def test_middle_dot_variants_normalised(dot):
    assert clean(f"阿依古丽{dot}买买提") == ("阿依古丽·买买提", None)


def test_stray_dots_collapsed_and_trimmed():
    assert clean("·阿依古丽··买买提·") == ("阿依古丽·买买提", None)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", float("nan")])
def test_empty_is_none(raw):
    assert clean(raw) == (None, None)


def test_sample_names_are_cleaned(sample):
    yikatong = standardize_names(sample("caizheng", "yikatong")["姓名"])
    assert not yikatong["name"].str.contains(r"[\s\u3000（(]", regex=True).any()
    assert (yikatong["name_note"] == "务工").sum() >= 1
    huji = standardize_names(sample("gongan", "huji")["姓名"])
    assert not huji["name"].str.contains(r"\s", regex=True).any()


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("张伟", "zhangwei"),
        ("曾国藩", "zengguofan"),
        ("单田芳", "shantianfang"),
        ("解小东", "xiexiaodong"),
        ("仇英", "qiuying"),
        ("朴成", "piaocheng"),
        ("查良镛", "zhaliangyong"),
        ("区小明", "ouxiaoming"),
        ("召军", "shaojun"),
        ("缪红", "miaohong"),
        ("翟浩", "zhaihao"),
        ("覃丽", "qinli"),
        ("长孙无忌", "zhangsunwuji"),
        ("尉迟恭", "yuchigong"),
        ("阿依古丽·买买提", "ayigulimaimaiti"),
        ("吕布", "lvbu"),
    ],
)
def test_name_pinyin(name, pinyin):
    assert name_pinyin(pd.Series([name])).iloc[0] == pinyin


def test_name_pinyin_matches_homophone_typos():
    out = name_pinyin(pd.Series(["王伟", "王玮", "刘桂兰", "刘贵兰"]))
    assert out[0] == out[1] and out[2] == out[3]


def test_name_pinyin_missing_and_index():
    out = name_pinyin(pd.Series([None, "张伟"], index=[5, 6], dtype=object))
    assert out.tolist() == [None, "zhangwei"] and out.index.tolist() == [5, 6]


def test_split_first_for_multi_owner_cells():
    first, rest = split_first(
        pd.Series(["周丽平、张斌", "常卫刚,张艳红", "王五", None, "甲、乙，丙"], dtype=object)
    )
    assert first.tolist() == ["周丽平", "常卫刚", "王五", None, "甲"]
    assert rest.tolist() == ["张斌", "张艳红", None, None, "乙、丙"]


def test_split_first_keeps_positions_when_the_subject_has_no_id():
    # 不动产 co-owners: "、411328..." means the first owner (the subject) has no ID; the second
    # owner's ID must not become the subject's
    first, rest = split_first(pd.Series(["、411328197004176663", "41292719630529421X、"], dtype=object))
    assert first.tolist() == [None, "41292719630529421X"]
    assert rest.tolist() == ["411328197004176663", None]


def test_100k_rows_match_scalar_cleaning():
    rng = np.random.default_rng(3)
    n = 100_000
    surnames = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
    given = np.array(["伟", "芳", "秀英", "玉兰", "国强", "桂兰", "建华", "丽"])
    base = np.char.add(rng.choice(surnames, n), rng.choice(given, n))
    noise = rng.integers(0, 5, n)
    raw = [
        b
        if k == 0
        else f" {b} "
        if k == 1
        else f"{b}（已故）"
        if k == 2
        else b[0] + "\u3000" + b[1:]
        if k == 3
        else None
        for b, k in zip(base.tolist(), noise.tolist(), strict=True)
    ]
    out = standardize_names(pd.Series(raw, dtype=object))
    expected_name = [None if k == 4 else b for b, k in zip(base.tolist(), noise.tolist(), strict=True)]
    expected_note = ["已故" if k == 2 else None for k in noise.tolist()]
    assert out["name"].tolist() == expected_name
    assert out["name_note"].tolist() == expected_note


def test_clean_names_skip_the_per_name_rules_with_the_same_answers():
    """Spellings the regex finds clean are kept as they are; every other goes through the rules.
    Random strings mixing plain characters with each kind the rules touch (traditional, full
    width, white space, brackets, glue, dots, status words) must read as the rules read them."""
    from shouwang.staging.standardize.names import (
        _DOT_CHARS,
        _GLUE,
        _OPEN,
        STATUS_WORDS,
        _clean_one,
        _clean_uniques,
    )

    rng = np.random.default_rng(11)
    plain = list("王李张刘陈杨秀英玉兰国强建华丽伟芳买提阿依古") + ["故", "世", "亡", "A", "1"]
    special = [*"張偉劉陳楊華麗國強蘭", "Ａ", "\u3000", " ", "\t", *_OPEN, "）", "】", *_GLUE, *_DOT_CHARS]
    pieces = plain * 4 + special + list(STATUS_WORDS)
    values = {"".join(rng.choice(pieces, rng.integers(0, 6))) for _ in range(20_000)}
    values |= {"张伟", "王秀英已故", "已故", "李（已故）", "阿依古丽·买买提", "", "·"}
    uniques = np.array(sorted(values), dtype=object)
    names, notes = _clean_uniques(uniques)
    expected = [_clean_one(u) for u in uniques.tolist()]
    assert list(zip(names.tolist(), notes.tolist(), strict=True)) == expected
    kept = sum(n == u for n, u in zip(names.tolist(), uniques.tolist(), strict=True))
    assert 0 < kept < len(uniques)  # both paths taken
