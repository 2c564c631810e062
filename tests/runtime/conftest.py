"""Fixtures: a site for the small test project (tests/runtime/site_support.py) in tmp_path, and
the real project's template site (tests/runtime/workflow_support.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from site_support import ADMIN_PASSWORD, build_project, make_user

# The real project's fixtures (a template site copied per test, its clock, the registry records),
# for every module here that walks the real processes.
from workflow_support import real_project, template_site, wclock, world, wsite  # noqa: F401

from townflow.runtime import Site
from townflow.runtime.clock import SteppingClock
from townflow.spec.project import Project


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 3, 1, 9, 0, 0))


@pytest.fixture
def project(tmp_path) -> Project:
    return build_project(tmp_path)


@pytest.fixture
def site(tmp_path, project, clock):
    s = Site.open(tmp_path / "site", project, admin_password=ADMIN_PASSWORD, now=clock)
    yield s
    s.close()


@pytest.fixture
def admin(site):
    return site.session("Administrator")


@pytest.fixture
def people(site):
    """Households and persons in V1 and V2, and the users who work with them."""
    admin = site.session("Administrator")
    h1 = admin.insert({"doctype": "Household", "village": "V1", "head_name": "张三"})
    h2 = admin.insert({"doctype": "Household", "village": "V2", "head_name": "李四"})
    p1 = admin.insert(
        {
            "doctype": "Person",
            "household": h1["name"],
            "full_name": "王芳",
            "gender": "Female",
            "id_number": "11010519491231002X",
            "mobile": "13812345678",
        }
    )
    p2 = admin.insert({"doctype": "Person", "household": h2["name"], "full_name": "赵敏", "gender": "Female"})
    make_user(site, "clerk1", ["Village Clerk"], Village=["V1"])
    make_user(site, "clerk2", ["Village Clerk"], Village=["V2"])
    make_user(site, "township", ["Township Clerk"])
    return {"h1": h1, "h2": h2, "p1": p1, "p2": p2}
