"""Export: the list a user may export, masked as the list shows it, formula-safe, as .xlsx/.csv,
from the runtime, the CLI and `frappe.desk.reportview.export_query`."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from townflow.dataio.export import export_list
from townflow.runtime.errors import PermissionError


def _xlsx_rows(data) -> list[list]:
    book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data, read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def _export(session, doctype, fmt, **kw) -> bytes:
    out = io.BytesIO()
    export_list(session, doctype, out, fmt, **kw)
    return out.getvalue()


def test_clerk_exports_only_own_village_with_ids_masked(site, people):
    clerk = site.session("clerk1")
    rows = _xlsx_rows(_export(clerk, "Person", "xlsx", fields=["name", "full_name", "id_number"]))
    assert rows[0] == ["ID", "姓名", "id_number"]
    assert [r[0] for r in rows[1:]] == [people["p1"]["name"]]  # V2's person is not there
    assert rows[1][2] != people["p1"]["id_number"] and "*" in rows[1][2]
    listed = clerk.get_list("Person", fields=["id_number"], filters={"name": people["p1"]["name"]})
    assert rows[1][2] == listed[0]["id_number"]  # exactly as the list shows it


def test_administrator_sees_full_ids_and_formula_is_escaped(site, people, admin):
    rows = _xlsx_rows(_export(admin, "Person", "xlsx", fields=["name", "full_name", "id_number"]))
    by_name = {r[0]: r for r in rows[1:]}
    p1 = by_name[people["p1"]["name"]]
    assert p1[2] == "11010519491231002X"
    assert p1[1] == '\'=HYPERLINK("http://x")'  # a text cell, never a formula


def test_csv_has_bom_and_filters_apply(site, people, admin):
    data = _export(admin, "Person", "csv", fields=["name", "full_name"], filters={"full_name": "赵敏"})
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["ID", "姓名"], [people["p2"]["name"], "赵敏"]]


def test_no_export_right_is_refused_and_audited(site, people):
    township = site.session("township")  # reads every Person, but has no export right
    assert township.get_list("Person")
    with pytest.raises(PermissionError):
        _export(township, "Person", "xlsx")


def test_paging_streams_every_row(site, admin, monkeypatch):
    from townflow.dataio import export

    h = admin.insert({"doctype": "Household", "village": "V1", "head_name": "户主"})
    for i in range(7):
        admin.insert({"doctype": "Person", "household": h["name"], "full_name": f"P{i}", "gender": "Male"})
    monkeypatch.setattr(export, "PAGE_SIZE", 3)
    rows = list(export.iter_rows(admin, "Person", ["name", "full_name"], page_size=3))
    assert sorted(r["full_name"] for r in rows) == [f"P{i}" for i in range(7)]
    assert len({r["name"] for r in rows}) == 7


def test_cli_export(site, project, people, tmp_path, capsys, monkeypatch):
    from townflow.cli import main
    from townflow.dataio import commands
    from townflow.runtime import Site

    # the small test project lives in memory, not in a folder: the command opens the site with it
    site.close()
    monkeypatch.setattr(commands, "_open_site", lambda args: Site.open(args.site, project))
    target = tmp_path / "out.csv"
    argv = ["export", "--site", str(tmp_path / "site"), "--doctype", "Household"]
    status = main([*argv, "--filters", '{"village": "V1"}', str(target)])
    assert status == 0, capsys.readouterr()
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8-sig"))))
    assert [r[rows[0].index("head_name")] for r in rows[1:]] == ["张三"]
    assert main([*argv, "--user", "township", str(tmp_path / "no.xlsx")]) == 1
    assert not (tmp_path / "no.xlsx").exists()


def test_pages_follow_on_by_name_with_the_filters_kept(site, admin, people):
    from townflow.dataio.export import iter_rows

    for i in range(5):
        admin.insert(
            {"doctype": "Person", "household": people["h1"]["name"], "full_name": f"页{i}", "gender": "Male"}
        )
    every = [r["name"] for r in iter_rows(admin, "Person", ["name"], page_size=2)]
    assert every == sorted(every) and len(every) == 7
    males = [
        r["full_name"] for r in iter_rows(admin, "Person", ["full_name"], {"gender": "Male"}, page_size=2)
    ]
    assert sorted(males) == [f"页{i}" for i in range(5)]
    clerk = site.session("clerk1")  # V2's person never reaches the clerk's pages
    assert len(list(iter_rows(clerk, "Person", ["name"], page_size=1))) == 6
