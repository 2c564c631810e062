"""Customizations merged back into doctypes/*.yaml: only the touched lines change, the spec
still checks, and a merge that would break it is undone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from townflow.cli import main
from townflow.runtime import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_copy(tmp_path) -> Path:
    root = tmp_path / "project"
    for folder in ("doctypes", "workflows", "fixtures"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def customize(root: Path, site_dir: Path, rows: list[dict]) -> None:
    site = Site.open(site_dir, load_project(root), admin_password="x")
    admin = site.session("Administrator")
    for row in rows:
        admin.insert(row)
    site.close()


def export_into_spec(root: Path, site_dir: Path) -> int:
    """`townflow customizations export --into-spec`, as an admin runs it; its exit status."""
    args = ["--project", str(root), "customizations", "export", "--site", str(site_dir)]
    return main([*args, "--into-spec"])


def test_custom_field_and_property_setters_land_in_the_yaml(project_copy, tmp_path):
    before = (project_copy / "doctypes" / "household.yaml").read_text(encoding="utf-8")
    customize(
        project_copy,
        tmp_path / "site",
        [
            {
                "doctype": "Custom Field",
                "dt": "Household",
                "fieldname": "house_no",
                "label": "门牌号",
                "label_en": "House No",
                "fieldtype": "Data",
                "insert_after": "head_name",
            },
            {
                "doctype": "Property Setter",
                "doc_type": "Household",
                "field_name": "address",
                "property": "label",
                "value": "详细住址",
            },
            {
                "doctype": "Property Setter",
                "doc_type": "Household",
                "field_name": "phone",
                "property": "reqd",
                "property_type": "Check",
                "value": "1",
            },
        ],
    )
    assert export_into_spec(project_copy, tmp_path / "site") == 0
    after = (project_copy / "doctypes" / "household.yaml").read_text(encoding="utf-8")
    household = load_project(project_copy).doctypes["Household"]
    names = [f.fieldname for f in household.fields]
    assert names.index("house_no") == names.index("head_name") + 1
    assert household.field("house_no").label.en == "House No"
    assert household.field("address").label.zh == "详细住址"
    assert household.field("address").label.en == "Address"
    assert household.field("phone").reqd is True
    kept = set(before.splitlines()) - set(after.splitlines())
    assert len(kept) == 2  # only the two customized entries were rewritten
    assert [line for line in before.splitlines() if line.startswith("#")] == [
        line for line in after.splitlines() if line.startswith("#")
    ]


def test_a_merge_that_breaks_the_spec_is_undone(project_copy, tmp_path, capsys):
    before = (project_copy / "doctypes" / "household.yaml").read_text(encoding="utf-8")
    customize(
        project_copy,
        tmp_path / "site",
        [
            {
                "doctype": "Custom Field",
                "dt": "Household",
                "fieldname": "flat_no",
                "label": "房号",
                "fieldtype": "Data",
                "depends_on": "doc.no_such_field",
            }
        ],
    )
    assert export_into_spec(project_copy, tmp_path / "site") == 1
    assert (project_copy / "doctypes" / "household.yaml").read_text(encoding="utf-8") == before


def test_a_custom_field_keeps_every_property_the_runtime_honours(project_copy, tmp_path):
    """What the live site enforces for a Custom Field (allow on submit, non-negative, length)
    is what the spec says after the merge, so the compiled app behaves the same."""
    customize(
        project_copy,
        tmp_path / "site",
        [
            {
                "doctype": "Custom Field",
                "dt": "Disbursement",
                "fieldname": "bank_fee",
                "label": "手续费",
                "fieldtype": "Currency",
                "allow_on_submit": 1,
                "non_negative": 1,
                "in_list_view": 1,
            },
            {
                "doctype": "Custom Field",
                "dt": "Disbursement",
                "fieldname": "bank_ref",
                "label": "银行流水号",
                "fieldtype": "Data",
                "length": 40,
                "permlevel": 1,
            },
        ],
    )
    assert export_into_spec(project_copy, tmp_path / "site") == 0
    disbursement = load_project(project_copy).doctypes["Disbursement"]
    fee, ref = disbursement.field("bank_fee"), disbursement.field("bank_ref")
    assert (fee.allow_on_submit, fee.non_negative, fee.in_list_view) == (True, True, True)
    assert (ref.length, ref.permlevel, ref.allow_on_submit) == (40, 1, False)


def test_both_halves_of_a_label_change_land_in_the_yaml(project_copy, tmp_path):
    setter = {"doctype": "Property Setter", "doc_type": "Household", "field_name": "address"}
    customize(
        project_copy,
        tmp_path / "site",
        [
            {**setter, "property": "label_en", "value": "Home address"},
            {**setter, "property": "label", "value": "详细住址"},
        ],
    )
    site = Site.open(tmp_path / "site", load_project(project_copy), admin_password="x")
    try:  # applied at runtime, whichever half came first
        assert site.meta("Household").field("address").label.model_dump() == {
            "zh": "详细住址",
            "en": "Home address",
        }
    finally:
        site.close()
    assert export_into_spec(project_copy, tmp_path / "site") == 0
    label = load_project(project_copy).doctypes["Household"].field("address").label
    assert (label.zh, label.en) == ("详细住址", "Home address")
