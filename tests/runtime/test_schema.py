"""Schema: Frappe's table layout, indexes for what lists and inboxes filter on, and additive sync."""

from __future__ import annotations

import pytest
from site_support import f

from townflow.runtime import Site
from townflow.runtime.errors import DuplicateEntryError
from townflow.runtime.schema import existing_columns


def indexes(site, table: str) -> list[tuple[str, ...]]:
    out = []
    for row in site.db.fetchall(f"PRAGMA index_list('{table}')"):
        cols = tuple(r["name"] for r in site.db.fetchall(f"PRAGMA index_info('{row['name']}')"))
        out.append(cols)
    return out


def test_tables_have_frappe_standard_columns(site):
    assert {"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"} <= existing_columns(
        site.db, "tabHousehold"
    )
    assert {"parent", "parentfield", "parenttype"} <= existing_columns(site.db, "tabApplication Item")
    assert {"amended_from"} <= existing_columns(site.db, "tabApplication")  # submittable
    assert site.db.scalar(
        'SELECT value FROM "tabSingles" WHERE doctype = ? AND field = ?', ("Campaign Settings", "loan_max")
    )


def test_pragmas_are_durable(site):
    assert site.db.scalar("PRAGMA journal_mode") == "wal"
    assert site.db.scalar("PRAGMA synchronous") == 2  # FULL
    assert site.db.scalar("PRAGMA foreign_keys") == 1


def test_indexes_serve_scope_and_modified(site):
    household = indexes(site, "tabHousehold")
    assert ("village", "modified") in household and ("modified",) in household
    assert ("village",) not in household  # a leading prefix of (village, modified): pure write cost
    assert ("parent", "parentfield") in indexes(site, "tabApplication Item")


def test_inbox_index_when_a_workflow_exists(tmp_path, project):
    from townflow.spec.models import Label, Workflow, WorkflowState, WorkflowTransition

    project.workflows["Application"] = Workflow(
        workflow_name="Application Approval",
        document_type="Application",
        states=[
            WorkflowState(state="Draft", label=Label(zh="草稿", en="Draft"), allow_edit="Village Clerk"),
            WorkflowState(
                state="Approved", label=Label(zh="批准", en="Approved"), allow_edit="Township Approver"
            ),
        ],
        transitions=[
            WorkflowTransition(
                state="Draft", action="Approve", next_state="Approved", allowed="Township Approver"
            )
        ],
    )
    site = Site.open(tmp_path / "wf", project, admin_password="x", with_fixtures=False)
    assert ("workflow_state", "village", "modified") in indexes(site, "tabApplication")
    assert site.meta("Application").field("workflow_state") is not None
    site.close()


def test_a_new_spec_field_adds_a_column_and_keeps_the_data(tmp_path, project, site, people):
    h1 = people["h1"]["name"]
    site.close()
    project.doctypes["Household"].fields.append(f("phone"))
    reopened = Site.open(tmp_path / "site", project)
    assert "phone" in existing_columns(reopened.db, "tabHousehold")
    kept = reopened.session("Administrator").get("Household", h1)
    assert (kept["head_name"], kept["phone"]) == ("张三", None)
    reopened.close()


def test_duplicate_name_is_a_conflict(admin):
    with pytest.raises(DuplicateEntryError) as err:
        admin.insert({"doctype": "Village", "village_name": "V1"})
    assert err.value.http_status == 409
