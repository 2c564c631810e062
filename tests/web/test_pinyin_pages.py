"""Search by pinyin in the pages (issue 17 point 4), on a demo site: a village clerk types a
person's initials or full pinyin into the Person list's search box or a Link field and finds
them; a person of another village stays out of both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from townflow.rules import pinyin
from townflow.runtime.site import Site
from townflow.web.app import create_app

from .test_pages_support import CLERK, OTHER_CLERK, demo_site, login, village_of


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def _person(site: Site, user: str) -> dict:
    rows = site.session("Administrator").get_list(
        "Person",
        fields=["name", "full_name"],
        filters={"village": village_of(site, user)},
        order_by="name asc",
        limit_page_length=1,
    )
    return rows[0]


def test_the_list_search_box_and_link_search_find_a_person_by_pinyin(app, site):
    mine, theirs = _person(site, CLERK), _person(site, OTHER_CLERK)
    full, initials = pinyin.keys(mine["full_name"])[:2]
    clerk = login(app, CLERK)
    for typed in (initials, full, full.upper()):
        listing = clerk.get("/app/person", params={"q": typed})
        assert listing.status_code == 200
        assert f'/app/person/{mine["name"]}"' in listing.text, typed
        found = clerk.get("/search/link", params={"doctype": "Person", "txt": typed}).json()["message"]
        assert mine["name"] in [r["value"] for r in found], typed
    # the other village's person, searched by her own pinyin, is not the clerk's to find
    other_full = pinyin.keys(theirs["full_name"])[0]
    assert f'/app/person/{theirs["name"]}"' not in clerk.get("/app/person", params={"q": other_full}).text
    found = clerk.get("/search/link", params={"doctype": "Person", "txt": other_full}).json()["message"]
    assert theirs["name"] not in [r["value"] for r in found]
