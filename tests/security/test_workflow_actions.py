"""Workflow actions as the wrong person: a second vote in a countersign, a return or withdraw by
someone the step does not name, an action before the document reached the step."""

from __future__ import annotations

import pytest

from townflow.runtime import workflow
from townflow.runtime.errors import TownflowError

from .conftest import one

CERTIFICATE = "Termination Certificate Application"
SUBSIDY = "Subsidy Application"


def test_a_countersign_needs_every_leader_not_one_leader_twice(site):
    name = one(site, CERTIFICATE, ["name"], workflow_state="Pending Leader Countersign")["name"]
    ref = {"doctype": CERTIFICATE, "name": name}
    workflow.apply_workflow(site.session("leader1@demo"), ref, "Countersign")
    with pytest.raises(TownflowError, match="already approved"):
        workflow.apply_workflow(site.session("leader1@demo"), ref, "Countersign")
    with pytest.raises(TownflowError):  # nor hand the second vote to the other leader
        workflow.delegate(site.session("leader1@demo"), ref, "leader2@demo")
    assert (
        site.session("Administrator").get(CERTIFICATE, name)["workflow_state"] == "Pending Leader Countersign"
    )


def test_return_withdraw_and_early_actions_are_refused_to_others(site):
    name = one(site, SUBSIDY, ["name", "owner"], workflow_state="Pending Township Review")
    ref = {"doctype": SUBSIDY, "name": name["name"]}
    for user in (name["owner"], "township.clerk@demo"):
        with pytest.raises(TownflowError) as refused:
            workflow.return_to(site.session(user), ref, "Draft", "退回")
        assert refused.value.http_status == 403
    with pytest.raises(TownflowError, match="already acted"):  # the village head has verified it
        workflow.withdraw(site.session(name["owner"]), ref)
    with pytest.raises(TownflowError) as refused:  # not routed to civil affairs yet: not found
        workflow.apply_workflow(site.session("civil@demo"), ref, "Approve")
    assert refused.value.http_status == 404
    assert (
        site.session("Administrator").get(SUBSIDY, name["name"])["workflow_state"]
        == "Pending Township Review"
    )
