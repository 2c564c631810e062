"""Issue 18 point 8: an application's checklist of materials holds several files, one line each
(adding one never replaces another), each previewed inline on the form; desktop and 390 px."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from .conftest import Actor, LiveServer
from .test_ux_forms import CLERK, SIZES, _admin, new_draft

pytestmark = pytest.mark.browser

# a 1x1 PNG: something the browser can really show inline
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("phone", SIZES)
def test_the_checklist_of_materials_takes_several_files_and_previews_each(
    actor: Actor, live_server: LiveServer, phone: bool, tmp_path: Path
):
    name = new_draft(live_server)
    files = []
    for stem in ("hukou", "dibao"):
        path = tmp_path / f"{stem}.png"
        path.write_bytes(PNG)
        files.append(path)
    page = actor.login(CLERK, phone=phone)
    actor.goto(f"/app/subsidy-application/{name}")
    table = page.locator("[data-table=materials]")
    for i, (label, path) in enumerate(zip(("户口簿", "低保证"), files, strict=True)):
        table.locator("[data-add-row]").click()
        page.fill(f"input[name='materials.{i}.label']", label)
        page.set_input_files(f"input[data-attach-for='materials.{i}.file']", str(path))
        hidden = page.locator(f"input[name='materials.{i}.file']")
        page.wait_for_function("(el) => el.value.startsWith('/private/files/')", arg=hidden.element_handle())
    assert actor.dialogs == []  # a new line asks nothing: it replaces no file
    page.locator("#save-button").click()
    page.wait_for_load_state()
    page.wait_for_url(re.compile(rf".*/subsidy-application/{name}.*"))
    previews = page.locator("[data-attachments] figure[data-attachment=materials]")
    assert previews.count() == 2
    captions = previews.all_inner_texts()
    assert any("户口簿" in c for c in captions) and any("低保证" in c for c in captions)
    for img in previews.locator("img").all():  # really shown inline, not a broken image
        assert img.evaluate("(el) => el.complete && el.naturalWidth > 0")
    actor.shot(f"18-08-materials-checklist-{'phone' if phone else 'desktop'}")
    stored = _admin(live_server).get_doc("Subsidy Application", name)
    assert [r["label"] for r in stored["materials"]] == ["户口簿", "低保证"]
