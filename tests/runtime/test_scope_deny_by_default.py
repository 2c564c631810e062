"""Deny by default, the rule the Frappe app applies too (townflow.rules.scope.reaches_nothing): a
department officer bound to no Department reaches no record, where one bound to the finance
office reaches the applications routed there."""

from __future__ import annotations

from workflow_support import REWARD_TO_APPROVED, walk

SUBSIDY = "Subsidy Application"


def test_a_department_officer_without_a_department_reaches_nothing(wsite, world):
    app = world.reward_application()
    walk(wsite, app, REWARD_TO_APPROVED[:5])  # routed to the finance office
    admin = wsite.session("Administrator")
    admin.insert(
        {
            "doctype": "User",
            "email": "finance.unbound@test",
            "first_name": "无部门",
            "new_password": "Unbound-2026-x",
            "roles": [{"role": "Finance Officer"}],
        }
    )
    unbound = wsite.session("finance.unbound@test")
    assert unbound.get_list(SUBSIDY, fields=["name"]) == []
    assert unbound.get_count(SUBSIDY) == 0
    bound = wsite.session("finance")
    assert app["name"] in [r["name"] for r in bound.get_list(SUBSIDY, fields=["name"])]
