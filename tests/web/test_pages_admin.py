"""The System Manager's pages: refused to others; a customization shows on the form at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from townflow.runtime.site import Site
from townflow.web.app import create_app

from .test_pages_support import (
    CLERK,
    csrf,
    demo_site,
    field_html,
    login,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def test_admin_pages_are_for_the_system_manager_only(app) -> None:
    assert login(app, CLERK).get("/admin/customize/subsidy-application").status_code == 403
    admin = login(app, "sysadmin@demo")
    for path in ("/admin/users", "/admin/users/clerk.v01@demo", "/admin/customize/subsidy-application",
                 "/admin/workflow/subsidy-application"):  # fmt: skip
        assert admin.get(path).status_code == 200, path


def test_customize_hides_a_field_and_changes_options_at_once(app, site: Site) -> None:
    admin = login(app, "sysadmin@demo")
    clerk = login(app, CLERK)

    def set_property(**values: str) -> None:
        data = {"csrf_token": csrf(admin, "/admin/customize/household"), "op": "property", **values}
        response = admin.post("/admin/customize/household", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text[:1000]

    try:
        set_property(field_name="phone", label="联系电话", hidden="1")
        assert 'data-fieldname="phone"' not in clerk.get("/app/household/new").text
        set_property(
            field_name="residence_type", label="户口类型", reqd="1", options="Rural\nUrban\nCollective"
        )
        form = clerk.get("/app/household/new").text
        assert "户口类型" in field_html(form, "residence_type")
        assert '<option value="Collective"' in field_html(form, "residence_type")
        assert '<option value="Rural" selected>农村户籍</option>' in form, (
            "known options keep their zh labels"
        )
    finally:
        for row in site.session("Administrator").get_list(
            "Property Setter", fields=["name"], filters={"doc_type": "Household"}, limit_page_length=0
        ):
            site.session("Administrator").delete("Property Setter", row["name"])
    assert 'data-fieldname="phone"' in clerk.get("/app/household/new").text


def test_customize_sets_the_english_label_of_an_existing_field(app, site: Site) -> None:
    admin = login(app, "sysadmin@demo")
    clerk = login(app, CLERK)
    page = admin.get("/admin/customize/household").text
    assert 'name="label_en__phone" value="Phone"' in page  # the English half is shown for editing
    data = {
        "csrf_token": csrf(admin, "/admin/customize/household"),
        "op": "property",
        "field_name": "phone",
        "label": "联系手机",
        "label_en": "Mobile phone",
    }
    try:
        response = admin.post("/admin/customize/household", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text[:1000]
        assert "Mobile phone" in field_html(clerk.get("/app/household/new?lang=en").text, "phone")
        assert "联系手机" in field_html(clerk.get("/app/household/new?lang=zh").text, "phone")
    finally:
        for row in site.session("Administrator").get_list(
            "Property Setter", fields=["name"], filters={"doc_type": "Household"}, limit_page_length=0
        ):
            site.session("Administrator").delete("Property Setter", row["name"])
    assert "Mobile phone" not in clerk.get("/app/household/new?lang=en").text


def test_workflow_page_shows_which_condition_routes_each_transition(app) -> None:
    admin = login(app, "sysadmin@demo")
    page = admin.get("/admin/workflow/subsidy-application").text
    assert "适用条件" in page
    # the township's "Forward" fans out by benefit kind; each route names its condition in words
    assert "政策类别为低保及社会救济" in page
    assert "doc.benefit_kind" not in page and "docstatus" not in page
    english = admin.get("/admin/workflow/subsidy-application?lang=en").text
    assert "<th>Condition</th>" in english
