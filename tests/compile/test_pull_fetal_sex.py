"""`townflow pull` never writes a field that would record fetal sex into the spec (issue 11.2):
a site without the app's guard (or one customized before it) may hold such a Custom Field; pull
names it as refused and leaves the YAML as it was, while pulling the harmless fields beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

from townflow.compile.sync import pull
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


class SiteWithCustomFields:
    """What a Frappe site answers to pull's one query (the Custom Fields of the spec's DocTypes)."""

    def __init__(self, rows: list[dict]):
        self.rows = rows

    def get_list(self, doctype, **_kw):
        assert doctype == "Custom Field"
        return self.rows


def test_pull_refuses_a_fetal_sex_field_and_keeps_the_rest(tmp_path):
    copy = tmp_path / "project"
    for folder in ("doctypes", "workflows", "fixtures"):
        shutil.copytree(ROOT / folder, copy / folder)
    exam = copy / "doctypes" / "ultrasound_exam.yaml"
    before = exam.read_text(encoding="utf-8")
    rows = [
        {"dt": "Ultrasound Exam", "fieldname": "result_sex", "label": "胎儿性别", "fieldtype": "Data"},
        {
            "dt": "Ultrasound Exam",
            "fieldname": "scan_note",
            "label": "结论",
            "fieldtype": "Select",
            "options": "男胎\n女胎",
        },
        {
            "dt": "Household",
            "fieldname": "wechat_id",
            "label": "微信号",
            "fieldtype": "Data",
            "insert_after": "phone",
        },
    ]
    lines = pull(SiteWithCustomFields(rows), load_project(copy))
    refused = [line for line in lines if line.startswith("refused")]
    assert len(refused) == 2
    assert "Ultrasound Exam.result_sex" in refused[0] and "no form may record fetal sex" in refused[0]
    assert "Ultrasound Exam.scan_note" in refused[1]
    assert exam.read_text(encoding="utf-8") == before
    assert load_project(copy).doctypes["Household"].field("wechat_id") is not None
