"""The registry is the project's copy of the contracts: complete, consistent, and validated on load."""

from __future__ import annotations

import pytest
import yaml

from shouwang.registry import RegistryError, load_registry
from shouwang.registry.model import REGISTRY_FILE
from tests.conftest import SAMPLES


def test_registry_has_the_25_departments_and_40_feeds():
    reg = load_registry()
    assert len(reg) == 40
    assert len(reg.departments) == 25
    assert {f.feed_id for f in reg if f.critical} == {"gongan_huji", "xiangcun_jiance"}


def test_every_sample_header_matches_its_feed_columns():
    from shouwang.landing.readers import read_delivery

    reg = load_registry()
    for feed in reg:
        path = SAMPLES / feed.dept / f"{feed.feed}_20210630.{feed.extension}"
        read = read_delivery(path, feed)
        assert set(read.header) >= set(feed.source_columns), feed.feed_id


def _write(tmp_path, mutate) -> str:
    doc = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["departments"][0]["feeds"][0].update(format="xml"), "format"),
        (lambda d: d["departments"][0]["feeds"][0].update(key=["不存在"]), "key column"),
        (lambda d: d["departments"][0]["feeds"][0]["columns"]["姓名"].update(type="blob"), "type"),
        (lambda d: d["departments"][0]["feeds"][0]["columns"].pop("变更类型"), "change_type"),
        (lambda d: d["departments"][0]["feeds"][0].update(encoding=None), "encoding"),
        (
            lambda d: d["departments"][0]["feeds"][0].update(subject_age={"field": "nope", "values": {}}),
            "no field",
        ),
        (lambda d: d["departments"][0]["feeds"][0].update(subject_age={"min": 60, "max": 16}), "above max"),
        (lambda d: d["departments"][0]["feeds"][0].update(subject_age={"oldest": 60}), "min and/or max"),
        (
            lambda d: d["departments"][0]["feeds"][0].update(
                subject_age={"field": "person_status", "values": {"领取": {"min": 60}}}
            ),
            "not a value",
        ),
        (
            lambda d: d["departments"][0]["feeds"][0].update(subject_programme="no_such_field"),
            "subject_programme: no field",
        ),
    ],
)
def test_inconsistent_registry_is_refused_at_load(tmp_path, mutate, message):
    with pytest.raises(RegistryError, match=message):
        load_registry(_write(tmp_path, mutate))


def test_a_41st_feed_is_a_config_entry(tmp_path):
    def add(doc):
        doc["departments"].append(
            {
                "dept": "minzong",
                "name": "民族宗教事务局",
                "feeds": [
                    {
                        "feed": "shaoshu",
                        "title": "少数民族困难群众",
                        "format": "csv",
                        "encoding": "utf-8-sig",
                        "cadence": "quarterly",
                        "mode": "full",
                        "key": ["编号"],
                        "subject": "person",
                        "columns": {
                            "编号": {"field": "record_no", "type": "text", "required": True},
                            "姓名": {"field": "name", "type": "name", "required": True},
                            "身份证号": {"field": "id_number", "type": "id"},
                        },
                    }
                ],
            }
        )

    reg = load_registry(_write(tmp_path, add))
    assert len(reg) == 41
    assert reg.get("minzong_shaoshu").columns[1].type == "name"
