"""Custom Fields and Property Setters: added on the live site, applied at once, exported as YAML."""

from __future__ import annotations

import pytest
import yaml

from townflow.runtime import Site
from townflow.runtime.errors import MandatoryError, ValidationError
from townflow.runtime.schema import existing_columns


def test_custom_field_adds_a_column_and_round_trips_values(admin, people, tmp_path, project):
    admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "fieldname": "house_no",
            "label": "门牌号",
            "label_en": "House No",
            "fieldtype": "Data",
            "insert_after": "head_name",
        }
    )
    site = admin.site
    assert "house_no" in existing_columns(site.db, "tabHousehold")
    fields = [f.fieldname for f in site.meta("Household").fields]
    assert fields.index("house_no") == fields.index("head_name") + 1
    h = admin.get("Household", people["h1"]["name"])
    assert h["house_no"] is None  # existing rows kept, new column empty
    h["house_no"] = "东关村12号"
    admin.save(h)
    assert admin.get_list("Household", fields=["house_no"], filters={"house_no": "东关村12号"}) == [
        {"house_no": "东关村12号"}
    ]
    site.close()
    reopened = Site.open(tmp_path / "site", project)
    assert reopened.session("Administrator").get("Household", h["name"])["house_no"] == "东关村12号"
    reopened.close()


def test_property_setter_changes_validation(admin, people):
    admin.insert(
        {
            "doctype": "Property Setter",
            "doctype_or_field": "DocField",
            "doc_type": "Household",
            "field_name": "members",
            "property": "reqd",
            "property_type": "Check",
            "value": "1",
        }
    )
    assert admin.site.meta("Household").field("members").reqd is True
    with pytest.raises(MandatoryError) as err:
        admin.insert({"doctype": "Household", "village": "V1", "head_name": "x"})
    assert err.value.fields == ["members"]


def test_custom_field_cannot_shadow_a_spec_field_or_target_system_doctypes(admin):
    with pytest.raises(ValidationError):
        admin.insert(
            {
                "doctype": "Custom Field",
                "dt": "Household",
                "fieldname": "village",
                "label": "x",
                "fieldtype": "Data",
            }
        )
    with pytest.raises(ValidationError):
        admin.insert(
            {"doctype": "Custom Field", "dt": "User", "fieldname": "nick", "label": "x", "fieldtype": "Data"}
        )


def test_export_writes_frappe_shaped_yaml(admin, tmp_path, capsys):
    admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "fieldname": "house_no",
            "label": "门牌号",
            "fieldtype": "Data",
        }
    )
    admin.insert(
        {
            "doctype": "Property Setter",
            "doc_type": "Household",
            "field_name": "head_name",
            "property": "label",
            "property_type": "Data",
            "value": "户主姓名",
        }
    )
    site_dir = str(admin.site.path)
    admin.site.close()
    # The CLI loads the project from --project; this test project lives in code, so call the function.
    from townflow.runtime.customize import export_customizations

    reopened_project = admin.site.project
    site = Site.open(site_dir, reopened_project)
    written = export_customizations(site, tmp_path / "customizations")
    site.close()
    data = yaml.safe_load(written[0].read_text(encoding="utf-8"))
    assert written[0].name == "household.yaml"
    assert data["doctype"] == "Household"
    assert data["custom_fields"][0]["fieldname"] == "house_no"
    assert data["property_setters"][0] == {
        "doctype_or_field": "DocField",
        "doc_type": "Household",
        "field_name": "head_name",
        "property": "label",
        "property_type": "Data",
        "value": "户主姓名",
    }


def test_a_second_process_sees_a_custom_field_added_by_the_first(admin, people, tmp_path, project):
    other = Site.open(tmp_path / "site", project)  # another server on the same file
    assert other.meta("Household").field("house_no") is None
    admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "fieldname": "house_no",
            "label": "门牌号",
            "fieldtype": "Data",
        }
    )
    session = other.session("Administrator")
    assert other.meta("Household").field("house_no") is not None
    assert "house_no" in session.get("Household", people["h1"]["name"])
    other.close()


def test_a_property_setter_that_would_break_the_doctype_is_refused(admin):
    with pytest.raises(ValidationError) as err:
        admin.insert(
            {
                "doctype": "Property Setter",
                "doc_type": "Person",
                "field_name": "gender",
                "property": "fieldtype",
                "value": "No Such Type",
            }
        )
    assert err.value.fields == ["value"]
    assert admin.site.meta("Person").field("gender").fieldtype == "Select"
