"""转出/转入 within the township: the receiving clerk confirms from her inbox, and the person, her
pregnancy records and their open visit work move to the receiving village in one go."""

from __future__ import annotations

import pytest
from workflow_support import WEST

from townflow.runtime import errors, inbox, migrants


def todo(site, user: str, doctype: str) -> list[tuple[str, str]]:
    page = inbox.inbox(site.session(user), tab="todo", doctype=doctype, limit_page_length=100)
    return [(i["reference_name"], i["workflow_state"]) for i in page["items"]]


def test_a_handover_moves_responsibility_and_visibility_once_confirmed(wsite, wclock, world):
    mother = world.person(
        world.household(), is_migrant=1, migrant_direction="Inflow", registered_residence="河南省"
    )
    record = world.pregnancy(mother)
    wsite.tick(wclock.now)  # no visit since registration: due in 东关村
    assert todo(wsite, "clerk.east", "Pregnancy Record") == [(record["name"], "Visit Due")]
    west_home = world.household(WEST, head_name="王大力")
    east, west = wsite.session("clerk.east"), wsite.session("clerk.west")

    handover = migrants.request_handover(east, mother["name"], west_home["name"], "随丈夫迁居")
    # filed, not yet moved: the east keeps her; the west clerk finds the handover in her inbox
    assert todo(wsite, "clerk.west", "Migrant Handover") == [(handover["name"], "Pending Receipt")]
    assert todo(wsite, "clerk.east", "Migrant Handover") == []
    assert east.get("Person", mother["name"])["village"] == "东关村"
    with pytest.raises(errors.DoesNotExistError):
        west.get("Person", mother["name"])
    with pytest.raises(errors.DoesNotExistError):  # the sender cannot confirm for the receiver
        migrants.confirm_handover(east, handover["name"])

    done = migrants.confirm_handover(west, handover["name"])
    assert done["status"] == "Confirmed" and done["confirmed_by"] == "clerk.west"
    assert west.get("Person", mother["name"])["village"] == WEST
    assert west.get("Pregnancy Record", record["name"])["village"] == WEST
    for doctype, name in (("Person", mother["name"]), ("Pregnancy Record", record["name"])):
        with pytest.raises(errors.DoesNotExistError):
            east.get(doctype, name)
    assert record["name"] not in {r["name"] for r in east.get_list("Pregnancy Record", limit_page_length=100)}
    # the open visit work moved with her; the handover's own to-do is closed
    assert todo(wsite, "clerk.east", "Pregnancy Record") == []
    assert todo(wsite, "clerk.west", "Pregnancy Record") == [(record["name"], "Visit Due")]
    assert todo(wsite, "clerk.west", "Migrant Handover") == []
    with pytest.raises(errors.ValidationError):
        migrants.confirm_handover(west, handover["name"])


def test_a_handover_is_refused_to_a_clerk_of_another_village_and_within_the_same_village(wsite, world):
    mother = world.person(world.household())
    west_home = world.household(WEST)
    with pytest.raises(errors.DoesNotExistError):
        migrants.request_handover(wsite.session("clerk.west"), mother["name"], west_home["name"])
    with pytest.raises(errors.ValidationError) as refused:
        migrants.request_handover(wsite.session("clerk.east"), mother["name"], mother["household"])
    assert refused.value.messages[0].field == "to_household"
    assert wsite.session("Administrator").get_count("Migrant Handover") == 0
