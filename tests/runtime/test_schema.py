"""Schema: Frappe's table layout, indexes for what lists and inboxes filter on, and additive sync."""

from __future__ import annotations

import pytest
from site_support import f, make_user

from townflow.runtime import Site
from townflow.runtime.documents import Session
from townflow.runtime.errors import DuplicateEntryError
from townflow.runtime.schema import IndexSpec, existing_columns, index_name, index_specs


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


# -- scope indexes leave out what is not yet routed --------------------------------------------


def index_sql(site, table: str) -> dict[tuple[str, ...], str]:
    """columns -> CREATE INDEX statement, for the indexes created by a statement on `table`."""
    rows = site.db.fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
    )
    return {columns_of(site, r["name"]): r["sql"] for r in rows if r["sql"]}


def columns_of(site, index: str) -> tuple[str, ...]:
    return tuple(r["name"] for r in site.db.fetchall(f"PRAGMA index_info('{index}')"))


def index_names(site, table: str) -> set[str]:
    return {r["name"] for r in site.db.fetchall(f"PRAGMA index_list('{table}')")}


def test_an_optional_scope_field_is_indexed_only_where_it_is_set(site):
    # Application.department stays empty until someone routes the application.
    application = index_sql(site, "tabApplication")
    assert application[("department", "modified")].endswith('WHERE "department" IS NOT NULL')
    # The bare column stays full: no transition moves it, and it serves what names no department.
    assert "WHERE" not in application[("department",)]
    # Household.village is mandatory: nothing to leave out, so the full index keeps every use.
    assert not any("WHERE" in sql for sql in index_sql(site, "tabHousehold").values())


def test_making_the_scope_field_mandatory_swaps_in_a_full_index_at_once(admin):
    admin.insert(
        {
            "doctype": "Property Setter",
            "doctype_or_field": "DocField",
            "doc_type": "Application",
            "field_name": "department",
            "property": "reqd",
            "property_type": "Check",
            "value": "1",
        }
    )
    on_department = [
        sql for columns, sql in index_sql(admin.site, "tabApplication").items() if "department" in columns
    ]
    # The partial index is gone, and the bare (department) with it: a full (department, modified)
    # now serves everything it did.
    assert on_department == [index_sql(admin.site, "tabApplication")[("department", "modified")]]
    assert "WHERE" not in on_department[0]


def test_an_old_site_gets_its_full_scope_index_replaced_without_losing_data(tmp_path, project, site, people):
    admin = site.session("Administrator")
    routed = admin.insert(
        {"doctype": "Application", "household": people["h1"]["name"], "department": "Civil"}
    )
    admin.insert({"doctype": "Application", "household": people["h2"]["name"]})
    # What an older townflow left: full scope indexes under their names of the time, beside an
    # index made by hand, SQLite's own, and other tables' (the audit log's is named `idx_` too).
    partial = [s for s in index_specs(site.metas.get("Application")) if s.where]
    new = {index_name("Application", s) for s in partial}
    old = {index_name("Application", IndexSpec(s.columns)) for s in partial}
    with site.db.transaction():
        for spec in partial:
            site.db.execute(f'DROP INDEX "{index_name("Application", spec)}"')
            full = index_name("Application", IndexSpec(spec.columns))
            site.db.execute(f'CREATE INDEX "{full}" ON "tabApplication" ({", ".join(spec.columns)})')
        site.db.execute('CREATE INDEX by_hand_kind ON "tabApplication" (kind)')
    assert old <= index_names(site, "tabApplication")
    others = index_names(site, "__audit_log") | index_names(site, "tabWorkflow Action")
    site.close()

    reopened = Site.open(tmp_path / "site", project)
    now = index_names(reopened, "tabApplication")
    assert new <= now and not old & now
    assert {"by_hand_kind", "sqlite_autoindex_tabApplication_1"} <= now
    assert others == index_names(reopened, "__audit_log") | index_names(reopened, "tabWorkflow Action")
    make_user(reopened, "civil", ["Civil Affairs Officer"], Department=["Civil"])
    assert [d["name"] for d in reopened.session("civil").get_list("Application")] == [routed["name"]]
    assert reopened.session("Administrator").get_count("Application") == 2
    reopened.close()


# -- the queries still find their index (EXPLAIN QUERY PLAN on the real Subsidy Application) ------

SUBSIDY = "Subsidy Application"
TABLE = "tab" + SUBSIDY


def plans(site, run) -> list[str]:
    """The query plan of each statement on the Subsidy Application table that `run()` issues,
    captured as the real list/count code builds it (permission condition included)."""
    issued: list[tuple[str, tuple]] = []
    with pytest.MonkeyPatch.context() as patch:
        for method in ("fetchall", "scalar"):
            real = getattr(site.db, method)

            def recording(sql, params=(), _real=real):
                if f'"{TABLE}"' in sql:
                    issued.append((sql, tuple(params)))
                return _real(sql, params)

            patch.setattr(site.db, method, recording)
        run()
    assert issued, "no statement on the Subsidy Application table was captured"
    return [
        " / ".join(r["detail"] for r in site.db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params))
        for sql, params in issued
    ]


def name_of(site, *columns: str) -> str:
    (spec,) = [s for s in index_specs(site.metas.get(SUBSIDY)) if s.columns == columns]
    return index_name(SUBSIDY, spec)


def test_a_department_officers_lists_and_counts_use_the_partial_indexes(wsite):
    by_department = name_of(wsite, "department", "modified")
    by_state = name_of(wsite, "workflow_state", "department", "modified")
    assert "WHERE" in wsite.db.scalar("SELECT sql FROM sqlite_master WHERE name = ?", (by_department,))
    assert "WHERE" in wsite.db.scalar("SELECT sql FROM sqlite_master WHERE name = ?", (by_state,))
    health = wsite.session("health")  # the permission condition is `"department" IN (?)`

    # The whole plan: no "USE TEMP B-TREE FOR ORDER BY", the index gives the order.
    (newest_first,) = plans(wsite, lambda: health.get_list(SUBSIDY, order_by="modified desc"))
    assert newest_first == f"SEARCH {TABLE} USING INDEX {by_department} (department=?)"

    def waiting_for_health():
        health.get_list(SUBSIDY, filters={"workflow_state": "Pending Health Review"})

    (in_state,) = plans(wsite, waiting_for_health)
    assert in_state == f"SEARCH {TABLE} USING INDEX {by_state} (workflow_state=? AND department=?)"

    # her count sums the roll-up (tests/runtime/test_count_from_rollups.py); counted from the
    # documents, as when the roll-up cannot serve, it walks the same partial index
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Session, "_count_kept", lambda *args: None)
        (count,) = plans(wsite, lambda: health.get_count(SUBSIDY))
    assert count == f"SEARCH {TABLE} USING COVERING INDEX {by_department} (department=?)"


def test_township_queries_naming_no_department_keep_an_index(wsite):
    township = wsite.session("approver1")
    department_only = name_of(wsite, "department")
    (grouped,) = plans(wsite, lambda: township.get_group_by_count(SUBSIDY, "department"))
    assert f"SCAN {TABLE} USING COVERING INDEX {department_only}" in grouped

    def not_routed_yet():
        township.get_list(SUBSIDY, filters=[["department", "is", "not set"]])

    (unrouted,) = plans(wsite, not_routed_yet)
    assert unrouted.startswith("MULTI-INDEX OR")  # IS NULL and = '', each looked up in an index
    assert f"SEARCH {TABLE} USING INDEX {department_only} (department=?)" in unrouted
