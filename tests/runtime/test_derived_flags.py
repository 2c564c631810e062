"""计生女孩户 is derived from 家庭类别 on every write (issue 18 point 2), whatever the writer sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from townflow.runtime import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_site(tmp_path):
    site = Site.open(tmp_path, load_project(ROOT), admin_password="x")
    yield site
    site.close()


def test_the_girl_household_flag_follows_the_children_registered_whatever_the_writer_sends(real_site) -> None:
    admin = real_site.session("Administrator")
    village = admin.get_list("Village", fields=["name"], limit_page_length=1)[0]["name"]
    household = admin.insert(
        {
            "doctype": "Household",
            "village": village,
            "head_name": "李明",
            "address": "一组",
            "household_type": "One-girl",  # sent, but the type is computed from the members
            "is_girl_household": 1,
        }
    )
    assert admin.get("Household", household["name"])["is_girl_household"] == 0  # no child registered
    child = {"doctype": "Person", "household": household["name"], "date_of_birth": "2015-03-01"}
    admin.insert({**child, "full_name": "李小花", "gender": "Female", "relationship": "Daughter"})
    stored = admin.get("Household", household["name"])
    assert (stored["household_type"], stored["is_girl_household"]) == ("One-girl", 1)
    admin.insert({**child, "full_name": "李小明", "gender": "Male", "relationship": "Son"})
    stored = admin.get("Household", household["name"])
    assert (stored["household_type"], stored["is_girl_household"]) == ("Two-child", 0)
    admin.save({**stored, "is_girl_household": 1})  # typed: ignored
    assert admin.get("Household", household["name"])["is_girl_household"] == 0
