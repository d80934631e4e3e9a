"""Comparison levels on crafted pairs, one per identity-noise kind of the contract."""

import numpy as np
import pytest

from linkage import compare
from shouwang.staging.standardize.ids import check_digit


def arr(*v):
    return np.array(v, dtype=object)


def valid_id(first17: str) -> str:
    return first17 + check_digit(first17)


BASE = valid_id("41132819850317201")


@pytest.mark.parametrize(
    "other, level",
    [
        (BASE, 3),  # same ID
        (BASE[:17] + ("0" if BASE[17] != "0" else "1"), 3),  # typo in the check character
        (BASE[:10] + "9" + BASE[11:], 2),  # one-digit typo
        (BASE[:12] + BASE[13] + BASE[12] + BASE[14:], 2),  # neighbouring digits swapped
        (valid_id("41132819850317202"), 2),  # the next sequence number differs by one digit
        (valid_id("41132819790101123"), 0),  # somebody else
        (None, -1),  # missing / Excel-mangled (dropped by staging)
    ],
)
def test_id_number_levels(other, level):
    assert compare.id_number(arr(BASE), arr(other))[0] == level


def test_old_and_new_area_codes_are_a_near_miss_not_the_same_id():
    old = valid_id("41292719850317201")
    assert compare.id_number(arr(old), arr(BASE))[0] == 2


@pytest.mark.parametrize(
    "a, b, pa, pb, level",
    [
        ("王秀英", "王秀英", "wangxiuying", "wangxiuying", 3),
        ("王伟", "王玮", "wangwei", "wangwei", 2),  # homophone typo
        ("刘桂兰", "刘贵兰", "liuguilan", "liuguilan", 2),
        ("李秀荣", "李秀宋", "lixiurong", "lixiusong", 1),  # similar-shape typo, surname kept
        ("阿依·古丽", "阿依古丽", "ayiguli", "ayigulix", 1),  # middle dot dropped
        ("张伟", "李娜", "zhangwei", "lina", 0),
        ("张伟", None, "zhangwei", None, -1),
    ],
)
def test_name_levels(a, b, pa, pb, level):
    assert compare.person_name(arr(a), arr(b), arr(pa), arr(pb))[0] == level


@pytest.mark.parametrize(
    "a, b, level",
    [
        ("1985-03-17", "1985-03-17", 3),
        ("1985-03-07", "1985-07-03", 2),  # day and month swapped
        ("1985-03-17", "1986-03-17", 1),
        ("1985-03-17", "1990-11-02", 0),
        ("1985-03-17", None, -1),
    ],
)
def test_birth_date_levels(a, b, level):
    assert compare.birth_date(arr(a), arr(b))[0] == level


@pytest.mark.parametrize(
    "a, b, level",
    [
        ("13812345678", "13812345678", 3),
        ("13812345678", "13812345687", 2),
        ("13812345678", "13812340678", 2),
        ("13812345678", "13998765432", 0),
        ("13812345678", None, -1),
    ],
)
def test_phone_levels(a, b, level):
    assert compare.phone(arr(a), arr(b))[0] == level


def test_place_levels():
    out = compare.place(
        arr("411328203214", "411328203214", None, None, "411328203214", None),
        arr("411328203214", "411328203299", None, "411328205001", None, None),
        arr(None, None, "411328203", None, None, "411328203"),
        arr(None, None, None, None, "411328203", "411328204"),
    )
    # same village; another village of the same township; nothing to compare (twice); village
    # known on one side only, same township; different township
    assert out.tolist() == [4, 1, -1, -1, 2, 0]


def test_excel_mangled_prefix_levels():
    # 4.12927195901065E+17 kept 15 leading digits: area code, birth date and one more
    assert compare.id_number(arr("412927195901065"), arr("41292719590106512"))[0] == 1
    assert compare.id_number(arr("412927195901065"), arr("41292719590107512"))[0] == 0
    # Excel rounds the last digit it keeps: 4129271959010649... shows as ...065
    assert compare.id_number(arr("412927195901065"), arr("41292719590106498"))[0] == 1
    assert compare.id_number(arr("412927195901065"), arr("41292719590106698"))[0] == 0
    # 12 digits (area code, year and month) are too few to claim agreement or disagreement
    assert compare.id_number(arr("411328195901"), arr("41132819590106512"))[0] == -1
    # 4.11328E+17 keeps nothing usable: records.py leaves such values out (missing)
    assert compare.id_number(arr(None), arr("41132819590106512"))[0] == -1


def test_impossible_birth_date_typo_is_a_near_miss():
    # staging calls 411328198818211185 malformed (month 18); one digit from a real ID
    real = valid_id("41132819881021118")
    assert compare.id_number(arr("411328198818211185"), arr(real[:17]))[0] in (0, 2)
    assert compare.id_number(arr("41132819881821118" + real[17]), arr(real[:17]))[0] == 2


def test_unplaced_records_chained_by_single_links_are_flagged_weak():
    """A-B share a phone (and a pinyin), B-C name and birth date, A-C only the pinyin: one person held
    together by two single links, flagged for review; a pair that agrees on everything is not."""
    import pandas as pd

    from linkage.fs import FSModel
    from linkage.persons import PersonSettings, _link_unplaced, frequencies, prepare_records

    lv = {-1: 1.0, 0: 0.5, 1: 0.5, 2: 0.5, 3: 0.5}
    m = {f: dict(lv) for f in ("name", "birth_date", "phone")}
    u = {f: {-1: 1.0, 0: 0.999, 1: 1e-4, 2: 1e-4, 3: 1e-9} for f in ("name", "birth_date", "phone")}
    for f in m:
        m[f][0] = 1e-6
    model = FSModel(m=m, u=u, prior=1e-6, fields=("name", "birth_date", "phone"))
    rows = pd.DataFrame(
        {
            "feed_id": ["a", "b", "c", "d", "e"],
            "record_key": ["1", "2", "3", "4", "5"],
            "id_key": None,
            "id_digits": None,
            "id_status": "missing",
            "name": ["张叁", "张三", "张三", "王五", "王五"],
            "sex": None,
            "birth_date": [None, "1980-01-02", "1980-01-02", "1970-05-05", "1970-05-05"],
            "township_code": None,
            "village_code": None,
            "phone": ["13800000001", "13800000001", None, "13900000002", "13900000002"],
            "address_detail": None,
            "account": None,
        }
    )
    left = prepare_records(rows)
    freq = frequencies(left.assign(pinyin=left["pinyin"]))
    out = _link_unplaced(left, model, PersonSettings(), freq).set_index("l")
    assert out.loc[0, "group"] == out.loc[1, "group"] == out.loc[2, "group"]
    assert out.loc[[0, 1, 2], "weak"].all()
    assert out.loc[3, "group"] == out.loc[4, "group"] and not out.loc[[3, 4], "weak"].any()


def test_age_window_levels():
    """Inside the window a feed implies (1), outside (0); no window, no profile birth date, or a
    record with a birth date of its own (compared as a birth date instead): -1."""
    birth = np.array([19500101, 19900101, 19500101, 0, 19500101, 20100101, 19900101])
    after = np.array([0, 0, 0, 0, 0, 20030701, 20030701])
    before = np.array([19610630, 19610630, 0, 19610630, 19610630, 20160630, 20160630])
    own = np.array([0, 0, 0, 0, 19500101, 0, 0])
    assert compare.age_window(birth, after, before, own).tolist() == [1, 0, -1, -1, -1, 1, 0]


def test_window_share_counts_the_persons_born_in_it():
    from linkage.persons import window_share

    births = np.sort(np.array([19400101, 19550101, 19610630, 19700101, 19900101, 20100101]))
    share = window_share(births, np.array([0, 19610701, 0]), np.array([19610630, 0, 0]))
    assert share.tolist() == [0.5, 0.5, 1.0]
