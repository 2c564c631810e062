"""The Import page (数据导入), server side: a clerk downloads the template, uploads a file, sees
each row's errors per field before anything is written, starts the import (a background
thread, progress kept in the site's job row), and downloads the failed rows."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from site_support import make_user, password_of

from townflow.dataio import jobs
from townflow.web.app import create_app

VALID_IDS = ["11010519491231002X", "110105198001010024"]


def _client(site, user: str) -> TestClient:
    client = TestClient(create_app(site))
    answer = client.post("/login", data={"usr": user, "pwd": password_of(user)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def _csrf(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def _csv(rows, header=("姓名", "gender", "所属户 (household)", "id_number", "age")) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def _persons(site) -> set[str]:
    return {r["full_name"] for r in site.db.fetchall('SELECT full_name FROM "tabPerson"')}


def _upload(client, data: bytes, name="persons.csv", doctype="Person", mode="Insert New Records"):
    index = client.get("/app/data-import")
    assert index.status_code == 200
    return client.post(
        "/app/data-import",
        data={"csrf_token": _csrf(index.text), "doctype": doctype, "import_type": mode},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_clerk_previews_imports_in_background_and_downloads_failed_rows(site, people):
    clerk = _client(site, "clerk1")
    index = clerk.get("/app/data-import")
    assert "数据导入" in index.text and 'data-template="Person"' in index.text

    template = clerk.get("/app/data-import/template/person.xlsx")
    assert template.status_code == 200
    header = next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True))
    assert "姓名 (full_name)" in header and "gender (gender)" in header

    h1 = people["h1"]["name"]
    rows = [
        ["刘一", "女", h1, VALID_IDS[1], 30],
        ["陈二", "Male", h1, None, 200],  # age above 150
        ["孙三", "Robot", "无此户", None, 7],
    ]
    answer = _upload(clerk, _csv(rows))
    assert answer.status_code == 303
    job_url = answer.headers["location"]
    name = job_url.rsplit("/", 1)[-1]

    page = clerk.get(job_url)
    assert page.status_code == 200
    html = page.text
    assert "预览" in html and "开始导入 (3 行)" in html
    # row 2 passes; row 3's ID number cell and row 4's gender and household cells carry the errors
    row3 = re.search(r'<tr data-line="3".*?</tr>', html, re.S).group(0)
    row4 = re.search(r'<tr data-line="4".*?</tr>', html, re.S).group(0)
    assert 'class="row-error"' in row3 and row3.count("data-field-error") == 1
    assert re.search(r'<td class="cell-error"[^>]*>([^<]*)', row3).group(1) == "200"
    assert row4.count("data-field-error") == 2
    assert 'class="row-error"' not in re.search(r'<tr data-line="2".*?</tr>', html, re.S).group(0)
    assert _persons(site) == {'=HYPERLINK("http://x")', "赵敏"}  # the preview wrote nothing

    started = clerk.post(f"{job_url}/start", data={"csrf_token": _csrf(html)}, follow_redirects=False)
    assert started.status_code == 303
    jobs.wait(site, name, timeout=60)
    status = clerk.get(f"{job_url}/status").json()["message"]
    assert status == {
        "name": name,
        "status": "Partial Success",
        "total": 3,
        "done": 3,
        "percent": 100,
        "inserted": 1,
        "updated": 0,
        "skipped": 0,
        "failed": 2,
        "finished": True,
    }
    assert "刘一" in _persons(site) and "陈二" not in _persons(site)

    result = clerk.get(job_url).text
    assert "部分成功" in result and 'data-failed-line="3"' in result and 'data-failed-line="4"' in result
    failed = clerk.get(f"{job_url}/failed.xlsx")
    assert failed.status_code == 200
    lines = list(load_workbook(io.BytesIO(failed.content)).active.iter_rows(values_only=True))
    assert [line[0] for line in lines[1:]] == ["陈二", "孙三"]
    assert lines[0][-2:] == ("行 / Row", "错误 / Error")
    assert "age" in lines[1][-1] and "gender" in lines[2][-1]

    # the same file again: the good row is found, not duplicated; a second start runs nothing
    assert clerk.post(f"{job_url}/start", data={"csrf_token": _csrf(html)}).status_code == 200
    assert len([p for p in _persons(site) if p == "刘一"]) == 1


def test_another_user_never_sees_a_job_and_a_bad_file_is_refused_whole(site, people):
    clerk = _client(site, "clerk1")
    job_url = _upload(clerk, _csv([["周四", "女", people["h1"]["name"], None, 1]])).headers["location"]
    township = _client(site, "township")
    assert township.get(job_url).status_code == 404
    assert township.get(f"{job_url}/status").status_code == 404

    bad = _upload(clerk, _csv([["a", "女", "x", None, 1]], header=("姓名", "colour")), name="bad.csv")
    page = clerk.get(bad.headers["location"])
    assert "文件无法导入" in page.text and "colour" in page.text
    assert "开始导入" not in page.text

    refused = _upload(clerk, b"x", name="notes.txt")
    assert refused.status_code == 303 and "error=" in refused.headers["location"]


def test_update_mode_changes_the_matched_record(site, people):
    """Matched by ID number (a township clerk may write it; a village clerk reads it masked)."""
    make_user(site, "township.writer", ["Township Clerk"])
    clerk = _client(site, "township.writer")
    h1 = people["h1"]["name"]
    first = _upload(clerk, _csv([["刘一", "女", h1, VALID_IDS[1], 30]])).headers["location"]
    html = clerk.get(first).text
    clerk.post(f"{first}/start", data={"csrf_token": _csrf(html)})
    jobs.wait(site, first.rsplit("/", 1)[-1], timeout=60)
    second = _upload(clerk, _csv([["刘一", "女", h1, VALID_IDS[1], 31]]), mode="Update Existing Records")
    url = second.headers["location"]
    html = clerk.get(url).text
    clerk.post(f"{url}/start", data={"csrf_token": _csrf(html)})
    jobs.wait(site, url.rsplit("/", 1)[-1], timeout=60)
    status = clerk.get(f"{url}/status").json()["message"]
    assert (status["status"], status["updated"], status["inserted"]) == ("Success", 1, 0)
    ages = [r["age"] for r in site.db.fetchall('SELECT age FROM "tabPerson" WHERE full_name = ?', ("刘一",))]
    assert ages == [31]


def test_a_job_left_running_by_a_restarted_server_shows_as_interrupted(site, people):
    clerk = _client(site, "clerk1")
    url = _upload(clerk, _csv([["吴七", "女", people["h1"]["name"], None, 1]])).headers["location"]
    name = url.rsplit("/", 1)[-1]
    with site.db.transaction():  # what a server stopped mid-import leaves: Running, no thread
        site.db.execute('UPDATE "__data_import" SET status = ? WHERE name = ?', ("Running", name))
    status = clerk.get(f"{url}/status").json()["message"]
    assert status["status"] == "Error" and status["finished"] is True
    assert "服务器在导入时重启" in clerk.get(url).text
    assert "吴七" not in _persons(site)


def test_the_page_in_english(site, people):
    clerk = _client(site, "clerk1")
    url = _upload(clerk, _csv([["郑八", "Robot", people["h1"]["name"], None, 1]])).headers["location"]
    html = clerk.get(f"{url}?lang=en").text
    assert "Data Import" in html and "Start import (1 row(s))" in html and "Pending" in html
    assert "gender must be one of Female, Male" in html
    index = clerk.get("/app/data-import?lang=en").text
    assert "Download template" in index and "Recent imports" in index
