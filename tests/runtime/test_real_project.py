"""The real project (doctypes/, workflows/, fixtures/) on a fresh site: fixtures load once, a village
clerk works in their own village, a village head sees ID numbers masked, the CLI commands run."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_support import make_user

from townflow.cli import main
from townflow.runtime import Site
from townflow.runtime.errors import DoesNotExistError
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    site = Site.open(folder, load_project(ROOT), admin_password="x")
    yield site
    site.close()


def test_fixtures_are_loaded_once(real_site):
    admin = real_site.session("Administrator")
    villages = admin.get_count("Village")
    assert villages == len(real_site.project.records_of("Village")) and villages >= 45
    assert real_site.load_fixtures() == {}  # idempotent
    assert admin.get_count("Role") >= len(real_site.project.roles)


def test_village_clerk_keeps_to_own_village(real_site):
    make_user(real_site, "clerk.dongguan", ["Village Clerk"], Village=["东关村"])
    make_user(real_site, "head.xiguan", ["Village Head"], Village=["西关村"])
    admin = real_site.session("Administrator")
    clerk = real_site.session("clerk.dongguan")
    household = {
        "doctype": "Household",
        "head_name": "张三",
        "address": "东关村1号",
        "household_type": "One-girl",
    }
    mine = clerk.insert({**household, "village": "东关村"})
    other = admin.insert({**household, "village": "西关村"})
    assert [h["name"] for h in clerk.get_list("Household")] == [mine["name"]]
    with pytest.raises(DoesNotExistError):
        clerk.get("Household", other["name"])
    person = admin.insert(
        {
            "doctype": "Person",
            "household": other["name"],
            "full_name": "王芳",
            "gender": "Female",
            "date_of_birth": "1949-12-31",
            "relationship": "Head",
            "id_number": "11010519491231002X",
        }
    )
    assert person["village"] == "西关村"  # fetched from the household
    head_view = real_site.session("head.xiguan").get("Person", person["name"])
    assert head_view["id_number"] == "******************"


def test_cli_audit_verify_and_migrate(real_site, capsys):
    folder = str(real_site.path)
    assert main(["audit", "verify", "--site", folder]) == 0
    assert main(["--project", str(ROOT), "migrate", "--site", folder]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_cli_exports_customizations(real_site, tmp_path, capsys):
    admin = real_site.session("Administrator")
    admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "fieldname": "house_no",
            "label": "门牌号",
            "fieldtype": "Data",
        }
    )
    assert real_site.meta("Household").field("house_no") is not None
    out = tmp_path / "customizations"
    args = [
        "--project",
        str(ROOT),
        "customizations",
        "export",
        "--site",
        str(real_site.path),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert (out / "household.yaml").read_text(encoding="utf-8").count("house_no") == 1
