"""Issue 17 points 3 and 4 in the compiled Frappe app, run in-process against the stand-in frappe
(tests/compile/fake_frappe.py) and read from the generated tree:

- hooks.py wires standard_queries (pinyin Link search), the validate handler that fills tf_pinyin,
  the Print Formats' Jinja method and the /verify/<serial> route, to functions that exist;
- a Person saved as 张小燕 gets ` zhangxiaoyan zxy xiaoyan xy `; the Link search for `zxy` asks
  frappe.get_list (the user's permissions) with a tf_pinyin condition and finds her;
- the Print Format renders the serial, the office from Campaign Settings, the code and a QR code
  that decodes to /verify/<serial>?code=...;
- the guest page's context: valid / used / expired / revoked, and the same "not found" for an
  unknown serial and a wrong code, with nothing personal; throttled per address.
"""

from __future__ import annotations

import ast
import importlib
import io
import json
import sys
from types import ModuleType

import fake_frappe
import jinja2
import pypdfium2
import pytest
import zxingcpp
from fake_frappe import Doc, Meta, _dict

from townflow.rules import verify as rules

APP = fake_frappe.APP_ROOT / "care_for_girls"
EXT = "care_for_girls.townflow_ext"
KEY = "an-encryption-key-of-the-test-site"
CERT = "Termination Certificate Application"


class _Cache:
    def __init__(self):
        self.counts: dict[str, int] = {}

    def incrby(self, key, amount):
        self.counts[key] = self.counts.get(key, 0) + amount
        return self.counts[key]

    def expire(self, key, seconds):
        return True


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)
    password = ModuleType("frappe.utils.password")
    password.get_encryption_key = lambda: KEY
    monkeypatch.setitem(sys.modules, "frappe.utils.password", password)
    frappe.utils.password = password
    frappe.utils.get_url = lambda: "https://township.example.cn"
    frappe.local = _dict(response=_dict(), request_ip="10.0.0.7")
    cache = _Cache()
    frappe.cache = lambda: cache
    for doctype in rules.VERIFIABLE:
        frappe.db.add("DocType", name=doctype)
    frappe.db.add("Township", name="高新街道", township_name="高新街道", full_name="高新街道办事处")
    yield frappe
    fake_frappe.uninstall()


def _hooks() -> dict:
    tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
    return {
        n.targets[0].id: ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
    }


def _defined(module: str) -> set[str]:
    path = APP / "townflow_ext" / f"{module}.py"
    return {
        n.name for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)
    }


def test_hooks_wire_pinyin_search_print_formats_and_the_verify_page():
    hooks = _hooks()
    assert hooks["standard_queries"]["Person"] == f"{EXT}.pinyin_search.search"
    assert hooks["standard_queries"]["Village"] == f"{EXT}.pinyin_search.search"
    assert "Campaign Settings" not in hooks["standard_queries"]
    validate = hooks["doc_events"]["Person"]["validate"]
    assert validate[-1] == f"{EXT}.pinyin_search.fill" and validate[0] == f"{EXT}.events.validate"
    assert hooks["jinja"] == {"methods": [f"{EXT}.verify.care_for_girls_verify_box"]}
    assert hooks["website_route_rules"] == [{"from_route": "/verify/<serial>", "to_route": "verify"}]
    assert {"fill", "search"} <= _defined("pinyin_search")
    assert {"care_for_girls_verify_box", "public_context", "download_pdf"} <= _defined("verify")
    person = json.loads((APP / "care_for_girls/doctype/person/person.json").read_text(encoding="utf-8"))
    column = next(f for f in person["fields"] if f["fieldname"] == "tf_pinyin")
    assert (column["fieldtype"], column["hidden"], column["read_only"], column["print_hide"]) == (
        "Small Text",
        1,
        1,
        1,
    )
    assert (APP / "www/verify.py").is_file() and (APP / "www/verify.html").is_file()


def test_a_person_is_found_by_initials_and_full_pinyin_through_get_list(frappe, monkeypatch):
    pinyin_search = importlib.import_module(f"{EXT}.pinyin_search")
    person = Doc("Person", name="PER-000001", full_name="张小燕")
    pinyin_search.fill(person, "validate")
    assert person["tf_pinyin"] == " zhangxiaoyan zxy xiaoyan xy "
    frappe.db.add("Person", **{k: v for k, v in person.items() if k != "doctype"})
    frappe.db.add("Person", name="PER-000002", full_name="李明", tf_pinyin=" liming lm ming m ")
    meta = Meta({"full_name": {"fieldtype": "Data"}, "tf_pinyin": {"fieldtype": "Small Text"}})
    meta.title_field, meta.sort_field, meta.sort_order = "full_name", "modified", "desc"
    frappe.get_meta = lambda doctype: meta
    calls = []

    def get_list(doctype, fields=None, filters=None, or_filters=None, as_list=False, **kw):
        calls.append({"doctype": doctype, "or_filters": or_filters, "filters": filters})

        def like(value, pattern):
            return pattern.strip("%") in (value or "") if pattern.startswith("%") else False

        rows = [r for r in frappe.db.rows(doctype) if any(like(r.get(f[1]), f[3]) for f in or_filters)]
        return [[r["name"], r["full_name"]] for r in rows]

    frappe.get_list = get_list
    assert pinyin_search.search("Person", "zxy", "name", 0, 20, None) == [["PER-000001", "张小燕"]]
    assert ["Person", "tf_pinyin", "like", "% zxy%"] in calls[-1]["or_filters"]
    assert pinyin_search.search("Person", "zhangxiaoyan") == [["PER-000001", "张小燕"]]
    assert pinyin_search.search("Person", "小燕") == [["PER-000001", "张小燕"]]
    assert ["Person", "tf_pinyin", "like", "% 小燕%"] not in calls[-1]["or_filters"]
    assert pinyin_search.search("Person", "lm") == [["PER-000002", "李明"]]


def _certificate(frappe, status: str, serial: str, **extra) -> dict:
    doc = {
        "name": f"YCSQ-{serial}",
        "certificate_serial": serial,
        "person_name": "王小红",
        "id_number": "11010519491231002X",
        "village": "东村",
        "facility": "高新街道卫生院",
        "valid_from": "2026-03-01",
        "valid_until": "2026-03-30",
        "certificate_status": status,
        "docstatus": 2 if status == "Revoked" else 1,
        **extra,
    }
    frappe.db.add(CERT, **doc)
    return doc


def _code(serial: str) -> str:
    return rules.printed_code(rules.verification_code(KEY.encode(), serial))


@pytest.mark.parametrize(
    ("status", "shown"),
    [("Unused", "valid"), ("Used", "used"), ("Expired", "expired"), ("Revoked", "revoked")],
)
def test_the_guest_page_states_the_status_with_nothing_personal(frappe, status, shown):
    verify = importlib.import_module(f"{EXT}.verify")
    doc = _certificate(frappe, status, "YC-2026-00007")
    context = verify.public_context("YC-2026-00007", _code("YC-2026-00007"))
    assert context["facts"] == {
        "status": shown,
        "serial": "YC-2026-00007",
        "kind": "certificate",
        "office": "高新街道办事处计划生育办公室",
        "facility": "高新街道卫生院",
        "valid_from": "2026-03-01",
        "valid_until": "2026-03-30",
    }
    html = _render_www(context)
    assert f'data-verify-result="{shown}"' in html
    for personal in (doc["person_name"], doc["id_number"], doc["village"], doc["name"]):
        assert personal not in html


def test_an_unused_certificate_past_its_last_day_shows_expired(frappe):
    verify = importlib.import_module(f"{EXT}.verify")
    _certificate(frappe, "Unused", "YC-2026-00008", valid_until="2026-03-01")  # the fake's today: 03-02
    assert verify.public_context("YC-2026-00008", _code("YC-2026-00008"))["facts"]["status"] == "expired"


def test_unknown_serial_and_wrong_code_are_the_same_not_found_and_throttled(frappe):
    verify = importlib.import_module(f"{EXT}.verify")
    _certificate(frappe, "Used", "YC-2026-00009")
    wrong = verify.public_context("YC-2026-00009", "0000-0000")
    assert frappe.local.response["http_status_code"] == 404
    unknown = verify.public_context("YC-2099-00001", _code("YC-2099-00001"))
    assert frappe.local.response["http_status_code"] == 404
    assert {k: v for k, v in wrong.items() if k != "serial"} == {
        k: v for k, v in unknown.items() if k != "serial"
    }
    assert "未找到" in _render_www(wrong)
    for _ in range(verify.VERIFY_PER_MINUTE - 2):
        verify.public_context("YC-2026-00009", "0000-0000")
    assert verify.public_context("YC-2026-00009", _code("YC-2026-00009")).get("too_many") is True
    assert frappe.local.response["http_status_code"] == 429


def _render_www(context: dict) -> str:
    loader = jinja2.DictLoader(
        {
            "templates/web.html": "<html><body>{% block page_content %}{% endblock %}</body></html>",
            "verify.html": (APP / "www/verify.html").read_text(encoding="utf-8"),
        }
    )
    return jinja2.Environment(loader=loader, autoescape=True).get_template("verify.html").render(**context)


def test_the_print_format_carries_office_serial_code_and_a_qr_that_decodes(frappe, monkeypatch):
    verify = importlib.import_module(f"{EXT}.verify")
    spec = importlib.import_module(f"{EXT}.spec")
    monkeypatch.setattr(
        spec, "settings", lambda: {"print_township_name": "测试镇", "seal_position": "Bottom Left"}
    )
    pf = json.loads(
        (APP / "care_for_girls/print_format/termination_certificate_application_print/"
         "termination_certificate_application_print.json").read_text(encoding="utf-8")
    )  # fmt: skip
    assert (pf["doctype"], pf["standard"], pf["print_format_type"], pf["doc_type"]) == (
        "Print Format",
        "Yes",
        "Jinja",
        CERT,
    )
    doc = Doc(CERT, **_certificate(frappe, "Unused", "YC-2026-00010"))
    object.__setattr__(doc, "get_formatted", lambda field: str(doc.get(field) or ""))
    env = jinja2.Environment()  # noqa: S701  (Frappe's print-format environment does not autoescape)
    env.globals.update(care_for_girls_verify_box=verify.care_for_girls_verify_box, _=lambda s: s)
    html = env.from_string(pf["html"]).render(doc=doc)
    code = _code("YC-2026-00010")
    url = f"https://township.example.cn/verify/YC-2026-00010?code={code.replace('-', '')}"
    assert "YC-2026-00010" in html and "测试镇计划生育办公室" in html and code in html
    assert 'class="tf-seal-left"' in html
    from weasyprint import HTML

    pdf = HTML(string=f"<style>{pf['css']}</style>{html}").write_pdf()
    image = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].render(scale=200 / 72).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_after_migrate_fills_the_keys_of_records_saved_before_the_column(frappe, monkeypatch):
    pinyin_search = importlib.import_module(f"{EXT}.pinyin_search")
    stored = {"PER-1": {"name": "PER-1", "full_name": "张小燕", "tf_pinyin": None},
              "PER-2": {"name": "PER-2", "full_name": "李明", "tf_pinyin": " liming lm ming m "}}  # fmt: skip
    frappe.db.table_exists = lambda name: name == "Person"
    frappe.db.get_table_columns = lambda name: ["name", "full_name", "tf_pinyin"]
    frappe.get_all = lambda doctype, filters=None, fields=None, **kw: [
        {k: r[k] for k in fields} for r in stored.values() if not r["tf_pinyin"]
    ]
    written = []
    frappe.db.set_value = lambda doctype, name, field, value, update_modified=True: written.append(
        (doctype, name, field, value, update_modified)
    )
    assert pinyin_search.backfill() == 1
    assert written == [("Person", "PER-1", "tf_pinyin", " zhangxiaoyan zxy xiaoyan xy ", False)]
