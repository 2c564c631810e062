"""Journeys the other browser tests leave out, walked the way the township's staff walk them.

- 退回: the township approver returns an application to the clerk with a comment (a return
  without one is stopped), the clerk reads the comment on the form and resubmits, and the
  application comes back to the approver, not to the village head again.
- 转交: the approver hands the step to a second approver made on the admin page, who then acts.
- 会签: two leaders countersign a certificate; the first is not offered 会签同意 a second time.
- The issued certificate prints with its serial number; the form reads in English on request.
- Picking a Link fills what is fetched from it; a Disbursement is submitted from its own form
  and the application is then marked paid.

The documents are filed over REST as the village clerk and moved to the step under test, so
each journey starts where its people start and does not depend on the other tests' state.
"""

from __future__ import annotations

import re
import uuid

import pytest
from web.notice_window import notice_window_passed

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Actor, LiveServer

pytestmark = pytest.mark.browser

CLERK, HEAD, APPROVER = "clerk.v01@demo", "head.v01@demo", "approver@demo"
HEALTH, LEADER1, LEADER2 = "health@demo", "leader1@demo", "leader2@demo"
FACILITY = "高新街道卫生院"


def _as(server: LiveServer, user: str) -> FrappeClient:
    password = ADMIN_PASSWORD if user == "Administrator" else DEMO_PASSWORD
    return FrappeClient(server.url, usr=user, pwd=password)


def _village_of_clerk(server: LiveServer) -> str:
    rows = _as(server, "Administrator").get_list(
        "User Permission", fields=["for_value"], filters={"user": CLERK, "allow": "Village"}
    )
    return rows[0]["for_value"]


def _household_and_mother(server: LiveServer) -> tuple[dict, dict]:
    """A new household of the clerk's village with a married woman in it (filed by the clerk)."""
    clerk = _as(server, CLERK)
    household = clerk.insert(
        {
            "doctype": "Household",
            "village": _village_of_clerk(server),
            "head_name": "周建国",
            "residence_type": "Rural",
            "address": "三组8号",
            "household_type": "One-girl",
            "is_girl_household": 1,
            "number_of_children": 1,
            "number_of_daughters": 1,
            "income_status": "Normal",
        }
    )
    mother = clerk.insert(
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "周丽",
            "gender": "Female",
            "date_of_birth": "1992-04-03",
            "relationship": "Spouse",
        }
    )
    return household, mother


def _certificate_at_countersign(server: LiveServer) -> dict:
    """A certificate application above the health-review weeks, moved to the leaders' countersign."""
    _household, mother = _household_and_mother(server)
    clerk = _as(server, CLERK)
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": "2026-10-01",
            "lmp_date": "2026-07-20",
            "outcome": "Ongoing",
        }
    )
    doc = clerk.insert(
        {
            "doctype": "Termination Certificate Application",
            "person": mother["name"],
            "pregnancy_record": record["name"],
            "gestational_weeks": 18,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败，本人自愿申请",
            "facility": FACILITY,
        }
    )
    for user, action in ((CLERK, "Submit"), (HEAD, "Verify"), (APPROVER, "Approve"), (HEALTH, "Approve")):
        client = _as(server, user)
        doc = client.apply_workflow(client.get_doc(doc["doctype"], doc["name"]), action, "同意")
    assert doc["workflow_state"] == "Pending Leader Countersign"
    return doc


def _student_aid_at_township(server: LiveServer) -> dict:
    """A student aid application the village head has verified: it waits for the township approver."""
    household, _mother = _household_and_mother(server)
    clerk = _as(server, CLERK)
    daughter = clerk.insert(
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "周小雨",
            "gender": "Female",
            "date_of_birth": "2009-09-09",
            "relationship": "Daughter",
            "dropped_out": 1,  # dropout aid is for girls recorded as dropped out
            "dropped_out_on": "2026-03-01",
        }
    )
    doc = clerk.insert(
        {
            "doctype": "Student Aid Application",
            "student": daughter["name"],
            "guardian_name": "周建国",
            "aid_kind": "Dropout Girl Returning to School",
            "academic_year": "2026-2027",
            "school": "县第一中学",
            "grade": "高一",
            "dropped_out_on": "2026-03-01",
            "dropout_reason": "家庭困难",
        }
    )
    for user, action in ((CLERK, "Submit"), (HEAD, "Verify")):
        client = _as(server, user)
        doc = client.apply_workflow(client.get_doc(doc["doctype"], doc["name"]), action, "同意")
    assert doc["workflow_state"] == "Pending Township Review"
    return doc


def _state(page) -> str | None:
    return page.locator("[data-state]").first.get_attribute("data-state")


def test_return_with_a_comment_and_resubmission_back_to_the_returner(
    actor: Actor, live_server: LiveServer
) -> None:
    doc = _student_aid_at_township(live_server)
    url = f"/app/student-aid-application/{doc['name']}"

    page = actor.login(APPROVER)
    actor.goto(url)
    page.locator("details.more-actions summary").click()  # 退回 / 转交 sit behind one click in the action bar
    page.select_option("select[name=to_state]", "Draft")
    page.locator("button[name=op][value=return]").click()
    assert page.locator("[data-comment-msg]").is_visible(), "a return without a comment is stopped"
    assert _state(page) == "Pending Township Review"
    page.locator("textarea[name=comment]").fill("请补充辍学证明")
    page.locator("button[name=op][value=return]").click()
    page.wait_for_load_state()
    assert _state(page) == "Draft"

    # The clerk finds it in the inbox, reads why on the form, fixes it and submits again.
    page = actor.login(CLERK)
    actor.goto("/inbox")
    page.locator(f"li.inbox-item[data-name='{doc['name']}'] a").first.click()
    page.wait_for_url(re.compile(rf".*{url}$"))
    assert page.locator("#timeline").get_by_text("请补充辍学证明").count() == 1
    assert page.locator("select[name=to_state]").count() == 0, "the clerk does not work this step"
    page.fill("textarea[name=help_plan]", "村妇联主任结对帮扶")
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*saved=1"))
    actor.shot("qa-01-returned-form-clerk")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert _state(page) == "Pending Township Review", "it goes back to who returned it"

    page = actor.login(APPROVER)
    actor.goto("/inbox")
    assert page.locator(f"li.inbox-item[data-name='{doc['name']}']").count() == 1


def test_delegate_to_a_second_approver_made_on_the_admin_page(actor: Actor, live_server: LiveServer) -> None:
    doc = _student_aid_at_township(live_server)
    deputy = f"deputy-{uuid.uuid4().hex[:6]}@demo"

    page = actor.login("Administrator", ADMIN_PASSWORD)
    actor.goto("/admin/users/new")
    page.fill("input[name=email]", deputy)
    page.fill("input[name=full_name]", "街道计生办副主任")
    page.fill("input[name=new_password]", "Deputy-pass-2026")  # the password rule: 8+, letters and digits
    page.uncheck("input[name=must_change_password]")  # not a temporary one: this journey is about 转交
    page.check("input[name=roles][value='Township Approver']")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_load_state()

    page = actor.login(APPROVER)
    actor.goto(f"/app/student-aid-application/{doc['name']}")
    page.locator("details.more-actions summary").click()  # 退回 / 转交 sit behind one click in the action bar
    choice = page.locator(f"select[name=to_user] option[value='{deputy}']")
    assert choice.count() == 1, "the new approver is offered"
    page.select_option("select[name=to_user]", deputy)
    page.locator("textarea[name=comment]").fill("请副主任办理")
    page.locator("button[name=op][value=delegate]").click()
    page.wait_for_load_state()
    assert page.locator("#timeline").get_by_text("请副主任办理").count() == 1

    page = actor.login(deputy, "Deputy-pass-2026")
    actor.goto("/inbox")
    item = page.locator(f"li.inbox-item[data-name='{doc['name']}']")
    page.locator("#bulk-form textarea[name=comment]").fill("同意")  # one comment box for the page
    item.get_by_role("button", name="审查通过并分送主管部门", exact=True).click()
    page.wait_for_url(re.compile(r".*/inbox.*"))
    state = _as(live_server, "Administrator").get_doc(doc["doctype"], doc["name"])["workflow_state"]
    assert state == "Pending Education Review"


def test_two_leaders_countersign_and_the_certificate_prints_with_its_serial(
    actor: Actor, live_server: LiveServer
) -> None:
    doc = _certificate_at_countersign(live_server)
    url = f"/app/termination-certificate-application/{doc['name']}"

    page = actor.login(LEADER1)
    actor.goto(url)
    page.locator("textarea[name=comment]").fill("同意")
    page.get_by_role("button", name="会签同意", exact=True).click()
    page.wait_for_load_state()
    assert _state(page) == "Pending Leader Countersign", "one leader is not enough"
    assert page.get_by_role("button", name="会签同意", exact=True).count() == 0, "no second vote offered"
    actor.shot("qa-02-countersign-one-of-two")

    page = actor.login(LEADER2)
    actor.goto("/inbox")
    item = page.locator(f"li.inbox-item[data-name='{doc['name']}']")
    page.locator("#bulk-form textarea[name=comment]").fill("同意")  # one comment box for the page
    item.get_by_role("button", name="会签同意", exact=True).click()
    page.wait_for_url(re.compile(r".*/inbox.*"))

    page = actor.login(CLERK)
    actor.goto(url)
    assert _state(page) == "Issued"
    serial = page.locator(".field[data-fieldname=certificate_serial]").get_attribute("data-value")
    assert re.fullmatch(r"YC-\d{4}-\d{5}", serial or ""), serial
    # Link fields name the person beside the record's number.
    assert "周丽" in page.locator(".field[data-fieldname=person]").inner_text()
    actor.goto(f"/print/termination-certificate-application/{doc['name']}")
    assert page.locator("[data-serial]").inner_text().strip() == serial
    assert "周丽" in page.locator("body").inner_text()
    actor.shot("qa-03-certificate-print")


def test_a_form_reads_in_english_and_back(actor: Actor, live_server: LiveServer) -> None:
    doc = _student_aid_at_township(live_server)
    page = actor.login(APPROVER)
    actor.goto(f"/app/student-aid-application/{doc['name']}")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-state]").first.inner_text().strip() == "Pending Township Review"
    assert page.locator(".field[data-fieldname=aid_kind] label").inner_text().startswith("Aid Kind")
    assert page.locator(".field[data-fieldname=student_gender] .value").inner_text() == "Female"
    actions = page.locator("#actions")
    assert actions.get_by_role("button", name="Reject", exact=True).count() == 1
    assert actions.locator("h2").inner_text() == "Actions"
    assert page.locator("#timeline h2").inner_text() == "Timeline"
    actor.shot("qa-04-form-english")
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.locator(".field[data-fieldname=student_gender] .value").inner_text() == "女"
    assert page.locator("[data-state]").first.inner_text().strip() == "待街道计生办审查"


def test_picking_a_link_fills_what_is_fetched_from_it(actor: Actor, live_server: LiveServer) -> None:
    """A new form shows the chosen student's name, gender and village at once (fetch_from), and
    the household's number with its head's name beside it."""
    household, _mother = _household_and_mother(live_server)
    daughter = _as(live_server, CLERK).insert(
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "周小雪",
            "gender": "Female",
            "date_of_birth": "2008-01-02",
            "relationship": "Daughter",
        }
    )
    page = actor.login(CLERK)
    actor.goto("/app/student-aid-application/new")
    page.fill("input[name=student]", daughter["name"])
    page.locator(f".link-suggest div[data-value='{daughter['name']}']").click()
    from playwright.sync_api import expect

    expect(page.locator(".field[data-fieldname=student_name] .value")).to_have_text("周小雪")
    assert page.locator(".field[data-fieldname=student_gender] .value").inner_text() == "女"
    assert "周建国" in page.locator(".field[data-fieldname=household] .value").inner_text()
    assert page.locator(".field[data-fieldname=student] [data-link-title]").inner_text() == "周小雪"
    assert page.locator(".link-suggest").count() == 0
    actor.shot("qa-05-live-fetch")


def test_finance_records_and_submits_a_disbursement_then_marks_it_paid(
    actor: Actor, live_server: LiveServer
) -> None:
    """A Disbursement is submittable without a workflow: the form offers 提交, and once it is
    submitted the approved application can be marked 已发放."""
    clerk = _as(live_server, CLERK)
    household = clerk.insert(
        {
            "doctype": "Household",
            "village": _village_of_clerk(live_server),
            "head_name": "吴建军",
            "residence_type": "Rural",
            "address": "五组2号",
            "household_type": "One-girl",
            "is_girl_household": 1,
            "number_of_children": 1,
            "number_of_daughters": 1,
            "second_child_entitled": 1,
            "income_status": "Normal",
        }
    )
    head = clerk.insert(
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "吴建军",
            "gender": "Male",
            "date_of_birth": "1985-02-03",
            "relationship": "Head",
        }
    )
    clerk.insert(  # the only daughter: a one-girl household (its type is computed from its children)
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "吴小雪",
            "gender": "Female",
            "date_of_birth": "2015-05-05",
            "relationship": "Daughter",
        }
    )
    doc = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": head["name"],
            "benefit_kind": "One-time Reward",
            "amount": 1000,
            "one_girl_pledge": 1,
            "pledge_signed_on": "2026-10-01",
        }
    )
    for user, action in (
        (CLERK, "Submit"),
        (HEAD, "Verify"),
        (HEAD, "End Notice"),
        (APPROVER, "Forward"),
        ("finance@demo", "Approve"),
        (APPROVER, "End Notice"),
        (APPROVER, "Issue Notice"),
    ):
        if action == "End Notice":  # 公示: its window has run out
            notice_window_passed(live_server.site_dir, doc["name"])
        client = _as(live_server, user)
        doc = client.apply_workflow(client.get_doc(doc["doctype"], doc["name"]), action, "同意")
    assert doc["workflow_state"] == "Approved"

    page = actor.login("finance@demo")
    actor.goto(f"/app/subsidy-application/{doc['name']}")
    page.locator("#connections").get_by_role("link", name="新建资金发放").click()
    page.wait_for_url(re.compile(r".*/app/disbursement/new\?subsidy_application=.*"))
    from playwright.sync_api import expect

    expect(page.locator(".field[data-fieldname=approved_amount] .value")).to_have_text("1,000.00")
    page.fill("input[name=amount]", "1000")
    page.fill("input[name=bank_reference]", "BK-QA-0001")
    page.fill("input[name=paid_by]", "finance@demo")
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*/app/disbursement/[^/?]+\?saved=1"))
    page.click("#submit-document")
    page.wait_for_load_state()
    assert page.locator("[data-docstatus]").get_attribute("data-docstatus") == "1"
    assert page.locator("#save-button").count() == 0, "nothing left to edit once submitted"
    actor.shot("qa-06-disbursement-submitted")

    actor.goto(f"/app/subsidy-application/{doc['name']}")
    page.get_by_role("button", name="登记发放", exact=True).click()
    page.wait_for_load_state()
    assert _state(page) == "Disbursed"
