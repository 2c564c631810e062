"""数据导入 in a real browser: a village clerk downloads the Person template, uploads a filled
copy, sees the bad rows' cells marked before anything is written, starts the import, watches it
finish in the background, and downloads the failed rows to fix."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from townflow.client import FrappeClient
from townflow.rules.validators import id_number_check_char

from .conftest import ADMIN_PASSWORD, Actor, LiveServer

pytestmark = pytest.mark.browser

CLERK = "clerk.v01@demo"


def _valid_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def _household_of_clerk(server: LiveServer) -> str:
    admin = FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    village = admin.get_list(
        "User Permission", fields=["for_value"], filters={"user": CLERK, "allow": "Village"}
    )[0]["for_value"]
    rows = admin.get_list("Household", fields=["name"], filters={"village": village}, limit_page_length=1)
    return rows[0]["name"]


def test_clerk_previews_imports_and_downloads_failed_rows(
    actor: Actor, live_server: LiveServer, tmp_path: Path
):
    household = _household_of_clerk(live_server)
    page = actor.login(CLERK)
    page.get_by_role("link", name="数据导入").first.click()
    page.wait_for_url(re.compile(r".*/app/data-import$"))
    assert page.locator("select[name=doctype] option[value=Person]").count() == 1
    actor.shot("data-import-index")

    with page.expect_download() as download:
        page.locator("[data-template='Person']").click()
    template = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    header = [c.value for c in template.worksheets[0][1]]
    assert "姓名 (full_name)" in header and "公民身份号码 (id_number)" in header

    # the template filled in: one good row, a bad ID check digit, a date that is no date
    sheet = template.worksheets[0]
    good_id = _valid_id("37062619900101122")  # 17th digit even: a woman
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    values = [
        {
            "household": household,
            "full_name": "导入甲",
            "gender": "女",
            "date_of_birth": "1990-01-01",
            "id_number": good_id,
            "relationship": "配偶",
        },
        {
            "household": household,
            "full_name": "导入乙",
            "gender": "女",
            "date_of_birth": "1990-01-01",
            "id_number": bad_id,
            "relationship": "女儿",
        },
        {
            "household": household,
            "full_name": "导入丙",
            "gender": "男",
            "date_of_birth": "1990-13-45",
            "relationship": "其他",
        },
    ]
    fieldnames = [re.search(r"\((\w+)\)$", h).group(1) for h in header]
    for row in values:
        sheet.append([row.get(f) for f in fieldnames])
    source = tmp_path / "人员导入.xlsx"
    template.save(source)

    page.locator("input[name=file]").set_input_files(str(source))
    page.locator("select[name=doctype]").select_option("Person")
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r".*/app/data-import/IMP-[\w-]+$"))
    preview = page.locator("[data-preview] table[data-sheet='Person']")
    assert preview.locator("tbody tr").count() == 3
    assert preview.locator("tr.row-error").count() == 2
    bad_cells = preview.locator("td[data-field-error]")
    assert bad_cells.count() == 2
    assert bad_cells.nth(0).inner_text().startswith(bad_id)
    assert bad_cells.nth(1).inner_text().startswith("1990-13-45")
    assert page.locator("[data-error-count]").inner_text() == "2"
    actor.shot("data-import-preview")

    page.get_by_role("button", name=re.compile("开始导入")).click()
    # the page polls the job and reloads when it is done
    page.locator("[data-status]", has_text="部分成功").wait_for(timeout=60000)
    assert page.locator("[data-count='inserted']").inner_text() == "1"
    assert page.locator("[data-count='failed']").inner_text() == "2"
    assert page.locator(".progress-bar").get_attribute("style") == "width: 100%"
    assert page.locator("[data-failed] tbody tr").count() == 2
    actor.shot("data-import-result")

    with page.expect_download() as download:
        page.locator("[data-download-failed]").click()
    failed = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    lines = list(failed.active.iter_rows(values_only=True))
    assert lines[0][-1] == "错误 / Error"
    assert [line[header.index("姓名 (full_name)")] for line in lines[1:]] == ["导入乙", "导入丙"]
    assert "id_number" in lines[1][-1] and "date_of_birth" in lines[2][-1]
