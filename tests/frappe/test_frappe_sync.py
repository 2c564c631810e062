"""`townflow push` and `townflow pull` against the real Frappe site the suite deployed to."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from townflow.cli import main
from townflow.spec import load_project

pytestmark = pytest.mark.frappe
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def administrator_before(admin) -> dict:
    """Administrator's API key and last change, as the module found them."""
    return admin.get_value("User", ["api_key", "modified"], {"name": "Administrator"})


@pytest.fixture(scope="module")
def token(admin, people, administrator_before) -> str:
    """An API key of the suite's own System Manager: Administrator's keys are left alone (a
    script of the site's owner keeps working)."""
    manager = people.make("sync-manager", ["System Manager"])
    secret = admin.generate_keys(manager.email)
    key = admin.get_value("User", "api_key", {"name": manager.email})["api_key"]
    return f"{key}:{secret}"


def test_push_updates_the_sites_workflows(admin, url, token, capsys):
    assert main(["--project", str(ROOT), "push", "--url", url, "--token", token]) == 0
    out = capsys.readouterr().out
    for wf in load_project(ROOT).workflows.values():
        assert f"Workflow {wf.workflow_name}: updated" in out
    wf = admin.get_doc("Workflow", load_project(ROOT).workflows["Subsidy Application"].workflow_name)
    assert wf["is_active"] == 1
    assert any(t["action"] == "Issue Notice" for t in wf["transitions"])


def test_pull_brings_a_customize_form_field_back_into_the_yaml(admin, url, token, tmp_path, capsys):
    label = f"WeChat {uuid.uuid4().hex[:4]}"
    custom = admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "label": label,
            "fieldtype": "Data",
            "insert_after": "phone",
        }
    )
    fieldname = custom["fieldname"]  # Frappe names it custom_<label>, as Customize Form does
    assert fieldname.startswith("custom_")
    project = tmp_path / "project"
    for folder in ("doctypes", "workflows", "fixtures"):
        shutil.copytree(ROOT / folder, project / folder)
    try:
        assert main(["--project", str(project), "pull", "--url", url, "--token", token]) == 0
        assert f"added field {fieldname}" in capsys.readouterr().out
        household = load_project(project).doctypes["Household"]
        names = [f.fieldname for f in household.fields]
        assert names[names.index("phone") + 1] == fieldname
        assert household.field(fieldname).label.en == label
    finally:
        admin.delete("Custom Field", custom["name"])


def test_a_bad_token_is_refused_clearly(url, capsys):
    assert main(["--project", str(ROOT), "push", "--url", url, "--token", "nokey:nosecret"]) == 1
    assert "refused the token" in capsys.readouterr().err


def test_administrators_credentials_are_left_alone(admin, token, administrator_before):
    """After push and pull with the suite's own key, Administrator's key and user record are as
    the module found them (generate_keys would have changed both)."""
    after = admin.get_value("User", ["api_key", "modified"], {"name": "Administrator"})
    assert after == administrator_before
