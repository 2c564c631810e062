"""The runtime tests' small project (tests/runtime/site_support.py) with export and import rights
for the clerks: a Village Clerk exports and imports within their village, and reads ID numbers
only masked (permlevel 1 is not theirs)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

from site_support import ADMIN_PASSWORD, build_project, make_user

from townflow.runtime import Site
from townflow.runtime.clock import SteppingClock
from townflow.spec.models import Choice, DocPerm, Label

VALID_IDS = ["11010519491231002X", "110105198001010024"]


@pytest.fixture
def project(tmp_path):
    project = build_project(tmp_path)
    for doctype in ("Person", "Household"):
        project.doctypes[doctype].permissions.append(
            DocPerm(role="Village Clerk", read=True, write=True, create=True, export=True, scope="village")
        )
    person = project.doctypes["Person"]
    for index, docfield in enumerate(person.fields):  # Chinese labels and Select labels, as the real spec has
        if docfield.fieldname == "full_name":
            person.fields[index] = docfield.model_copy(update={"label": Label(zh="姓名", en="Full Name")})
        if docfield.fieldname == "gender":
            options = [Choice(value="Female", zh="女"), Choice(value="Male", zh="男")]
            person.fields[index] = docfield.model_copy(update={"options": options})
    return project


@pytest.fixture
def site(tmp_path, project):
    s = Site.open(
        tmp_path / "site", project, admin_password=ADMIN_PASSWORD, now=SteppingClock(datetime(2026, 3, 1))
    )
    yield s
    s.close()


@pytest.fixture
def admin(site):
    return site.session("Administrator")


@pytest.fixture
def people(site, admin):
    h1 = admin.insert({"doctype": "Household", "village": "V1", "head_name": "张三"})
    h2 = admin.insert({"doctype": "Household", "village": "V2", "head_name": "李四"})
    p1 = admin.insert(
        {
            "doctype": "Person",
            "household": h1["name"],
            "full_name": '=HYPERLINK("http://x")',
            "gender": "Female",
            "id_number": VALID_IDS[0],
            "mobile": "13812345678",
        }
    )
    p2 = admin.insert({"doctype": "Person", "household": h2["name"], "full_name": "赵敏", "gender": "Female"})
    make_user(site, "clerk1", ["Village Clerk"], Village=["V1"])
    make_user(site, "township", ["Township Clerk"])
    return {"h1": h1, "h2": h2, "p1": p1, "p2": p2}
