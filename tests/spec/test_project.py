"""The Project API, `townflow check`, and the repository's own spec (loads, and matches the golden)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from townflow.cli import main
from townflow.spec import SpecErrors, load_project
from townflow.spec.commands import project_summary

from .conftest import BASE, write_project

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "project_summary.txt"


def test_project_answers_lookups_by_name(base_project):
    project = load_project(base_project)
    assert sorted(project.doctypes) == ["Application", "Village"]
    assert project.doctype("Village").autoname == "field:village_name"
    assert project.workflow_for("Application").workflow_name == "Application Approval"
    assert project.workflow_for("Village") is None
    assert [r.model_extra["village_name"] for r in project.records_of("Village")] == ["东关村", "西关村"]
    assert sorted(project.roles) == ["Approver", "Clerk"]
    with pytest.raises(KeyError, match="no DocType named 'Nope'"):
        project.doctype("Nope")


def test_settings_are_the_values_of_the_campaign_settings_record(tmp_path):
    files = dict(BASE)
    files["doctypes/campaign_settings.yaml"] = (
        "name: Campaign Settings\nmodule: Care\nlabel: {zh: 参数, en: Campaign Settings}\nissingle: true\n"
        "fields:\n  - {fieldname: reward, fieldtype: Currency, label: {zh: 奖励, en: Reward}}\n"
    )
    files["fixtures/settings.yaml"] = "records:\n  - {doctype: Campaign Settings, reward: 600}\n"
    project = load_project(write_project(tmp_path, files))
    assert project.settings == {"reward": 600}


def test_no_spec_folders_is_an_error_that_says_so(tmp_path):
    with pytest.raises(SpecErrors, match=r"no doctypes/, workflows/ or fixtures/ folder here"):
        load_project(tmp_path)


def test_townflow_check_says_what_it_checked(base_project, capsys):
    assert main(["--project", str(base_project), "check"]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith(
        "is valid: 2 doctypes, 6 fields, 1 workflows, 4 states, 3 transitions, 2 roles, 3 fixture records,"
        " 0 reports, 0 number cards, 0 charts"
    )


def test_townflow_check_lists_every_error_and_fails(tmp_path, capsys):
    files = dict(BASE)
    files["doctypes/village.yaml"] = files["doctypes/village.yaml"].replace("reqd: true", "reqd: yes")
    files["workflows/application.yaml"] = files["workflows/application.yaml"].replace(
        "allowed: Clerk", "allowed: Clerks"
    )
    write_project(tmp_path, files)
    assert main(["--project", str(tmp_path), "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("2 spec errors:\n")
    assert "doctypes/village.yaml:9:11: fields[0].reqd: " in err
    assert "workflows/application.yaml:12:66: transitions[0].allowed: " in err


def test_the_repository_spec_loads_without_errors():
    project = load_project(REPO)
    assert project.doctypes and project.workflows and project.roles and project.records


def test_the_repository_spec_matches_the_golden_summary():
    """Guards against accidental change; after a deliberate one run with TOWNFLOW_UPDATE_GOLDEN=1."""
    summary = project_summary(load_project(REPO))
    if os.environ.get("TOWNFLOW_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(summary, encoding="utf-8")
    assert summary == GOLDEN.read_text(encoding="utf-8"), (
        "spec changed: TOWNFLOW_UPDATE_GOLDEN=1 pytest tests/spec"
    )
