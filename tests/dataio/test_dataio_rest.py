"""`frappe.desk.reportview.export_query` answered as Frappe 15 answers it."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from site_support import password_of

from townflow.web.app import create_app


def _login(app, user: str, password: str) -> TestClient:
    client = TestClient(app)
    answer = client.post("/api/method/login", json={"usr": user, "pwd": password})
    assert answer.status_code == 200, answer.text
    return client


def test_export_query_excel_and_csv(site, people):
    app = create_app(site)
    clerk = _login(app, "clerk1", password_of("clerk1"))
    url = "/api/method/frappe.desk.reportview.export_query"
    args = {"doctype": "Person", "fields": json.dumps(["`tabPerson`.`name`", "`tabPerson`.`id_number`"])}
    answer = clerk.get(url, params={**args, "file_format_type": "Excel", "title": "人员"})
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    assert "%E4%BA%BA%E5%91%98.xlsx" in answer.headers["content-disposition"]
    rows = [list(r) for r in load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True)]
    assert rows[0] == ["Sr", "ID", "id_number"]
    assert rows[1][:2] == [1, people["p1"]["name"]] and "*" in rows[1][2]
    assert len(rows) == 2  # V2's person is not the clerk's

    answer = clerk.get(url, params={**args, "file_format_type": "CSV", "filters": '{"name": "nobody"}'})
    assert answer.status_code == 200
    assert list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")))) == [["Sr", "ID", "id_number"]]

    refused = _login(app, "township", password_of("township")).get(url, params=args)
    assert refused.status_code == 403
    assert clerk.get(url, params={**args, "file_format_type": "PDF"}).status_code == 417
