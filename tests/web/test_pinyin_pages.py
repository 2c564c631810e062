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


def test_a_broad_pinyin_search_caps_the_count_and_counts_exactly_on_request(app, site, monkeypatch):
    from townflow.runtime import pinyin_search

    # the demo's Person list is small; treat it as the large list the key walk is for
    monkeypatch.setattr(pinyin_search, "SMALL_TABLE", -1)
    monkeypatch.setattr(pinyin_search, "COUNT_CAP", 2)
    village = village_of(site, CLERK)
    people = site.session("Administrator").get_list(
        "Person", fields=["name", "full_name"], filters={"village": village}, limit_page_length=0
    )
    # the oracle: the clerk's own people with a key starting with the letter typed
    letter = pinyin.keys(people[0]["full_name"])[1][0]
    expected = {p["name"] for p in people if any(k.startswith(letter) for k in pinyin.keys(p["full_name"]))}
    assert len(expected) > 2
    clerk = login(app, CLERK)
    listing = clerk.get("/app/person", params={"q": letter})
    assert listing.status_code == 200
    assert 'data-total="2+"' in listing.text and "data-exact-count" in listing.text
    shown = {n for n in expected if f'/app/person/{n}"' in listing.text}
    assert len(shown) == min(20, len(expected))
    exact = clerk.get("/app/person", params={"q": letter, "exact": "1"})
    assert f'data-total="{len(expected)}"' in exact.text and "data-exact-count" not in exact.text
