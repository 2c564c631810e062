"""The same template file of households and their members imports into both runtimes: the
embedded one (townflow.dataio) and Frappe's own Data Import on the bench (issue 15, point 6).

The file is townflow's Household template (`write_template`): sheet 1 the households, each with
an `ID`; sheet "成员 Members" the persons, their `所属户 (household)` that ID. Headers are
`中文标签 (fieldname)`, values are the Select values and Link names the form stores.

How Frappe 15 takes it (frappe/core/doctype/data_import/importer.py, data_import.py):
- Data Import reads the workbook's active sheet only (utils/xlsxutils.read_xlsx_file_from_attached_file:
  `wb.active`), so the file is imported twice, its households sheet active, then its members
  sheet active: two Data Import documents, Household then Person, as a Frappe user does it.
- A header matches a field by label, fieldname or `Label (fieldname)` with the label in the
  importing user's language (cached per DocType); the compiled labels are English with zh
  translations, so the test sends what Frappe's column mapping dialog saves: the Data Import's
  `template_options` `{"column_to_field_map": {"<column index>": "<fieldname>"}}`, the fieldname
  taken from each header's `(fieldname)`; `ID` maps to `name`.
- In an import `frappe.flags.in_import` is set and model/naming.set_new_name keeps a given name
  ("Data Import with pre-defined IDs"), so each household is named by its ID and the members'
  household Link (checked with frappe.db.exists before anything is written) finds it.
- `start_import` is run with `bench execute` (synchronously, as the background job would run it:
  the bench needs no worker), then the Data Import's status must be "Success".
Both runtimes must then hold the same households with the same derived counts (children,
daughters, household type: townflow.rules.benefits in both) and the same members.
"""

from __future__ import annotations

import io
import json
import random
import re
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from frappe_support import run_bench
from openpyxl import load_workbook

from townflow.dataio.importer import import_file
from townflow.dataio.template import MEMBERS_SHEET, write_template
from townflow.rules.validators import id_number_check_char
from townflow.runtime.clock import SteppingClock
from townflow.runtime.site import Site

pytestmark = pytest.mark.frappe

ROOT = Path(__file__).resolve().parents[2]
RUN = uuid.uuid4().hex[:6].upper()
DERIVED = ("number_of_children", "number_of_daughters", "household_type", "is_girl_household")
#: (household index, name, gender, born, relationship) of the members
MEMBERS = [
    (1, "王导一", "Male", date(1980, 5, 1), "Head"),
    (1, "李导妻", "Female", date(1982, 6, 1), "Spouse"),
    (1, "王大女", "Female", date(2008, 1, 1), "Daughter"),
    (1, "王二女", "Female", date(2012, 1, 1), "Daughter"),
    (2, "赵导二", "Male", date(1979, 1, 1), "Head"),
    (2, "赵小女", "Female", date(2010, 3, 3), "Daughter"),
    (2, "赵小子", "Male", date(2013, 3, 3), "Son"),
]


def _id_number(born: date, seq: int, female: bool) -> str:
    """A GB 11643 number whose birth date and sex digit agree with the person (unique per run)."""
    region = f"37{random.Random(RUN).randint(1000, 9999)}"
    code = seq * 2 + (0 if female else 1)
    first17 = f"{region}{born:%Y%m%d}{code:03d}"
    return first17 + id_number_check_char(first17)


def _fieldname(header: str) -> str:
    if header == "ID":
        return "name"
    return re.search(r"\((\w+)\)$", header).group(1)


def _household_id(index: int) -> str:
    return f"TF-IMP-{RUN}-{index}"


def _fill(template: Path, village: str) -> Path:
    book = load_workbook(template)
    data, members = book.worksheets[0], book[MEMBERS_SHEET]
    header = [_fieldname(c.value) for c in data[1]]
    member_header = [_fieldname(c.value) for c in members[1]]
    for index, head in ((1, "王导一"), (2, "赵导二")):
        values = {
            "name": _household_id(index),
            "village": village,
            "head_name": f"{head}{RUN}",
            "address": f"{village}{index}组",
            "residence_type": "Rural",
            "income_status": "Normal",
        }
        data.append([values.get(f) for f in header])
    for seq, (index, name, gender, born, relationship) in enumerate(MEMBERS, start=1):
        values = {
            "household": _household_id(index),
            "full_name": name,
            "gender": gender,
            "date_of_birth": born,
            "id_number": _id_number(born, seq, gender == "Female"),
            "relationship": relationship,
        }
        members.append([values.get(f) for f in member_header])
    path = template.with_name(f"households-{RUN}.xlsx")
    book.save(path)
    return path


@pytest.fixture(scope="module")
def shared_file(tmp_path_factory, org) -> Path:
    """The template written by the embedded runtime, filled in once for both runtimes."""
    folder = tmp_path_factory.mktemp("data-import")
    from townflow.spec import load_project

    site = Site.open(folder / "site", load_project(ROOT), admin_password="Pw-2026-x-test")
    try:
        write_template(site, site.metas.get("Household"), folder / "template.xlsx")
    finally:
        site.close()
    return _fill(folder / "template.xlsx", org["a"])


def _embedded(path: Path, tmp_path: Path) -> dict:
    from townflow.spec import load_project

    site = Site.open(
        tmp_path / "embedded",
        load_project(ROOT),
        admin_password="Pw-2026-x-test",
        now=SteppingClock(datetime.now()),
    )
    try:
        result = import_file(site.session("Administrator"), "Household", path)
        assert result.all_failed == [], [f.reason for f in result.all_failed]
        assert len(result.inserted) == 2 and len(result.members.inserted) == len(MEMBERS)
        households = {}
        for row in site.db.fetchall(
            'SELECT * FROM "tabHousehold" WHERE head_name LIKE ? ORDER BY head_name', (f"%{RUN}",)
        ):
            members = site.db.fetchall(
                'SELECT full_name, gender, relationship, village FROM "tabPerson" WHERE household = ?',
                (row["name"],),
            )
            households[row["head_name"]] = {
                **{k: row[k] for k in DERIVED},
                "members": sorted((dict(m) for m in members), key=lambda m: m["full_name"]),
            }
        return households
    finally:
        site.close()


def _with_active_sheet(path: Path, index: int) -> bytes:
    """The same workbook with sheet `index` active (what Frappe's Data Import reads)."""
    book = load_workbook(path)
    book.active = index
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _frappe_import(admin, path: Path, index: int, doctype: str) -> dict:
    content = _with_active_sheet(path, index)
    uploaded = admin._request(
        "POST",
        "/api/method/upload_file",
        method_call=True,
        files={
            "file": (
                f"{doctype}-{RUN}.xlsx",
                content,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        data={"is_private": "1", "folder": "Home"},
    )["message"]
    sheet = load_workbook(io.BytesIO(content)).active
    mapping = {str(j): _fieldname(cell.value) for j, cell in enumerate(sheet[1]) if cell.value}
    data_import = admin.insert(
        {
            "doctype": "Data Import",
            "reference_doctype": doctype,
            "import_type": "Insert New Records",
            "import_file": uploaded["file_url"],
            "template_options": json.dumps({"column_to_field_map": mapping}),
        }
    )
    preview = admin.call(
        "frappe.core.doctype.data_import.data_import.get_preview_from_template",
        data_import=data_import["name"],
        import_file=uploaded["file_url"],
    )
    blocking = [w for w in preview.get("warnings", []) if w.get("type") != "info"]
    assert blocking == [], blocking
    unmapped = [c.get("header_title") for c in preview["columns"][1:] if c.get("skip_import")]
    assert unmapped == [], unmapped  # every column of the template is a field of the compiled DocType
    run_bench(
        "execute",
        "frappe.core.doctype.data_import.data_import.start_import",
        "--kwargs",
        json.dumps({"data_import": data_import["name"]}),
    )
    done = admin.get_doc("Data Import", data_import["name"])
    assert done["status"] == "Success", (done["status"], done.get("template_warnings"))
    return done


def test_the_same_template_file_imports_into_both_runtimes(admin, org, shared_file, tmp_path):
    embedded = _embedded(shared_file, tmp_path)
    assert embedded[f"王导一{RUN}"]["household_type"] == "Two-girl"
    assert embedded[f"赵导二{RUN}"]["number_of_children"] == 2

    _frappe_import(admin, shared_file, 0, "Household")
    _frappe_import(admin, shared_file, 1, "Person")

    on_frappe = {}
    for index in (1, 2):
        household = admin.get_doc("Household", _household_id(index))  # named by the file's ID
        members = admin.get_list(
            "Person",
            fields=["full_name", "gender", "relationship", "village"],
            filters={"household": household["name"]},
            limit_page_length=50,
        )
        on_frappe[household["head_name"]] = {
            **{k: household[k] for k in DERIVED},
            "members": sorted(members, key=lambda m: m["full_name"]),
        }
    assert on_frappe == embedded
