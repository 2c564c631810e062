"""The compiled 随访 desk page records a due visit with the family's signature drawn on screen
(issue 14): Frappe 15's `Signature` control in a dialog; the drawing is uploaded as a private file
of the record (`upload_file`) and the visit appended through `frappe.client.save`, so the record's
rules and read-only checks run. The page's JavaScript is run with node over a stand-in desk
(tests/compile/js/followups_harness.js). The visit table's `signature_image` stays Attach Image:
Frappe's Signature fieldtype stores a base64 data URL in the row, not a private file, and a
scanned sheet is uploaded there too."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from townflow.compile import build_files

HARNESS = Path(__file__).parent / "js" / "followups_harness.js"
PAGE = "care_for_girls/care_for_girls/page/followups/followups.js"


@pytest.fixture(scope="module")
def run(repo_project, tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the page's JavaScript cannot be run here")
    page = tmp_path_factory.mktemp("followups") / "followups.js"
    page.write_bytes(build_files(repo_project)[PAGE])
    done = subprocess.run(
        [node, str(HARNESS), str(page)], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_a_due_visit_offers_the_signature_dialog_and_an_outcome_does_not(run):
    assert run["html"].count("townflow-record-visit") == 1
    assert 'data-kind="visit"' in run["html"] and 'data-kind="outcome"' not in run["html"]
    assert "&lt;b&gt;李秀英&lt;/b&gt;" in run["html"] and "<b>李秀英</b>" not in run["html"]  # escaped
    assert run["fields"] == [
        ["visit_date", "Date", 1, "2026-03-02"],
        ["visit_type", "Select", 1, "Home Visit"],
        ["visitor", "Data", 1, "王敏"],
        ["findings", "Small Text", 1, None],
        ["signed_by", "Data", 1, None],
        ["signature", "Signature", 1, None],
    ]


def test_the_drawing_is_uploaded_privately_to_the_record_and_the_signed_visit_saved(run):
    upload, save = run["calls"]
    assert upload == {
        "url": "/api/method/upload_file",
        "form": [
            ["file", "blob:signature-PR-1.png"],
            ["is_private", "1"],
            ["doctype", "Pregnancy Record"],
            ["docname", "PR-1"],
        ],
        "csrf": "csrf-1",
    }
    assert save["method"] == "frappe.client.save"
    assert save["doc"]["name"] == "PR-1"
    assert save["doc"]["visits"] == [
        {"name": "V-1", "visit_date": "2026-02-01"},
        {
            "doctype": "Pregnancy Follow Up Visit",
            "visit_date": "2026-03-02",
            "visit_type": "Home Visit",
            "visitor": "王敏",
            "findings": "孕妇情况良好",
            "family_signature": 1,
            "signed_by": "李秀英",
            "signature_method": "Drawn on Screen",
            "signature_image": "/private/files/signature-PR-1.png",
        },
    ]
    assert run["hidden"] is True
