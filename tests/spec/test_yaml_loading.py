"""YAML is read as YAML 1.2 core: what was written stays what it is."""

from __future__ import annotations

import pytest

from townflow.spec import SpecErrors, load_project
from townflow.spec.loader import read_yaml

from .conftest import BASE, write_project


def _read(tmp_path, text: str):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    data, _source, errors = read_yaml(path, "x.yaml")
    assert errors == []
    return data


@pytest.mark.parametrize("word", ["no", "No", "NO", "yes", "on", "off", "y", "n", "Off"])
def test_yaml11_booleans_stay_text(tmp_path, word):
    assert _read(tmp_path, f"village: {word}\n") == {"village": word}


def test_dates_and_times_stay_the_text_that_was_written(tmp_path):
    data = _read(tmp_path, "born: 2024-01-05\nseen: 2024-01-05 10:30:00\nclock: 12:30\n")
    assert data == {"born": "2024-01-05", "seen": "2024-01-05 10:30:00", "clock": "12:30"}


def test_numbers_follow_the_yaml12_core_schema(tmp_path):
    data = _read(tmp_path, "a: 010\nb: 0o17\nc: 0x1F\nd: 1_000\ne: 1.5\nf: -3\ng: .inf\nh: 1e3\n")
    assert data == {
        "a": 10,
        "b": 15,
        "c": 31,
        "d": "1_000",
        "e": 1.5,
        "f": -3,
        "g": float("inf"),
        "h": 1000.0,
    }


def test_true_false_null_are_the_only_special_words(tmp_path):
    data = _read(tmp_path, "a: true\nb: False\nc: null\nd: ~\ne:\nf: Null\ng: nil\n")
    assert data == {"a": True, "b": False, "c": None, "d": None, "e": None, "f": None, "g": "nil"}


def test_merge_keys_are_not_yaml12_and_are_plain_keys(tmp_path):
    assert _read(tmp_path, "base: &b {x: 1}\nother:\n  <<: *b\n") == {
        "base": {"x": 1},
        "other": {"<<": {"x": 1}},
    }


def test_explicit_tag_that_cannot_be_read_is_a_located_error(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: !!int twelve\n", encoding="utf-8")
    data, _source, errors = read_yaml(path, "x.yaml")
    assert data is None
    assert [(e.location, e.message.split(":")[0]) for e in errors] == [("x.yaml:2:4", "invalid YAML")]


def test_python_object_tags_are_refused(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    data, _source, errors = read_yaml(path, "x.yaml")
    assert data is None
    assert errors[0].location == "x.yaml:1:4"
    assert "could not determine a constructor" in errors[0].message


def test_a_village_called_no_loads_as_text_through_the_whole_project(tmp_path):
    files = dict(BASE)
    files["fixtures/villages.yaml"] = files["fixtures/villages.yaml"].replace("西关村", "No")
    project = load_project(write_project(tmp_path, files))
    assert [r.model_extra["village_name"] for r in project.records_of("Village")] == ["东关村", "No"]


def test_keys_are_always_text(tmp_path):
    assert _read(tmp_path, "1: a\nnull: b\ntrue: c\n") == {"1": "a", "null": "b", "true": "c"}


def test_a_number_as_key_is_an_unknown_key_at_that_key(tmp_path):
    files = dict(BASE)
    files["doctypes/village.yaml"] = files["doctypes/village.yaml"].replace(
        "module: Org", "module: Org\n1: x"
    )
    with pytest.raises(SpecErrors) as caught:
        load_project(write_project(tmp_path, files))
    assert [(e.location, e.path) for e in caught.value] == [("doctypes/village.yaml:3:1", "1")]
