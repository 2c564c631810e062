"""Injection: list queries, expressions and HTML.

Field names, operators and sort orders from a query string are checked against the spec before
they reach SQL (values are always bound); expressions an admin types into a customization are
parsed by townflow.expr, never eval'ed, and refused when they do not parse; what users type is
shown as text on every page, never run as markup or script.
"""

from __future__ import annotations

import pytest

from .conftest import CLERK, api_login, exc_type, one, page_csrf, page_login, params, village_of

HOSTILE = "</textarea></script><script>alert(1)</script>\"'><img src=x onerror=alert(1)>"


def _unsafe(html: str) -> bool:
    return "<script>alert(1)" in html or "<img src=x" in html


@pytest.mark.parametrize(
    "query",
    [
        {"order_by": "name; drop table `tabPerson`"},
        {"order_by": "modified desc, (select name from tabUser)"},
        {"order_by": "name asc limit 1"},
        {"order_by": "name collate nocase"},
        {"fields": ["count(*)"]},
        {"fields": ["name", "(select api_key from tabUser)"]},
        {"fields": ["name as x"]},
        {"fields": ["`tabUser`.`api_key`"]},
        {"filters": [["name; drop table tabPerson", "=", "x"]]},
        {"filters": [["name", "= 1 or 1=1 --", "x"]]},
        {"filters": [["name", "in", "x') or ('1'='1"]]},
        {"filters": [["User", "api_key", "is", "set"]]},
        {"filters": {"name": ["json_extract", "$"]}},
        {"filters": "not json"},
    ],
)
def test_hostile_list_queries_are_refused_or_harmless(app, site, query):
    clerk = api_login(app, CLERK)
    answer = clerk.get("/api/resource/Person", params=params(**query))
    assert answer.status_code in (200, 403, 417), answer.text
    if answer.status_code == 200:  # harmless: only her own village's persons, only their fields
        mine = {r["name"] for r in site.session(CLERK).get_list("Person", limit_page_length=0)}
        assert all(row.get("name") in mine for row in answer.json()["data"])
        assert "api_key" not in answer.text
    else:
        assert exc_type(answer) in ("DataError", "PermissionError", "ValidationError")
    assert site.session("Administrator").get_count("Person") > 0  # the table is still there


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('touch /tmp/townflow-pwned')",
        "doc.__class__.__mro__",
        "open('/etc/passwd').read()",
        "[x for x in (1, 2)]",
    ],
)
def test_customization_expressions_that_do_not_parse_are_refused(site, expression):
    """A Custom Field's depends_on / mandatory_depends_on is the spec's expression language:
    an admin typing Python gets a clear refusal, not a rule that silently never applies."""
    admin = site.session("Administrator")
    with pytest.raises(Exception) as refused:
        admin.insert(
            {
                "doctype": "Custom Field",
                "dt": "Household",
                "fieldname": "evil_rule",
                "label": "x",
                "fieldtype": "Data",
                "mandatory_depends_on": expression,
            }
        )
    assert getattr(refused.value, "http_status", None) == 417
    assert not site.metas.get("Household").get_field("evil_rule")


def test_what_users_type_is_shown_as_text_on_forms_lists_and_timelines(app, site):
    clerk_session = site.session(CLERK)
    household = one(site, "Household", village=village_of(site, CLERK))["name"]
    stored = clerk_session.get("Household", household)
    clerk_session.save({**stored, "notes": HOSTILE, "paired_helper": HOSTILE})
    application = one(site, "Subsidy Application", village=village_of(site, CLERK))["name"]
    api_login(app, CLERK).post(
        "/api/method/townflow.api.comment",
        json={"doctype": "Subsidy Application", "name": application, "content": HOSTILE},
    )
    browser = page_login(app, CLERK)
    for path, query in [
        (f"/app/household/{household}", None),
        ("/app/household", {"q": HOSTILE}),
        ("/app/household", {"village": HOSTILE}),
        (f"/app/household/{household}", {"msg": HOSTILE}),
        ("/app/household/new", {"notes": HOSTILE, "head_name": HOSTILE}),
        ("/inbox", {"tab": HOSTILE, "doctype": HOSTILE}),
        (f"/app/subsidy-application/{application}", None),
        ("/app", {"lang": HOSTILE}),
    ]:
        page = browser.get(path, params=query)
        assert page.status_code < 500, path
        assert not _unsafe(page.text), (path, query)


def test_a_hostile_label_from_a_customization_is_shown_as_text(app, site):
    admin = site.session("Administrator")
    if not site.metas.get("Household").get_field("hostile_label"):
        admin.insert(
            {
                "doctype": "Custom Field",
                "dt": "Household",
                "fieldname": "hostile_label",
                "label": HOSTILE,
                "description": HOSTILE,
                "fieldtype": "Data",
                "in_list_view": 1,
                "insert_after": "notes",
            }
        )
    household = one(site, "Household", village=village_of(site, CLERK))["name"]
    browser = page_login(app, CLERK)
    for path in (f"/app/household/{household}", "/app/household", "/app/household/new"):
        assert not _unsafe(browser.get(path).text), path
    admin_browser = page_login(app, "Administrator", "admin-security-test")
    assert not _unsafe(admin_browser.get("/admin/customize/household").text)


def test_form_rules_script_cannot_be_broken_out_of(app, site):
    """The depends_on rules are served as a script: a label or value must not end it early."""
    browser = page_login(app, CLERK)
    script = browser.get("/form-rules/household.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
    assert "</script" not in script.text.lower() and "<img" not in script.text


def test_hostile_values_posted_through_a_form_are_stored_as_text(app, site):
    household = one(site, "Household", village=village_of(site, CLERK))["name"]
    browser = page_login(app, CLERK)
    token = page_csrf(browser, f"/app/household/{household}")
    current = site.session(CLERK).get("Household", household)
    saved = browser.post(
        f"/app/household/{household}",
        data={"csrf_token": token, "modified": current["modified"], "notes": HOSTILE},
        follow_redirects=False,
    )
    assert saved.status_code in (303, 409, 417), saved.text[:300]
    page = browser.get(f"/app/household/{household}")
    assert not _unsafe(page.text)


def test_a_link_cannot_put_its_own_notice_on_a_form(app, site):
    """A notice box on a trusted page saying whatever a phishing link wants ("your account expired,
    call 138...") is content injection even when escaped; notices come from the server only."""
    household = one(site, "Household", village=village_of(site, CLERK))["name"]
    browser = page_login(app, CLERK)
    page = browser.get(f"/app/household/{household}", params={"msg": "账号已过期，请拨打13800000000"})
    assert page.status_code == 200
    assert "账号已过期" not in page.text  # (the language switch link keeps it percent-encoded)
