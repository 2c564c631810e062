"""会签: a leader who has already countersigned must not be offered the button again.

Seen in the browser: after 领导小组组长 countersigned, his form still showed 会签同意; pressing it
answered "has already approved this step". get_transitions (which the form and Frappe's desk ask)
must leave out an approving transition the user has already voted on in a mode-all step.
"""

from __future__ import annotations

from workflow_support import EAST, act

from townflow.runtime import workflow


def test_a_leader_who_countersigned_is_not_offered_countersign_again(wsite, world):
    app = world.certificate_application(EAST, weeks=16)
    for user, action in (("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")):
        act(wsite, user, app, action)
    act(wsite, "health", app, "Approve")
    leader1 = wsite.session("leader1")
    offered = [t["action"] for t in workflow.get_transitions(leader1, app)]
    assert "Countersign" in offered
    act(wsite, "leader1", app, "Countersign")
    offered_after = [t["action"] for t in workflow.get_transitions(leader1, app)]
    assert "Countersign" not in offered_after
    assert "Reject" in offered_after, "a leader may still stop it before the others sign"
    # the other leader still has it
    offered_leader2 = [t["action"] for t in workflow.get_transitions(wsite.session("leader2"), app)]
    assert "Countersign" in offered_leader2
