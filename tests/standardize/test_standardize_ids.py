from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shouwang.staging.standardize import ID_STATUSES, check_digit, is_valid_id, standardize_ids

VALID = "41132819900101123X"  # male (17th digit 3), born 1990-01-01
VALID_F = "411328196207225061"  # female (17th digit 6)


def one(value: object) -> dict:
    return standardize_ids(pd.Series([value], dtype=object)).iloc[0].to_dict()


def test_check_digit_gb11643_reference_example():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("41132819900101123") == "X"
    assert check_digit("41132820000229000") == "2"


def test_check_digit_rejects_wrong_length():
    with pytest.raises(ValueError):
        check_digit("4113281990")


def test_valid_id_decodes_sex_and_birth_date():
    r = one(VALID)
    assert r["id_number"] == VALID
    assert r["id_status"] == "valid"
    assert r["id_sex"] == "M"
    assert r["id_birth_date"] == pd.Timestamp("1990-01-01")
    assert one(VALID_F)["id_sex"] == "F"


def test_output_columns_dtypes_and_index():
    raw = pd.Series([VALID, None, "junk"], index=[10, 20, 30], dtype=object)
    out = standardize_ids(raw)
    assert list(out.columns) == ["id_number", "id_status", "id_sex", "id_birth_date"]
    assert out.index.tolist() == [10, 20, 30]
    assert out["id_birth_date"].dtype == "datetime64[ns]"
    assert set(out["id_status"]) <= set(ID_STATUSES)


def test_lowercase_x_is_uppercased():
    assert one(VALID.lower()) | {} == one(VALID)
    assert one("41132819900101123x")["id_number"] == VALID


@pytest.mark.parametrize(
    "raw",
    [
        "４１１３２８１９９００１０１１２３Ｘ",  # full-width digits and X
        "４１１３２８１９９００１０１１２３ｘ",  # full-width lowercase x
        "4113 2819 9001 0112 3X",  # spaces inside
        "411328\u300019900101123X",  # ideographic space inside
        "\t41132819900101123X \n",  # surrounding whitespace
        "'41132819900101123X",  # Excel text-prefix apostrophe
        '"\'41132819900101123X"',  # CSV quoting around the apostrophe
        "‘41132819900101123X",  # typographic quote
    ],
)
def test_noise_is_normalised_to_valid(raw):
    r = one(raw)
    assert (r["id_number"], r["id_status"]) == (VALID, "valid")


def test_old_15_digit_id_is_converted():
    r = one("411328900101123")
    assert r["id_number"] == "41132819900101123" + check_digit("41132819900101123")
    assert r["id_status"] == "converted_15"
    assert r["id_sex"] == "M"
    assert r["id_birth_date"] == pd.Timestamp("1990-01-01")


def test_old_15_digit_id_with_impossible_date_is_malformed():
    r = one("411328901301123")  # month 13
    assert (r["id_number"], r["id_status"]) == (None, "malformed")


def test_wrong_check_digit_keeps_value_for_near_miss_linkage():
    r = one("411328199001011234")
    assert r["id_status"] == "bad_checksum"
    assert r["id_number"] == "411328199001011234"
    assert r["id_sex"] == "M"
    assert r["id_birth_date"] == pd.Timestamp("1990-01-01")


@pytest.mark.parametrize(
    "raw",
    ["4.11328E+17", "4.11328e+17", "4.11328199001011e+17", "4.11328199001011E17", "411328199001011234.0"],
)
def test_excel_scientific_and_float_forms_are_mangled(raw):
    r = one(raw)
    assert (r["id_number"], r["id_status"], r["id_sex"]) == (None, "excel_mangled", None)
    assert pd.isna(r["id_birth_date"])


def test_excel_zero_tail_with_failed_checksum_is_mangled():
    assert check_digit("41132819900101100") != "0"
    r = one("411328199001011000")
    assert (r["id_number"], r["id_status"]) == (None, "excel_mangled")


def test_zero_tail_with_correct_checksum_is_valid():
    assert check_digit("41132819890101000") == "0"
    assert one("411328198901010000")["id_status"] == "valid"


@pytest.mark.parametrize(
    "raw",
    [
        "41132819830608199",  # 17 digits
        "4113281990010112345",  # 19 digits
        "4113281990010X123X",  # X not at the end
        "41132819901301123X",  # month 13
        "411328199002300000",  # 30 February
        "411328199002290000",  # 29 February in a non-leap year
        "411328189912310000",  # born before 1900
        "411328209901010000",  # born in the future
        "411328021102026254",  # digits transposed into the year
        "豫交运管许可宛字411328161803",  # not an ID at all
        "411328196207307374,411328196703103100",  # two IDs in one cell (split first)
        "abc",
    ],
)
def test_malformed_values_are_dropped(raw):
    r = one(raw)
    assert (r["id_number"], r["id_status"], r["id_sex"]) == (None, "malformed", None)


def test_leap_day_birth_date_is_valid():
    value = "41132820000229000" + check_digit("41132820000229000")
    r = one(value)
    assert r["id_status"] == "valid"
    assert r["id_birth_date"] == pd.Timestamp("2000-02-29")


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", float("nan"), "-", "无"])
def test_missing(raw):
    r = one(raw)
    assert (r["id_number"], r["id_status"], r["id_sex"]) == (None, "missing", None)


@pytest.mark.parametrize("area", ["412927", "411328", "110105", "000000"])
def test_area_code_is_not_validated(area):
    first17 = f"{area}19620722506"
    assert one(first17 + check_digit(first17))["id_status"] == "valid"


def test_is_valid_id_scalar():
    assert is_valid_id(VALID)
    assert is_valid_id(" 41132819900101123x")
    assert not is_valid_id("411328199001011234")
    assert not is_valid_id("411328900101123")
    assert not is_valid_id("411328199002300000")
    assert not is_valid_id(None)  # type: ignore[arg-type]


def test_non_string_cells_are_tolerated():
    out = standardize_ids(pd.Series([4.11328e17, 411328199001011234], dtype=object))
    assert out["id_status"].tolist() == ["excel_mangled", "bad_checksum"]


def test_sample_deliveries(sample):
    # a full-width ID in the land-contract feed, Excel-mangled and 15-digit IDs in the
    # population feed, blanks in the electricity feed
    chengbao = standardize_ids(sample("nongye", "chengbao")["证件号码"])
    assert chengbao["id_status"].isin(["valid", "bad_checksum"]).all()
    renkou = standardize_ids(sample("dashuju", "renkou")["证件号码"])
    counts = renkou["id_status"].value_counts()
    assert counts["excel_mangled"] >= 1 and counts["converted_15"] >= 1 and counts["missing"] >= 1
    assert renkou.loc[renkou["id_status"] == "converted_15", "id_number"].str.len().eq(18).all()
    shuidian = standardize_ids(sample("dashuju", "shuidian")["证件号码"])
    assert (shuidian["id_status"] == "missing").sum() > 10


def _expected(first17: str, kind: str) -> tuple[str | None, str]:
    good = first17 + check_digit(first17)
    if kind == "valid":
        return good, "valid"
    if kind == "typo":
        wrong = first17 + ("0" if good[-1] != "0" else "1")
        return (None, "excel_mangled") if wrong.endswith("000") else (wrong, "bad_checksum")
    if kind == "fullwidth":
        return good, "valid"
    if kind == "old":
        return good, "converted_15"
    return None, "missing"


def _raw(first17: str, kind: str) -> str | None:
    good = first17 + check_digit(first17)
    if kind == "typo":
        return first17 + ("0" if good[-1] != "0" else "1")
    if kind == "fullwidth":
        return good.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    if kind == "old":
        return first17[:6] + first17[8:17]
    if kind == "missing":
        return " "
    return good


def test_100k_rows_match_row_by_row_expectations():
    rng = np.random.default_rng(7)
    n = 100_000
    days = rng.integers(0, 36_000, n)  # births 1900-01-01 .. ~1998
    births = (np.datetime64("1900-01-01") + days).astype(str)
    kinds = rng.choice(["valid", "typo", "fullwidth", "old", "missing"], n)
    areas = rng.choice(["411328", "412927"], n)
    first17 = [
        f"{a}{b.replace('-', '')}{i % 1000:03d}" for i, (a, b) in enumerate(zip(areas, births, strict=True))
    ]
    # 15-digit IDs only exist for 19xx births
    kinds = np.where((kinds == "old") & (np.array([f[6:8] for f in first17]) != "19"), "valid", kinds)
    raw = pd.Series([_raw(f, k) for f, k in zip(first17, kinds, strict=True)], dtype=object)
    raw = pd.concat([raw, raw.iloc[:1000]], ignore_index=True)  # duplicates broadcast correctly
    expected = [_expected(f, k) for f, k in zip(first17, kinds, strict=True)]
    expected += expected[:1000]
    out = standardize_ids(raw)
    assert out["id_number"].tolist() == [e[0] for e in expected]
    assert out["id_status"].tolist() == [e[1] for e in expected]
    has = out["id_number"].notna()
    assert (out.loc[has, "id_birth_date"].dt.strftime("%Y%m%d") == out.loc[has, "id_number"].str[6:14]).all()
    odd = out.loc[has, "id_number"].str[16].astype(int) % 2 == 1
    assert (out.loc[has, "id_sex"] == np.where(odd, "M", "F")).all()
    assert out.loc[~has, "id_sex"].isna().all()
    assert_same_from_arrow(raw, out)


def assert_same_from_arrow(raw: pd.Series, expected: pd.DataFrame) -> None:
    """The readers deliver text in Arrow: that path must give exactly what object input gives."""
    arrow = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(raw.tolist(), type=pa.string())))
    got = standardize_ids(arrow)
    assert list(got.columns) == list(expected.columns)
    for column in expected.columns:
        a = [None if pd.isna(v) else v for v in got[column].tolist()]
        b = [None if pd.isna(v) else v for v in expected[column].tolist()]
        assert a == b, column


def test_arrow_text_gives_the_same_results_for_every_kind_of_value():
    raw = pd.Series(
        [
            "411328900101123",  # 15 digits (converted), before a dirty 18 in the list ...
            "4113 2819 9001 0112 3X",  # ... so that rewritten values are not in position order
            VALID,
            "411328196207225060",  # bad check digit (kept)
            "４１１３２８１９６２０７２２５０６１",
            None,
            "4.11328E+17",
            "411328199002300000",  # impossible date
            "豫交运管许可宛字411328161803",  # 18 characters, more bytes
            "无",
            "410101050101001",  # another 15-digit one
            "'411328196207225061",
            VALID,  # repeated
            "4113281990010112345",
            "41132819900101123x",
            "",
        ],
        dtype=object,
    )
    assert_same_from_arrow(raw, standardize_ids(raw))
    for edge in ([""], [None], ["", None], []):  # no value bytes at all in Arrow's buffers
        raw = pd.Series(edge, dtype=object)
        assert_same_from_arrow(raw, standardize_ids(raw))
