"""`townflow push` / `townflow pull` against the embedded runtime's REST API (the same contract
a Frappe site answers; tests/frappe runs them against a real one)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from townflow.cli import main
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).resolve().parent / "sample"


@pytest.fixture(scope="module")
def token(live_site) -> str:
    admin = live_site.admin
    secret = admin.generate_keys("Administrator")
    key = admin.get_value("User", "api_key", {"name": "Administrator"})["api_key"]
    return f"{key}:{secret}"


@pytest.fixture
def project_copy(tmp_path) -> Path:
    copy = tmp_path / "project"
    for folder in ("doctypes", "workflows", "fixtures"):
        shutil.copytree(ROOT / folder, copy / folder)
    return copy


def test_pull_writes_a_custom_field_into_the_yaml_keeping_the_rest(live_site, token, project_copy, capsys):
    live_site.admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "fieldname": "wechat_id",
            "label": "微信号",
            "label_en": "WeChat ID",
            "fieldtype": "Data",
            "insert_after": "phone",
        }
    )
    path = project_copy / "doctypes" / "household.yaml"
    before = path.read_text()
    assert main(["--project", str(project_copy), "pull", "--url", live_site.url, "--token", token]) == 0
    assert "added field wechat_id" in capsys.readouterr().out
    household = load_project(project_copy).doctypes["Household"]
    names = [f.fieldname for f in household.fields]
    assert names[names.index("phone") + 1] == "wechat_id"
    field = household.field("wechat_id")
    assert (field.fieldtype, field.label.zh, field.label.en) == ("Data", "微信号", "WeChat ID")
    after = path.read_text()
    # Everything else is as it was: the file only gained the new field's line.
    assert [line for line in after.splitlines() if "wechat_id" not in line] == before.splitlines()
    # Pulling again finds nothing new.
    assert main(["--project", str(project_copy), "pull", "--url", live_site.url, "--token", token]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_push_to_the_embedded_runtime_reports_what_it_cannot_push(live_site, token, capsys):
    assert main(["--project", str(ROOT), "push", "--url", live_site.url, "--token", token]) == 0
    assert "no Workflow DocType" in capsys.readouterr().out


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_clear_errors_for_a_wrong_url_a_bad_token_and_a_site_without_the_app(live_site, token, capsys):
    wrong = f"http://127.0.0.1:{_closed_port()}"
    assert main(["--project", str(ROOT), "push", "--url", wrong, "--token", token]) == 1
    assert "cannot reach" in capsys.readouterr().err

    assert main(["--project", str(ROOT), "pull", "--url", live_site.url, "--token", "nokey:nosecret"]) == 1
    assert "refused the token" in capsys.readouterr().err

    assert main(["--project", str(ROOT), "push", "--url", live_site.url, "--token", "not-a-token"]) == 1
    assert "bad --url or --token" in capsys.readouterr().err

    # The sample project's DocTypes are not on this site: it does not have that app.
    assert main(["--project", str(SAMPLE), "push", "--url", live_site.url, "--token", token]) == 1
    assert "install the app first" in capsys.readouterr().err


def test_pull_leaves_out_a_masked_companion_found_as_a_custom_field(live_site, token, project_copy, capsys):
    """`<field>_masked` is the compiled app's masked copy of a sensitive field (compile.masked), not
    something an admin added: even when a site holds one as a Custom Field, pull does not write it."""
    live_site.admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Person",
            "fieldname": "id_number_masked",
            "label": "ID Number (masked)",
            "fieldtype": "Data",
            "read_only": 1,
            "insert_after": "id_number",
        }
    )
    path = project_copy / "doctypes" / "person.yaml"
    before = path.read_text()
    assert main(["--project", str(project_copy), "pull", "--url", live_site.url, "--token", token]) == 0
    assert "id_number_masked" not in capsys.readouterr().out
    assert path.read_text() == before
