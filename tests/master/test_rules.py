"""Survivorship rules are data: they load typed, "*" expands to the feeds that have the column,
and a rule naming a feed or column that does not exist is refused at load, naming the attribute."""

from __future__ import annotations

import pytest

from shouwang.master.rules import RulesError, load_rules


def _write(tmp_path, text: str):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_rules_load_with_huji_first_for_names():
    rules = {(r.entity, r.attribute): r for r in load_rules()}
    name = rules[("person", "name")]
    assert name.sources[0].feeds == ("gongan_huji",)
    assert len(name.sources[-1].feeds) > 20  # "*.name": every linked feed
    assert rules[("person", "id_number")].sources[0].id_column
    assert rules[("household", "monitoring_category")].sources[0].feeds == ("xiangcun_jiance",)


def test_star_takes_only_feeds_with_the_column(tmp_path):
    (rule,) = load_rules(_write(tmp_path, "person:\n  phone: ['*.phone']\n"))
    assert set(rule.sources[0].feeds) >= {"renshe_jiuye", "dashuju_renkou", "xinfang_xinfang"}
    assert "gongan_huji" not in rule.sources[0].feeds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("person:\n  name: [gongan_hukou.name]\n", "person.name: 'gongan_hukou' is not a feed"),
        ("person:\n  name: [gongan_huji.nickname]\n", "person.name: feed gongan_huji has no staging column"),
        ("person:\n  name: ['*.nickname']\n", "no linked feed has a staging column"),
        ("person:\n  name: [name]\n", "is not <feed_id>.<column>"),
        ("persons:\n  name: [gongan_huji.name]\n", "unknown entities"),
        ("person:\n  name: []\n", "no sources"),
    ],
)
def test_rules_that_do_not_fit_the_registry_are_refused(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        load_rules(_write(tmp_path, text))
