"""Issue 18 point 8 in chromium at desktop and phone sizes: a second upload asks before it replaces
the first file, and an attached image is previewed inline on the document."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from .conftest import Actor, LiveServer
from .test_ux_forms import SIZES, new_draft

pytestmark = pytest.mark.browser

CLERK = "clerk.v01@demo"
# a 2x2 red PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANBAEBWN4y5QAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("phone", SIZES)
def test_a_second_file_asks_first_and_images_preview_inline(
    actor: Actor, live_server: LiveServer, phone: bool, tmp_path: Path
) -> None:
    first, second = tmp_path / "诊断证明.png", tmp_path / "第二份.png"
    first.write_bytes(PNG)
    second.write_bytes(PNG)
    name = new_draft(live_server)
    page = actor.login(CLERK, phone=phone)
    actor.goto(f"/app/subsidy-application/{name}")
    holder = page.locator(".field[data-fieldname=supporting_documents]")
    holder.locator("input[type=file]").set_input_files(str(first))
    page.wait_for_function(
        "() => document.querySelector('input[name=supporting_documents]').value.endsWith('.png')"
    )
    kept = holder.locator("input[name=supporting_documents]").input_value()
    actor.dialog_answer = False  # the clerk says no: the first file stays
    holder.locator("input[type=file]").set_input_files(str(second))
    page.wait_for_timeout(300)
    actor.dialog_answer = True
    assert actor.dialogs and "已有文件" in actor.dialogs[-1][1]
    assert holder.locator("input[name=supporting_documents]").input_value() == kept
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*saved=1"))
    preview = page.locator("[data-attachments] img")
    preview.wait_for()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0"), "the image shows inline"
    actor.shot(f"18-08-attachment-preview-{'phone' if phone else 'desktop'}")
