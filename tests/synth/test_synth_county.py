"""A 2,000-household county: files, formats, columns, truth consistency, noise and events."""

from __future__ import annotations

import re
from collections import Counter

import openpyxl
import pandas as pd
import pytest
from synth_helpers import cell_text, read_rows

from shouwang.synth import GenerationSummary, default_truth_dir, delivery_path, generate_county
from shouwang.synth.idcard import is_valid_id18
from shouwang.synth.noise import ID_KINDS, NAME_KINDS
from shouwang.synth.registry import load_registry

SPECS = load_registry()


def test_all_forty_feeds_delivered_with_registry_columns(county: GenerationSummary) -> None:
    assert len(SPECS) == 40
    for spec in SPECS:
        path = delivery_path(county.out_dir, spec, county.extract_date)
        assert path.exists(), spec.feed_id
        assert path.name == f"{spec.feed}_20210630.{spec.format}"
        header, rows = read_rows(path, spec)
        assert header == list(spec.columns), spec.feed_id
        assert len(rows) == county.rows[spec.feed_id] > 0, spec.feed_id
        assert all(len(r) == len(header) for r in rows), spec.feed_id


def test_file_encodings(county: GenerationSummary) -> None:
    for spec in SPECS:
        raw = delivery_path(county.out_dir, spec, county.extract_date).read_bytes()
        if spec.format == "csv" and spec.encoding == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf"), spec.feed_id
            raw[3:].decode("utf-8")
        elif spec.format == "csv":
            assert spec.encoding == "gb18030"
            assert not raw.startswith(b"\xef\xbb\xbf"), spec.feed_id
            text = raw.decode("gb18030")
            assert text.splitlines()[0] == ",".join(spec.columns)
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")  # really GB18030 bytes, not UTF-8
        elif spec.format == "jsonl":
            assert not raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8")
            assert "\\u" not in text.splitlines()[0]  # non-ASCII written as is
        else:
            assert raw[:2] == b"PK"


def test_xlsx_title_row_is_merged_above_header(county: GenerationSummary) -> None:
    for spec in (s for s in SPECS if s.format == "xlsx"):
        wb = openpyxl.load_workbook(delivery_path(county.out_dir, spec, county.extract_date))
        ws = wb.worksheets[0]
        title = ws.cell(1, 1).value
        assert title == f"唐河县2021年6月{spec.title}", spec.feed_id
        last = openpyxl.utils.get_column_letter(len(spec.columns))
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}, spec.feed_id
        assert [c.value for c in ws[2]] == list(spec.columns), spec.feed_id


def _truth(county: GenerationSummary, name: str) -> pd.DataFrame:
    return pd.read_csv(county.truth_dir / name, dtype=str, keep_default_na=False)


def test_truth_is_outside_the_landing_zone(county: GenerationSummary) -> None:
    assert county.truth_dir == default_truth_dir(county.out_dir)
    assert county.out_dir not in county.truth_dir.parents
    for name in ("persons.csv", "households.csv", "records.csv", "events.csv", "noise.csv"):
        assert (county.truth_dir / name).exists()
        assert not list(county.out_dir.rglob(name))
    with pytest.raises(ValueError):
        generate_county(10, 1, county.out_dir, truth_dir=county.out_dir / "truth")


def test_truth_persons_and_households(county: GenerationSummary) -> None:
    persons = _truth(county, "persons.csv")
    households = _truth(county, "households.csv")
    assert len(persons) == county.persons and len(households) == county.households == 2000
    assert 3.0 < len(persons) / len(households) < 3.6
    assert persons["id_number"].map(is_valid_id18).all()
    assert persons["id_number"].is_unique and persons["person_id"].is_unique
    assert set(persons["household_id"]) == set(households["household_id"])
    assert households["hukou_no"].str.fullmatch(r"\d{9}").all() and households["hukou_no"].is_unique
    share = households["poverty_status"].value_counts(normalize=True)
    assert 0.09 < share["脱贫户"] < 0.16 and 0.01 < share["监测户"] < 0.06
    assert (households["split_from_household_id"] != "").sum() > 0  # 分户 exists
    assert (households["relocated"] == "true").sum() > 0
    heads = persons.set_index("person_id").loc[households["head_person_id"], "relation_to_head"]
    assert (heads == "户主").all()
    # birth date and sex are encoded in the ID
    assert (persons["id_number"].str[6:14] == persons["birth_date"].str.replace("-", "")).all()
    odd = persons["id_number"].str[16].astype(int) % 2 == 1
    assert (odd == (persons["sex"] == "M")).all()


def test_every_truth_record_is_delivered(county: GenerationSummary) -> None:
    records = _truth(county, "records.csv")
    persons = set(_truth(county, "persons.csv")["person_id"])
    for spec in SPECS:
        header, rows = read_rows(delivery_path(county.out_dir, spec, county.extract_date), spec)
        pos = [header.index(k) for k in spec.key]
        delivered = {"+".join(cell_text(r[i]) for i in pos) for r in rows}
        mine = records[(records["dept"] == spec.dept) & (records["feed"] == spec.feed)]
        assert len(mine) == len(delivered), spec.feed_id  # keys unique; duplicates are exact copies
        assert set(mine["record_key"]) == delivered, spec.feed_id
        if spec.subject in ("person", "household"):
            assert mine["person_id"].isin(persons).all(), spec.feed_id
        else:
            assert (mine["person_id"] == "").all(), spec.feed_id


def test_household_rows_name_the_head(county: GenerationSummary) -> None:
    records = _truth(county, "records.csv")
    households = _truth(county, "households.csv")
    heads = set(households["head_person_id"])
    for spec in SPECS:
        if spec.subject == "household" and spec.feed_id not in ("nongye/chengbao",):
            mine = records[(records["dept"] == spec.dept) & (records["feed"] == spec.feed)]
            assert mine["person_id"].isin(heads).mean() > 0.95, spec.feed_id


_ID_PATTERNS = {
    "old15": re.compile(r"^\d{15}$"),
    "lower_x": re.compile(r"^\d{17}x$"),
    "fullwidth": re.compile(r"[０-９]"),
    "space": re.compile(r"\d\s+\d|^\s|\s$"),
    "apostrophe": re.compile(r"^'"),
    "excel": re.compile(r"^\d\.\d+E\+17$"),
}


def test_noise_kinds_present_in_deliveries(county: GenerationSummary) -> None:
    seen: Counter[str] = Counter()
    wrong_check = empty = excel_number = 0
    names: Counter[str] = Counter()
    for spec in SPECS:
        header, rows = read_rows(delivery_path(county.out_dir, spec, county.extract_date), spec)
        for col, typ in spec.types.items():
            i = header.index(col)
            values = [r[i] for r in rows]
            if typ == "id":
                for v in values:
                    if isinstance(v, float):
                        excel_number += 1  # Excel stored the ID as a number
                        continue
                    s = cell_text(v)
                    if s == "":
                        empty += 1
                    elif re.fullmatch(r"\d{17}[\dX]", s) and not is_valid_id18(s):
                        wrong_check += 1
                    for kind, pat in _ID_PATTERNS.items():
                        if pat.search(s):
                            seen[kind] += 1
            elif typ == "name":
                for v in map(cell_text, values):
                    if v != v.rstrip():
                        names["trailing_space"] += 1
                    if re.search(r"[(（](已故|死亡|殁)[)）]$", v):
                        names["status_dead"] += 1
                    if re.search(r"[張劉陳楊趙黃孫馬鄭許]", v):
                        names["traditional"] += 1
                    if re.search(r"[•・．.\-･‧]", v):
                        names["dot"] += 1
    assert set(_ID_PATTERNS) <= set(seen), seen
    assert wrong_check > 20 and empty > 20 and excel_number > 0
    assert {"trailing_space", "status_dead", "traditional", "dot"} <= set(names), names


def test_noise_summary_covers_every_kind(county: GenerationSummary) -> None:
    noise = _truth(county, "noise.csv")
    kinds = set(zip(noise["field"], noise["kind"], strict=True))
    assert {("id", k) for k in ID_KINDS} <= kinds
    assert {("name", k) for k in NAME_KINDS} <= kinds
    other = {k for f, k in kinds if f == "other"}
    for needed in (
        "birth_dm_swap",
        "date_ymd",
        "date_iso",
        "date_slash",
        "date_cn",
        "date_datetime",
        "date_serial",
    ):
        assert any(needed in k for k in other), needed
    assert any(k.startswith("phone_") for k in other)
    # the careful feeds stay careful
    rates = noise[noise["field"] == "id"].assign(rate=lambda d: d["rate"].astype(float))
    assert rates[rates["feed"] == "huji"]["rate"].sum() < 0.03
    assert rates[rates["feed"] == "renkou"]["rate"].sum() > 0.08


def test_address_and_place_variants(county: GenerationSummary) -> None:
    spec = next(s for s in SPECS if s.feed_id == "gongan/huji")
    header, rows = read_rows(delivery_path(county.out_dir, spec, county.extract_date), spec)
    towns = Counter(r[header.index("乡镇街道")] for r in rows)
    assert any(t.endswith(("镇", "乡", "街道")) for t in towns)
    spec = next(s for s in SPECS if s.feed_id == "dashuju/renkou")
    header, rows = read_rows(delivery_path(county.out_dir, spec, county.extract_date), spec)
    addr = [r[header.index("现住址")] for r in rows]
    assert any(a.startswith("河南省唐河县") for a in addr)
    assert any("村委会" in a for a in addr) and any(a.endswith("队") for a in addr)


EVENT_TYPES = {
    "large_medical",
    "disaster_house",
    "death",
    "paid_after_death",
    "severe_disability",
    "dropout",
    "unsafe_house",
    "water_problem",
    "uninsured",
    "loan_overdue",
    "income_collapse",
    "hardship_petition",
    "vehicle_owner",
    "urban_flat",
    "business_owner",
    "public_employee",
    "high_income",
}


def test_planted_events(county: GenerationSummary) -> None:
    events = _truth(county, "events.csv")
    records = _truth(county, "records.csv")
    assert EVENT_TYPES <= set(events["event_type"]), set(EVENT_TYPES) - set(events["event_type"])
    keyed = records.set_index(["dept", "feed", "record_key"])
    idx = pd.MultiIndex.from_frame(events[["dept", "feed", "record_key"]])
    assert idx.isin(keyed.index).all()
    assert (keyed.loc[idx, "person_id"].to_numpy() == events["person_id"].to_numpy()).all()
    # large medical bills: more than 20,000 yuan out of pocket for the patient
    spec = next(s for s in SPECS if s.feed_id == "yibao/jiesuan")
    header, rows = read_rows(delivery_path(county.out_dir, spec, county.extract_date), spec)
    df = pd.DataFrame(rows, columns=header).merge(
        records[records["feed"] == "jiesuan"], left_on="结算流水号", right_on="record_key"
    )
    per_person = df.groupby("person_id")["个人自付"].apply(lambda s: s.astype(float).sum())
    big = events[events["event_type"] == "large_medical"]["person_id"].unique()
    assert len(big) > 0 and (per_person.loc[big] > 20000).all()
    deaths = events[events["event_type"] == "paid_after_death"]
    alive = _truth(county, "persons.csv").set_index("person_id")["alive"]
    assert (alive.loc[deaths["person_id"]] == "false").all()
    # an event the deliveries can show is never dated after their extract date
    disability = events[events["event_type"] == "severe_disability"]
    assert len(disability) and (disability["event_date"] <= county.extract_date.isoformat()).all()
