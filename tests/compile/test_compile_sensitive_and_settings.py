"""What the compiled app does for sensitive fields and Campaign Settings, read from the generated
tree of the repository's own spec: each masked field has a permlevel-0, read-only masked copy
beside it (so a village clerk on Frappe sees `******************` rather than nothing), DocTypes
holding sensitive fields log views, the companions stay out of the bundled spec, and Campaign
Settings are no fixture (a fixture is re-imported on every `bench migrate`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from townflow.cli import main
from townflow.compile import build_files

APP = "care_for_girls"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def files(repo_project) -> dict[str, bytes]:
    return build_files(repo_project)


def _doctype(files, module_dir: str, snake: str) -> dict:
    return json.loads(files[f"{APP}/{module_dir}/doctype/{snake}/{snake}.json"])


def _fields(doc: dict) -> dict[str, dict]:
    return {f["fieldname"]: f for f in doc["fields"]}


def test_each_masked_field_has_a_permlevel_0_masked_copy_beside_it(files, repo_project):
    person = _doctype(files, APP, "person")
    fields = _fields(person)
    assert fields["id_number"]["permlevel"] == 1, "the full number keeps its permlevel"
    companion = fields["id_number_masked"]
    assert companion == {
        "fieldname": "id_number_masked",
        "fieldtype": "Data",
        "label": "ID Number (masked)",
        "no_copy": 1,
        "read_only": 1,
    }  # permlevel 0 (Frappe leaves falsy keys out), never mandatory, never unique
    order = person["field_order"]
    assert order[order.index("id_number") + 1] == "id_number_masked"
    # a companion follows the field's depends_on: no masked bank account when there is no amount
    aid = _fields(_doctype(files, APP, "student_aid_application"))
    assert aid["bank_account_masked"]["depends_on"] == aid["bank_account"]["depends_on"]
    # every masked spec field, in every DocType, has one
    for name, dt in repo_project.doctypes.items():
        masked = [f.fieldname for f in dt.fields if f.sensitive and f.mask]
        if not masked:
            continue
        snake = name.lower().replace(" ", "_")
        generated = _fields(_doctype(files, APP, snake))
        assert {m + "_masked" for m in masked} <= set(generated), name


def test_doctypes_with_sensitive_fields_log_views(files):
    assert _doctype(files, APP, "person")["track_views"] == 1
    assert _doctype(files, APP, "pregnancy_record")["track_views"] == 1
    assert "track_views" not in _doctype(files, APP, "village")


def test_masked_labels_are_translated(files):
    zh = files[f"{APP}/translations/zh.csv"].decode()
    assert "ID Number (masked),公民身份号码（脱敏）" in zh.splitlines()


def test_the_bundled_spec_has_no_companions(files):
    """The extension code and the embedded runtime see the spec's fields only (the embedded
    runtime masks on read and needs no copy)."""
    bundle = json.loads(files[f"{APP}/townflow_spec.json"])
    names = {f["fieldname"] for d in bundle["doctypes"] for f in d["fields"]}
    assert not any(n.endswith("_masked") for n in names)
    assert bundle["settings"]["certificate_validity_days"] == 30, "the settings install reads these"


def test_campaign_settings_are_no_fixture(files):
    assert f"{APP}/fixtures/campaign_settings.json" not in files
    hooks = files[f"{APP}/hooks.py"].decode()
    assert '"dt": "Campaign Settings"' not in hooks
    assert "care_for_girls.townflow_ext.install.after_migrate" in hooks
    assert f"{APP}/fixtures/village.json" in files, "registry records stay fixtures"


def test_build_check_passes_for_the_committed_app(capsys):
    assert main(["--project", str(ROOT), "build", "--check"]) == 0
    assert "matches the spec" in capsys.readouterr().out


def test_a_child_table_gets_companions_but_no_view_log():
    """Child rows are masked the same way; only the parent's form is opened, so only it logs views."""
    from townflow.compile.doctypes import doctype_json
    from townflow.spec.models import DocType

    visit = DocType.model_validate(
        {
            "name": "Visit Row",
            "module": "Care for Girls",
            "label": {"zh": "随访", "en": "Visit Row"},
            "istable": True,
            "fields": [
                {
                    "fieldname": "findings",
                    "fieldtype": "Small Text",
                    "label": {"zh": "随访情况", "en": "Findings"},
                    "permlevel": 1,
                    "sensitive": True,
                    "mask": "full",
                }
            ],
        }
    )
    doc = doctype_json(visit)
    assert doc["field_order"] == ["findings", "findings_masked"]
    assert _fields(doc)["findings_masked"]["label"] == "Findings (masked)"
    assert "track_views" not in doc
