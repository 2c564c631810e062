"""Attachments: stored under the site's private folder whatever name the browser sends, served
only through a document the user may read, and always as a download (never rendered inline)."""

from __future__ import annotations

from pathlib import Path

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
    # a field value that walks out of the files folder is "not found", not the site's database
    _attach(site, draft, "/private/files/../../site.sqlite")
    assert browser.get(f"/files/subsidy-application/{draft}/supporting_documents").status_code == 404
    # only Attach fields are served
    assert browser.get(f"/files/subsidy-application/{draft}/applicant").status_code == 404


def test_uploads_need_a_login_and_the_csrf_token(app):
    from fastapi.testclient import TestClient

    guest = TestClient(app).post("/files/upload", files={"file": ("a.txt", b"x")}, follow_redirects=False)
    assert guest.status_code in (303, 403)
    client = api_login(app, CLERK)
    client.headers.pop("X-Frappe-CSRF-Token")
    assert client.post("/files/upload", files={"file": ("a.txt", b"x")}).status_code == 400
