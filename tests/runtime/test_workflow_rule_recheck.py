"""A transition re-checks the DocType's rules whose answer can have changed since the last save:
a rule that reads another document (the applicant must belong to the household) refuses the
step when that other document changed in between, although the application itself did not."""

from __future__ import annotations

import pytest
from workflow_support import EAST, act, pass_notice, state

from townflow.runtime import errors


def test_a_rule_over_another_document_is_checked_again_at_the_next_step(wsite, world):
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    elsewhere = world.household(EAST)
    # the applicant moves to another household after the application was saved
    with wsite.transaction():
        wsite.db.execute(
            'UPDATE "tabPerson" SET household = ? WHERE name = ?', (elsewhere["name"], app["applicant"])
        )
    with pytest.raises(errors.ValidationError):
        act(wsite, "head.east", app, "Verify")
    assert state(wsite, app) == "Pending Village Verification"


def test_an_unchanged_valid_application_passes_its_rules_at_every_step(wsite, world):
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    assert act(wsite, "head.east", app, "Verify")["workflow_state"] == "Village Public Notice"
    assert pass_notice(wsite, "head.east", app)["workflow_state"] == "Pending Township Review"


def test_rules_sharing_a_when_each_report_at_the_next_step(wsite, world):
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    # since the save: the policy amount changed, and the household got another reward approved
    admin = wsite.session("Administrator")
    other = world.reward_application()  # another household's, moved to this one below
    settings = admin.get("Campaign Settings")
    admin.save({**settings, "one_time_reward_amount": 2000})
    with wsite.transaction():
        wsite.db.execute(
            'UPDATE "tabSubsidy Application" SET workflow_state = ?, docstatus = 1, household = ? '
            "WHERE name = ?",
            ("Approved", app["household"], other["name"]),
        )
    with pytest.raises(errors.ValidationError) as refused:
        act(wsite, "head.east", app, "Verify")
    fields = {m.field for m in refused.value.messages}
    assert {"amount", "benefit_kind"} <= fields  # both One-time Reward rules, one `when`
    assert state(wsite, app) == "Pending Village Verification"
