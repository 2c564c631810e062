"""Attachments: stored under the site's private folder whatever name the browser sends, served
only through a document the user may read, and always as a download (never rendered inline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from townflow.runtime.errors import ValidationError

from .conftest import CLERK, OTHER_CLERK, api_login, one, page_csrf, page_login, village_of

SUBSIDY = "Subsidy Application"


def _upload(client, name: str, content: bytes, content_type: str = "application/octet-stream") -> dict:
    token = page_csrf(client)
    answer = client.post(
        "/files/upload", files={"file": (name, content, content_type)}, headers={"X-Frappe-CSRF-Token": token}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["message"]


def _draft(site, clerk: str = CLERK) -> dict:
    return one(site, SUBSIDY, ["name"], village=village_of(site, clerk), workflow_state="Draft")


def _attach(site, name: str, file_url: str) -> None:
    session = site.session(CLERK)
    doc = session.get(SUBSIDY, name)
    session.save({**doc, "supporting_documents": file_url})


def test_an_upload_stays_inside_the_sites_private_folder(app, site):
    browser = page_login(app, CLERK)
    root = (Path(site.path) / "private" / "files").resolve()
    for hostile in ("../../../site.sqlite", "..\\..\\x.txt", "/etc/passwd", "a/../../b.txt", "...", ""):
        stored = _upload(browser, hostile or "x", b"data")
        assert stored["file_url"].startswith("/private/files/") and ".." not in stored["file_url"]
        path = (root / stored["file_url"][len("/private/files/") :]).resolve()
        assert root in path.parents and path.is_file()
    assert (Path(site.path) / "site.sqlite").stat().st_size > 4  # not overwritten


def test_a_download_is_an_attachment_never_a_page(app, site):
    browser = page_login(app, CLERK)
    stored = _upload(browser, "evil.html", b"<script>alert(1)</script>", "text/html")
    draft = _draft(site)["name"]
    _attach(site, draft, stored["file_url"])
    answer = browser.get(f"/files/subsidy-application/{draft}/supporting_documents")
    assert answer.status_code == 200 and answer.content == b"<script>alert(1)</script>"
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_another_village_cannot_download_and_fields_cannot_point_outside(app, site):
    browser = page_login(app, CLERK)
    stored = _upload(browser, "proof.pdf", b"%PDF-1.4 secret")
    draft = _draft(site)["name"]
    _attach(site, draft, stored["file_url"])
    other = page_login(app, OTHER_CLERK)
    assert other.get(f"/files/subsidy-application/{draft}/supporting_documents").status_code == 404
    # a field value that walks out of the files folder is not a file anyone uploaded: refused
    with pytest.raises(ValidationError):
        _attach(site, draft, "/private/files/../../site.sqlite")
    # only Attach fields are served
    assert browser.get(f"/files/subsidy-application/{draft}/applicant").status_code == 404


def test_uploads_need_a_login_and_the_csrf_token(app):
    from fastapi.testclient import TestClient

    guest = TestClient(app).post("/files/upload", files={"file": ("a.txt", b"x")}, follow_redirects=False)
    assert guest.status_code in (303, 403)
    client = api_login(app, CLERK)
    client.headers.pop("X-Frappe-CSRF-Token")
    assert client.post("/files/upload", files={"file": ("a.txt", b"x")}).status_code == 400


def test_pointing_a_field_at_another_villages_file_grants_nothing(app, site):
    """L3: clerk V02 attaches a private file to her application; clerk V01 puts its path into her
    own application's field. The save is refused, and even written behind the runtime's back the
    file is not served to her: it belongs to a document she may not read."""
    theirs = page_login(app, OTHER_CLERK)
    stored = _upload(theirs, "diagnosis.pdf", b"%PDF-1.4 their secret")
    aid = "Student Aid Application"
    their_draft = one(site, aid, ["name"], village=village_of(site, OTHER_CLERK), workflow_state="Draft")[
        "name"
    ]
    other_session = site.session(OTHER_CLERK)
    doc = other_session.get(aid, their_draft)
    other_session.save({**doc, "admission_letter": stored["file_url"]})
    assert theirs.get(f"/files/student-aid-application/{their_draft}/admission_letter").status_code == 200
    mine = _draft(site)["name"]
    with pytest.raises(ValidationError):
        _attach(site, mine, stored["file_url"])
    site.db.execute(  # as if the field had been set some other way
        'UPDATE "tabSubsidy Application" SET supporting_documents = ? WHERE name = ?',
        (stored["file_url"], mine),
    )
    browser = page_login(app, CLERK)
    assert browser.get(f"/files/subsidy-application/{mine}/supporting_documents").status_code == 404
    site.db.execute('UPDATE "tabSubsidy Application" SET supporting_documents = NULL WHERE name = ?', (mine,))


def test_an_unattached_upload_is_its_uploaders_alone(app, site):
    theirs = page_login(app, OTHER_CLERK)
    stored = _upload(theirs, "draft.pdf", b"%PDF-1.4 not attached yet")
    with pytest.raises(ValidationError):
        _attach(site, _draft(site)["name"], stored["file_url"])


def test_a_checklist_of_materials_holds_several_files_each_served_only_to_readers(app, site):
    browser = page_login(app, CLERK)
    register = _upload(browser, "hukou.png", b"\x89PNG\r\n\x1a\nregister", "image/png")
    certificate = _upload(browser, "dibao.pdf", b"%PDF-1.4 low income", "application/pdf")
    draft = _draft(site)["name"]
    session = site.session(CLERK)
    doc = session.get(SUBSIDY, draft)
    lines = [
        {"label": "户口簿", "file": register["file_url"]},
        {"label": "低保证", "file": certificate["file_url"]},
    ]
    saved = session.save({**doc, "materials": lines})
    rows = {r["label"]: r["name"] for r in saved["materials"]}
    # each line is its own file, previewed inline by its own address
    for label, body in (("户口簿", b"\x89PNG\r\n\x1a\nregister"), ("低保证", b"%PDF-1.4 low income")):
        answer = browser.get(f"/files/subsidy-application/{draft}/materials/{rows[label]}/file?inline=1")
        assert answer.status_code == 200 and answer.content == body
        assert answer.headers["content-disposition"].startswith("inline")
    form = browser.get(f"/app/subsidy-application/{draft}").text
    assert form.count(f"/files/subsidy-application/{draft}/materials/") >= 2
    assert "材料清单 · 户口簿" in form and "材料清单 · 低保证" in form
    # a third file is a new line: the first two stay
    third = _upload(browser, "bingli.pdf", b"%PDF-1.4 record", "application/pdf")
    doc = session.get(SUBSIDY, draft)
    saved = session.save(
        {**doc, "materials": [*doc["materials"], {"label": "病历", "file": third["file_url"]}]}
    )
    assert [r["label"] for r in saved["materials"]] == ["户口簿", "低保证", "病历"]
    # another village's clerk reads none of them, and cannot point a line at them
    other = page_login(app, OTHER_CLERK)
    for name in rows.values():
        assert other.get(f"/files/subsidy-application/{draft}/materials/{name}/file").status_code == 404
    # a line may name only a file its writer uploaded (or one of a document they may read)
    doc = session.get(SUBSIDY, draft)
    forged = [*doc["materials"], {"label": "伪造", "file": "/private/files/0000/not-uploaded.pdf"}]
    with pytest.raises(ValidationError) as refused:
        session.save({**doc, "materials": forged})
    assert refused.value.messages[0].field.startswith("materials")
    # only Attach columns of the line are served
    assert (
        browser.get(f"/files/subsidy-application/{draft}/materials/{rows['户口簿']}/label").status_code == 404
    )


def test_a_child_rows_file_field_cannot_point_at_another_villages_file(app, site):
    """A visit's signature image (an Attach column of a child table) carries its record's
    permission: another village's clerk cannot point a visit at a file uploaded elsewhere."""
    browser = page_login(app, CLERK)
    stored = _upload(browser, "proof.png", b"\x89PNG secret")
    _attach(site, _draft(site)["name"], stored["file_url"])
    other = site.session(OTHER_CLERK)
    record = one(site, "Pregnancy Record", ["name"], village=village_of(site, OTHER_CLERK), outcome="Ongoing")
    doc = other.get("Pregnancy Record", record["name"])
    visit = {
        "visit_date": site.now().date().isoformat(),
        "visit_type": "Home Visit",
        "visitor": "王敏",
        "findings": "情况良好",
        "family_signature": 1,
        "signed_by": "家属",
        "signature_method": "Scanned Sheet",
        "signature_image": stored["file_url"],
    }
    with pytest.raises(ValidationError, match="no such file"):
        other.save({**doc, "visits": [*(doc.get("visits") or []), visit]})
