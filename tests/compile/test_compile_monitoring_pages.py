"""The compiled app carries pregnancy monitoring's desk pieces (issue 14): the 育龄妇女档案 Script
Report, the 随访 desk Page and the 联系函 Print Format, as standard documents of the module that
`bench migrate` syncs; the letter's Jinja is rendered here with jinja2 over a stand-in document
(tests/frappe prints it on a real bench)."""

from __future__ import annotations

import json
from datetime import date

import jinja2
import pytest

from townflow.compile import build_files
from townflow.compile.monitoring_pages import LIAISON_HTML

MODULE = "care_for_girls/care_for_girls"


@pytest.fixture(scope="module")
def files(repo_project):
    return build_files(repo_project)


def _json(files, path):
    return json.loads(files[f"{MODULE}/{path}"])


def test_the_roster_is_a_script_report_over_person_for_the_village_and_township_roles(files):
    doc = _json(files, "report/women_of_child_bearing_age/women_of_child_bearing_age.json")
    assert (doc["doctype"], doc["report_type"], doc["is_standard"]) == ("Report", "Script Report", "Yes")
    assert (doc["name"], doc["ref_doctype"], doc["module"]) == (
        "Women of Child-bearing Age",
        "Person",
        "Care for Girls",
    )
    assert {r["role"] for r in doc["roles"]} == {
        "System Manager",
        "Township Approver",
        "Township Clerk",
        "Township Leader",
        "Village Clerk",
        "Village Head",
    }
    py = files[f"{MODULE}/report/women_of_child_bearing_age/women_of_child_bearing_age.py"].decode()
    assert "from care_for_girls.townflow_ext.roster import execute_roster" in py
    js = files[f"{MODULE}/report/women_of_child_bearing_age/women_of_child_bearing_age.js"].decode()
    assert 'fieldname: "view"' in js and 'options: "Village"' in js and 'fieldname: "only_incomplete"' in js


def test_the_followups_page_is_a_standard_desk_page_calling_the_apps_method(files):
    doc = _json(files, "page/followups/followups.json")
    assert (doc["doctype"], doc["name"], doc["page_name"], doc["standard"]) == (
        "Page",
        "followups",
        "followups",
        "Yes",
    )
    assert doc["title"] == "随访" and {r["role"] for r in doc["roles"]} == {
        "System Manager",
        "Township Clerk",
        "Village Clerk",
    }
    js = files[f"{MODULE}/page/followups/followups.js"].decode()
    assert 'frappe.pages["followups"].on_page_load' in js
    assert "care_for_girls.townflow_ext.monitoring.followups_page" in js
    assert "/app/pregnancy-record/" in js and "escape_html(row.title" in js  # escaped, links to the form
    assert f"{MODULE}/page/__init__.py" in files


def test_the_liaison_letter_is_a_standard_jinja_print_format_of_person(files):
    doc = _json(files, "print_format/liaison_letter/liaison_letter.json")
    assert (doc["doctype"], doc["name"], doc["doc_type"]) == ("Print Format", "Liaison Letter", "Person")
    assert (doc["print_format_type"], doc["standard"], doc["custom_format"]) == ("Jinja", "Yes", 1)
    assert doc["html"] == LIAISON_HTML
    zh = files["care_for_girls/translations/zh.csv"].decode()
    assert "Liaison Letter,联系函" in zh and "Women of Child-bearing Age,育龄妇女档案" in zh


class _Person(dict):
    __getattr__ = dict.get

    def __init__(self, *, full_access: bool, **values):
        super().__init__(**values)
        self._full = full_access

    def has_permlevel_access_to(self, fieldname):
        return self._full


def _render(person, ongoing=()) -> str:
    class Utils:
        getdate = staticmethod(lambda value: date.fromisoformat(value))
        nowdate = staticmethod(lambda: "2026-06-15")

    frappe = {
        "get_list": lambda doctype, filters, limit_page_length: list(ongoing),
        "format": lambda value, df: value,
        "utils": Utils,
        "get_fullname": lambda user: "东关村计生专干",
        "session": {"user": "clerk.v01@demo"},
    }
    env = jinja2.Environment(autoescape=True)
    return env.from_string(LIAISON_HTML).render(
        doc=person, frappe=frappe, _=lambda text: {"IUD": "上环"}.get(text, text)
    )


OUTFLOW = {
    "name": "PER-1",
    "full_name": "李秀英",
    "village": "东关村",
    "id_number": "110101199003074514",
    "id_number_masked": "1101**********4514",
    "date_of_birth": "1990-03-07",
    "migrant_direction": "Outflow",
    "outflow_destination": "广东省东莞市长安镇",
    "moved_out_on": "2026-03-01",
    "contraception_method": "IUD",
    "mobile": "13800138000",
}


def test_the_letter_names_where_she_lives_her_contraception_and_pregnancy(files):
    text = _render(_Person(full_access=True, **OUTFLOW), ongoing=[{"name": "PR-1"}])
    assert "广东省东莞市长安镇 计划生育办公室" in text and "<strong>李秀英</strong>" in text
    assert "110101199003074514" in text and "于 2026-03-01 外出" in text
    assert "<td>上环</td>" in text and "在孕，请按月随访" in text
    assert "2026年6月15日" in text and "联系人：东关村计生专干" in text


def test_a_reader_without_the_id_numbers_permlevel_sees_it_masked(files):
    text = _render(_Person(full_access=False, **OUTFLOW))
    assert "1101**********4514" in text and "110101199003074514" not in text
    assert "无在孕记录" in text


def test_a_person_who_is_not_an_outflow_migrant_gets_no_letter(files):
    text = _render(_Person(full_access=True, **{**OUTFLOW, "migrant_direction": "Inflow"}))
    assert "Only a person registered as an outflow migrant" in text and "计划生育办公室：" not in text


def test_names_in_the_letter_are_escaped(files):
    text = _render(_Person(full_access=True, **{**OUTFLOW, "full_name": "<script>x</script>"}))
    assert "<script>x</script>" not in text and "&lt;script&gt;" in text
