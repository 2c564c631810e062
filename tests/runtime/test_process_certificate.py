"""凭证引产 end to end on the real project: village clerk -> village head -> township approver
(-> health -> leaders' countersign above the week threshold) -> Issued with serial and validity
-> the facility's report marks it used; every refusal a wrong role, village or state must get."""

from __future__ import annotations

import workflow_support as support
from workflow_support import EAST, act, state

# the real project's site and people (see workflow_support)
real_project, template_site, wclock, wsite, world = (
    support.real_project,
    support.template_site,
    support.wclock,
    support.wsite,
    support.world,
)


def test_below_the_threshold_the_certificate_is_issued_by_the_township(wsite, world):
    app = world.certificate_application(EAST, weeks=10)
    assert app["workflow_state"] == "Draft"
    act(wsite, "clerk.east", app, "Submit")
    assert state(wsite, app) == "Pending Village Verification"
    act(wsite, "head.east", app, "Verify")
    assert state(wsite, app) == "Pending Township Approval"
    issued = act(wsite, "approver1", app, "Approve")
    assert issued["workflow_state"] == "Issued"
    assert issued["docstatus"] == 1
    assert issued["certificate_status"] == "Unused"
    assert issued["certificate_serial"] == "YC-2026-00001"
    assert (issued["valid_from"], issued["valid_until"]) == ("2026-03-02", "2026-03-31")
